"""Information-sharing agreements at the server: adding, listing and ending them, and grants."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, literal, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import SQLCoreOperations

from fieldkit_server import audit
from fieldkit_server.audit import AuditAction
from fieldkit_server.models import Agreement as AgreementRow
from fieldkit_server.models import Base
from fieldkit_server.policy import Agreement, Grant, agreement_problems, grants_for

_AGREEMENTS = Base.metadata.tables[AgreementRow.__tablename__]


class AgreementError(ValueError):
    """An agreement command that cannot be carried out (bad terms, unknown or ended agreement)."""


@dataclass(frozen=True)
class AgreementView:
    """An agreement as the command line and the admin screen show it."""

    name: str
    agencies: tuple[str, ...]
    types: tuple[str, ...]
    categories: tuple[str, ...]
    purpose: str
    basis: str
    start: date
    end: date | None
    ended_at: datetime | None
    in_force: bool

    def wire(self) -> dict[str, object]:
        return {
            "name": self.name,
            "agencies": list(self.agencies),
            "types": list(self.types),
            "categories": list(self.categories),
            "purpose": self.purpose,
            "basis": self.basis,
            "start": self.start.isoformat(),
            "end": self.end.isoformat() if self.end else None,
            "ended_at": self.ended_at.isoformat() if self.ended_at else None,
            "in_force": self.in_force,
        }


def _policy(row: Any) -> Agreement:
    return Agreement(
        name=row.name,
        agencies=frozenset(json.loads(row.agencies)),
        types=frozenset(json.loads(row.types)),
        categories=frozenset(json.loads(row.categories)),
        start=row.start,
        end=row.end,
        ended=row.ended_at is not None,
    )


def agreements(session: Session) -> list[Agreement]:
    """Every agreement, in force or not, as the policy reads them."""
    return [_policy(r) for r in session.scalars(select(AgreementRow).order_by(AgreementRow.name))]


def grants(session: Session, *, agency: str, day: date) -> tuple[Grant, ...]:
    """What the agreements in force on ``day`` let ``agency``'s users see of others' records."""
    return grants_for(agency, agreements(session), day=day)


def in_force_naming(
    agency: SQLCoreOperations[str], *, day: date | ColumnElement[date]
) -> ColumnElement[bool]:
    """A join condition: agreements in force on ``day`` that (by their text) name ``agency``.

    A pre-filter for joining agreements onto another lookup (the token's): the text match may
    admit an agreement naming a longer agency, so the rows it finds go through
    ``grants_from`` (which reads the list exactly) before anything is granted. Written over the
    table's columns (no ORM entity), so a lookup built once at import can join it; ``day`` may
    be a bound parameter.
    """
    c = _AGREEMENTS.c
    return and_(
        c.agencies.contains(literal('"') + agency + literal('"')),
        c.ended_at.is_(None),
        c.start <= day,
        or_(c.end.is_(None), c.end >= day),
    )


def grants_from(rows: Iterable[Any], *, agency: str, day: date) -> tuple[Grant, ...]:
    """What agreement rows already read (``in_force_naming``'s) grant ``agency``'s users.

    A row is an ``Agreement`` or a result row with its ``name``, ``agencies``, ``types``,
    ``categories``, ``start``, ``end`` and ``ended_at``.
    """
    return grants_for(agency, [_policy(r) for r in rows], day=day)


def list_agreements(session: Session, *, day: date) -> list[AgreementView]:
    """Every agreement by name, saying whether it is in force on ``day``."""
    rows = session.scalars(select(AgreementRow).order_by(AgreementRow.name))
    return [
        AgreementView(
            name=r.name,
            agencies=tuple(json.loads(r.agencies)),
            types=tuple(json.loads(r.types)),
            categories=tuple(json.loads(r.categories)),
            purpose=r.purpose,
            basis=r.basis,
            start=r.start,
            end=r.end,
            ended_at=r.ended_at,
            in_force=_policy(r).in_force(day),
        )
        for r in rows
    ]


def add_agreement(
    session: Session,
    *,
    name: str,
    agencies: Sequence[str],
    types: Sequence[str],
    categories: Sequence[str],
    purpose: str,
    basis: str,
    start: date,
    end: date | None,
    actor: str,
    now: datetime,
) -> AgreementView:
    """Record an agreement; laptops of its agencies' users see what it shares at next sync.

    Raises:
        AgreementError: naming every term that is wrong, or that the name is taken.
    """
    problems = agreement_problems(
        name=name,
        agencies=agencies,
        types=types,
        categories=categories,
        purpose=purpose,
        basis=basis,
        start=start,
        end=end,
    )
    if problems:
        raise AgreementError("; ".join(problems))
    name = name.strip()
    if session.scalar(select(AgreementRow.id).where(AgreementRow.name == name)) is not None:
        raise AgreementError("an agreement of that name exists; end it or choose another name")
    row = AgreementRow(
        name=name,
        agencies=json.dumps(sorted(set(agencies))),
        types=json.dumps(sorted(set(types))),
        categories=json.dumps(sorted(set(categories))),
        purpose=purpose.strip(),
        basis=basis.strip(),
        start=start,
        end=end,
        created_at=now,
        created_by=actor,
    )
    session.add(row)
    session.flush()
    audit.log_admin(
        session,
        AuditAction.AGREEMENT_ADD,
        now=now,
        actor=actor,
        detail={
            "name": name,
            "agencies": sorted(set(agencies)),
            "types": sorted(set(types)),
            "categories": sorted(set(categories)),
            "start": start.isoformat(),
            "end": end.isoformat() if end else None,
        },
    )
    return list_agreements_named(session, name=name, day=now.date())


def list_agreements_named(session: Session, *, name: str, day: date) -> AgreementView:
    """One agreement by name.

    Raises:
        AgreementError: there is no agreement of that name.
    """
    for view in list_agreements(session, day=day):
        if view.name == name:
            return view
    raise AgreementError("no agreement of that name (see: agreement list)")


def end_agreement(session: Session, *, name: str, actor: str, now: datetime) -> AgreementView:
    """End an agreement now: it shares nothing more, and laptops purge what it shared.

    Raises:
        AgreementError: no agreement of that name, or it has already ended.
    """
    row = session.scalar(select(AgreementRow).where(AgreementRow.name == name.strip()))
    if row is None:
        raise AgreementError("no agreement of that name (see: agreement list)")
    if row.ended_at is not None:
        raise AgreementError("that agreement has already ended")
    row.ended_at, row.ended_by = now, actor
    session.flush()
    audit.log_admin(
        session, AuditAction.AGREEMENT_END, now=now, actor=actor, detail={"name": row.name}
    )
    return list_agreements_named(session, name=row.name, day=now.date())
