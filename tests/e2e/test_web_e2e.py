"""End to end in a real browser: Debian's Chromium driven by Playwright against uvicorn on a
free loopback port, a temporary SQLite store and REPORTMINE_ANONYMOUS=1. Upload a document,
see its facts, search, correct a category, make and download a draft. Screenshots go to
``test-artifacts/`` (gitignored)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"
SAMPLE = ROOT / "corpora" / "samples" / "2023_hongshan_hospital.txt"

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")
if not Path(CHROMIUM).exists():
    pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)", allow_module_level=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = _free_port()
    db = tmp_path_factory.mktemp("e2e") / "reportmine.db"
    env = {**os.environ, "REPORTMINE_DB": f"sqlite:///{db}", "REPORTMINE_ANONYMOUS": "1",
           "REPORTMINE_SANDBOX": "0", "REPORTMINE_BROKER": "", "REPORTMINE_JOB_POLL_SECONDS": "0.2"}
    log = open(tmp_path_factory.mktemp("e2e-log") / "uvicorn.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "api.main:app", "--host", "127.0.0.1",
                             "--port", str(port), "--log-level", "warning"], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            urllib.request.urlopen(base + "/health", timeout=1)
            break
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"uvicorn exited with {proc.returncode}; see {log.name}")
            time.sleep(0.2)
    else:
        proc.kill()
        raise RuntimeError("uvicorn did not start in 30 s")
    yield base
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


def _shot(page, name: str):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)


def test_upload_facts_search_correct_draft(server, browser, tmp_path):
    ctx = browser.new_context(viewport={"width": 1366, "height": 768}, accept_downloads=True, locale="zh-CN")
    page = ctx.new_page()
    page.set_default_timeout(60_000)  # a loaded 2-core CI machine is slow
    page.goto(server + "/")
    assert "上传年度工作总结" in page.content()
    # keyboard: the first Tab reaches the skip link, the next ones the navigation
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "跳到正文"
    page.set_input_files("#files", str(SAMPLE))
    page.click("#upload-form button[type=submit]")
    # a second file by drag and drop onto the drop zone
    page.evaluate("""() => {
        const dt = new DataTransfer();
        dt.items.add(new File(["清水镇卫生院工会2023年工作总结\\n全年慰问困难职工20户，发放慰问金3万元。"],
                              "dropped.txt", {type: "text/plain"}));
        document.getElementById("drop").dispatchEvent(new DragEvent("drop", {dataTransfer: dt, bubbles: true}));
    }""")
    page.wait_for_selector("#job-list tr:has-text('dropped.txt')")
    page.wait_for_function("document.querySelectorAll('#job-list a[href^=\"/web/documents/\"]').length >= 2",
                           timeout=45_000)
    _shot(page, "01-upload-jobs")

    page.click("#job-list tr:has-text('2023_hongshan_hospital.txt') a[href^='/web/documents/']")
    page.wait_for_selector("mark.fact")
    assert page.locator("mark.fact").count() >= 10
    assert page.locator("text=1260人次").count() >= 1
    _shot(page, "02-document-facts")

    # correct the category of the first paragraph that is not welfare
    para = page.locator(".para:not(.cat-welfare):not(.heading)").first
    pid = para.get_attribute("id")
    para.locator("select").select_option("welfare")
    para.locator("button").click()
    page.wait_for_selector(f"#{pid}.cat-welfare .saved")
    assert "已更正为" in page.locator(f"#{pid}").inner_text()
    _shot(page, "03-corrected")

    page.click("nav >> text=检索")
    page.fill("#q", "岗位练兵")
    page.keyboard.press("Enter")
    page.wait_for_selector(".hits mark")
    assert "岗位练兵" in page.locator(".hits mark").first.inner_text()
    _shot(page, "04-search")

    page.click("nav >> text=起草报告")
    page.click("#preview-btn")
    page.wait_for_selector("#preview article h1")
    assert "年度工作进展报告（草稿）" in page.locator("#preview h1").inner_text()
    page.wait_for_function("(() => { const i = document.querySelector('#preview figure img');"
                           " return i && i.complete && i.naturalWidth > 0; })()")
    _shot(page, "05-draft-preview")
    with page.expect_download() as dl:
        page.click("#draft-form button[value=docx]")
    target = tmp_path / "draft.docx"
    dl.value.save_as(str(target))
    from docx import Document as Docx

    text = "\n".join(p.text for p in Docx(str(target)).paragraphs)
    assert "年度工作进展报告（草稿）" in text and "第1页" in text

    # phone width: the document page still fits (no horizontal scrolling of the page)
    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    p2 = phone.new_page()
    p2.goto(server + "/web/documents")
    p2.click("table a[href^='/web/documents/']")
    p2.wait_for_selector("mark.fact")
    _shot(p2, "06-phone-document")
    wide = p2.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > 392 && !e.closest('.scroll'))
        .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))""")
    assert p2.evaluate("document.documentElement.scrollWidth") <= 390 + 2, wide
    phone.close()
    ctx.close()
