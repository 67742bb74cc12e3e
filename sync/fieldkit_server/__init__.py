"""Fieldkit sync server."""
