"""End to end: a fact of an uploaded PDF opens its page image (the box in red) in a dialog,
by keyboard, and Escape closes it. Uses the server and browser of test_web_e2e."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from test_web_e2e import _shot, browser, server  # noqa: F401 - fixtures

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data"))
import make_ingest as mk  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_fact_page_image_dialog_by_keyboard(server, browser, tmp_path):  # noqa: F811
    pdf = tmp_path / "boxed.pdf"
    pdf.write_bytes(mk.two_column_pdf(paragraphs=mk.PARAGRAPHS[1:5]))
    ctx = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = ctx.new_page()
    page.set_default_timeout(60_000)
    page.goto(server + "/")
    page.set_input_files("#files", str(pdf))
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("#job-list tr:has-text('boxed.pdf') a[href^='/web/documents/']", timeout=60_000)
    page.click("#job-list tr:has-text('boxed.pdf') a[href^='/web/documents/']")
    page.wait_for_selector("a.srcpage")
    page.focus("a.srcpage")
    page.keyboard.press("Enter")
    page.wait_for_function("() => { const d = document.getElementById('page-dialog'), i = document.getElementById('page-dialog-img');"
                           " return d.open && i.complete && i.naturalWidth > 0; }")
    size = page.evaluate("() => [document.getElementById('page-dialog-img').naturalWidth,"
                         " document.getElementById('page-dialog-img').naturalHeight]")
    assert abs(size[0] - 595.28 * 110 / 72) <= 2 and abs(size[1] - 841.89 * 110 / 72) <= 2
    assert "查看原页" in page.inner_text("#page-dialog-caption")
    _shot(page, "10-fact-page-image")
    page.keyboard.press("Escape")
    assert not page.evaluate("document.getElementById('page-dialog').open")
    assert page.evaluate("document.activeElement.classList.contains('srcpage')")  # focus back on the link
    ctx.close()
