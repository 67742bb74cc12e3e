"""The made-once JSON encoder writes what `json.dumps` writes, byte for byte."""

from __future__ import annotations

import json
from datetime import date

import pytest

from fieldkit.demo.generator import DemoSize, generate
from fieldkit.wire import json_text

VALUES: list[object] = [
    "plain",
    'quote " and \\ backslash',
    "Zoë Ørsted – 東京",
    "\x00\x1f control",
    ["street_drinking", "begging"],
    [],
    {},
    {"*": "0001234567890-0000-node"},
    {"a": [1, 2.5, None, True, False, {"b": "ü"}]},
    1.0,
    -0.0,
    1e300,
    10**40,
    float("nan"),
    float("inf"),
    None,
]


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_default_encoder_writes_what_json_dumps_writes(value: object) -> None:
    assert json_text.encoder()(value) == json.dumps(value)


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_compact_unicode_encoder_writes_what_json_dumps_writes(value: object) -> None:
    write = json_text.encoder(separators=(",", ":"), ensure_ascii=False)
    assert write(value) == json.dumps(value, separators=(",", ":"), ensure_ascii=False)


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_sorted_encoder_writes_what_json_dumps_writes(value: object) -> None:
    assert json_text.encoder(sort_keys=True)(value) == json.dumps(value, sort_keys=True)
    assert json_text.encoder(sort_keys=True)({"z": 1, "a": value, "m": [value]}) == json.dumps(
        {"z": 1, "a": value, "m": [value]}, sort_keys=True
    )


def test_every_demo_record_is_written_as_json_dumps_writes_it() -> None:
    write = json_text.encoder()
    for record in generate(DemoSize.for_visits(40), seed=5, today=date(2026, 11, 27)):
        assert write(dict(record.fields)) == json.dumps(dict(record.fields))


def test_a_value_json_cannot_hold_is_refused_as_json_dumps_refuses_it() -> None:
    with pytest.raises(TypeError, match="not JSON serializable"):
        json_text.encoder()(object())
    with pytest.raises(TypeError, match="bytes"):
        json_text.encoder(default=lambda v: (_ for _ in ()).throw(TypeError("bytes")))(b"x")
    assert json_text.encoder(default=lambda v: "held")(b"x") == '"held"'
