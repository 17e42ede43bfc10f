"""The command line: thin commands over the library (Typer + rich).

``extract`` and ``classify`` keep the JSON shapes of ../shared/CONTRACT.md; the store's
commands (ingest, facts, documents, search, user, serve), training and drafts register
themselves from their own modules.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="reportmine: annual work summaries → searchable, countable, cited facts.")
err = Console(stderr=True)


def _emit(obj: dict):
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()


@app.command()
def extract(
    paths: List[Path] = typer.Argument(..., help="Files to read (PDF, image, DOCX, DOC, TXT, HTML)."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per input (CONTRACT.md)."),
    no_ocr: bool = typer.Option(False, "--no-ocr", help="Never OCR; scans then fail."),
):
    """Read files and print their text, sections, categories and facts."""
    from reportmine.ingest import ReadError, ReadOptions
    from reportmine.pipeline import process_path

    failed = 0
    options = ReadOptions(ocr=not no_ocr)
    for path in paths:
        try:
            doc = process_path(path, options, name=str(path))
        except ReadError as exc:
            failed += 1
            err.print(f"[red]error[/red] {exc}", highlight=False, soft_wrap=True)
            continue
        if as_json:
            _emit(doc.to_contract())
        else:
            typer.echo(f"# {path} ({doc.kind}, {doc.page_count} pages, {len(doc.facts)} facts)")
            if doc.title:
                typer.echo(f"title: {doc.title}")
            for s in doc.sections:
                typer.echo(f"{'  ' * (s.level - 1)}§ {s.heading} [{s.category}]")
            for f in doc.facts:
                typer.echo(f"  {f.surface}\t{f.value:g} {f.unit}\t{f.qualifier}\t{f.metric or ''}\t{f.year or ''}")
    if failed:
        raise typer.Exit(1)


@app.command()
def classify(
    model: Optional[Path] = typer.Option(None, help="Model directory (default: the shipped model)."),
    batch: int = typer.Option(256, help="Paragraphs per batch."),
):
    """Classify paragraphs: JSON Lines {"text": …} on stdin → one prediction per line."""
    import os

    if model is not None:
        os.environ["REPORTMINE_MODEL_DIR"] = str(model)
    from reportmine.classify import get_classifier

    clf = get_classifier()
    pending: list[str] = []
    bad = 0

    def flush():
        for pred in clf.predict(pending):
            _emit(pred)
        pending.clear()

    for lineno, line in enumerate(sys.stdin, 1):
        if not line.strip():
            continue
        try:
            text = json.loads(line)["text"]
            if not isinstance(text, str):
                raise TypeError("text is not a string")
        except (ValueError, KeyError, TypeError) as exc:
            bad += 1
            err.print(f"stdin line {lineno}: not a JSON object with a text field ({exc})", highlight=False)
            text = ""
        pending.append(text)
        if len(pending) >= batch:
            flush()
    flush()
    if bad:
        raise typer.Exit(1)


def _register_plugins():
    """Commands that live beside the code they drive."""
    import importlib

    for module in ("reportmine.store.cli", "reportmine.classify.cli", "reportmine.draft.cli"):
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.startswith(module.rsplit(".", 1)[0]):
                continue
            raise
        mod.register(app)


_register_plugins()

if __name__ == "__main__":
    app()
