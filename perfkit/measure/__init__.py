"""Measuring: sides (a commit and the Python that imports its build), asv driven round by
round, interleaved base/head protocol, shards, continuous and commit ranges."""
