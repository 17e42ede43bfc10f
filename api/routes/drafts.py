"""``POST /drafts``: a progress-report draft (JSON, Markdown or DOCX) from what the caller may
see; the same options as ``reportmine draft``."""

from __future__ import annotations

from typing import List, Literal, Optional, Union
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, status
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from api.deps import principal, store
from reportmine.store.auth import Principal
from reportmine.store.repository import Store

router = APIRouter(tags=["drafts"])

MEDIA = {"json": "application/json",
         "md": "text/markdown; charset=utf-8",
         "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


class DraftIn(BaseModel):
    year: Optional[int] = Field(None, description="Year of the draft (default: the latest stored)")
    org: Union[List[str], str, None] = Field(None, description="Units whose name contains this (one or many)")
    category: Union[List[str], str, None] = Field(
        None, description="training, democratic_management, welfare, innovation (or their Chinese names)")
    format: Literal["json", "md", "docx"] = "json"
    federation: Optional[str] = Field(None, max_length=100, description="Federation named in the title")


def _list(v) -> list[str]:
    if v is None:
        return []
    items = v if isinstance(v, list) else [v]
    return [x.strip() for item in items for x in str(item).split(",") if x.strip()]


def make_draft(st: Store, who: Principal, year: int | None, orgs: list[str], categories: list[str],
               federation: str | None = None):
    from reportmine.draft import DraftOptions, draft_from_store
    from reportmine.draft.cli import parse_categories

    try:
        cats = parse_categories(categories)
    except ValueError as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(exc))
    from reportmine.config import get_settings

    # raises DraftTooLarge past the limit: the routes answer 400 (English here, Chinese on the web page)
    return draft_from_store(st, who.scope, DraftOptions(year=year, orgs=orgs, categories=cats,
                                                        federation=federation,
                                                        max_facts=get_settings().max_draft_facts))


def draft_response(d, fmt: str) -> Response:
    from reportmine.draft import render

    if fmt == "json":
        return JSONResponse(d.to_json())
    data = render(d, fmt)
    name = f"{d.title}.{fmt}"
    disposition = f"attachment; filename=\"draft.{fmt}\"; filename*=UTF-8''{quote(name)}"
    return Response(data, media_type=MEDIA[fmt], headers={"Content-Disposition": disposition})


@router.post("/drafts", response_class=Response, responses={200: {
    "description": "The draft: JSON (CONTRACT.md), Markdown or DOCX",
    "content": {"application/json": {}, "text/markdown": {},
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document": {}}}})
def create_draft(body: DraftIn, who: Principal = Depends(principal), st: Store = Depends(store)) -> Response:
    """The draft: every number is one stored fact or a sum of comparable facts, with its source.
    ``format=json`` follows the ``draft`` section of CONTRACT.md; md and docx come as files."""
    from reportmine.draft.build import DraftTooLarge

    try:
        d = make_draft(st, who, body.year, _list(body.org), _list(body.category), body.federation)
    except DraftTooLarge as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(exc)) from None
    st.audit(who.tenant, who.name, "draft", d.title, {"year": d.year, "format": body.format})
    return draft_response(d, body.format)
