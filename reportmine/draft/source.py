"""Where a draft's facts come from: the store (one query per table, access applied through
the store's ``Scope``), or processed ``Document`` objects.

Corrections count: a fact's corrected fields are stored on the fact itself; a paragraph
whose category was corrected carries its facts with it into the corrected category (unless
the fact's own category was corrected too).
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections import Counter
from typing import Iterable

from reportmine.draft.aggregate import DDoc, DFact, DPara, DraftInput, MAIN_CATEGORIES, quote_around, text_fingerprint

log = logging.getLogger("reportmine.draft")
_ACHIEVEMENT_WORDS = ("获评", "荣获", "被评为", "授予", "表彰", "称号", "命名", "评为", "获得")


def _sources(docs: list[tuple[str, str]]) -> dict[str, str]:
    """A label per document that tells two files of the same name apart."""
    names = Counter(name for _, name in docs)
    return {key: (name if names[name] == 1 else f"{name}（{key[:8]}）") for key, name in docs}


def _basename(source: str) -> str:
    return source.replace("\\", "/").rsplit("/", 1)[-1] or source


def from_documents(docs: Iterable) -> DraftInput:
    """Draft input from processed ``reportmine.document.Document`` objects."""
    docs = list(docs)
    label = _sources([(d.sha256, _basename(d.source)) for d in docs])
    ddocs, facts, paras = [], [], []
    seen: set[str] = set()
    for d in docs:
        if d.sha256 in seen:
            continue
        seen.add(d.sha256)
        ddocs.append(DDoc(key=d.sha256, source=label[d.sha256], org=d.org, year=d.year,
                          fingerprint=text_fingerprint(d.text)))
        for i, f in enumerate(d.facts):
            facts.append(DFact(
                id=f"f{d.sha256[:8]}_{i}", doc=d.sha256, source=label[d.sha256], value=f.value, unit=f.unit,
                surface=f.surface, quote=quote_around(d.text, f.start, f.end), qualifier=f.qualifier,
                metric=f.metric, year=f.year if f.year is not None else d.year, org=f.org or d.org,
                category=f.category, page=f.page, start=f.start, value_max=f.value_max))
        for p in d.paragraphs:
            if p.category in MAIN_CATEGORIES and not p.is_heading:
                paras.append(DPara(doc=d.sha256, text=d.text[p.start:p.end], category=p.category, page=p.page))
    return DraftInput(docs=ddocs, facts=facts, paragraphs=paras)


def from_store(store, scope=None, *, years: Iterable[int] | None = None, orgs: Iterable[str] | None = None,
               categories: Iterable[str] | None = None, max_facts: int | None = None) -> DraftInput:
    """Draft input from a ``reportmine.store.Store`` seen through ``scope``; ``years``
    limits the facts read (the draft's year and the one before), ``orgs`` to the units whose
    name contains one of them, ``categories`` to those categories (a fact whose paragraph was
    corrected into one of them comes along)."""
    from sqlalchemy import func, or_, select

    from reportmine.store.repository import Scope
    from reportmine.store.schema import CorrectionRow, DocumentRow, FactRow, Org, ParagraphRow

    scope = scope or Scope()
    years = sorted(set(years)) if years else None
    orgs = [o for o in (orgs or []) if o]
    cats = [c for c in (categories or []) if c] or list(MAIN_CATEGORIES)
    doc_conds = list(scope.documents())
    fact_conds = list(scope.rows(FactRow))
    corrected_sub = select(CorrectionRow.paragraph_id).where(
        CorrectionRow.tenant == scope.tenant, CorrectionRow.target == "paragraph",
        CorrectionRow.field == "category", CorrectionRow.paragraph_id.is_not(None))
    fact_conds.append(or_(FactRow.category.in_(cats), FactRow.paragraph_id.in_(corrected_sub)))
    if years:
        fact_conds.append(FactRow.year.in_(years))
    t_start = time.perf_counter()
    hint = False
    with store.read() as s:
        if orgs:
            # the units' facts through the small orgs table and the org_id / document_id
            # indexes; the main query then looks them up by id instead of walking a year index
            org_ids = list(s.scalars(select(Org.id).where(Org.tenant == scope.tenant,
                                                          or_(*[Org.name.contains(o) for o in orgs]))))
            org_docs = list(s.scalars(select(DocumentRow.id).where(
                *scope.documents(), or_(*[DocumentRow.org.contains(o) for o in orgs]))))
            cand = set(s.scalars(select(FactRow.id).where(*scope.rows(FactRow), FactRow.org_id.in_(org_ids or [-1]))))
            cand |= set(s.scalars(select(FactRow.id).where(FactRow.document_id.in_(org_docs or [-1]))))
            if len(cand) <= 50_000:
                fact_conds.append(FactRow.id.in_(sorted(cand) or [-1]))
                hint = True
            else:
                fact_conds.append(or_(FactRow.org_id.in_(org_ids or [-1]), FactRow.document_id.in_(org_docs or [-1])))
            doc_ids = set(org_docs) | set(s.scalars(select(FactRow.document_id).distinct().where(
                FactRow.id.in_(sorted(cand) or [-1])))) if len(cand) <= 50_000 else None
            if doc_ids is not None:
                doc_conds.append(DocumentRow.id.in_(sorted(doc_ids) or [-1]))
            else:
                doc_conds.append(or_(DocumentRow.id.in_(org_docs or [-1]), DocumentRow.id.in_(
                    select(FactRow.document_id).where(*scope.rows(FactRow), FactRow.org_id.in_(org_ids or [-1])))))
        drows = s.execute(select(DocumentRow.id, DocumentRow.sha256, DocumentRow.source, DocumentRow.org,
                                 DocumentRow.year, func.length(DocumentRow.text), DocumentRow.fact_count)
                          .where(*doc_conds)).all()
        log.debug("draft documents: %d rows in %.3f s", len(drows), time.perf_counter() - t_start)
        fact_stmt = (select(FactRow.id, FactRow.document_id, FactRow.value, FactRow.unit, FactRow.surface,
                            FactRow.qualifier, FactRow.metric, FactRow.year, FactRow.org, FactRow.category,
                            FactRow.page, FactRow.start, FactRow.end, FactRow.paragraph_id, FactRow.value_max,
                            ParagraphRow.start, ParagraphRow.text, ParagraphRow.category)
                     .outerjoin(ParagraphRow, ParagraphRow.id == FactRow.paragraph_id)
                     .where(*fact_conds))
        if hint:
            fact_stmt = fact_stmt.with_hint(FactRow, "NOT INDEXED", "sqlite")
        if max_facts is not None:
            from reportmine.draft.build import DraftTooLarge

            count = select(func.count()).select_from(FactRow).where(*fact_conds)
            if hint:
                count = count.with_hint(FactRow, "NOT INDEXED", "sqlite")
            n = s.scalar(count)
            if n > max_facts:
                raise DraftTooLarge(n, max_facts)
        t0 = time.perf_counter()
        frows = s.execute(fact_stmt).all()
        log.debug("draft facts: %d rows in %.3f s", len(frows), time.perf_counter() - t0)
        corrected_paras = set(s.scalars(select(CorrectionRow.paragraph_id).where(
            CorrectionRow.tenant == scope.tenant, CorrectionRow.target == "paragraph",
            CorrectionRow.field == "category")))
        corrected_facts = set(s.scalars(select(CorrectionRow.fact_id).where(
            CorrectionRow.tenant == scope.tenant, CorrectionRow.target == "fact",
            CorrectionRow.field == "category")))
        achievement = or_(*[ParagraphRow.text.contains(w) for w in _ACHIEVEMENT_WORDS])
        para_docs = select(DocumentRow.id).where(*doc_conds)
        if years:
            para_docs = para_docs.where(or_(DocumentRow.year.in_(years), DocumentRow.year.is_(None)))
        prows = s.execute(select(ParagraphRow.document_id, ParagraphRow.text, ParagraphRow.category,
                                 ParagraphRow.page)
                          .where(*scope.rows(ParagraphRow), ParagraphRow.category.in_(cats),
                                 ParagraphRow.is_heading.is_(False), ParagraphRow.document_id.in_(para_docs),
                                 achievement)
                          .order_by(ParagraphRow.id).limit(3000)).all()
        log.debug("draft paragraphs: %d rows in %.3f s", len(prows), time.perf_counter() - t0)
    by_id = {r[0]: r for r in drows}
    label = _sources([(r[1], _basename(r[2])) for r in drows])
    docs = [DDoc(key=sha, source=label[sha], org=org, year=year) for _i, sha, _s, org, year, _l, _n in drows]
    fps: dict[int, list] = {}
    facts = []
    for (fid, did, value, unit, surface, qual, metric, year, org, cat, page, start, end, pid, vmax,
         pstart, ptext, pcat) in frows:
        d = by_id.get(did)
        if d is None:
            continue
        if pid is not None and pid in corrected_paras and fid not in corrected_facts and pcat:
            cat = pcat
        if ptext is not None and pstart is not None:
            quote = quote_around(ptext, start - pstart, end - pstart)
            if surface not in quote:
                quote = surface
        else:
            quote = surface
        facts.append(DFact(id=f"f{fid}", doc=d[1], source=label[d[1]], value=value, unit=unit,
                           surface=surface, quote=quote, qualifier=qual, metric=metric, year=year,
                           org=org, category=cat, page=page, start=start, value_max=vmax))
        fps.setdefault(did, []).append((start, unit, value))
    # a fingerprint of the same report stored twice: same text length and the same figures
    # at the same places (reading every text to hash it would cost more than the draft)
    ddoc = {d.key: d for d in docs}
    for did, sha, _source, _org, _year, length, _n in drows:
        sig = sorted(fps.get(did, []))
        if len(sig) >= 3:
            ddoc[sha].fingerprint = hashlib.sha1(repr((length, sig)).encode()).hexdigest()
    paras = [DPara(doc=by_id[r[0]][1], text=r[1], category=r[2], page=r[3]) for r in prows if r[0] in by_id]
    return DraftInput(docs=docs, facts=facts, paragraphs=paras)


def latest_year(store, scope=None) -> int | None:
    from sqlalchemy import func, select

    from reportmine.store.repository import Scope
    from reportmine.store.schema import DocumentRow, FactRow

    scope = scope or Scope()
    with store.read() as s:
        y = s.scalar(select(func.max(DocumentRow.year)).where(*scope.documents()))
        if y is None:
            y = s.scalar(select(func.max(FactRow.year)).where(*scope.rows(FactRow)))
    return y
