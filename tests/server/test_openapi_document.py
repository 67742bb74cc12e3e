"""The OpenAPI document committed in docs/ is the one the server serves."""

from __future__ import annotations

import json
from pathlib import Path

from fieldkit_server.app import create_app
from fieldkit_server.settings import Settings

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


def test_committed_openapi_document_matches_the_server(tmp_path: Path) -> None:
    app = create_app(Settings.from_env({}, db_url=f"sqlite:///{tmp_path}/spec.db"))
    live = json.loads(json.dumps(app.openapi()))
    assert json.loads(COMMITTED.read_text(encoding="utf-8")) == live, (
        "docs/openapi.json is out of date: run scripts/export-openapi"
    )
