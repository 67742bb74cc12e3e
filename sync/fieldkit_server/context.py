"""The object graph of one server, built once by create_app and handed to every request."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from fieldkit_server.clock import Clock
from fieldkit_server.security import Passwords
from fieldkit_server.settings import Settings


@dataclass(frozen=True)
class ServerContext:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    clock: Clock
    passwords: Passwords
