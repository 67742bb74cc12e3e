"""The laptop reads a compact pull page exactly as it reads the full one."""

from __future__ import annotations

import json

from tests.server.conftest import Team, visit
from tests.server.test_pull_wire import compared_pages

from fieldkit.sync import protocol


def test_the_laptop_expands_the_compact_form_to_exactly_the_full_form(team: Team) -> None:
    pages = compared_pages(team, visit)
    expanded = protocol.PullPage.parse(json.dumps(pages.compact).encode())
    assert expanded == protocol.PullPage.parse(json.dumps(pages.full).encode())
    assert {r.id: dict(r.versions) for r in expanded.records} == {
        r["id"]: r["versions"] for r in pages.full["records"]
    }
