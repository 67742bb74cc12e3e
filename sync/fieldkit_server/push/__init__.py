"""Applying a push: idempotent, merged field by field, policy-checked, committed in one go.

The work is split by job: ``model`` (the changes, results and batch), ``lookups`` (users,
linked records' restriction, clock nodes), ``merge`` (one change against its record),
``restriction`` (re-deriving restriction along links), ``store`` (locked reads and set-based
writes) and ``apply`` (the order it all happens in, inside one transaction).
"""

from fieldkit_server.push.apply import push_changes
from fieldkit_server.push.model import (
    ChangeResult,
    ChangeStatus,
    IncomingChange,
    Op,
    PushOutcome,
    Writer,
)

__all__ = [
    "ChangeResult",
    "ChangeStatus",
    "IncomingChange",
    "Op",
    "PushOutcome",
    "Writer",
    "push_changes",
]
