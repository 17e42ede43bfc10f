"""The reportmine API: ``uvicorn api.main:app`` (or ``reportmine serve``).

Routers live in ``api/routes``; the web page's router (``api/routes/web.py``, with
templates and static files) is included when present. The embedded job runner (a thread
polling the jobs table) starts with the app unless ``REPORTMINE_BROKER`` hands jobs to
Celery workers.
"""

from __future__ import annotations

import importlib
import logging
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DataError

from api.limits import RateLimit
from reportmine import __version__
from reportmine.config import Settings, get_settings

log = logging.getLogger("reportmine.api")
STATIC = Path(__file__).resolve().parent / "static"
_DETAIL = {"application/json": {"schema": {"type": "object", "properties": {"detail": {}}}}}
# error answers every route may give, documented once for the whole spec
ERROR_RESPONSES = {code: {"description": text, "content": _DETAIL} for code, text in (
    (400, "A filter or value the route does not understand"),
    (401, "No token, or an unknown one"),
    (403, "The token's role may not do this"),
    (404, "No such thing, or not visible to this token"),
    (409, "Conflicts with what is stored (e.g. a user name taken)"),
    (413, "Upload larger than the limit"),
    (429, "Too many requests"),
)}
ROUTERS = ("health", "documents", "jobs", "facts", "search", "corrections", "users", "drafts", "pages")


def create_app(settings: Settings | None = None, store=None, run_jobs: bool | None = None) -> FastAPI:
    """An app over ``store`` (default: the one ``REPORTMINE_DB`` names, opened lazily)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        runner = None
        cfg = app.state.settings or get_settings()
        app.state.settings = cfg
        start = run_jobs if run_jobs is not None else (not cfg.broker and cfg.job_workers > 0)
        if start:
            from api.deps import store as get_store_dep
            from reportmine.store.jobs import JobRunner

            class _Req:  # the dependency wants a request; only .app is used
                pass

            req = _Req()
            req.app = app
            runner = JobRunner(get_store_dep(req), threads=cfg.job_workers, poll=cfg.job_poll_seconds).start()
        app.state.runner = runner
        # load jieba's dictionary now, not on the first search (about a second, once per process)
        from fastapi.concurrency import run_in_threadpool

        from reportmine.text.segment import search_tokens

        await run_in_threadpool(search_tokens, "职工培训")
        try:
            yield
        finally:
            if runner is not None:
                runner.stop()

    app = FastAPI(title="reportmine", version=__version__, lifespan=lifespan, responses=ERROR_RESPONSES,
                  description="Search and count the facts in trade-union annual work summaries. "
                              "Every route but /health and the docs needs `Authorization: Bearer TOKEN`.")
    app.state.settings = settings
    app.state.store = store
    for name in ROUTERS:
        app.include_router(importlib.import_module(f"api.routes.{name}").router)
    try:
        web = importlib.import_module("api.routes.web")
    except ModuleNotFoundError as exc:
        if exc.name != "api.routes.web":
            raise
    else:
        app.include_router(web.router)
    if STATIC.is_dir():
        app.mount("/static", StaticFiles(directory=STATIC), name="static")
    @app.exception_handler(OverflowError)
    @app.exception_handler(DataError)
    async def _out_of_range(request, exc):  # an id or number no column can hold: the caller's mistake
        return JSONResponse({"detail": "a number in the request is out of range"}, status_code=400)

    cfg = settings or get_settings()
    app.add_middleware(RateLimit, per_minute=cfg.rate_per_minute, burst=cfg.rate_burst)
    return app


app = create_app()
