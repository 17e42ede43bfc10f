"""The one typed document that flows through every stage.

A reader fills ``pages`` (blocks with page, bbox and their own raw text); ``normalize``
joins the body blocks into ``raw_text`` and derives ``text`` plus ``offsets`` (for each
character of ``text``, the index of the ``raw_text`` character it came from). From then on
``text`` is the single coordinate system: blocks, sections, paragraphs, tokens and facts
point into it with ``start``/``end``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Category = Literal["training", "democratic_management", "welfare", "innovation", "other"]
CATEGORIES: tuple[str, ...] = ("training", "democratic_management", "welfare", "innovation", "other")
Qualifier = Literal["exact", "more_than", "nearly", "about", "less_than"]
Kind = Literal["pdf", "scanned_pdf", "image", "docx", "doc", "txt", "html"]
BlockKind = Literal["text", "heading", "header", "footer", "table", "caption", "page_number"]


class BBox(BaseModel):
    """A box on a page in points (PDF) or pixels (images), origin top-left."""

    x0: float
    y0: float
    x1: float
    y1: float


class Block(BaseModel):
    """A run of text a reader found on a page, in reading order."""

    page: int
    kind: BlockKind = "text"
    text: str
    bbox: BBox | None = None
    level: int | None = None  # heading level when the reader knows it (DOCX styles)
    confidence: float | None = None  # OCR confidence, mean over the block's lines
    start: int | None = None  # span in Document.text, set by normalize
    end: int | None = None

    @property
    def in_body(self) -> bool:
        """Headers, footers and page numbers are kept but stay out of the body text."""
        return self.kind not in ("header", "footer", "page_number")


class Page(BaseModel):
    number: int  # 1-based
    width: float | None = None
    height: float | None = None
    source: Literal["text", "text_layer", "ocr", "none"] = "text"
    blocks: list[Block] = Field(default_factory=list)
    # OCR line fragments ``[x0, y0, x1, y1, text]`` as recognised, before layout: where a
    # fact stands inside its block (reportmine.geometry); not stored
    fragments: list[list] | None = Field(default=None, repr=False)


class Token(BaseModel):
    start: int
    end: int
    word: str


class Section(BaseModel):
    heading: str
    level: int
    start: int
    end: int
    page: int = 1
    category: Category = "other"
    parent: int | None = None  # index into Document.sections


class Paragraph(BaseModel):
    start: int
    end: int
    page: int = 1
    category: Category = "other"
    labels: list[Category] = Field(default_factory=lambda: ["other"])
    scores: dict[str, float] = Field(default_factory=dict)
    section: int | None = None  # index into Document.sections
    is_heading: bool = False


class Fact(BaseModel):
    surface: str
    value: float
    unit: str
    qualifier: Qualifier = "exact"
    metric: str | None = None
    year: int | None = None
    org: str | None = None
    category: Category = "other"
    start: int
    end: int
    page: int = 1
    paragraph: int | None = None  # index into Document.paragraphs
    value_max: float | None = None  # upper bound of a range (3至5人)
    bbox: list[list[float]] | None = None  # [x0, y0, x1, y1] per line on ``page`` (reportmine.geometry)


class Document(BaseModel):
    source: str
    sha256: str
    kind: Kind
    pages: list[Page] = Field(default_factory=list)
    title: str | None = None
    org: str | None = None
    year: int | None = None
    raw_text: str = ""
    text: str = ""
    offsets: list[int] = Field(default_factory=list, repr=False)
    tokens: list[Token] = Field(default_factory=list, repr=False)
    sections: list[Section] = Field(default_factory=list)
    paragraphs: list[Paragraph] = Field(default_factory=list)
    facts: list[Fact] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)

    @property
    def page_count(self) -> int:
        return len(self.pages)

    def page_at(self, offset: int) -> int:
        """The page a character of ``text`` stands on (1 when nothing says otherwise)."""
        best = 1
        for page in self.pages:
            for block in page.blocks:
                if block.start is None or block.end is None:
                    continue
                if block.start <= offset < max(block.end, block.start + 1):
                    return page.number
                if block.start <= offset:
                    best = page.number
        return best

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a span of ``text`` back to ``raw_text`` through the offset map."""
        if not self.offsets or start >= len(self.offsets):
            return start, end
        last = min(end, len(self.offsets)) - 1
        return self.offsets[start], self.offsets[max(start, last)] + 1

    def to_contract(self) -> dict:
        """The JSON shape of ``reportmine extract --json`` (../shared/CONTRACT.md)."""
        return {
            "source": self.source,
            "sha256": self.sha256,
            "kind": self.kind,
            "pages": self.page_count,
            "title": self.title,
            "org": self.org,
            "year": self.year,
            "text": self.text,
            "sections": [
                {"heading": s.heading, "level": s.level, "category": s.category,
                 "start": s.start, "end": s.end, "page": s.page}
                for s in self.sections
            ],
            "paragraphs": [
                {"start": p.start, "end": p.end, "category": p.category,
                 "labels": list(p.labels), "page": p.page}
                for p in self.paragraphs
            ],
            "facts": [fact_to_contract(f) for f in self.facts],
            "warnings": list(self.warnings),
        }


def fact_to_contract(f: Fact) -> dict:
    value: float | int = int(f.value) if float(f.value).is_integer() else f.value
    out = {
        "surface": f.surface, "value": value, "unit": f.unit, "qualifier": f.qualifier,
        "metric": f.metric, "year": f.year, "org": f.org, "category": f.category,
        "start": f.start, "end": f.end, "page": f.page,
    }
    if f.value_max is not None:
        out["value_max"] = int(f.value_max) if float(f.value_max).is_integer() else f.value_max
    if f.bbox:
        out["bbox"] = [list(r) for r in f.bbox]
    return out
