"""perfkit: performance benchmarking and regression analysis on top of asv."""

__version__ = "0.1.0"
