"""Schemathesis over the OpenAPI spec: whatever a client sends, the server never answers 5xx."""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from fieldkit_server.app import create_app

EXAMPLES_PER_OPERATION = 20


def test_no_request_makes_the_server_fail(team: Any) -> None:
    # Schemathesis's pytest plugin does not load under this pytest, so each operation's
    # strategy is driven by hypothesis directly; the checks are schemathesis's own.
    laptop = team.laptop("sue", role="supervisor", safeguarding=True)
    app = create_app(team.settings, clock=team.clock)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = sorted(
        (result.ok() for result in schema.get_all_operations()),
        key=lambda op: op.path == "/v1/auth/logout",  # last: it ends the session's token
    )
    assert len(operations) >= 9
    runs = [(op, mode) for op in operations for mode in GenerationMode]
    for operation, mode in runs:
        if operation.path == "/v1/auth/logout" and mode is GenerationMode.POSITIVE:
            continue  # run once, below, in negative mode only: a valid call ends the token

        @given(case=operation.as_strategy(mode))
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def never_fails(case: Any) -> None:
            headers = {**(case.headers or {}), **laptop.auth}
            response = case.call(headers=headers)
            case.validate_response(response, checks=[not_a_server_error], headers=headers)

        try:
            never_fails()
        except Unsatisfiable:
            # Nothing to make invalid (no parameters and no body): positive mode covered it.
            assert mode is GenerationMode.NEGATIVE
