"""callwright: an open-source AI phone agent platform."""

__version__ = "0.1.0"
