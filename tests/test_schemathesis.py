"""schemathesis over the app's own /openapi.json with a valid token: no server error and
no response that breaks the spec. Bounded here; benchmarks/schemathesis_long.py runs longer."""

import os
import tempfile
from pathlib import Path

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

# no server error, and every response a route documents (status, content type, body) is
# what it says. Left out: schemathesis' Allow-header check (Starlette's 405 names the methods
# of the one route it matched) and negative-data checks (lenient filters are a choice).
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

EXAMPLES = int(os.environ.get("REPORTMINE_SCHEMATHESIS_EXAMPLES", "15"))
# CI replays a fixed sequence; the long benchmark explores at random and counts its requests
RANDOM = os.environ.get("REPORTMINE_SCHEMATHESIS_RANDOM") == "1"
REQUEST_LOG = os.environ.get("REPORTMINE_SCHEMATHESIS_LOG")
_tmp = Path(tempfile.mkdtemp(prefix="rm-schemathesis-"))


def _app():
    from api.main import create_app
    from reportmine.config import Settings
    from reportmine.pipeline import process_path
    from reportmine.store import Store
    from reportmine.store.auth import add_user

    url = f"sqlite:///{_tmp / 'store.db'}"
    store = Store(url)
    for sample in sorted((Path(__file__).resolve().parents[1] / "corpora" / "samples").glob("*.txt")):
        store.add_document(process_path(sample), "default", None)
    token = add_user(store, "fuzzer", "admin", tenant="default")["token"]
    app = create_app(Settings(db=url, anonymous=False, sandbox=False), store=store, run_jobs=False)
    return app, token


APP, TOKEN = _app()
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@pytest.mark.slow
@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=not RANDOM, suppress_health_check=list(HealthCheck))
def test_api_holds_to_its_spec(case):
    response = case.call_and_validate(headers={"Authorization": f"Bearer {TOKEN}"}, checks=CHECKS)
    if REQUEST_LOG:
        with open(REQUEST_LOG, "a", encoding="utf-8") as log:
            log.write(f"{case.method} {case.path} {response.status_code}\n")
