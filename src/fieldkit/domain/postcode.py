"""UK postcodes: checked against the national format and written the one normal way."""

from __future__ import annotations

import re

_POSTCODE = re.compile(r"^(?P<outward>[A-Z]{1,2}[0-9][A-Z0-9]?|GIR) ?(?P<inward>[0-9][A-Z]{2})$")


def normalise_postcode(text: str) -> str:
    """Upper-case a UK postcode with one space before the inward code.

    Args:
        text: a postcode as typed, any case and spacing (``hd1 2ab``, ``HD12AB``).

    Returns:
        The postcode as ``HD1 2AB``.

    Raises:
        ValueError: the text is not in the UK postcode format.
    """
    compact = re.sub(r"\s+", "", text.upper())
    match = _POSTCODE.match(compact)
    if not match or (match["outward"] == "GIR" and match["inward"] != "0AA"):
        raise ValueError("is not a UK postcode")
    return f"{match['outward']} {match['inward']}"
