"""The name services use for a vault transaction, so that only the store imports SQLAlchemy."""

from __future__ import annotations

from typing import TypeAlias

from sqlalchemy import Connection

#: A connection inside one transaction, as `Vault.read()` and `Vault.write()` hand it out.
#: Services pass it on to store functions; only the store looks inside.
Transaction: TypeAlias = Connection
