"""Alembic migrations of the vault schema."""
