"""create_app: builds one server process from its settings; nothing happens on import."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.middleware.gzip import GZipMiddleware

from fieldkit_server import api, attestation_api, files_api, governance_api, sharing_api
from fieldkit_server.bodies import RequestBodyMiddleware
from fieldkit_server.clock import Clock, system_clock
from fieldkit_server.context import ServerContext
from fieldkit_server.db import make_engine, migrate, session_factory
from fieldkit_server.metrics import ServerMetrics
from fieldkit_server.observability import (
    RequestObserver,
    RouteRecorder,
    configure_logging,
    metrics_router,
    schema_head,
)
from fieldkit_server.problems import install_problem_handlers
from fieldkit_server.security import Passwords
from fieldkit_server.settings import PROTOCOL, Settings


def create_app(settings: Settings, *, clock: Clock = system_clock) -> FastAPI:
    """The server as an ASGI app.

    The database is not touched until the app starts (its lifespan), when the schema is
    brought up to date if ``settings.migrate_on_start``.

    Args:
        settings: where the database is and the server's limits.
        clock: server time (tests inject their own).
    """
    engine = make_engine(settings.db_url)
    passwords = Passwords(
        time_cost=settings.argon2_time_cost, memory_kib=settings.argon2_memory_kib
    )
    context = ServerContext(settings, engine, session_factory(engine), clock, passwords)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if settings.migrate_on_start:
            migrate(engine)
        yield
        engine.dispose()

    app = FastAPI(
        title="Fieldkit sync server",
        version=PROTOCOL,
        description="Central sync for Fieldkit laptops. See docs/sync-protocol.md.",
        lifespan=lifespan,
    )
    metrics = ServerMetrics()
    app.state.context = context
    app.state.blob_store = None  # made at the first file request: see files_api
    app.state.metrics = metrics
    app.state.schema_head = schema_head(engine)
    install_problem_handlers(app)
    app.include_router(api.router)
    app.include_router(attestation_api.router)
    app.include_router(governance_api.router)
    app.include_router(sharing_api.router)
    app.include_router(files_api.router)
    app.include_router(metrics_router(metrics))
    # First of the routes: a well-formed pull skips the framework's dependency resolution.
    app.router.routes.insert(0, api.PullRoute(context, metrics))
    app.add_middleware(RouteRecorder)  # added first, so innermost: next to the router
    # Evidence chunks (octet-stream) are encrypted or already-compressed content: gzip would
    # spend the server's CPU (and the laptop's, inflating) for nothing.
    app.add_middleware(
        GZipMiddleware,
        minimum_size=1000,
        compresslevel=5,
        exclude_content_types=("text/event-stream", "application/octet-stream"),
    )
    app.add_middleware(RequestBodyMiddleware, max_bytes=settings.max_body_bytes)
    # Added last, so outermost: it also sees the 413s and 415s the body middleware answers.
    app.add_middleware(RequestObserver, metrics=metrics)
    return app


def create_app_from_env() -> FastAPI:
    """The app from ``FIELDKIT_SERVER_*`` variables: the factory each uvicorn worker calls."""
    settings = Settings.from_env()
    # A worker is a fresh process: the serve command's logging set-up did not reach it.
    configure_logging(settings.log_format, settings.log_level)
    return create_app(settings)
