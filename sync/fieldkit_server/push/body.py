"""A push's request body read into changes: a quick check of well-formed bodies, else the model."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any, Final

from pydantic import ValidatorFunctionWrapHandler, WrapValidator

from fieldkit.domain.records import RecordType
from fieldkit.wire.messages import ChangeIn, PushRequest, no_control
from fieldkit_server.push.model import IncomingChange, Op

#: Ids as laptops send them: canonical UUIDs, which the model's pattern takes unchanged.
_UUID: Final = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
#: Clocks in ASCII digits (the model's ``\d`` also takes other scripts' digits: left to it).
_HLC: Final = re.compile(r"[0-9]{15}:[0-9]{4}:[0-9A-Za-z_.\-]{1,64}")
_TYPES: Final = {t.value: t for t in RecordType}
_OPS: Final = {"upsert": Op.UPSERT, "delete": Op.DELETE}
_MAX_DEVICE_SEQ: Final = 2**62
_MAX_REASON: Final = 2000
_MAX_NAME: Final = 64


@dataclass(frozen=True, slots=True)
class PushBody:
    """A push as read: its changes (fields as sent, deletes too) and the device's number."""

    changes: list[IncomingChange]
    device_seq: int | None


def read_push_body(value: Any, handler: ValidatorFunctionWrapHandler) -> PushBody:
    """Read a push body: quickly when it is plainly well formed, else through ``PushRequest``.

    The quick check takes only what the model takes unchanged (canonical ids, ASCII clocks,
    plain field names), so a body it passes reads exactly as the model would read it; any other
    body goes to the model, which reads it or refuses it with its own errors (the 422 problem
    names the same members either way). Field values are any JSON, as in the model.

    Args:
        value: the parsed JSON body.
        handler: the model's own validation.

    Returns:
        The changes and the device's change number.
    """
    quick = _quick(value)
    if quick is not None:
        return quick
    request: PushRequest = handler(value)
    return PushBody([_from_model(c) for c in request.changes], request.device_seq)


#: The push request's body parameter: the model's schema (OpenAPI), read by ``read_push_body``.
PushRequestBody = Annotated[PushRequest, WrapValidator(read_push_body)]


def push_body(body: object) -> PushBody:
    """The push as ``PushRequestBody`` read it (declared as the model, for the OpenAPI schema).

    Raises:
        TypeError: the body was not read by ``read_push_body``.
    """
    if not isinstance(body, PushBody):
        raise TypeError("the push body was not read by read_push_body")
    return body


def _from_model(change: ChangeIn) -> IncomingChange:
    return IncomingChange(
        change_id=change.change_id,
        type=change.type,
        id=change.id,
        op=_OPS[change.op],
        hlc=change.hlc,
        fields=change.fields,
        base=change.base,
        reason=change.reason,
    )


def _names_fit(members: dict[Any, Any]) -> bool:
    return all(type(k) is str and 0 < len(k) <= _MAX_NAME and k.isascii() for k in members)


def _quick(value: Any) -> PushBody | None:
    """The body read without the model, or None if anything in it is not plainly well formed."""
    if type(value) is not dict:
        return None
    changes = value.get("changes")
    device_seq = value.get("device_seq")
    if type(changes) is not list:
        return None
    if device_seq is not None and (
        type(device_seq) is not int or not 0 <= device_seq <= _MAX_DEVICE_SEQ
    ):
        return None
    out: list[IncomingChange] = []
    uuid, hlc_text = _UUID.fullmatch, _HLC.fullmatch
    for change in changes:
        if type(change) is not dict:
            return None
        change_id, record_id, hlc = change.get("change_id"), change.get("id"), change.get("hlc")
        type_name, op_name = change.get("type"), change.get("op")
        fields, base = change.get("fields", {}), change.get("base", {})
        reason = change.get("reason")
        if not (
            type(change_id) is str
            and type(record_id) is str
            and type(hlc) is str
            and type(type_name) is str
            and type(op_name) is str
            and type(fields) is dict
            and type(base) is dict
            and uuid(change_id)
            and uuid(record_id)
            and hlc_text(hlc)
            and type_name in _TYPES
            and op_name in _OPS
            and _names_fit(fields)
            and _names_fit(base)
            and all(type(v) is str and hlc_text(v) for v in base.values())
        ):
            return None
        if reason is not None:
            if type(reason) is not str or len(reason) > _MAX_REASON:
                return None
            try:
                no_control(reason)
            except ValueError:
                return None
        out.append(
            IncomingChange(
                change_id=change_id,
                type=_TYPES[type_name],
                id=record_id,
                op=_OPS[op_name],
                hlc=hlc,
                fields=fields,
                base=base,
                reason=reason,
            )
        )
    return PushBody(out, device_seq)
