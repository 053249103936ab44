"""``create_app(settings)``: the FastAPI application. Nothing is loaded at import time; the serving
engine (catalog, live profiles, model) starts in the app's lifespan."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from shelfwise import __version__
from shelfwise.api import dashboard
from shelfwise.api.deps import json_response
from shelfwise.api.metrics import ApiMetrics
from shelfwise.api.middleware import ServingMiddleware
from shelfwise.api.ratelimit import RateLimitMiddleware
from shelfwise.api.routes import (
    admin,
    customers,
    experiments,
    feedback,
    health,
    ingest,
    insights,
    items,
    pages,
    recommendations,
    search,
    search_rules,
    suggest,
)
from shelfwise.errors import (
    ConfigError,
    ConflictError,
    ModelError,
    NotFoundError,
    ShelfwiseError,
    ValidationError,
)
from shelfwise.service.batches import BatchRejected
from shelfwise.service.context import ServiceContext
from shelfwise.service.keys import KeyService
from shelfwise.service.overview import OverviewService
from shelfwise.service.serving import ServingEngine
from shelfwise.settings import Settings

log = logging.getLogger(__name__)


def _error(status: int, detail: str, errors: list[dict[str, object]] | None = None) -> Response:
    return json_response({"detail": detail, "errors": errors or []}, status)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(BatchRejected)
    async def batch_rejected(_: Request, exc: BatchRejected) -> Response:
        errors = [{"row": e.row, "field": e.field, "message": e.message} for e in exc.errors]
        return _error(422, f"{len(errors)} invalid record(s); nothing was written. First: {exc}", errors)

    @app.exception_handler(ValidationError)
    async def invalid(_: Request, exc: ValidationError) -> Response:
        return _error(422, str(exc), [{"row": None, "field": exc.field, "message": exc.reason}])

    @app.exception_handler(NotFoundError)
    async def not_found(_: Request, exc: NotFoundError) -> Response:
        return _error(404, str(exc))

    @app.exception_handler(ModelError)
    async def no_model(_: Request, exc: ModelError) -> Response:
        return _error(503, str(exc))

    @app.exception_handler(ConflictError)
    async def conflict(_: Request, exc: ConflictError) -> Response:
        return _error(409, str(exc))

    @app.exception_handler(ConfigError)
    async def bad_request(_: Request, exc: ConfigError) -> Response:
        return _error(400, str(exc))

    @app.exception_handler(ShelfwiseError)
    async def failed(_: Request, exc: ShelfwiseError) -> Response:
        log.error("request failed: %s", exc)
        return _error(500, str(exc))

    @app.exception_handler(RequestValidationError)
    async def bad_params(_: Request, exc: RequestValidationError) -> Response:
        errors = []
        for error in exc.errors():
            loc = error.get("loc", ())
            location = [str(part) for part in loc if part not in ("query", "path", "body")]
            # The whole body is wrong (not an object): the field to fix is the body itself.
            field = ".".join(location) or ("body" if loc and loc[0] == "body" else None)
            errors.append({"row": None, "field": field, "message": error.get("msg", "invalid")})
        first = errors[0] if errors else {"field": None, "message": "invalid request"}
        return _error(
            422, f"{first['field']}: {first['message']}" if first["field"] else str(first["message"]), errors
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> Response:
        # FastAPI answers a body it cannot parse with a bare 400: name the field like every 4xx.
        errors = (
            [{"row": None, "field": "body", "message": str(exc.detail)}] if exc.status_code == 400 else None
        )
        response = _error(exc.status_code, str(exc.detail), errors)
        for name, value in (exc.headers or {}).items():
            response.headers[name] = value
        return response


async def _follow(engine: ServingEngine, every: float) -> None:
    while True:
        await asyncio.sleep(every)
        try:
            engine.sync()
        except Exception:  # a failed catch-up is retried at the next tick
            log.exception("catching up with the store failed")


def create_app(settings: Settings | None = None, engine: ServingEngine | None = None) -> FastAPI:
    """The HTTP API over a serving engine (created and started in the lifespan unless given)."""
    settings = settings or Settings()
    metrics = ApiMetrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own_context = engine is None
        ctx = ServiceContext(settings) if own_context else None
        active = engine if engine is not None else ServingEngine(ctx)  # type: ignore[arg-type]
        app.state.engine = active
        app.state.keys = KeyService(active.context)
        app.state.overview = OverviewService(active)
        active.on_swap.append(metrics.model_swapped)
        metrics.track_profiles(lambda: len(app.state.engine.profiles))
        metrics.track_impressions(lambda: app.state.engine.impression_counts())
        if own_context:
            active.start()
        elif active.version is not None:
            metrics.model_swapped(active.version)
        if settings.serve.auth and not app.state.keys.any_active():
            log.warning("no API key exists: create one with `shelfwise keys create --scope read`")
        # Catch up with other processes' writes on the event loop itself: the store connection
        # stays on one thread and a sync never runs concurrently with a request.
        follower = asyncio.create_task(_follow(active, settings.serve.sync_seconds))
        try:
            yield
        finally:
            follower.cancel()
            if own_context:
                active.stop()
                ctx.close()  # type: ignore[union-attr]

    app = FastAPI(
        title="Shelfwise",
        version=__version__,
        summary="Omnichannel search and recommendations: one customer across channels, live profiles.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.auth = settings.serve.auth
    app.state.metrics = metrics
    # Added first, so it runs inside ServingMiddleware: throttled requests show in the latency metrics.
    app.add_middleware(
        RateLimitMiddleware,
        key_per_minute=settings.serve.rate_limit_key_per_minute,
        address_per_minute=settings.serve.rate_limit_address_per_minute,
        burst=settings.serve.rate_limit_burst,
        redis_url=settings.serve.redis_url,
        redis_prefix=settings.serve.redis_prefix,
    )
    app.add_middleware(ServingMiddleware, metrics=metrics, max_body_bytes=settings.serve.max_body_bytes)
    _install_error_handlers(app)
    for router in (
        health.router,
        ingest.router,
        recommendations.router,
        items.router,
        search.router,
        suggest.router,
        customers.router,
        customers.accounts_router,
        admin.router,
        insights.router,
        feedback.router,
        search_rules.router,
        experiments.router,
        pages.router,
    ):
        app.include_router(router)
    dashboard.install(app)
    return app


def app_from_environment() -> FastAPI:
    """Factory for ``uvicorn --factory`` (several workers): settings from SHELFWISE_* variables."""
    return create_app(Settings())
