"""The web page staff use: server-rendered Jinja2 with htmx (vendored in ``api/static``),
Chinese UI, no build step and nothing fetched from the internet.

Pages: ``/`` upload and jobs, ``/web/documents``, ``/web/documents/{id}`` (text coloured by
category, facts highlighted, corrections), ``/web/search``, ``/web/facts`` (table and
CSV/XLSX export), ``/web/drafts`` (choose → preview → download), ``/web/login``.

Identity: the ``reportmine_token`` cookie set by the token login form (HttpOnly,
SameSite=Strict), or anonymous staff when ``REPORTMINE_ANONYMOUS=1``. Every form and htmx
request that changes something carries the ``rm_csrf`` double-submit token. All document
text goes through Jinja2's autoescaping.
"""

from __future__ import annotations

import secrets
import time
from pathlib import Path
from typing import Any, List, Optional
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy import func, or_, select

from api.deps import TOKEN_COOKIE, principal, settings, store
from reportmine.config import Settings
from reportmine.store.auth import Principal, principal_for_token
from reportmine.store.repository import QueryError, Store

router = APIRouter(include_in_schema=False)
TEMPLATES = Jinja2Templates(directory=str(Path(__file__).resolve().parents[1] / "templates"))
CSRF_COOKIE = "rm_csrf"
PAGE = 50

CATEGORY_NAMES = {"training": "教育培训", "democratic_management": "民主管理",
                  "welfare": "帮扶慰问与职工福利", "innovation": "职工技术创新", "other": "其他"}
QUALIFIER_NAMES = {"exact": "确数", "more_than": "以上/余", "nearly": "将近", "about": "约", "less_than": "不足"}
ROLE_NAMES = {"admin": "管理员", "staff": "工作人员", "unit": "基层单位"}
JOB_STATES = {"queued": "排队中", "running": "处理中", "done": "已完成", "failed": "失败"}
TEMPLATES.env.globals.update(CATEGORY_NAMES=CATEGORY_NAMES, QUALIFIER_NAMES=QUALIFIER_NAMES,
                             ROLE_NAMES=ROLE_NAMES, JOB_STATES=JOB_STATES)


def with_param(params: dict, key: str, value) -> str:
    """A query string: ``params`` with ``key`` set to ``value`` (a facet link)."""
    out = {k: v for k, v in params.items() if k not in (key, "page_no")}
    if value is not None:
        out[key] = value
    return urlencode(out)


TEMPLATES.env.globals["with_param"] = with_param


# -- who is asking, CSRF --------------------------------------------------------------------

def web_user(request: Request, st: Store = Depends(store), cfg: Settings = Depends(settings)) -> Principal:
    """The page's identity; without one, the login page (303)."""
    request.state.t0 = time.perf_counter()
    try:
        return principal(request, st, cfg)
    except HTTPException as exc:
        if exc.status_code == 401:
            raise HTTPException(status.HTTP_303_SEE_OTHER, "login required",
                                headers={"Location": "/web/login"}) from None
        raise


def _csrf_token(request: Request) -> str:
    tok = getattr(request.state, "csrf", None) or request.cookies.get(CSRF_COOKIE)
    if not tok:
        tok = secrets.token_urlsafe(24)
    request.state.csrf = tok
    return tok


async def check_csrf(request: Request) -> None:
    """Double-submit: the header (htmx, uploads) or form field must equal the cookie."""
    cookie = request.cookies.get(CSRF_COOKIE)
    sent = request.headers.get("x-csrf-token")
    if not sent:
        ctype = request.headers.get("content-type", "")
        if "form" in ctype:
            form = await request.form()
            sent = form.get("csrf")
    if not cookie or not sent or not secrets.compare_digest(str(cookie), str(sent)):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "表单已过期或来源不明（CSRF 校验失败），请刷新页面后重试。")


def page(request: Request, name: str, who: Principal | None, **ctx) -> HTMLResponse:
    token = _csrf_token(request)
    t0 = getattr(request.state, "t0", None) or time.perf_counter()
    resp = TEMPLATES.TemplateResponse(request, name, {"who": who, "csrf": token, "request": request, **ctx})
    ms = (time.perf_counter() - t0) * 1000
    resp.headers["Server-Timing"] = f"render;dur={ms:.1f}"
    if request.cookies.get(CSRF_COOKIE) != token:
        resp.set_cookie(CSRF_COOKIE, token, httponly=False, samesite="strict", path="/")
    return resp


# -- login ------------------------------------------------------------------------------------

@router.get("/web/login", response_class=HTMLResponse)
def login_form(request: Request, cfg: Settings = Depends(settings)):
    return page(request, "login.html", None, anonymous=cfg.anonymous, error=None)


@router.post("/web/login", response_class=HTMLResponse, dependencies=[Depends(check_csrf)])
def login(request: Request, token: str = Form(""), st: Store = Depends(store), cfg: Settings = Depends(settings)):
    who = principal_for_token(st, token.strip()) if token.strip() else None
    if who is None:
        resp = page(request, "login.html", None, anonymous=cfg.anonymous, error="令牌无效或已停用，请核对后重试。")
        resp.status_code = status.HTTP_401_UNAUTHORIZED
        return resp
    resp = RedirectResponse("/", status_code=status.HTTP_303_SEE_OTHER)
    resp.set_cookie(TOKEN_COOKIE, token.strip(), httponly=True, samesite="strict", path="/")
    st.audit(who.tenant, who.name, "login", "web")
    return resp


@router.post("/web/logout", dependencies=[Depends(check_csrf)])
def logout():
    resp = RedirectResponse("/web/login", status_code=status.HTTP_303_SEE_OTHER)
    resp.delete_cookie(TOKEN_COOKIE, path="/")
    return resp


# -- upload and jobs ----------------------------------------------------------------------------

def job_error_zh(error: str | None) -> str | None:
    """A Chinese explanation of why a file was refused (the English reason follows)."""
    if not error:
        return None
    e = error.lower()
    rules = [("more than the limit", "文件过大，超过上传上限"), ("empty file", "文件为空"),
             ("encrypted", "压缩包加密，无法打开"), ("zip", "压缩包损坏或不安全（已拒绝）"),
             ("compression ratio", "压缩比异常（疑似压缩炸弹，已拒绝）"), ("no text found", "文件中没有可识别的文字"),
             ("cannot read as", "无法识别的文件格式或文件已损坏"), ("unsupported", "不支持的文件类型"),
             ("doctype", "文件含不安全的内容（已拒绝）"), ("timeout", "处理超时"), ("memory", "文件过大，处理时内存不足")]
    for key, zh in rules:
        if key in e:
            return f"{zh}。"
    return "无法处理该文件。"


def _job_view(j: dict) -> dict:
    return {**j, "state_zh": JOB_STATES.get(j["state"], j["state"]), "error_zh": job_error_zh(j.get("error")),
            "percent": int(round((j.get("progress") or 0) * 100))}


@router.get("/", response_class=HTMLResponse)
def home(request: Request, who: Principal = Depends(web_user), st: Store = Depends(store)):
    from reportmine.store import jobs

    recent = [_job_view(j) for j in jobs.list_jobs(st, who.scope, 20)]
    return page(request, "upload.html", who, jobs=recent, nav="upload")


@router.post("/web/upload", response_class=HTMLResponse, dependencies=[Depends(check_csrf)])
async def web_upload(request: Request, files: List[UploadFile] = File(...), org: Optional[str] = Form(None),
                     who: Principal = Depends(web_user), st: Store = Depends(store),
                     cfg: Settings = Depends(settings)):
    from reportmine.store import jobs
    from reportmine.store.sources import expand_bytes

    owner = who.org if who.role == "unit" else (org.strip() if org and org.strip() else None)
    out = []
    for upload in files:
        name = (upload.filename or "upload").replace("\\", "/").rsplit("/", 1)[-1] or "upload"
        data = await upload.read(cfg.max_upload_bytes + 1)
        if len(data) > cfg.max_upload_bytes:
            out.append(jobs.failed_job(st, name, f"{name}: {len(data)}+ bytes, more than the limit of "
                                       f"{cfg.max_upload_bytes}", who.tenant, owner, who.name))
            continue
        for item in expand_bytes(data, name, cfg):
            if item.error:
                out.append(jobs.failed_job(st, item.name, f"{item.name}: {item.error}", who.tenant, owner, who.name))
            else:
                out.append(jobs.submit(st, item.data, item.name, who.tenant, owner, who.name))
    return page(request, "_jobs.html", who, jobs=[_job_view(j) for j in out])


@router.get("/web/jobs/{job_id}", response_class=HTMLResponse)
def web_job(request: Request, job_id: int, who: Principal = Depends(web_user), st: Store = Depends(store)):
    from reportmine.store import jobs

    j = jobs.get_job(st, job_id, who.scope) if 0 < job_id < 2**62 else None
    if j is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "没有这个任务")
    return page(request, "_jobs.html", who, jobs=[_job_view(j)])


# -- documents ----------------------------------------------------------------------------------

def _category_counts(st: Store, doc_ids: list[int]) -> dict[int, dict[str, int]]:
    from reportmine.store.schema import ParagraphRow

    if not doc_ids:
        return {}
    out: dict[int, dict[str, int]] = {i: {} for i in doc_ids}
    with st.read() as s:
        for did, cat, n in s.execute(select(ParagraphRow.document_id, ParagraphRow.category, func.count())
                                     .where(ParagraphRow.document_id.in_(doc_ids), ParagraphRow.is_heading.is_(False))
                                     .group_by(ParagraphRow.document_id, ParagraphRow.category)):
            out[did][cat] = n
    return out


@router.get("/web/documents", response_class=HTMLResponse)
def documents(request: Request, page_no: int = 1, year: Optional[int] = None, org: Optional[str] = None,
              q: Optional[str] = None, who: Principal = Depends(web_user), st: Store = Depends(store)):
    page_no = max(1, min(page_no, 100_000))
    res = st.list_documents(who.scope, year=year, org=org or None, q=q or None, limit=PAGE,
                            offset=(page_no - 1) * PAGE)
    counts = _category_counts(st, [d["id"] for d in res["items"]])
    items = [{**d, "categories": counts.get(d["id"], {})} for d in res["items"]]
    pages = max(1, (res["total"] + PAGE - 1) // PAGE)
    base = {k: v for k, v in {"year": year, "org": org, "q": q}.items() if v}
    return page(request, "documents.html", who, docs=items, total=res["total"], page_no=page_no, pages=pages,
                year=year, org=org or "", q=q or "", base_query=urlencode(base), nav="documents")


def _segments(text: str, start: int, end: int, facts: list[dict]) -> list[dict]:
    """A paragraph's text cut into plain pieces and fact pieces (escaped by the template)."""
    segs, pos = [], start
    for f in sorted(facts, key=lambda f: f["start"]):
        if f["start"] < pos or f["end"] > end:
            continue
        if f["start"] > pos:
            segs.append({"text": text[pos:f["start"]]})
        segs.append({"text": text[f["start"]:f["end"]], "fact": f})
        pos = f["end"]
    if pos < end:
        segs.append({"text": text[pos:end]})
    return segs


def _corrections_for(st: Store, para_ids: list[int], fact_ids: list[int], scope) -> list[dict]:
    from reportmine.store.schema import CorrectionRow

    conds = []
    if para_ids:
        conds.append(CorrectionRow.paragraph_id.in_(para_ids))
    if fact_ids:
        conds.append(CorrectionRow.fact_id.in_(fact_ids))
    if not conds:
        return []
    with st.read() as s:
        rows = s.scalars(select(CorrectionRow).where(or_(*conds), *scope.rows(CorrectionRow))
                         .order_by(CorrectionRow.id.desc()).limit(200)).all()
        return [st._correction_out(c) for c in rows]


def _fact_ids(st: Store, doc_id: int) -> list[int]:
    from reportmine.store.schema import FactRow

    with st.read() as s:
        return list(s.scalars(select(FactRow.id).where(FactRow.document_id == doc_id).order_by(FactRow.idx)))


def _document_view(st: Store, who: Principal, ref: int | str) -> dict:
    doc = st.get_document(ref, who.scope)
    if doc is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "没有这份文档，或您无权查看。")
    ids = _fact_ids(st, doc["id"])
    for f, fid in zip(doc["facts"], ids):
        f["id"] = fid
    text = doc["text"]
    paras = []
    by_para: dict[int, list[dict]] = {}
    starts = [p["start"] for p in doc["paragraphs"]]
    import bisect

    for f in doc["facts"]:
        i = bisect.bisect_right(starts, f["start"]) - 1
        if i >= 0:
            by_para.setdefault(i, []).append(f)
    for i, p in enumerate(doc["paragraphs"]):
        paras.append({**p, "segments": _segments(text, p["start"], p["end"], by_para.get(i, []))})
    doc["paragraph_views"] = paras
    doc["corrections"] = _corrections_for(st, [p["id"] for p in doc["paragraphs"]], ids, who.scope)
    return doc


@router.get("/web/documents/{doc_id}", response_class=HTMLResponse)
def document(request: Request, doc_id: str, who: Principal = Depends(web_user), st: Store = Depends(store)):
    doc = _document_view(st, who, doc_id)
    return page(request, "document.html", who, doc=doc, nav="documents")


@router.post("/web/paragraphs/{pid}/category", response_class=HTMLResponse, dependencies=[Depends(check_csrf)])
def correct_paragraph(request: Request, pid: int, category: str = Form(...), who: Principal = Depends(web_user),
                      st: Store = Depends(store)):
    from reportmine.store.schema import ParagraphRow

    if category not in CATEGORY_NAMES:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "未知的类别。")
    try:
        out = st.add_correction(who.scope, who.name, paragraph_id=pid, field="category", new=category)
    except QueryError as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(exc))
    if out is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "没有这个段落，或您无权更正。")
    with st.read() as s:
        doc_id = s.scalar(select(ParagraphRow.document_id).where(ParagraphRow.id == pid))
    doc = _document_view(st, who, doc_id)
    para = next(p for p in doc["paragraph_views"] if p["id"] == pid)
    return page(request, "_paragraph.html", who, p=para, doc=doc, saved=out)


FACT_FIELDS = {"value": "数值", "unit": "单位", "qualifier": "限定词", "metric": "指标", "category": "类别",
               "year": "年份", "org": "单位名称"}


@router.post("/web/facts/{fid}", response_class=HTMLResponse, dependencies=[Depends(check_csrf)])
def correct_fact(request: Request, fid: int, field: str = Form(...), new: str = Form(""),
                 who: Principal = Depends(web_user), st: Store = Depends(store)):
    if field not in FACT_FIELDS:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "不能更正这个字段。")
    try:
        out = st.add_correction(who.scope, who.name, fact_id=fid, field=field, new=new.strip() or None)
    except QueryError as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, f"更正未保存：{exc}")
    if out is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "没有这个数字，或您无权更正。")
    return page(request, "_saved.html", who, saved=out, field_name=FACT_FIELDS[field])


# -- search and facts ---------------------------------------------------------------------------

FILTER_KEYS = ("category", "unit", "year", "org__contains", "metric__contains", "value__gte", "value__lte")


def _fact_filters(request: Request) -> dict:
    out = {}
    for k in FILTER_KEYS:
        v = request.query_params.get(k)
        if v not in (None, ""):
            out[k] = v
    return out


FACET_CAP = 20_000  # facets and exact totals only over result sets up to this size
SORTS = {"id", "value", "year", "org", "unit", "category", "metric", "page"}


def _fact_dict(f, sha: str, source: str) -> dict:
    num = (lambda v: int(v) if v is not None and float(v).is_integer() else v)
    return {"id": f.id, "surface": f.surface, "value": num(f.value), "unit": f.unit, "qualifier": f.qualifier,
            "metric": f.metric, "year": f.year, "org": f.org, "category": f.category, "page": f.page,
            "document": sha, "source": source, "document_id": f.document_id, "paragraph_id": f.paragraph_id,
            "has_box": bool(f.bbox)}


def _facts_query(st: Store, who: Principal, filters: dict, q: str | None, sort: str, offset: int,
                 limit: int = PAGE, paragraphs: int = 200) -> dict:
    """One page of facts for the pages, bounded at any store size: the keyword narrows to the
    facts of the ``paragraphs`` best-matching paragraphs (the search index); ids are found
    first (covering indexes) and rows fetched by id; the total is exact up to ``FACET_CAP``
    (else "more than"), facets are counted only below that cap; sorting the whole store by
    anything but id needs a filter."""
    from reportmine.store.schema import DocumentRow, FactRow

    try:
        conds = st.fact_conditions(filters, who.scope)
    except QueryError as exc:
        return {"error": str(exc), "items": [], "total": 0, "more": False, "facets": {}}
    with st.read() as s:
        if q:
            pids = [h["paragraph_id"] for h in st.search(q, who.scope, limit=paragraphs)]
            cand = list(s.scalars(select(FactRow.id).where(FactRow.paragraph_id.in_(pids or [-1]))))
            conds.append(FactRow.id.in_(cand or [-1]))
        narrowed = bool(filters or q)
        name = sort.lstrip("-") if sort.lstrip("-") in SORTS else "id"
        # no filter: rowid order, stopping early; a keyword: rowid lookups of the candidates
        # (SQLite would otherwise walk the tenant index of every fact)
        hint = not narrowed or bool(q)
        count_stmt = select(FactRow.id).where(*conds)
        if hint:
            count_stmt = count_stmt.with_hint(FactRow, "NOT INDEXED", "sqlite")
        bounded = s.scalar(select(func.count()).select_from(count_stmt.limit(FACET_CAP + 1).subquery()))
        # sorting more than FACET_CAP facts by anything but id reads them all: ask for a filter
        sort_refused = name != "id" and (not narrowed or bounded > FACET_CAP)
        if sort_refused:
            name, sort = "id", "id"
        col = getattr(FactRow, name)
        if q and name != "id":
            # a few candidate ids: sort them, do not walk an index that happens to be in order
            col = col + 0 if name in ("value", "year", "page") else col.concat("")
        order = [col.desc() if sort.startswith("-") else col.asc()] + ([FactRow.id.asc()] if name != "id" else [])
        ids_stmt = select(FactRow.id).where(*conds).order_by(*order).limit(limit + 1).offset(offset)
        if hint:
            ids_stmt = ids_stmt.with_hint(FactRow, "NOT INDEXED", "sqlite")
        ids = list(s.scalars(ids_stmt))
        rows = {f.id: (f, sha, src) for f, sha, src in s.execute(
            select(FactRow, DocumentRow.sha256, DocumentRow.source)
            .join(DocumentRow, DocumentRow.id == FactRow.document_id).where(FactRow.id.in_(ids or [-1])))}
        facets: dict = {}
        if narrowed and bounded <= FACET_CAP:
            # at most FACET_CAP + 1 rows, counted here: no GROUP BY that walks a whole index
            stmt = select(FactRow.category, FactRow.year, FactRow.unit, FactRow.org).where(*conds)
            if hint:
                stmt = stmt.with_hint(FactRow, "NOT INDEXED", "sqlite")
            got = s.execute(stmt.limit(FACET_CAP + 1)).all()
            bounded = len(got)
            if bounded <= FACET_CAP:
                from collections import Counter

                for i, fname in enumerate(("category", "year", "unit", "org")):
                    counts = Counter(r[i] for r in got)
                    facets[fname] = [{"value": v, "count": c}
                                     for v, c in sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))[:12]]
    items = [_fact_dict(*rows[i]) for i in ids[:limit] if i in rows]
    return {"items": items, "more": len(ids) > limit, "facets": facets,
            "total": bounded if bounded <= FACET_CAP else None, "capped": bounded > FACET_CAP,
            "keyword_limited": bool(q), "sort_refused": sort_refused}


def _highlight(snippet: str, marks: list[list[int]]) -> list[dict]:
    segs, pos = [], 0
    for a, b in sorted(marks or []):
        if a < pos:
            continue
        if a > pos:
            segs.append({"text": snippet[pos:a]})
        segs.append({"text": snippet[a:b], "mark": True})
        pos = b
    if pos < len(snippet):
        segs.append({"text": snippet[pos:]})
    return segs


@router.get("/web/search", response_class=HTMLResponse)
def search(request: Request, q: str = "", who: Principal = Depends(web_user), st: Store = Depends(store)):
    q = q.strip()[:200]
    filters = _fact_filters(request)
    hits = []
    if q:
        cat = filters.get("category")
        for h in st.search(q, who.scope, category=cat if cat in CATEGORY_NAMES else None, limit=20):
            hits.append({**h, "segments": _highlight(h["snippet"], h.get("highlights", []))})
    facts = _facts_query(st, who, filters, q or None, "-value", 0, 20, paragraphs=100) if (q or filters) else None
    return page(request, "search.html", who, q=q, hits=hits, facts=facts, filters=filters,
                params={**filters, **({"q": q} if q else {})}, base_path="/web/search",
                query=urlencode({**filters, **({"q": q} if q else {})}), nav="search")


@router.get("/web/facts", response_class=HTMLResponse)
def facts_table(request: Request, q: str = "", sort: str = "id", page_no: int = 1,
                who: Principal = Depends(web_user), st: Store = Depends(store)):
    if sort.lstrip("-") not in SORTS:
        sort = "id"
    page_no = max(1, min(page_no, 100_000))
    filters = _fact_filters(request)
    res = _facts_query(st, who, filters, q.strip() or None, sort, (page_no - 1) * PAGE)
    query = {**filters, **({"q": q.strip()} if q.strip() else {})}
    pages = max(1, ((res.get("total") or 0) + PAGE - 1) // PAGE) if res.get("total") is not None else None
    return page(request, "facts.html", who, facts=res, filters=filters, q=q.strip(), sort=sort, page_no=page_no,
                params={**query, "sort": sort}, base_path="/web/facts",
                pages=pages, query=urlencode(query), export_query=urlencode({**query, "sort": sort}), nav="facts")


# -- drafts -------------------------------------------------------------------------------------

def _choices(st: Store, who: Principal) -> tuple[list[int], list[str]]:
    """Years stored and the units to choose from (the small ``orgs`` name table)."""
    from reportmine.store.schema import DocumentRow, Org

    with st.read() as s:
        years = list(s.scalars(select(DocumentRow.year).distinct()
                               .where(*who.scope.documents(), DocumentRow.year.is_not(None))))
        if who.role == "unit":
            orgs = [who.org] if who.org else []
        else:
            orgs = list(s.scalars(select(Org.name).where(Org.tenant == who.tenant).order_by(Org.name).limit(300)))
    return sorted(years, reverse=True), orgs


def _draft_args(request: Request) -> dict[str, Any]:
    qp = request.query_params
    year = qp.get("year")
    try:
        year_v = int(year) if year else None
    except ValueError:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "年份应为数字。")
    return {"year": year_v, "orgs": [o for o in qp.getlist("org") if o.strip()],
            "categories": [c for c in qp.getlist("category") if c.strip()],
            "federation": (qp.get("federation") or "").strip()[:100] or None}


@router.get("/web/drafts", response_class=HTMLResponse)
def drafts(request: Request, who: Principal = Depends(web_user), st: Store = Depends(store)):
    years, orgs = _choices(st, who)
    return page(request, "drafts.html", who, years=years, orgs=orgs, nav="drafts",
                categories=[c for c in CATEGORY_NAMES if c != "other"])


def _preview_view(d) -> dict:
    from reportmine.draft.build import MARK
    from reportmine.draft.render import note_lines, table_rows

    sections = []
    for s in d.sections:
        paras = []
        for line in s.text.split("\n"):
            if not line.strip():
                continue
            segs, pos = [], 0
            for m in MARK.finditer(line):
                segs.append({"text": line[pos:m.start()]})
                segs.append({"note": int(m.group(1))})
                pos = m.end()
            segs.append({"text": line[pos:]})
            paras.append(segs)
        sections.append({"heading": s.heading, "paragraphs": paras})
    return {"title": d.title, "sections": sections, "table": table_rows(d), "notes": note_lines(d),
            "facts": d.facts(), "not_added": d.not_added, "duplicates": d.duplicates, "has_chart": bool(d.charts)}


def _web_draft(make_draft, st: Store, who: Principal, args: dict[str, Any]):
    from reportmine.draft.build import DraftTooLarge

    try:
        return make_draft(st, who, args["year"], args["orgs"], args["categories"], args["federation"])
    except DraftTooLarge as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST,
                            f"所选范围共有 {exc.facts:,} 条数据，超过一份草稿的上限 {exc.limit:,} 条。"
                            "请选择具体单位或类别后再生成。") from None


@router.get("/web/drafts/preview", response_class=HTMLResponse)
def draft_preview(request: Request, who: Principal = Depends(web_user), st: Store = Depends(store)):
    from api.routes.drafts import make_draft
    from reportmine.draft.build import labels

    args = _draft_args(request)
    d = _web_draft(make_draft, st, who, args)
    return page(request, "_draft_preview.html", who, d=_preview_view(d), labels=labels(),
                query=str(request.query_params))


@router.get("/web/drafts/chart.png")
def draft_chart(request: Request, who: Principal = Depends(web_user), st: Store = Depends(store)):
    from api.routes.drafts import make_draft
    from reportmine.draft.charts import render_chart

    args = _draft_args(request)
    d = _web_draft(make_draft, st, who, args)
    data = render_chart(d)
    if data is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "没有可以绘图的数字。")
    return Response(data, media_type="image/png", headers={"Cache-Control": "private, max-age=60"})


@router.get("/web/drafts/download")
def draft_download(request: Request, format: str = "docx", who: Principal = Depends(web_user),
                   st: Store = Depends(store)):
    from api.routes.drafts import draft_response, make_draft

    if format not in ("docx", "md", "json"):
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "格式应为 docx、md 或 json。")
    args = _draft_args(request)
    d = _web_draft(make_draft, st, who, args)
    st.audit(who.tenant, who.name, "draft", d.title, {"year": d.year, "format": format, "via": "web"})
    return draft_response(d, format)
