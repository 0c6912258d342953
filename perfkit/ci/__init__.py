"""Continuous integration: the pull-request comment (GitHub), the job summary and the
workflow files ``perfkit init`` writes."""
