"""Vault schema revisions."""
