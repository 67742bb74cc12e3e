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


_SECTOR = re.compile(r"^(?P<outward>[A-Z]{1,2}[0-9][A-Z0-9]?) (?P<sector>[0-9])$")


def postcode_sector(text: str) -> str:
    """The postcode sector a text names: the outward code, a space and the inward code's digit.

    Args:
        text: a sector with its space (``hd1 1``) or a whole postcode (``HD1 1AB``, ``hd11ab``);
            any case and spacing. A sector without its space (``HD11``) is refused: it could be
            the district HD11.

    Returns:
        The sector as ``HD1 1``.

    Raises:
        ValueError: the text is not a UK postcode sector or postcode.
    """
    try:
        outward, inward = normalise_postcode(text).split(" ")
        return f"{outward} {inward[0]}"
    except ValueError:
        pass
    match = _SECTOR.match(re.sub(r"\s+", " ", text.upper()).strip())
    if match is None:
        raise ValueError("is not a UK postcode sector")
    return f"{match['outward']} {match['sector']}"
