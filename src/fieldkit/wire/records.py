"""Reading records outside the pull: conflicts, anti-entropy digests and fetches, the gazetteer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import Field, JsonValue

from fieldkit.domain.records import RecordType
from fieldkit.wire.messages import RecordOut, Uuid, Wire
from fieldkit.wire.reply import Reply

# Conflicts (``GET /v1/conflicts``) -------------------------------------------------------------


class ConflictSide(Reply):
    value: JsonValue
    hlc: str


class ConflictOut(Reply):
    # Servers before supervisor review named no writers and no district: read as null.
    absent_members: ClassVar[Mapping[str, object]] = {
        "kept_by": None,
        "other_by": None,
        "district": None,
    }

    id: int
    type: str
    record_id: str
    field: str
    district: str | None = Field(description="The record's district.")
    kept: ConflictSide
    kept_by: str | None = Field(
        description="The user name of whoever wrote the kept value; null if the server cannot "
        "tell (its clock names no device the server registered)."
    )
    other: ConflictSide
    other_by: str | None = Field(
        description="The user name of whoever wrote the other value; null if the server cannot "
        "tell."
    )
    change_id: str
    device_id: str | None
    user_id: str | None
    detected_at: str
    resolved_at: str | None
    resolved_by: str | None


class ConflictsResponse(Reply):
    conflicts: list[ConflictOut]


# Anti-entropy: digests of what a user may see, and records fetched by id ---------------------


class SetDigestOut(Reply):
    """A set of records (one type, or one bucket of a type) summarised for comparison."""

    count: int
    digest: str = Field(
        description="Opaque: equal digests mean the same records at the same versions."
    )


class TypeDigestOut(SetDigestOut):
    type: str


class DigestResponse(Reply):
    types: list[TypeDigestOut]
    bucket_width: int = Field(description="How many leading hex digits of an id make its bucket.")


class BucketDigestOut(SetDigestOut):
    bucket: str


class BucketsResponse(Reply):
    type: str
    buckets: list[BucketDigestOut]


class RecordDigestOut(Reply):
    id: str
    digest: str


class BucketResponse(Reply):
    type: str
    bucket: str
    records: list[RecordDigestOut]


class RecordRef(Wire):
    type: RecordType
    id: Uuid


class FetchRequest(Wire):
    records: list[RecordRef]


class FetchResponse(Reply):
    records: list[RecordOut]
    server_hlc: str


# The address gazetteer (``GET /v1/gazetteer``) -------------------------------------------------


# A page of the gazetteer's changes. The server renders it itself (compact arrays, with an
# ETag), so the route declares no model; this is the shape both sides' tests pin.
class GazetteerResponse(Reply):
    absent_members: ClassVar[Mapping[str, object]] = {"reset": False}

    since: int
    version: int
    next: int
    more: bool
    columns: list[str]
    #: Entries as arrays in the order `columns` names: uprn, address, postcode, lat, lon,
    #: landmark (a newer server may add columns after these).
    rows: list[list[Any]]
    removed: list[str]
    reset: bool
