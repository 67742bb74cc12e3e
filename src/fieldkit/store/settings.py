"""The vault owner's app settings, kept as one JSON document in ``vault_meta``."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, insert, select

from fieldkit.store.schema import Meta
from fieldkit.store.transaction import Transaction, connection

_KEY = "app_settings"


def load(tx: Transaction) -> dict[str, Any] | None:
    """The saved settings as they were stored, or None when none have been saved."""
    raw = connection(tx).execute(select(Meta.value).where(Meta.key == _KEY)).scalar()
    if not raw:
        return None
    data = json.loads(raw)
    return dict(data) if isinstance(data, dict) else None


def save(tx: Transaction, values: Mapping[str, Any]) -> None:
    """Replace the saved settings in the caller's write transaction.

    Args:
        tx: a write transaction.
        values: the settings by name (JSON-serialisable).
    """
    connection(tx).execute(delete(Meta).where(Meta.key == _KEY))
    connection(tx).execute(insert(Meta).values(key=_KEY, value=json.dumps(dict(values))))
