"""Request rate limits: a token bucket per caller, answering 429 with Retry-After.

A caller is its bearer token (hashed) or, without one, its address. ``/health`` and static
files are never limited. ``REPORTMINE_RATE_PER_MINUTE`` sets the rate (0 turns it off);
bursts of up to ``REPORTMINE_RATE_BURST`` requests pass at once.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time

EXEMPT = ("/health", "/static/", "/docs", "/openapi.json")


class TokenBuckets:
    def __init__(self, per_minute: float, burst: int):
        self.rate = per_minute / 60.0
        self.burst = float(max(1, burst))
        self._state: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """0 when the request may pass, else seconds until it could."""
        now = time.monotonic()
        with self._lock:
            tokens, last = self._state.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens >= 1.0:
                self._state[key] = (tokens - 1.0, now)
                if len(self._state) > 100_000:  # forget idle callers
                    self._state = {k: v for k, v in self._state.items() if now - v[1] < 600}
                return 0.0
            self._state[key] = (tokens, now)
            return (1.0 - tokens) / self.rate


class RateLimit:
    """Pure ASGI middleware (no body buffering, so uploads stream through untouched)."""

    def __init__(self, app, per_minute: float, burst: int):
        self.app = app
        self.buckets = TokenBuckets(per_minute, burst) if per_minute > 0 else None

    async def __call__(self, scope, receive, send):
        if self.buckets is None or scope["type"] != "http" or scope["path"].startswith(EXEMPT):
            return await self.app(scope, receive, send)
        auth = dict(scope.get("headers") or []).get(b"authorization", b"")
        if auth:
            key = "t:" + hashlib.sha256(auth).hexdigest()[:32]
        else:
            key = "a:" + str((scope.get("client") or ("?",))[0])
        wait = self.buckets.take(key)
        if wait <= 0:
            return await self.app(scope, receive, send)
        body = json.dumps({"detail": "too many requests; try again later"}).encode()
        await send({"type": "http.response.start", "status": 429,
                    "headers": [(b"content-type", b"application/json"), (b"retry-after", str(int(wait) + 1).encode()),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
