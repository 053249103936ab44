"""Plain ASGI middleware (cheaper per request than Starlette's BaseHTTPMiddleware): request body
size limit (413 before the body is read when Content-Length says so, or as soon as a streamed body
passes the limit) and a latency histogram per route template."""

from __future__ import annotations

import time
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shelfwise.api.metrics import ApiMetrics


class _BodyTooLarge(Exception):
    pass


def _payload_too_large(limit: int) -> tuple[dict[str, Any], dict[str, Any]]:
    body = orjson.dumps({"detail": f"request body larger than {limit} bytes", "errors": []})
    start = {
        "type": "http.response.start",
        "status": 413,
        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
    }
    return start, {"type": "http.response.body", "body": body}


class ServingMiddleware:
    def __init__(self, app: ASGIApp, metrics: ApiMetrics, max_body_bytes: int) -> None:
        self.app = app
        self.metrics = metrics
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        limit = self.max_body_bytes
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > limit:
                await self._reject(send, limit)
                self._observe(scope, 413, started)
                return

        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _BodyTooLarge
            return message

        response_started = False

        async def tracking_send(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = message["status"]
                response_started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _BodyTooLarge:
            if response_started:
                raise
            status = 413
            await self._reject(send, limit)
        finally:
            self._observe(scope, status, started)

    async def _reject(self, send: Send, limit: int) -> None:
        start, body = _payload_too_large(limit)
        await send(start)
        await send(body)

    def _observe(self, scope: Scope, status: int, started: float) -> None:
        route = scope.get("route")
        template = getattr(route, "path", None) or "unmatched"
        self.metrics.latency.labels(scope["method"], template, str(status)).observe(
            time.perf_counter() - started
        )
