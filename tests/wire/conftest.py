"""The server fixtures (a real app on SQLite and PostgreSQL, signed-in laptops) for wire tests."""

from __future__ import annotations

from tests.server.conftest import client, clock, db_url, settings, team

__all__ = ["client", "clock", "db_url", "settings", "team"]
