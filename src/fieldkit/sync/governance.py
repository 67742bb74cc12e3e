"""Replies of the governance endpoints (``/v1/governance/...``), read through the wire models."""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

from fieldkit.sync.protocol import BadReply, read
from fieldkit.wire.governance import (
    AgreementOut,
    AgreementsResponse,
    DecisionsResponse,
    DueItemOut,
    DueResponse,
    RequestOut,
    RequestsResponse,
    SubjectAccessOut,
)


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
    def from_wire(cls, item: DueItemOut) -> DueRecord:
        return cls(item.type, item.id, item.due, item.rule, item.action, item.regime)


@dataclass(frozen=True)
class DueList:
    """The due list as of a day."""

    as_of: str
    items: tuple[DueRecord, ...]

    @classmethod
    def parse(cls, body: object) -> DueList:
        reply = read(DueResponse, body)
        return cls(reply.as_of, tuple(DueRecord.from_wire(i) for i in reply.items))


@dataclass(frozen=True)
class Applied:
    """How many decisions of each kind the server applied."""

    kept: int
    anonymised: int
    erased: int

    @classmethod
    def parse(cls, body: object) -> Applied:
        reply = read(DecisionsResponse, body)
        return cls(reply.kept, reply.anonymised, reply.erased)


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
    def from_wire(cls, request: RequestOut) -> RightsRequest:
        return cls(
            request.id,
            request.kind,
            request.person_id,
            request.received,
            request.due,
            request.state,
            request.extended,
            request.restricting,
        )

    @classmethod
    def parse(cls, body: object) -> RightsRequest:
        return cls.from_wire(read(RequestOut, body))


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
    def from_wire(cls, agreement: AgreementOut) -> SharingAgreement:
        return cls(
            agreement.name,
            tuple(agreement.agencies),
            tuple(agreement.types),
            tuple(agreement.categories),
            agreement.purpose,
            agreement.basis,
            agreement.start,
            agreement.end or "",
            agreement.in_force,
        )


def parse_agreements(body: object) -> list[SharingAgreement]:
    """The ``agreements`` list of ``GET /v1/admin/agreements``."""
    return [SharingAgreement.from_wire(a) for a in read(AgreementsResponse, body).agreements]


def parse_requests(body: object) -> list[RightsRequest]:
    """The ``requests`` list of ``GET /v1/governance/requests``."""
    return [RightsRequest.from_wire(r) for r in read(RequestsResponse, body).requests]


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
        reply = read(SubjectAccessOut, body)
        try:
            pdf = base64.b64decode(reply.pdf, validate=True)
        except (binascii.Error, ValueError):
            raise BadReply("'pdf' is not base64") from None
        if hashlib.sha256(pdf).hexdigest() != reply.pdf_sha256 or not pdf.startswith(b"%PDF"):
            raise BadReply("the PDF does not match its SHA-256")
        ids: list[tuple[str, str]] = []
        for key in ("records", "referenced"):
            listed = reply.export.get(key)
            if not isinstance(listed, list):
                raise BadReply(f"'export.{key}' is not a list")
            for item in listed:
                if not (
                    isinstance(item, dict)
                    and isinstance(item.get("type"), str)
                    and isinstance(item.get("id"), str)
                ):
                    raise BadReply(f"an item of 'export.{key}' names no record")
                ids.append((item["type"], item["id"]))
        return cls(
            reply.reference, reply.records, reply.disclosures, pdf, reply.pdf_sha256, tuple(ids)
        )
