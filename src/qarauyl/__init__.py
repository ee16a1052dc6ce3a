"""Qarauyl (қарауыл, "the sentry"): keeps a city's CCTV network seeing."""

__version__ = "0.1.0"
