"""Store commands: ingest, facts, documents, search, user add, serve (``register(app)``).

JSON shapes follow ../shared/CONTRACT.md; the store is the one named by ``REPORTMINE_DB``.
"""

from __future__ import annotations

import json
import sys
from typing import List, Optional

import typer


def _emit(obj: dict) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")


def _store():
    from reportmine.store.repository import Store

    return Store()


def _fail(message: str, code: int = 2):
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _each_item(entries, settings, bar, task, read_input):
    """Read the inputs one by one; an archive's members widen the progress bar."""
    for entry in entries:
        members = list(read_input(entry, settings))
        if len(members) != 1:
            bar.update(task, total=next(t.total for t in bar.tasks if t.id == task) + len(members) - 1)
        yield from members


def ingest(
    paths: List[str] = typer.Argument(..., help="Files, folders, globs and zip archives."),
    tenant: str = typer.Option("default", help="Tenant (federation) to store into."),
    org: Optional[str] = typer.Option(None, help="Owning unit's org (its unit users see these documents)."),
    as_json: bool = typer.Option(False, "--json", help="One line per input: stored, existing or failed."),
    no_sandbox: bool = typer.Option(False, "--no-sandbox", help="Read in this process (no limits)."),
):
    """Read and store every document; a bad file is named on stderr and skipped."""
    import hashlib

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from reportmine.config import get_settings
    from reportmine.ingest import ReadError, ReadOptions
    from reportmine.store.repository import StoreFull
    from reportmine.store.sources import input_files, read_input

    settings = get_settings()
    store = _store()
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    entries = list(input_files(paths))  # names only: each file is read when its turn comes
    failed = stored = existing = 0
    sandbox = None
    if settings.sandbox and not no_sandbox:
        from reportmine.sandbox import Sandbox

        sandbox = Sandbox()
    try:
        with Progress(TextColumn("[bold]ingest"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      TextColumn("{task.description}"), console=err, transient=True,
                      disable=not err.is_terminal) as bar:
            task = bar.add_task("", total=len(entries))
            for item in _each_item(entries, settings, bar, task, read_input):
                bar.update(task, description=item.name[-60:])
                result: dict = {"source": item.name}
                try:
                    if item.error:
                        raise ReadError(item.name, item.error)
                    sha = hashlib.sha256(item.data).hexdigest()
                    found = store.find_document(sha, tenant)
                    if found is not None:
                        existing += 1
                        result.update(status="existing", document=sha, id=found)
                    else:
                        options = ReadOptions(max_pages=settings.max_pages)
                        if sandbox is not None:
                            doc = sandbox.read(item.data, item.name, options)
                        else:
                            from reportmine.pipeline import process_bytes

                            doc = process_bytes(item.data, item.name, options)
                        doc_id, created = store.add_document(doc, tenant, org, uploaded_by="cli", data=item.data)
                        stored += created
                        existing += not created
                        result.update(status="stored" if created else "existing", document=doc.sha256,
                                      id=doc_id, facts=len(doc.facts))
                except ReadError as exc:
                    failed += 1
                    reason = exc.reason if exc.name == item.name else str(exc)
                    err.print(f"{item.name}: {reason}", markup=False)
                    result.update(status="failed", error=reason)
                except StoreFull as exc:
                    failed += 1
                    err.print(f"{item.name}: {exc}", markup=False)
                    result.update(status="failed", error=str(exc))
                except Exception as exc:  # noqa: BLE001 - one line per bad file, the rest go on
                    failed += 1
                    err.print(f"{item.name}: {type(exc).__name__}: {exc}", markup=False)
                    result.update(status="failed", error=f"{type(exc).__name__}: {exc}")
                if as_json:
                    _emit(result)
                bar.advance(task)
    finally:
        if sandbox is not None:
            sandbox.close()
        store.close()
    if not as_json:
        err.print(f"{stored} stored, {existing} already there, {failed} failed", markup=False)
    if failed:
        raise typer.Exit(1)


def facts(
    category: Optional[str] = typer.Option(None, help="training, democratic_management, welfare, innovation, other"),
    unit: Optional[str] = typer.Option(None, help="Canonical unit (人, 人次, 元, 家, %, …)."),
    min_value: Optional[float] = typer.Option(None, "--min", help="value ≥ this"),
    max_value: Optional[float] = typer.Option(None, "--max", help="value ≤ this"),
    year: Optional[int] = typer.Option(None),
    org: Optional[str] = typer.Option(None, help="Org name contains this."),
    metric: Optional[str] = typer.Option(None, help="Metric contains this."),
    q: Optional[str] = typer.Option(None, "--q", help="Keyword in the fact's paragraph."),
    sort: Optional[str] = typer.Option(None, help="id, value, -value, year, org, …"),
    limit: Optional[int] = typer.Option(None, help="At most this many facts."),
    tenant: str = typer.Option("default"),
    as_json: bool = typer.Option(False, "--json", help="JSON Lines (CONTRACT.md)."),
):
    """Facts in the store, filtered."""
    from reportmine.store.repository import QueryError, Scope

    filters = {"category": category, "unit": unit, "value__gte": min_value, "value__lte": max_value,
               "year": year, "org__contains": org, "metric__contains": metric, "q": q}
    store = _store()
    try:
        for f in store.iter_facts(filters, Scope(tenant), sort=sort, limit=limit):
            if as_json:
                _emit(f)
            else:
                typer.echo(f"{f['surface']}\t{f['value']} {f['unit']}\t{f['category']}\t{f['metric'] or ''}\t"
                           f"{f['year'] or ''}\t{f['org'] or ''}\t{f['source']}:{f['page']}")
    except QueryError as exc:
        _fail(str(exc))
    finally:
        store.close()


def documents(
    tenant: str = typer.Option("default"),
    as_json: bool = typer.Option(False, "--json", help="JSON Lines (CONTRACT.md)."),
):
    """Stored documents."""
    from reportmine.store.repository import Scope

    store = _store()
    try:
        for d in store.iter_documents(Scope(tenant)):
            if as_json:
                _emit(d)
            else:
                typer.echo(f"{d['id']}\t{d['document'][:12]}\t{d['kind']}\t{d['pages']}p\t{d['facts']} facts\t"
                           f"{d['year'] or ''}\t{d['org'] or ''}\t{d['source']}")
    finally:
        store.close()


def search(
    query: str = typer.Argument(..., help="Words to find (all of them), e.g. 技能竞赛 or 慰问"),
    category: Optional[str] = typer.Option(None),
    limit: int = typer.Option(20),
    tenant: str = typer.Option("default"),
    as_json: bool = typer.Option(False, "--json", help="JSON Lines (CONTRACT.md)."),
):
    """Full-text search over paragraphs, best first."""
    from reportmine.store.repository import Scope

    store = _store()
    try:
        for h in store.search(query, Scope(tenant), category=category, limit=limit):
            if as_json:
                _emit(h)
            else:
                typer.echo(f"{h['source']}:{h['page']} [{h['category']}] {h['snippet']}")
    finally:
        store.close()


user_app = typer.Typer(help="Users and API tokens.", no_args_is_help=True)


@user_app.command("add")
def user_add(
    name: str = typer.Argument(...),
    role: str = typer.Option(..., help="admin, staff or unit"),
    org: Optional[str] = typer.Option(None, help="The unit's organisation (required for unit)."),
    tenant: Optional[str] = typer.Option(None, help="Tenant (federation); default: default"),
    as_json: bool = typer.Option(False, "--json"),
):
    """Create a user; prints its token once (only a hash is stored)."""
    from reportmine.store.auth import add_user
    from reportmine.store.repository import QueryError

    store = _store()
    try:
        out = add_user(store, name, role, org=org, tenant=tenant, who="cli")
    except QueryError as exc:
        _fail(str(exc))
    finally:
        store.close()
    if as_json:
        _emit(out)
    else:
        typer.echo(f"user {out['name']} ({out['role']}, tenant {out['tenant']}) token: {out['token']}")


def serve(
    host: str = typer.Option("127.0.0.1"),
    port: int = typer.Option(8000),
    reload: bool = typer.Option(False),
):
    """Serve the API (and the web page) with uvicorn."""
    import uvicorn

    uvicorn.run("api.main:app", host=host, port=port, reload=reload)


def register(app: typer.Typer) -> None:
    app.command()(ingest)
    app.command()(facts)
    app.command()(documents)
    app.command()(search)
    app.add_typer(user_app, name="user")
    app.command()(serve)
