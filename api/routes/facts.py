"""Fact queries in a datasette-like grammar, aggregates and exports.

``/facts?category=training&unit=人&value__gte=100&year=2023&org__contains=医院&
metric__contains=培训&q=技能竞赛&sort=-value&limit=50&offset=0&facet=year&facet=org``
"""

from __future__ import annotations

import csv
import io
from typing import Optional

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from fastapi.responses import Response, StreamingResponse

from api.deps import principal, settings, store
from reportmine.config import Settings
from reportmine.store.auth import Principal
from reportmine.store.repository import FACET_FIELDS, QueryError, Store

router = APIRouter(tags=["facts"])

RESERVED = {"sort", "limit", "offset", "facet", "_facet", "group_by", "count", "documents"}
EXPORT_FIELDS = ("surface", "value", "value_max", "unit", "qualifier", "metric", "year", "org", "category",
                 "document", "source", "page", "start", "end", "id")


def _filters(request: Request) -> dict:
    out: dict = {}
    for key in request.query_params.keys():
        if key in RESERVED:
            continue
        values = request.query_params.getlist(key)
        out[key] = values if len(values) > 1 else values[0]
    return out


def _facets(request: Request) -> list[str]:
    names: list[str] = []
    for key in ("facet", "_facet"):
        for v in request.query_params.getlist(key):
            names.extend(x for x in v.split(",") if x)
    if "all" in names:
        return list(FACET_FIELDS)
    return list(dict.fromkeys(names))


def _bad(exc: QueryError):
    return HTTPException(status.HTTP_400_BAD_REQUEST, str(exc))


# documented parameters (the handler reads every filter from the query string)
def _doc_params(
    category: Optional[str] = Query(None, description="training, democratic_management, welfare, innovation, other"),
    unit: Optional[str] = Query(None, description="canonical unit: 人, 人次, 元, 家, %, …"),
    value__gte: Optional[float] = None, value__gt: Optional[float] = None,
    value__lte: Optional[float] = None, value__lt: Optional[float] = None,
    year: Optional[int] = None, year__gte: Optional[int] = None, year__lte: Optional[int] = None,
    org: Optional[str] = None, org__contains: Optional[str] = None, metric__contains: Optional[str] = None,
    q: Optional[str] = Query(None, description="words in the fact's paragraph"),
    document: Optional[str] = Query(None, description="document id or sha256"),
):
    return None


@router.get("/facts")
def facts(request: Request, _: None = Depends(_doc_params),
          sort: str = Query("id", description="id, value, -value, year, org, unit, category, metric, page"),
          limit: int = Query(50, ge=0, le=1000), offset: int = Query(0, ge=0, le=10_000_000),
          facet: list[str] = Query([], description="category, year, org, unit (repeat or comma-separate; all)"),
          who: Principal = Depends(principal), st: Store = Depends(store)) -> dict:
    try:
        return st.query_facts(_filters(request), who.scope, sort=sort, limit=limit, offset=offset,
                              facets=_facets(request))
    except QueryError as exc:
        raise _bad(exc)


@router.get("/facts/aggregate")
def aggregate(request: Request, _: None = Depends(_doc_params),
              group_by: str = Query("org,year", description="any of org, year, category, unit, metric"),
              documents: bool = Query(False, description="also count distinct documents per group (slower)"),
              limit: int = Query(1000, ge=1, le=100_000, description="at most this many groups"),
              who: Principal = Depends(principal), st: Store = Depends(store)) -> dict:
    """Count and sum per group (and distinct documents on request); the unit is always a
    key, so sums only add comparable quantities."""
    try:
        return st.aggregate(_filters(request), who.scope, group_by=[g.strip() for g in group_by.split(",")],
                            documents=documents, limit=limit)
    except QueryError as exc:
        raise _bad(exc)


def _rows(request: Request, who: Principal, st: Store, cfg: Settings):
    sort = request.query_params.get("sort") or "id"
    return st.iter_facts(_filters(request), who.scope, sort=sort, limit=cfg.max_export_rows)


@router.get("/facts.csv", response_class=StreamingResponse,
            responses={200: {"content": {"text/csv": {}}, "description": "The facts as CSV (UTF-8 with BOM)"}})
def export_csv(request: Request, _: None = Depends(_doc_params), who: Principal = Depends(principal),
               st: Store = Depends(store), cfg: Settings = Depends(settings)):
    try:
        rows = _rows(request, who, st, cfg)
        first = next(rows, None)
    except QueryError as exc:
        raise _bad(exc)
    st.audit(who.tenant, who.name, "export", "facts.csv", {"query": str(request.query_params)})

    def gen():
        buf = io.StringIO()
        w = csv.writer(buf)
        buf.write("\ufeff")  # Excel opens UTF-8 CSV with Chinese correctly only with a BOM
        w.writerow(EXPORT_FIELDS)
        if first is not None:
            for f in [first]:
                w.writerow([f.get(k) for k in EXPORT_FIELDS])
            for i, f in enumerate(rows):
                w.writerow([f.get(k) for k in EXPORT_FIELDS])
                if i % 500 == 0:
                    yield buf.getvalue()
                    buf.seek(0)
                    buf.truncate()
        yield buf.getvalue()

    return StreamingResponse(gen(), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": 'attachment; filename="facts.csv"'})


@router.get("/facts.xlsx", response_class=Response, responses={200: {"content": {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}}, "description": "The facts as XLSX"}})
def export_xlsx(request: Request, _: None = Depends(_doc_params), who: Principal = Depends(principal),
                st: Store = Depends(store), cfg: Settings = Depends(settings)):
    from openpyxl import Workbook

    rows = _rows(request, who, st, cfg)
    try:
        first = next(rows, None)  # a bad query fails here, before a workbook is open
    except QueryError as exc:
        raise _bad(exc)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("facts")
    ws.append(list(EXPORT_FIELDS))
    if first is not None:
        ws.append([first.get(k) for k in EXPORT_FIELDS])
    for f in rows:
        ws.append([f.get(k) for k in EXPORT_FIELDS])
    buf = io.BytesIO()
    wb.save(buf)
    st.audit(who.tenant, who.name, "export", "facts.xlsx", {"query": str(request.query_params)})
    return Response(buf.getvalue(),
                    media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": 'attachment; filename="facts.xlsx"'})
