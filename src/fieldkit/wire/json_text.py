"""JSON text from an encoder made once: what `json.dumps` writes, without its per-call setup.

The laptop's store (record columns, seal and audit canonical forms) and the server (pushed
records, audit details) write JSON text for every record they handle.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from json import encoder as _json
from typing import Any


def _refuse(value: object) -> object:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def encoder(
    *,
    separators: tuple[str, str] = (", ", ": "),
    ensure_ascii: bool = True,
    sort_keys: bool = False,
    default: Callable[[object], object] | None = None,
) -> Callable[[object], str]:
    """A function writing a value as `json.dumps(value, **these options)` would.

    `json.dumps` (and `JSONEncoder.encode`) builds a new C encoder on every call, which costs
    more than writing a short list; a bulk write calls this hundreds of thousands of times.
    Values are never self-referring here (rows and fields), so the circular check is left out;
    it changes nothing in the text written.
    """
    item, key = separators
    make: Any = getattr(_json, "c_make_encoder", None)  # the C accelerator, untyped
    if make is None:  # a Python without the C accelerator: the standard encoder, made once
        return json.JSONEncoder(
            separators=separators, ensure_ascii=ensure_ascii, sort_keys=sort_keys, default=default
        ).encode
    quote = _json.encode_basestring_ascii if ensure_ascii else _json.encode_basestring
    write = make(None, default or _refuse, quote, None, key, item, sort_keys, False, True)

    def dumps(value: object) -> str:
        return "".join(write(value, 0))

    return dumps
