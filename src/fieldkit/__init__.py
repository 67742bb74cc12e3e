"""Fieldkit: offline-first field app for community-safety partnerships."""

__version__ = "0.1.0"
