"""Errors as RFC 9457 problem details (application/problem+json), never a bare 500."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"


class Problem(Exception):
    """A request the server refuses, with what to tell the client.

    Args:
        status: the HTTP status.
        title: a short, fixed summary for the kind of problem.
        detail: this occurrence, in words fit for the client (never secrets or others' data).
        code: a stable machine-readable code, e.g. ``device_revoked``.
        extra: more members of the problem object (e.g. ``"wipe": true``).
        headers: response headers (e.g. ``WWW-Authenticate``, ``Retry-After``).
    """

    def __init__(
        self,
        status: int,
        title: str,
        detail: str | None = None,
        *,
        code: str | None = None,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.title = title
        self.detail = detail
        self.code = code
        self.extra = extra or {}
        self.headers = headers

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"type": "about:blank", "title": self.title, "status": self.status}
        if self.detail:
            body["detail"] = self.detail
        if self.code:
            body["code"] = self.code
        body.update(self.extra)
        return body


def problem_response(problem: Problem) -> JSONResponse:
    return JSONResponse(
        problem.body(), status_code=problem.status, media_type=PROBLEM_JSON, headers=problem.headers
    )


def _validation_problem(exc: RequestValidationError) -> Problem:
    errors: list[dict[str, Any]] = []
    malformed = False
    for error in exc.errors():
        if error.get("type") == "json_invalid":
            malformed = True
        location = [str(part) for part in error.get("loc", ())]
        errors.append({"location": location, "reason": str(error.get("msg", "invalid"))})
    if malformed:
        return Problem(400, "Malformed JSON", "the request body is not valid JSON", code="bad_json")
    return Problem(
        422,
        "Invalid request",
        "the request does not match the protocol",
        code="invalid_request",
        extra={"errors": errors[:50]},
    )


def install_problem_handlers(app: FastAPI) -> None:
    """Make every error, including FastAPI's own, a problem+json response."""

    async def on_problem(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, Problem)
        return problem_response(exc)

    async def on_validation(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return problem_response(_validation_problem(exc))

    async def on_http(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        headers = dict(exc.headers) if exc.headers else None
        return problem_response(Problem(exc.status_code, str(exc.detail), headers=headers))

    async def on_bug(request: Request, exc: Exception) -> JSONResponse:
        # Our bug, not the client's: log it (without the body, which may hold personal data).
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem_response(Problem(500, "Internal server error", code="internal"))

    app.add_exception_handler(Problem, on_problem)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(Exception, on_bug)
