"""Settings come from the environment and arguments, arguments winning."""

from __future__ import annotations

import pytest

from fieldkit_server.settings import Settings


def test_environment_sets_the_database_and_arguments_override_it() -> None:
    env = {"FIELDKIT_SERVER_DB": "sqlite:///a.db", "FIELDKIT_SERVER_MAX_CHANGES": "10"}
    assert Settings.from_env(env).db_url == "sqlite:///a.db"
    assert Settings.from_env(env).max_changes == 10
    assert Settings.from_env(env, db_url="sqlite:///b.db").db_url == "sqlite:///b.db"
    assert Settings.from_env(env, db_url=None).db_url == "sqlite:///a.db"


def test_without_settings_the_database_is_a_sqlite_file() -> None:
    assert Settings.from_env({}).db_url.endswith("fieldkit-server.sqlite3")


@pytest.mark.parametrize(
    ("variable", "value"),
    [("FIELDKIT_SERVER_MAX_CHANGES", "many"), ("FIELDKIT_SERVER_MIGRATE_ON_START", "perhaps")],
)
def test_a_malformed_variable_is_named(variable: str, value: str) -> None:
    with pytest.raises(ValueError, match=variable):
        Settings.from_env({variable: value})
