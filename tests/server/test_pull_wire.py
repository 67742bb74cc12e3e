"""The pull page on the wire: zstd or gzip as the client asks, and the compact form."""

from __future__ import annotations

import gzip
import json
import sys
from datetime import UTC, datetime
from typing import Any, NamedTuple

import pytest
from fastapi.testclient import TestClient
from tests.server.conftest import Team, pull_route_calls

from fieldkit.wire import messages
from fieldkit_server import audit, encoding, pull
from fieldkit_server.policy import Grant, Principal, Role

if sys.version_info >= (3, 14):  # the standard library's own
    from compression import zstd
else:
    from backports import zstd


def _raw_pull(
    client: TestClient, auth: dict[str, str], accept: str | None, **params: Any
) -> tuple[dict[str, str], bytes]:
    """The pull's reply headers and its bytes as sent, before any decoding by the client."""
    headers = dict(auth)
    # httpx sends its own Accept-Encoding unless told otherwise; "identity" asks for none.
    headers["Accept-Encoding"] = accept if accept is not None else "identity"
    with client.stream(
        "GET", "/v1/sync/pull", params={"limit": 1000, **params}, headers=headers
    ) as reply:
        assert reply.status_code == 200
        return dict(reply.headers), b"".join(reply.iter_raw())


def _team_with_visits(team: Team, make_visit: Any, count: int = 20) -> Any:
    amy = team.laptop("amy")
    amy.push(*(amy.upsert("visit", make_visit(narrative=f"visit {n} " * 40)) for n in range(count)))
    return amy


def test_a_laptop_that_names_zstd_gets_the_pull_page_in_zstd_once(
    team: Team, make_visit: Any
) -> None:
    amy = _team_with_visits(team, make_visit)
    plain_headers, plain = _raw_pull(team.client, amy.auth, None)
    headers, body = _raw_pull(team.client, amy.auth, "zstd, gzip")
    assert "content-encoding" not in plain_headers
    assert headers["content-encoding"] == "zstd"
    assert "accept-encoding" in headers["vary"].lower()
    assert len(body) < len(plain)
    page = json.loads(zstd.decompress(body))
    assert page["records"] == json.loads(plain)["records"]


def test_an_older_laptop_that_asks_for_gzip_gets_gzip_once(team: Team, make_visit: Any) -> None:
    amy = _team_with_visits(team, make_visit)
    _, plain = _raw_pull(team.client, amy.auth, None)
    headers, body = _raw_pull(team.client, amy.auth, "gzip")
    assert headers["content-encoding"] == "gzip"  # not gzip again by the app's middleware
    assert json.loads(gzip.decompress(body))["records"] == json.loads(plain)["records"]


def test_an_empty_pull_is_sent_as_it_is(team: Team) -> None:
    amy = team.laptop("amy")
    headers, body = _raw_pull(team.client, amy.auth, "zstd, gzip")
    assert "content-encoding" not in headers
    assert json.loads(body)["records"] == []


@pytest.mark.parametrize(
    ("accept", "coding"),
    [
        (None, None),
        ("", None),
        ("identity", None),
        ("gzip", "gzip"),
        ("gzip, deflate", "gzip"),
        ("zstd", "zstd"),
        ("gzip, deflate, zstd", "zstd"),
        ("ZSTD;q=0.5, gzip;q=1", "zstd"),
        ("zstd;q=0, gzip", "gzip"),
        ("zstd;q=0, gzip;q=0", None),
        ("*", "gzip"),
        ("br;q=1, *;q=0", None),
        ("gzip;q=nonsense", None),
    ],
)
def test_the_pull_is_encoded_as_the_client_accepts(accept: str | None, coding: str | None) -> None:
    assert encoding.negotiate(accept) == coding


def _page(team: Team, laptop: Any, form: str | None) -> dict[str, Any]:
    params: dict[str, Any] = {"limit": 1000}
    if form is not None:
        params["form"] = form
    reply = team.client.get("/v1/sync/pull", params=params, headers=laptop.auth)
    assert reply.status_code == 200, reply.text
    page: dict[str, Any] = reply.json()
    return page


class ComparedPages(NamedTuple):
    """A supervisor's first page in both forms, and the changes behind three of its records."""

    full: dict[str, Any]
    compact: dict[str, Any]
    created: dict[str, Any]
    edited: dict[str, Any]
    later: dict[str, Any]
    gone: dict[str, Any]


def compared_pages(team: Team, make_visit: Any) -> ComparedPages:
    """A created visit, one edited later in one field, and a deleted one, pulled in both forms
    (also read by the laptop's expansion test in ``tests/wire``)."""
    amy = team.laptop("amy")
    created = amy.upsert("visit", make_visit(), hlc=amy.hlc(counter=1))
    edited = amy.upsert("visit", make_visit(narrative="First."), hlc=amy.hlc(counter=2))
    gone = amy.upsert("visit", make_visit(), hlc=amy.hlc(counter=3))
    amy.push(created, edited, gone)
    # One field changed later keeps its own version; a tombstone has none.
    later = amy.upsert(
        "visit",
        {"narrative": "Second."},
        record_id=edited["id"],
        base={"narrative": edited["hlc"]},
        hlc=amy.hlc(ahead_ms=1000),
    )
    assert amy.push_one(later)["status"] == "applied"
    delete = amy.delete("visit", gone["id"])
    assert amy.push_one(delete | {"hlc": amy.hlc(ahead_ms=2000)})["status"] == "applied"
    reader = team.laptop("sue", role="supervisor")
    full = _page(team, reader, None)
    assert _page(team, reader, "full") == full
    return ComparedPages(full, _page(team, reader, "compact"), created, edited, later, gone)


def test_the_compact_form_states_each_records_stamp_once(team: Team, make_visit: Any) -> None:
    pages = compared_pages(team, make_visit)
    assert all("hlc" not in r for r in pages.full["records"])
    messages.PullResponse.model_validate(pages.compact)
    by_id = {r["id"]: r for r in pages.compact["records"]}
    assert by_id[pages.created["id"]]["hlc"] == pages.created["hlc"]
    assert set(by_id[pages.created["id"]]["versions"].values()) == {""}
    changed = by_id[pages.edited["id"]]
    assert changed["hlc"] == pages.edited["hlc"]
    assert changed["versions"]["narrative"] == pages.later["hlc"]
    assert "hlc" not in by_id[pages.gone["id"]]


def test_a_bad_form_is_refused(team: Team) -> None:
    amy = team.laptop("amy")
    reply = team.client.get("/v1/sync/pull", params={"form": "tiny"}, headers=amy.auth)
    assert reply.status_code == 422


@pytest.mark.parametrize(
    "stored",
    [
        "{}",
        '{"narrative": "001795770000000:0000:abc"}',  # not the server's own spacing
        '{"narrative":"not an hlc"}',
        '{"narrative":""}',
    ],
)
def test_versions_the_server_did_not_write_go_out_in_full(stored: str) -> None:
    row = _Row("9b2e4c71-1d3a-4f6b-8e0c-5a7d9f1b3c24", "visit", False, None, "{}", stored)
    page = pull.PullPage([row], "next", False, [], "001795770000000:0000:server")
    record = json.loads(page.render(compact=True))["records"][0]
    assert "hlc" not in record
    assert record["versions"] == json.loads(stored)


class _Row(NamedTuple):
    """A page's row, in ``pull._PAGE_COLUMNS`` order."""

    id: str
    type: str
    deleted: bool
    deleted_hlc: str | None
    fields: str
    versions: str
    seq: int = 1
    agency: str | None = "council"
    categories: str | None = None
    to_agency: str | None = None
    addressee: str | None = None
    author: str | None = "amy"


def test_a_pages_disclosure_names_each_records_own_basis() -> None:
    police = Principal(
        "u-pat",
        Role.OFFICER,
        frozenset({"huddersfield"}),
        False,
        agency="police",
        grants=(Grant("agr-1", "council", ("visit",), ("street_drinking",)),),
    )
    rows = [
        _Row(f"00000000-0000-4000-8000-{n:012d}", kind, n % 7 == 0, None, "{}", "{}", n, **scope)
        for n, (kind, scope) in enumerate(
            [
                ("visit", {"agency": "police"}),
                ("visit", {"agency": "council", "categories": ",street_drinking,"}),
                ("visit", {"agency": "council", "addressee": "u-pat"}),
                ("referral", {"agency": "council", "to_agency": "police"}),
                ("visit", {"agency": None}),
                ("place", {"agency": "council"}),
            ]
            * 5
        )
    ]
    event = pull.disclosure_event(
        reader=pull.Reader(police, "device-1"),
        scope="s",
        after=0,
        upto=30,
        rows=rows,
        now=datetime(2026, 12, 6, tzinfo=UTC),
    )
    expected: dict[str, list[str]] = {}
    for row in rows:
        if not row.deleted:
            expected.setdefault(pull.basis_of(police, row), []).append(row.id)
    assert json.loads(event["detail"])[audit.PAGE_AGREEMENTS] == expected
    assert len(expected) > 2


def test_the_quick_pull_route_serves_the_compact_form_in_zstd(
    team: Team, make_visit: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A laptop's usual pull (compact, zstd) is served without dependency resolution, and
    exactly as the framework's route serves it."""
    amy = _team_with_visits(team, make_visit)
    served = pull_route_calls(monkeypatch)
    headers, body = _raw_pull(team.client, amy.auth, "zstd, gzip", form="compact")
    assert served == [1]
    assert headers["content-encoding"] == "zstd"
    assert "accept-encoding" in headers["vary"].lower()
    page = json.loads(zstd.decompress(body))
    assert page["records"]
    assert all("hlc" in r for r in page["records"])
    # The framework's route (an extra parameter makes the quick route step aside) agrees.
    _, full = _raw_pull(team.client, amy.auth, None, form="compact", unknown="1")
    assert served == [1]
    assert json.loads(full)["records"] == page["records"]
