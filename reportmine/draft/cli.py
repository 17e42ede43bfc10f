"""``reportmine draft``: a progress-report draft from the store named by ``REPORTMINE_DB``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

import typer

CATEGORY_NAMES = {"教育培训": "training", "民主管理": "democratic_management",
                  "帮扶慰问与职工福利": "welfare", "职工福利": "welfare", "帮扶慰问": "welfare",
                  "职工技术创新": "innovation", "技术创新": "innovation"}
FORMATS = ("md", "docx", "json")


def parse_categories(values: list[str] | None) -> list[str]:
    from reportmine.draft.aggregate import MAIN_CATEGORIES

    out = []
    for v in values or []:
        for item in str(v).split(","):
            item = item.strip()
            if not item:
                continue
            cat = CATEGORY_NAMES.get(item, item)
            if cat not in MAIN_CATEGORIES:
                raise ValueError(f"unknown category {item!r}; one of {', '.join(MAIN_CATEGORIES)}")
            out.append(cat)
    return list(dict.fromkeys(out))


def register(app: typer.Typer) -> None:
    @app.command()
    def draft(
        year: Optional[int] = typer.Option(None, "--year", help="Year of the draft (default: the latest stored)."),
        org: Optional[List[str]] = typer.Option(None, "--org", help="Only units whose name contains this (repeatable)."),
        category: Optional[List[str]] = typer.Option(None, "--category", help="Only these categories (repeatable or comma-separated)."),
        fmt: str = typer.Option("md", "--format", help="md, docx or json."),
        output: Optional[Path] = typer.Option(None, "-o", "--output", help="File to write (default: stdout)."),
        federation: Optional[str] = typer.Option(None, "--federation", help="Name of the federation for the title."),
    ):
        """Write a progress-report draft in which every number cites its source."""
        from rich.console import Console

        from reportmine.draft import DraftOptions, draft_from_store, render
        from reportmine.store.repository import Store

        err = Console(stderr=True)
        if fmt not in FORMATS:
            err.print(f"error: --format must be one of {', '.join(FORMATS)}, not {fmt!r}", highlight=False)
            raise typer.Exit(2)
        try:
            cats = parse_categories(category)
        except ValueError as exc:
            err.print(f"error: {exc}", highlight=False)
            raise typer.Exit(2)
        if fmt == "docx" and output is None and sys.stdout.isatty():
            err.print("error: a DOCX draft needs -o FILE (or a pipe)", highlight=False)
            raise typer.Exit(2)
        store = Store()
        try:
            d = draft_from_store(store, None, DraftOptions(year=year, orgs=list(org or []), categories=cats,
                                                          federation=federation))
        finally:
            store.close()
        chart = output.with_name(output.stem + "_chart.png") if (output is not None and fmt == "md") else None
        data = render(d, fmt, chart_path=chart)
        if output is None:
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
        else:
            output.write_bytes(data)
            err.print(f"wrote {output} ({len(d.claims)} claims, {len(d.facts())} facts)", highlight=False)
