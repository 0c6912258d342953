"""Verdicts: per-benchmark statistics (ratio, interval, p, verdict), the score and the
gate, and the pipeline from measurements to a Report."""
