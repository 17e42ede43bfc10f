"""``reportmine train``: registered on the main Typer app by reportmine/cli.py."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer


def register(app: typer.Typer) -> None:
    from reportmine.classify.train import BAG

    @app.command()
    def train(
        out: Optional[Path] = typer.Option(None, "--out", help="Model folder (default: models/ of the repo)."),
        seed: int = typer.Option(0, "--seed", help="Seed for folds and solvers: same seed, same model."),
        with_corrections: bool = typer.Option(
            False, "--with-corrections",
            help="Fold in human corrections from the store (REPORTMINE_DB) or from --corrections."),
        corrections: Optional[Path] = typer.Option(
            None, "--corrections",
            help="JSON Lines of corrections {text, old, new, who, when} (instead of the store)."),
        kind: str = typer.Option("linear", "--kind", help="linear (shipped) or charcnn (needs torch)."),
        heldout_only: bool = typer.Option(
            False, "--split-only", help="Ship the model fitted without the held-out documents."),
        bag: int = typer.Option(
            BAG, "--bag", min=1, max=10,
            help="Average this many calibrations and context layers, each on another fold assignment "
                 "(less luck of the folds; K times the training time; 1 for a quick model)."),
    ):
        """Train the paragraph classifier reproducibly and write it with its model card."""
        import json
        import logging

        from reportmine.classify import DEFAULT_MODEL_DIR, clear_cache, data
        from reportmine.classify.train import train as run_train

        logging.basicConfig(level=logging.INFO, format="%(message)s")
        rows = None
        if with_corrections or corrections is not None:
            try:
                rows = data.load_corrections(path=corrections)
            except RuntimeError as exc:
                typer.echo(f"error: {exc}", err=True)
                raise typer.Exit(2)
            typer.echo(f"{len(rows)} corrections read", err=True)
        try:
            card = run_train(out or DEFAULT_MODEL_DIR, seed=seed, corrections=rows, kind=kind,
                             shipped_data="split" if heldout_only else "all", bag=bag)
        except FileNotFoundError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2)
        clear_cache()
        typer.echo(json.dumps({"out": str(out or DEFAULT_MODEL_DIR), "kind": card["kind"],
                               "heldout_macro_f1": card["heldout"]["macro_f1"],
                               "n_corrections": card["data"]["n_corrections"]}, ensure_ascii=False))
