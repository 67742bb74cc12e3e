"""A vault transaction is an opaque unit of work: whoever holds one cannot run SQL through it."""

from __future__ import annotations

import copy
import pickle

import pytest
from sqlalchemy import Connection, text

from fieldkit.store.transaction import Transaction, connection
from fieldkit.store.vault import Vault

SQL_DOORS = (
    "execute",
    "exec_driver_sql",
    "scalar",
    "scalars",
    "connection",
    "begin",
    "commit",
    "rollback",
    "engine",
    "info",
)


def test_a_read_transaction_offers_no_way_to_run_sql(vault: Vault) -> None:
    with vault.read() as tx:
        assert isinstance(tx, Transaction)
        assert not isinstance(tx, Connection)
        assert [name for name in dir(tx) if not name.startswith("_")] == []
        for door in SQL_DOORS:
            assert not hasattr(tx, door), door


def test_a_write_transaction_offers_no_way_to_run_sql(vault: Vault) -> None:
    with vault.write() as tx:
        assert isinstance(tx, Transaction)
        for door in SQL_DOORS:
            assert not hasattr(tx, door), door


def test_a_transaction_takes_no_new_attributes(vault: Vault) -> None:
    with vault.read() as tx, pytest.raises(AttributeError):
        tx.execute = lambda *_: None  # type: ignore[attr-defined]


def test_a_transaction_cannot_be_copied_or_pickled_out_of_its_block(vault: Vault) -> None:
    with vault.read() as tx:
        with pytest.raises(TypeError):
            copy.copy(tx)
        with pytest.raises(TypeError):
            pickle.dumps(tx)
        assert repr(tx) == "<Transaction>"


def test_the_store_reaches_the_connection_inside(vault: Vault) -> None:
    with vault.read() as tx:
        assert connection(tx).execute(text("SELECT 1")).scalar_one() == 1
