"""Chinese full text over paragraphs, the same on SQLite (FTS5) and PostgreSQL (tsvector).

Both backends index the same thing: jieba's search-mode tokens of each paragraph, space
separated, in ``paragraphs.tokens`` (see migration 0002). A query term is answered by
the index when it splits into dictionary words of two or more characters (the pieces that
search mode always emits); the paragraph must then also contain the term as written, so
"技能竞赛" does not match a paragraph with 技能 and 竞赛 far apart. A term the index cannot
answer (one character, or a word jieba splits into single characters) is found by a plain
substring scan of the paragraph text, and ``search`` also tops up a short list of hits
from that scan, so one- and two-character terms (培训, 慰问, 工会, 会) always find their
paragraphs. (SQLite's trigram tokenizer returns nothing for them, and pg_trgm cannot use
its index for patterns under three characters.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import ColumnElement, and_, column, exists, func, literal_column, select, table
from sqlalchemy.sql import Select

from reportmine.store.schema import ParagraphRow

_WORD = re.compile(r"\w", re.UNICODE)
FTS_TABLE = table("paragraphs_fts", column("rowid"))  # SQLite only (migration 0002)


def _tokenizer():
    try:
        from reportmine.text.segment import search_tokens, cut
    except ImportError:  # the segmenter module is missing: plain jieba
        import jieba

        return (lambda t: list(jieba.cut_for_search(t))), (lambda t: list(jieba.cut(t)))
    return search_tokens, cut


def index_tokens(text: str) -> str:
    """The string the full-text index is built on: search-mode tokens, lower-cased."""
    search_tokens, _ = _tokenizer()
    return " ".join(w.lower() for w in search_tokens(text) if _WORD.search(w))


@lru_cache(maxsize=4096)
def _dictionary_word(word: str) -> bool:
    try:
        from reportmine.text.segment import tokenizer

        tok = tokenizer()
    except ImportError:
        import jieba

        tok = jieba.dt
    tok.check_initialized()
    return bool(tok.FREQ.get(word))


@dataclass(frozen=True)
class Term:
    """One whitespace-separated query term and the index tokens that find it (if any)."""

    text: str
    pieces: tuple[str, ...]  # empty: the index cannot answer it, scan the text

    @property
    def indexed(self) -> bool:
        return bool(self.pieces)


_ASCII_WORD = re.compile(r"[0-9A-Za-z]+")


def _pieces(w: str) -> list[str] | None:
    """Index tokens that every paragraph containing the word ``w`` has, or None when the
    index cannot promise that. Search mode emits each word of the paragraph's segmentation
    and that word's two- and three-character dictionary parts, so a dictionary word is
    asked for by parts that cover it."""
    if _ASCII_WORD.fullmatch(w):
        return [w.lower()]
    if len(w) < 2:
        return None
    if len(w) == 2:
        return [w] if _dictionary_word(w) else None
    grams = [(i, w[i:i + n]) for n in (2, 3) for i in range(len(w) - n + 1) if _dictionary_word(w[i:i + n])]
    covered = {j for i, g in grams for j in range(i, i + len(g))}
    if len(covered) == len(w):
        return list(dict.fromkeys(g for _, g in grams))
    if len(w) == 3 and _dictionary_word(w):
        return [w]
    return None


def parse_query(q: str) -> list[Term]:
    _, cut = _tokenizer()
    terms: list[Term] = []
    seen: set[str] = set()
    for raw in q.split():
        t = raw.strip()
        if not t or t in seen:
            continue
        seen.add(t)
        pieces: list[str] = []
        ok = True
        for w in cut(t):
            if not _WORD.search(w):
                continue
            found = _pieces(w)
            if found is None:
                ok = False
                break
            pieces.extend(found)
        terms.append(Term(t, tuple(dict.fromkeys(pieces)) if ok else ()))
    return terms


def contains(column, term: str, dialect: str) -> ColumnElement[bool]:
    """Exact, case-sensitive substring test, the same on both backends."""
    if dialect == "postgresql":
        return func.strpos(column, term) > 0
    return func.instr(column, term) > 0


def _fts_match_string(pieces: tuple[str, ...], dialect: str) -> str:
    if dialect == "postgresql":
        return " ".join(pieces)  # plainto_tsquery: AND of the words
    return " AND ".join('"' + p.replace('"', '""') + '"' for p in pieces)


def fts_condition(terms: list[Term], dialect: str) -> ColumnElement[bool] | None:
    """Index lookup for the indexed terms (None when none is indexed)."""
    pieces = tuple(dict.fromkeys(p for t in terms for p in t.pieces))
    if not pieces:
        return None
    m = _fts_match_string(pieces, dialect)
    if dialect == "postgresql":
        return literal_column("paragraphs.tsv").op("@@")(func.plainto_tsquery(literal_column("'simple'::regconfig"), m))
    return ParagraphRow.id.in_(
        select(FTS_TABLE.c.rowid).where(literal_column("paragraphs_fts").op("MATCH")(m)))


def fact_paragraph_condition(q: str, dialect: str, paragraph_id, use_index: bool) -> ColumnElement[bool] | None:
    """Facts whose paragraph contains every term of ``q``. ``use_index``: through the
    full-text index (best when q is the only selective filter); otherwise a check of each
    candidate fact's own paragraph (best when other filters already narrowed the facts)."""
    if use_index:
        pc = paragraph_condition(q, dialect)
        return None if pc is None else paragraph_id.in_(select(ParagraphRow.id).where(pc))
    terms = parse_query(q)
    if not terms:
        return None
    return exists(select(ParagraphRow.id).where(
        ParagraphRow.id == paragraph_id, *[contains(ParagraphRow.text, t.text, dialect) for t in terms]))


def paragraph_condition(q: str, dialect: str) -> ColumnElement[bool] | None:
    """Paragraphs that contain every term of ``q`` (index first, then the exact text)."""
    terms = parse_query(q)
    if not terms:
        return None
    conds = [contains(ParagraphRow.text, t.text, dialect) for t in terms]
    fts = fts_condition(terms, dialect)
    if fts is not None:
        conds.insert(0, fts)
    return and_(*conds)


RECENT_SPAN = 20  # PostgreSQL: a window of N matches looks among the newest N × this paragraphs


def ranked_hits(terms: list[Term], dialect: str, base: list[ColumnElement[bool]], limit: int,
                window: int | None = None) -> Select:
    """A select of (paragraph id, rank) for the indexed terms, best first.

    With ``window`` only the ``window`` most recent matches (highest ids) are ranked: a term
    found in hundreds of thousands of paragraphs then costs O(window), not O(matches). The
    caller runs it again without a window when the window yields fewer than ``limit`` hits."""
    pieces = tuple(dict.fromkeys(p for t in terms for p in t.pieces))
    m = _fts_match_string(pieces, dialect)
    exact = [contains(ParagraphRow.text, t.text, dialect) for t in terms]
    if dialect == "postgresql":
        tsv = literal_column("paragraphs.tsv")
        tsq = func.plainto_tsquery(literal_column("'simple'::regconfig"), m)
        rank = func.ts_rank(tsv, tsq)
        if window is None:
            return (select(ParagraphRow.id, rank.label("rank"))
                    .where(tsv.op("@@")(tsq), *base, *exact)
                    .order_by(rank.desc(), ParagraphRow.id).limit(limit))
        # the window holds ids only; the rank is computed for the window's rows alone. The
        # GIN index gives matches in no order, so every match would be read from the heap to
        # find the newest; bounding the ids to the newest paragraphs lets PostgreSQL AND the
        # GIN bitmap with a primary-key range and read only those (1.1 s → 0.2 s at 1M rows)
        recent = select(func.max(ParagraphRow.id)).scalar_subquery() - window * RECENT_SPAN
        inner = (select(ParagraphRow.id.label("pid")).where(tsv.op("@@")(tsq), ParagraphRow.id > recent)
                 .order_by(ParagraphRow.id.desc()).limit(window).subquery())
        return (select(ParagraphRow.id, rank.label("rank")).join(inner, inner.c.pid == ParagraphRow.id)
                .where(*base, *exact).order_by(rank.desc(), ParagraphRow.id).limit(limit))
    match = literal_column("paragraphs_fts").op("MATCH")(m)
    rank = func.bm25(literal_column("paragraphs_fts"))
    if window is None:
        return (select(ParagraphRow.id, rank.label("rank"))
                .select_from(FTS_TABLE).join(ParagraphRow, ParagraphRow.id == FTS_TABLE.c.rowid)
                .where(match, *base, *exact)
                .order_by(rank, ParagraphRow.id).limit(limit))
    inner = (select(FTS_TABLE.c.rowid.label("pid"), rank.label("rank")).where(match)
             .order_by(FTS_TABLE.c.rowid.desc()).limit(window).subquery())
    return (select(ParagraphRow.id, inner.c.rank).join(inner, inner.c.pid == ParagraphRow.id)
            .where(*base, *exact).order_by(inner.c.rank, ParagraphRow.id).limit(limit))


def scan_hits(terms: list[Term], dialect: str, base: list[ColumnElement[bool]], exclude: list[int],
              limit: int) -> Select:
    """Paragraphs containing every term by a substring scan (for what the index misses)."""
    conds = [contains(ParagraphRow.text, t.text, dialect) for t in terms]
    stmt = select(ParagraphRow.id).where(*base, *conds)
    if exclude:
        stmt = stmt.where(ParagraphRow.id.not_in(exclude))
    return stmt.order_by(ParagraphRow.id).limit(limit)


def snippet(text: str, terms: list[str], width: int = 80) -> tuple[str, list[list[int]]]:
    """Windows of ``text`` around the first occurrence of each term (joined with …), so
    that every term found in the paragraph is in the snippet, and the [start, end) spans of
    the terms inside the snippet (for highlighting; the snippet itself is plain text)."""
    found = sorted((text.find(t), len(t)) for t in terms if t and t in text)
    if not found:
        windows = [(0, min(len(text), width))]
    else:
        radius = max(10, (width // len(found)) // 2)
        windows = []
        for pos, n in found:
            lo, hi = max(0, pos - radius), min(len(text), pos + n + radius)
            if windows and lo <= windows[-1][1]:
                windows[-1] = (windows[-1][0], max(windows[-1][1], hi))
            else:
                windows.append((lo, hi))
    parts: list[str] = []
    for lo, hi in windows:
        if lo > 0 and not (parts and parts[-1] == "…"):
            parts.append("…")
        parts.append(text[lo:hi])
        if hi < len(text):
            parts.append("…")
    out = "".join(parts)
    marks: list[list[int]] = []
    for t in terms:
        i = out.find(t) if t else -1
        while i >= 0:
            marks.append([i, i + len(t)])
            i = out.find(t, i + len(t))
    marks.sort()
    return out, marks
