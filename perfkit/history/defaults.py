"""The change-point analysis' defaults and the history outputs' formats, in a module that
imports nothing: ``perfkit history`` builds its options from them and starts reading its
input before it imports numba (:mod:`perfkit.history.changepoint` and
:mod:`perfkit.history.report` take them from here)."""

DEFAULT_ALPHA = 0.001
DEFAULT_MIN_SIZE = 5
DEFAULT_WINDOW = 30
DEFAULT_CONFIDENCE = 0.95
DEFAULT_MIN_EFFECT = 1.0
FORMATS = ("json", "html", "all")
