"""Reference data for laptops: districts, categories, schemes, services, names; with an ETag."""

from __future__ import annotations

import functools
import hashlib
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fieldkit.domain.geo import parse_boundaries, shipped_boundaries_geojson
from fieldkit.domain.records import RecordType
from fieldkit.domain.schemes import load_schemes, schemes_folder
from fieldkit.domain.vocabulary import RESTRICTED_CATEGORIES, Category, District, ServiceNeed
from fieldkit_server.models import Record, User


def _schemes() -> list[dict[str, Any]]:
    """The shipped scheme rule sets, as their files say (checked by the domain loader first)."""
    load_schemes()
    folder = schemes_folder()
    entries = sorted(
        (e for e in folder.iterdir() if e.is_file() and e.name.endswith(".json")),
        key=lambda e: e.name,
    )
    return [json.loads(e.read_text(encoding="utf-8")) for e in entries]


def reference_data(session: Session) -> dict[str, Any]:
    """Everything a laptop needs besides case records, in a stable order."""
    services = session.execute(
        select(Record.id, Record.fields)
        .where(Record.type == RecordType.SERVICE.value, Record.deleted.is_(False))
        .order_by(Record.id)
    )
    users = session.execute(
        select(User.id, User.username, User.display_name)
        .where(User.disabled.is_(False))
        .order_by(User.id)
    )
    return {
        "districts": [{"id": d.value, "name": d.label} for d in District],
        "categories": [c.value for c in Category],
        "restricted_categories": sorted(c.value for c in RESTRICTED_CATEGORIES),
        "service_needs": [n.value for n in ServiceNeed],
        "schemes": _schemes(),
        # Templates are managed by the documents work; none are served yet.
        "letter_templates": [],
        "services": [{"id": sid, **json.loads(fields)} for sid, fields in services],
        # The user name lets a laptop show the authors it holds (user names) by display name.
        "users": [
            {"id": uid, "username": username, "display_name": name} for uid, username, name in users
        ],
    }


@functools.cache
def boundaries_with_etag() -> tuple[bytes, str]:
    """The district and ward outlines laptops draw (checked by the domain reader first)."""
    data = shipped_boundaries_geojson()
    parse_boundaries(data)
    return render_with_etag(data)


def render_with_etag(data: dict[str, Any]) -> tuple[bytes, str]:
    """The reference data as JSON bytes, and a strong ETag that changes when they change."""
    body = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    return body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
