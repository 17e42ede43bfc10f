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
    context: bool = typer.Option(
        True, "--context/--no-context",
        help="Read the lines as paragraphs of documents in their order (an optional \"doc\" key per line "
             "names the document) and let neighbours inform short fragments; --no-context classifies each "
             "line alone."),
    batch: int = typer.Option(20000, help="Paragraphs per batch (context never crosses a batch)."),
):
    """Classify paragraphs: JSON Lines {"text": …} on stdin → one prediction per line.

    Lines may carry "doc": consecutive lines with the same "doc" are one document. Without it,
    the lines are one stream whose neighbours count as much as the stream is coherent (a batch
    of unrelated paragraphs in random order is classified paragraph by paragraph)."""
    import os

    if model is not None:
        os.environ["REPORTMINE_MODEL_DIR"] = str(model)
    from reportmine.classify import classify_paragraphs, get_classifier

    clf = get_classifier()
    texts: list[str] = []
    docs: list = []
    bad = 0

    def flush():
        keyed = any(d is not None for d in docs)
        for pred in classify_paragraphs(texts, docs if keyed else None, clf=clf, context=context):
            _emit(pred)
        texts.clear()
        docs.clear()

    for lineno, line in enumerate(sys.stdin, 1):
        if not line.strip():
            continue
        doc = None
        try:
            obj = json.loads(line)
            text = obj["text"]
            if not isinstance(text, str):
                raise TypeError("text is not a string")
            doc = obj.get("doc")
            if doc is not None and not isinstance(doc, (str, int)):
                raise TypeError("doc is not a string or a number")
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            bad += 1
            err.print(f"stdin line {lineno}: not a JSON object with a text field ({exc})", highlight=False)
            text, doc = "", None
        texts.append(text)
        docs.append(doc)
        if len(texts) >= max(1, batch):
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
