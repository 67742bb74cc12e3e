"""A push reads the same through its quick paths as through the wire model and the encoder."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from fieldkit.wire.messages import PushRequest
from fieldkit_server.push.body import PushBody, _from_model, _quick, read_push_body
from fieldkit_server.push.store import versions_text

_MODEL = TypeAdapter(PushRequest)
_ID = "0f1e2d3c-0000-4000-8000-00000000000a"
_CHANGE = "0f1e2d3c-0000-4000-8000-00000000000b"
_HLC = "001790000000000:0001:laptop-1"


def _change(**members: Any) -> dict[str, Any]:
    change: dict[str, Any] = {
        "change_id": _CHANGE,
        "type": "visit",
        "id": _ID,
        "op": "upsert",
        "hlc": _HLC,
        "fields": {"district": "huddersfield", "narrative": "Spoke to shop staff."},
        "base": {"district": _HLC},
    }
    change.update(members)
    return {k: v for k, v in change.items() if v is not _GONE}


_GONE = object()

#: Bodies the quick check reads itself (plainly well formed).
QUICK = {
    "visit": {"changes": [_change()], "device_seq": 12},
    "no fields or base": {"changes": [_change(fields=_GONE, base=_GONE)]},
    "deletion": {"changes": [_change(op="delete", fields={})]},
    "reason": {"changes": [_change(reason="lowered after review")], "device_seq": None},
    "values of any JSON": {"changes": [_change(fields={"narrative": [{"x\ud800": 1.5}, None]})]},
    "unknown member ignored": {"changes": [_change(extra=[1])], "later": {"a": 1}},
    "empty": {"changes": []},
}

#: Bodies left to the model: it reads some (normalising them), refuses others.
MODEL = {
    "upper-case id": {"changes": [_change(id=_ID.upper())]},
    "id without hyphens": {"changes": [_change(id=_ID.replace("-", ""))]},
    "other script's digits in the clock": {"changes": [_change(hlc="٠" * 15 + ":0001:x")]},
    "device_seq true": {"changes": [], "device_seq": True},
    "device_seq too big": {"changes": [], "device_seq": 2**62 + 1},
    "device_seq negative": {"changes": [], "device_seq": -1},
    "field name with a surrogate": {"changes": [_change(fields={"a\ud800": 1})]},
    "field name too long": {"changes": [_change(fields={"a" * 65: 1})]},
    "empty field name": {"changes": [_change(fields={"": 1})]},
    "non-ASCII field name": {"changes": [_change(fields={"café": 1})]},
    "reason with a control character": {"changes": [_change(reason="a\x00b")]},
    "reason too long": {"changes": [_change(reason="a" * 2001)]},
    "unknown type": {"changes": [_change(type="spaceship")]},
    "unknown op": {"changes": [_change(op="merge")]},
    "bad clock": {"changes": [_change(hlc="yesterday")]},
    "bad base clock": {"changes": [_change(base={"district": "yesterday"})]},
    "fields null": {"changes": [_change(fields=None)]},
    "change id missing": {"changes": [_change(change_id=_GONE)]},
    "change not an object": {"changes": ["visit"]},
    "changes not a list": {"changes": {"0": _change()}},
    "no changes": {"device_seq": 1},
    "not an object": [_change()],
}


def _errors(exc: ValidationError) -> list[dict[str, Any]]:
    # The context holds exception objects, which compare by identity: compared as text.
    return [{**e, "ctx": repr(e.get("ctx"))} for e in exc.errors(include_url=False)]


def _by_model(body: Any) -> PushBody:
    request = _MODEL.validate_python(copy.deepcopy(body))
    return PushBody([_from_model(c) for c in request.changes], request.device_seq)


@pytest.mark.parametrize("name", sorted(QUICK))
def test_a_well_formed_push_reads_quickly_as_the_model_reads_it(name: str) -> None:
    body = QUICK[name]
    quick = _quick(copy.deepcopy(body))
    assert quick is not None
    assert quick == _by_model(body)


@pytest.mark.parametrize("name", sorted(MODEL))
def test_any_other_push_is_read_or_refused_by_the_model_itself(name: str) -> None:
    body = MODEL[name]
    assert _quick(copy.deepcopy(body)) is None
    try:
        expected: PushBody | list[Any] = _by_model(body)
    except ValidationError as exc:
        expected = _errors(exc)
    try:
        got: PushBody | list[Any] = read_push_body(copy.deepcopy(body), _MODEL.validate_python)
    except ValidationError as exc:
        got = _errors(exc)
    assert got == expected


@pytest.mark.parametrize(
    "versions",
    [
        {},
        {"narrative": _HLC, "district": "001790000000001:0000:other"},
        {"narrative": 'a"b', "naïve": _HLC, "tab\there": "x\\y"},
    ],
)
def test_stored_versions_are_the_compact_json_of_the_versions(versions: dict[str, str]) -> None:
    expected = json.dumps(versions, separators=(",", ":"))
    assert versions_text(versions) == expected
