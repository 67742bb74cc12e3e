"""Importing the support-service directory from a JSON file, as changes through the push path."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fieldkit.domain.hlc import Hlc
from fieldkit.domain.records import RecordType, normalise_id
from fieldkit_server import audit
from fieldkit_server.audit import AuditAction
from fieldkit_server.clock import SERVER_NODE, millis
from fieldkit_server.models import Record
from fieldkit_server.policy import Principal, Role
from fieldkit_server.push import (
    ChangeResult,
    ChangeStatus,
    IncomingChange,
    Op,
    Writer,
    push_changes,
)

#: The server acting for itself (the import command), with an administrator's rights.
SYSTEM = Principal(user_id="server", role=Role.ADMIN, districts=frozenset(), safeguarding=False)


class ImportError_(ValueError):
    """The file is not a list of service objects."""


def parse_services(text: str | bytes) -> list[dict[str, Any]]:
    """Read a services file: a JSON list of objects, each the service's fields and maybe an id.

    Args:
        text: the file's content, as text or as the bytes read (which must be UTF-8).

    Raises:
        ImportError_: the file is not of that shape (the message never quotes its content).
    """
    try:
        if isinstance(text, bytes):
            text = text.decode("utf-8-sig")
        data = json.loads(text)
    except UnicodeDecodeError:
        raise ImportError_("not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise ImportError_(f"not JSON: {exc}") from None
    except RecursionError:
        raise ImportError_("not JSON this server can read: nested too deeply") from None
    except ValueError:  # Python's limit on the digits of an integer (CVE-2020-10735)
        raise ImportError_("not JSON this server can read: a number has too many digits") from None
    if isinstance(data, dict) and isinstance(data.get("services"), list):
        data = data["services"]
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise ImportError_("expected a JSON list of service objects")
    return data


def import_services(
    session: Session,
    *,
    services: Sequence[dict[str, Any]],
    now: datetime,
    actor: str | None = None,
) -> list[ChangeResult]:
    """Create or replace services; the file is authoritative, so no conflicts are recorded.

    Args:
        session: the transaction.
        services: each service's fields, and maybe its id.
        now: server time.
        actor: who ran the import (their OS account), for the audit log.

    Returns:
        A result per service, in order.
    """
    hlc = str(Hlc(millis(now), 0, SERVER_NODE))
    changes: list[IncomingChange] = []
    for item in services:
        fields = {k: v for k, v in item.items() if k != "id"}
        try:
            record_id = normalise_id(item["id"]) if "id" in item else str(uuid.uuid4())
        except ValueError as exc:
            raise ImportError_(f"bad service id: {exc}") from None
        versions = session.scalar(select(Record.versions).where(Record.id == record_id))
        changes.append(
            IncomingChange(
                change_id=str(uuid.uuid4()),
                type=RecordType.SERVICE,
                id=record_id,
                op=Op.UPSERT,
                hlc=hlc,
                fields=fields,
                base=json.loads(versions) if versions else {},
            )
        )
    outcome = push_changes(
        session,
        writer=Writer(SYSTEM, None),
        changes=changes,
        device_seq=None,
        now=now,
        hlc_tolerance_millis=0,
    )
    applied = [r for r in outcome.results if r.status is not ChangeStatus.REJECTED]
    audit.append(
        session,
        [
            audit.server_event(
                at=now,
                action=AuditAction.SERVICES_IMPORT,
                user_id=None,
                device_id=None,
                actor=actor,
                detail={
                    "services": [c.id for c in changes],
                    "applied": len(applied),
                    "refused": len(outcome.results) - len(applied),
                },
            )
        ],
    )
    return outcome.results
