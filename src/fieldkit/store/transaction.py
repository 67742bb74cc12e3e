"""The vault's unit of work: an opaque token services pass to the store, never a connection."""

from __future__ import annotations

from typing import final

from sqlalchemy import Connection


@final
class Transaction:
    """One read or write transaction, as `Vault.read()` and `Vault.write()` hand it out.

    Services pass it on to store functions and can do nothing else with it: it has no
    methods, holds its connection in a slot, and only the store reaches the connection
    (through `connection`), so no SQL is written above the store.
    """

    __slots__ = ("_connection",)

    def __init__(self, unit: Connection, /) -> None:
        # Made by the store only (`Vault.read()`/`Vault.write()`, and store code that
        # already holds a connection); services receive one, never make one.
        self._connection = unit

    def __repr__(self) -> str:
        return "<Transaction>"

    def __reduce__(self) -> str:  # a unit of work never leaves its process
        raise TypeError("a vault transaction cannot be pickled or copied")


def connection(tx: Transaction) -> Connection:
    """The connection inside a transaction: for store modules only, never services or UI.

    Args:
        tx: A transaction from `Vault.read()` or `Vault.write()`.

    Returns:
        The SQLAlchemy connection the transaction runs on.
    """
    return tx._connection
