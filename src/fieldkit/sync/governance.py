"""Replies of the governance endpoints (``/v1/governance/...``), checked before they are used."""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from typing import Any

from fieldkit.sync.protocol import BadReply, _int, _list, _object, _str


def _bool(doc: dict[str, Any], key: str) -> bool:
    value = doc.get(key)
    if not isinstance(value, bool):
        raise BadReply(f"'{key}' is not true or false")
    return value


@dataclass(frozen=True)
class DueRecord:
    """A record whose retention period is up: what it is, when it fell due, under which rule."""

    type: str
    id: str
    due: str
    rule: str
    action: str
    regime: str

    @classmethod
    def parse(cls, body: object) -> DueRecord:
        doc = _object(body)
        return cls(*(_str(doc, k) for k in ("type", "id", "due", "rule", "action", "regime")))


@dataclass(frozen=True)
class DueList:
    """The due list as of a day."""

    as_of: str
    items: tuple[DueRecord, ...]

    @classmethod
    def parse(cls, body: object) -> DueList:
        doc = _object(body)
        return cls(_str(doc, "as_of"), tuple(DueRecord.parse(i) for i in _list(doc, "items")))


@dataclass(frozen=True)
class Applied:
    """How many decisions of each kind the server applied."""

    kept: int
    anonymised: int
    erased: int

    @classmethod
    def parse(cls, body: object) -> Applied:
        doc = _object(body)
        return cls(_int(doc, "kept"), _int(doc, "anonymised"), _int(doc, "erased"))


@dataclass(frozen=True)
class RightsRequest:
    """A data subject's request as the server lists it (ids and dates, never its text)."""

    id: str
    kind: str
    person_id: str
    received: str
    due: str
    state: str
    extended: bool
    restricting: bool

    @classmethod
    def parse(cls, body: object) -> RightsRequest:
        doc = _object(body)
        return cls(
            _str(doc, "id"),
            _str(doc, "kind"),
            _str(doc, "person_id"),
            _str(doc, "received"),
            _str(doc, "due"),
            _str(doc, "state"),
            _bool(doc, "extended"),
            _bool(doc, "restricting"),
        )


@dataclass(frozen=True)
class SharingAgreement:
    """An information-sharing agreement as ``GET /v1/admin/agreements`` lists it."""

    name: str
    agencies: tuple[str, ...]
    types: tuple[str, ...]
    categories: tuple[str, ...]
    purpose: str
    basis: str
    start: str
    end: str
    in_force: bool

    @classmethod
    def parse(cls, body: object) -> SharingAgreement:
        doc = _object(body)
        return cls(
            _str(doc, "name"),
            tuple(str(a) for a in _list(doc, "agencies")),
            tuple(str(t) for t in _list(doc, "types")),
            tuple(str(c) for c in _list(doc, "categories")),
            _str(doc, "purpose"),
            _str(doc, "basis"),
            _str(doc, "start"),
            str(doc.get("end") or ""),
            _bool(doc, "in_force"),
        )


def parse_agreements(body: object) -> list[SharingAgreement]:
    """The ``agreements`` list of ``GET /v1/admin/agreements``."""
    return [SharingAgreement.parse(a) for a in _list(_object(body), "agreements")]


def parse_requests(body: object) -> list[RightsRequest]:
    """The ``requests`` list of ``GET /v1/governance/requests``."""
    return [RightsRequest.parse(r) for r in _list(_object(body), "requests")]


@dataclass(frozen=True)
class ServerSubjectAccess:
    """A partnership-wide subject access export: its PDF (checked against its SHA-256)."""

    reference: str
    records: int
    disclosures: int
    pdf: bytes
    pdf_sha256: str
    #: Record ids the export discloses (as logged on the server).
    record_ids: tuple[tuple[str, str], ...]

    @classmethod
    def parse(cls, body: object) -> ServerSubjectAccess:
        doc = _object(body)
        try:
            pdf = base64.b64decode(_str(doc, "pdf"), validate=True)
        except (binascii.Error, ValueError):
            raise BadReply("'pdf' is not base64") from None
        sha = _str(doc, "pdf_sha256")
        if hashlib.sha256(pdf).hexdigest() != sha or not pdf.startswith(b"%PDF"):
            raise BadReply("the PDF does not match its SHA-256")
        export = _object(doc.get("export"))
        ids: list[tuple[str, str]] = []
        for key in ("records", "referenced"):
            for item in _list(export, key):
                record: dict[str, Any] = _object(item)
                ids.append((_str(record, "type"), _str(record, "id")))
        return cls(
            _str(doc, "reference"),
            _int(doc, "records"),
            _int(doc, "disclosures"),
            pdf,
            sha,
            tuple(ids),
        )
