"""Server settings, read from command-line arguments and the environment, never on import."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path

#: The protocol version: a date, bumped when the wire format changes meaning (see the protocol
#: doc). Defined once in the core's wire module, shared with the laptop.
from fieldkit.wire import PROTOCOL as PROTOCOL

DEFAULT_DB_FILE = "fieldkit-server.sqlite3"


LOG_LEVELS = ("critical", "error", "warning", "info", "debug")


def _log_level(value: str) -> str:
    level = value.strip().lower()
    if level not in LOG_LEVELS:
        raise ValueError(value)
    return level


def default_db_url() -> str:
    """The embedded default: a SQLite file in the working directory."""
    return f"sqlite:///{Path(DEFAULT_DB_FILE).resolve()}"


class LogFormat(StrEnum):
    """How the server writes its log lines to stderr."""

    JSON = "json"  # one JSON object per line, for a log collector
    TEXT = "text"  # for a person at a terminal


def _flag(text: str) -> bool:
    if text.lower() in ("1", "true", "yes", "on"):
        return True
    if text.lower() in ("0", "false", "no", "off"):
        return False
    raise ValueError(text)


@dataclass(frozen=True)
class Settings:
    """Everything that shapes one server: where its database is and its limits.

    Attributes:
        db_url: SQLAlchemy URL (``sqlite:///file`` or ``postgresql+psycopg://...``).
        token_ttl_seconds: how long a bearer token lasts after login.
        hlc_tolerance_millis: how far ahead of server time a change's clock may be before it is
            clamped (a laptop days ahead would otherwise win every merge until time caught up).
        max_body_bytes: the largest request body accepted, before and after gzip.
        max_changes: the most changes one push may carry.
        max_pull_limit: the largest page a pull may ask for.
        login_max_failures: failed logins per user name in one window before it is locked.
        login_max_failures_per_client: failed logins from one client address in one window.
        login_window_seconds: the rate-limit window.
        min_client_version: the oldest laptop release the server still talks to.
        migrate_on_start: bring the schema up to date when the app starts.
        argon2_time_cost, argon2_memory_kib: the password hash's cost (tests lower it).
        log_format: JSON lines or plain text on stderr (``serve`` only).
        log_level: the least severe log records written (``serve`` only): critical, error,
            warning, info (each request's line) or debug.
        data_dir: the server's data folder; evidence files are kept under ``files/`` in it
            (None: beside a SQLite database, else ``fieldkit-data`` in the working folder).
        max_file_bytes: the largest evidence file a laptop may attach and upload.
    """

    db_url: str = field(default_factory=default_db_url)
    token_ttl_seconds: int = 30 * 24 * 3600
    hlc_tolerance_millis: int = 5 * 60 * 1000
    max_body_bytes: int = 5 * 1024 * 1024
    max_changes: int = 1000
    max_pull_limit: int = 5000
    login_max_failures: int = 5
    login_max_failures_per_client: int = 50
    login_window_seconds: int = 15 * 60
    min_client_version: str = "0.1.0"
    migrate_on_start: bool = True
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    log_format: LogFormat = LogFormat.TEXT
    log_level: str = "info"
    data_dir: Path | None = None
    max_file_bytes: int = 25 * 1024 * 1024

    def files_dir(self) -> Path:
        """Where the filesystem blob store keeps evidence files."""
        if self.data_dir is not None:
            return Path(self.data_dir) / "files"
        if self.db_url.startswith("sqlite:///") and ":memory:" not in self.db_url:
            database = Path(self.db_url[len("sqlite:///") :])
            return database.with_name(database.name + ".files")
        return Path("fieldkit-data").resolve() / "files"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Settings from ``FIELDKIT_SERVER_*`` variables, then explicit overrides (e.g. --db).

        Args:
            env: the environment (``os.environ`` if None).
            overrides: values that win over the environment; None values are ignored.

        Raises:
            ValueError: a variable holds a value of the wrong kind.
        """
        env = os.environ if env is None else env
        values: dict[str, object] = {}
        names: dict[str, tuple[str, Callable[[str], object]]] = {
            "FIELDKIT_SERVER_DB": ("db_url", str),
            "FIELDKIT_SERVER_TOKEN_TTL": ("token_ttl_seconds", int),
            "FIELDKIT_SERVER_HLC_TOLERANCE_MS": ("hlc_tolerance_millis", int),
            "FIELDKIT_SERVER_MAX_BODY_BYTES": ("max_body_bytes", int),
            "FIELDKIT_SERVER_MAX_CHANGES": ("max_changes", int),
            "FIELDKIT_SERVER_LOGIN_MAX_FAILURES": ("login_max_failures", int),
            "FIELDKIT_SERVER_LOGIN_WINDOW": ("login_window_seconds", int),
            "FIELDKIT_SERVER_MIN_CLIENT_VERSION": ("min_client_version", str),
            "FIELDKIT_SERVER_MIGRATE_ON_START": ("migrate_on_start", _flag),
            "FIELDKIT_SERVER_ARGON2_TIME_COST": ("argon2_time_cost", int),
            "FIELDKIT_SERVER_ARGON2_MEMORY_KIB": ("argon2_memory_kib", int),
            "FIELDKIT_SERVER_LOG_FORMAT": ("log_format", LogFormat),
            "FIELDKIT_SERVER_LOG_LEVEL": ("log_level", _log_level),
            "FIELDKIT_SERVER_DATA_DIR": ("data_dir", Path),
            "FIELDKIT_SERVER_MAX_FILE_BYTES": ("max_file_bytes", int),
        }
        for variable, (name, kind) in names.items():
            if variable in env:
                try:
                    values[name] = kind(env[variable])
                except ValueError:
                    raise ValueError(f"{variable} has the wrong kind of value") from None
        values.update({k: v for k, v in overrides.items() if v is not None})
        return replace(cls(), **values)  # type: ignore[arg-type]
