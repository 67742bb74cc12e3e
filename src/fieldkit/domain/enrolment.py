"""Enrolment codes: the server address and user name an administrator hands a new officer."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from urllib.parse import urlsplit

#: ``fieldkit-enrol:1:`` then base64url (no padding) of the UTF-8 JSON
#: ``{"server": "https://…", "username": "…"}``. It carries no secret: no password, no token.
PREFIX = "fieldkit-enrol:1:"
_MAX = 1000


@dataclass(frozen=True)
class Enrolment:
    """What an enrolment code says: where to sign in, and as whom."""

    server: str
    username: str


def enrolment_code(enrolment: Enrolment) -> str:
    """The code for a server address and user name (what `fieldkit-server user enrol-code`
    prints).

    Raises:
        ValueError: the address is not https:// (plain http only to this computer).
    """
    parts = urlsplit(enrolment.server)
    loopback = parts.hostname in {"127.0.0.1", "localhost", "::1"}
    if not parts.hostname or not (parts.scheme == "https" or (parts.scheme == "http" and loopback)):
        raise ValueError("the server address must start with https://")
    doc = {"server": enrolment.server, "username": enrolment.username}
    raw = json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode()
    return PREFIX + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def is_enrolment_code(text: str) -> bool:
    """The text is meant as an enrolment code (rather than a server address)."""
    return text.strip().lower().startswith(PREFIX[: PREFIX.index(":") + 1])


def parse_enrolment_code(text: str) -> Enrolment:
    """Read an enrolment code as typed or pasted (spaces and line breaks are ignored).

    Raises:
        ValueError: not a code of this version, damaged, or without a server address.
    """
    code = "".join(text.split())
    if not code.lower().startswith(PREFIX):
        raise ValueError(
            "that is not a Fieldkit enrolment code (they start fieldkit-enrol:1:); check it "
            "with your administrator"
        )
    body = code[len(PREFIX) :]
    if not body or len(body) > _MAX:
        raise ValueError("the enrolment code is incomplete; copy all of it again")
    try:
        doc = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ValueError("the enrolment code is damaged; copy all of it again") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("server"), str) or not doc["server"]:
        raise ValueError("the enrolment code has no server address; ask for a new one")
    username = doc.get("username")
    return Enrolment(doc["server"].strip(), username.strip() if isinstance(username, str) else "")
