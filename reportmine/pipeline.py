"""The pipeline: a list of named stages over one ``Document``.

``extract → normalize → segment → sections → classify → facts``; storing is the caller's
business (CLI ``ingest``, API jobs). Each stage is a plain ``Document -> Document`` function
that can be run and tested alone, and swapped by name (``run(doc, stages=[...])``).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Callable

from reportmine.document import Document
from reportmine.ingest import ReadOptions, file_bytes, read_bytes
from reportmine.sections import find_sections
from reportmine.text.normalize import normalize
from reportmine.text.segment import segment

log = logging.getLogger("reportmine.pipeline")
Stage = Callable[[Document], Document]


def _classify(doc: Document) -> Document:
    from reportmine.classify import classify_document

    return classify_document(doc)


def _facts(doc: Document) -> Document:
    from reportmine.facts import extract_facts
    from reportmine.geometry import locate_facts

    return locate_facts(extract_facts(doc))


STAGES: dict[str, Stage] = {
    "normalize": normalize,
    "segment": segment,
    "sections": find_sections,
    "classify": _classify,
    "facts": _facts,
}
DEFAULT_STAGES = tuple(STAGES)


def run(doc: Document, stages: tuple[str, ...] | list[str] = DEFAULT_STAGES) -> Document:
    """Run the named stages in order over a document a reader produced."""
    for name in stages:
        t = time.perf_counter()
        doc = STAGES[name](doc)
        log.debug("%s: %s took %.3f s", doc.source, name, time.perf_counter() - t)
    return doc


def process_path(path: str | Path, options: ReadOptions | None = None, name: str | None = None,
                 stages: tuple[str, ...] | list[str] = DEFAULT_STAGES) -> Document:
    """Read a file and run every stage; raises ``ReadError`` naming the file."""
    name = name or str(path)
    return process_bytes(file_bytes(path, name), name, options, stages)


def process_bytes(data: bytes, name: str, options: ReadOptions | None = None,
                  stages: tuple[str, ...] | list[str] = DEFAULT_STAGES) -> Document:
    doc = run(read_bytes(data, name, options), stages)
    if "facts" in stages:
        from reportmine.geometry import refine_pdf_boxes

        doc = refine_pdf_boxes(doc, data)  # exact boxes from the PDF's own character boxes
    return doc
