"""Page images: a document's page, and a fact's page with its boxes drawn in red.

Only PDF and image documents keep their source file (``document_files``); for DOCX, TXT and
the rest there is no page to draw and the answer is 404 saying so. Access is that of reading
the document: a unit sees its own org's, nobody sees another tenant's (404).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Path, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from api.deps import principal, store
from reportmine.store.auth import Principal
from reportmine.store.repository import Store

router = APIRouter(tags=["documents"])

PNG = {200: {"content": {"image/png": {}}, "description": "A PNG image of the page"}}
MAX_PAGE = 100_000


def _page_png(st: Store, who: Principal, ref: int | str, number: int, boxes: list | None = None) -> bytes:
    from reportmine.render import RenderError, draw_boxes, png, render_page

    src = st.page_source(ref, number, who.scope)
    if src is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such document")
    if src["data"] is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND,
                            f"no stored source file for this {src['kind']} document; only PDF and image pages can be drawn")
    if src["page"] is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"the document has no page {number}")
    try:
        image, to_pixels = render_page(src["kind"], src["data"], number)
    except RenderError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc))
    if boxes:
        draw_boxes(image, boxes, to_pixels)
    return png(image)


def _png_response(data: bytes) -> Response:
    return Response(data, media_type="image/png", headers={"Cache-Control": "private, max-age=300"})


@router.get("/documents/{ref}/pages/{n}/image", response_class=Response, responses=PNG)
async def page_image(ref: str, n: int = Path(..., ge=1, le=MAX_PAGE, description="1-based page number"),
                     who: Principal = Depends(principal), st: Store = Depends(store)):
    """Page ``n`` of a PDF or image document (by id or sha256) as PNG, at about 110 dpi."""
    return _png_response(await run_in_threadpool(_page_png, st, who, ref, n))


@router.get("/facts/{fact_id}/image", response_class=Response, responses=PNG)
async def fact_image(fact_id: int = Path(..., ge=1, le=2**62), who: Principal = Depends(principal),
                     st: Store = Depends(store)):
    """The fact's page as PNG with the fact's boxes drawn in red (its ``bbox``, in the
    page's coordinates)."""
    fact = await run_in_threadpool(st.get_fact, fact_id, who.scope)
    if fact is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such fact")
    if not fact.get("bbox"):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "this fact has no box on a page (its source has no page geometry)")
    return _png_response(await run_in_threadpool(_page_png, st, who, fact["document_id"], fact["page"], fact["bbox"]))
