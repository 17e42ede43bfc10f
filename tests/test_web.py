"""The web page through FastAPI's TestClient: Chinese pages, escaping, login, CSRF, corrections,
drafts, and the server time of every page."""

from __future__ import annotations

import io
import re

import pytest

from conftest import REPORT_A, REPORT_B, Api, make_doc

PAGES = ["/", "/web/documents", "/web/search?q=培训", "/web/search?q=慰问&unit=元", "/web/facts",
         "/web/facts?category=training&sort=-value", "/web/drafts", "/web/login"]


@pytest.fixture
def web(settings_env):
    a = Api(settings_env, anonymous=True)
    a.upload({"a.txt": REPORT_A.encode("utf-8"), "b.txt": REPORT_B.encode("utf-8")})
    a.run_jobs()
    yield a
    a.close()


def _csrf(client) -> str:
    r = client.get("/web/login")
    m = re.search(r'name="csrf-token" content="([^"]+)"', r.text)
    assert m
    return m.group(1)


def _doc_id(web) -> int:
    return web.get("/documents", None).json()["items"][0]["id"]


def test_pages_answer_in_chinese_with_their_server_time(web):
    """Every page answers in Chinese and reports its server time. How fast they are is measured
    in benchmarks/web_pages.py (README), not here: a timed assertion on a shared 2-core machine
    failed CI once at 686 ms for a page that takes ~100 ms idle."""
    doc = _doc_id(web)
    for path in PAGES + [f"/web/documents/{doc}", "/web/drafts/preview?year=2023"]:
        r = web.client.get(path)
        assert r.status_code == 200, (path, r.status_code, r.text[:300])
        assert "工会年度总结数据平台" in r.text or "<article" in r.text
        assert re.search(r"[\u4e00-\u9fff]{4}", r.text)
        server = float(r.headers["server-timing"].split("dur=")[1])
        assert server >= 0, (path, server)


def test_document_page_colours_sections_and_marks_facts(web):
    doc = _doc_id(web)
    stored = web.get(f"/documents/{doc}", None).json()
    r = web.client.get(f"/web/documents/{doc}")
    assert 'class="para cat-training' in r.text
    for f in stored["facts"][:5]:
        assert f">{f['surface']}</mark>" in r.text
    assert "更正类别" in r.text and "更正记录" in r.text


def test_document_text_is_escaped(settings_env):
    a = Api(settings_env, anonymous=True)
    evil = make_doc([("<script>alert('x')</script>工会总结", "other"),
                     ("全年培训<b>职工</b>120人次。", "training")],
                    [{"surface": "120人次", "value": 120, "unit": "人次", "metric": "培训<i>职工</i>", "paragraph": 1}],
                    source="<img src=x onerror=alert(1)>.txt", org="<b>单位</b>", year=2023)
    doc_id, _ = a.store.add_document(evil)
    try:
        for path in (f"/web/documents/{doc_id}", "/web/documents", "/web/facts", "/web/search?q=培训",
                     "/web/drafts/preview?year=2023", "/web/drafts"):
            r = a.client.get(path)
            assert r.status_code == 200, path
            assert "<script>alert" not in r.text and "<img src=x" not in r.text and "<b>单位</b>" not in r.text, path
            assert "<i>职工</i>" not in r.text, path
        r = a.client.get(f"/web/documents/{doc_id}")
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in r.text
    finally:
        a.close()


def test_correcting_a_paragraph_needs_csrf_and_is_recorded(web):
    doc = _doc_id(web)
    stored = web.get(f"/documents/{doc}", None).json()
    para = next(p for p in stored["paragraphs"] if not p["is_heading"] and p["category"] != "welfare")
    url = f"/web/paragraphs/{para['id']}/category"
    assert web.client.post(url, data={"category": "welfare"}).status_code == 403
    token = _csrf(web.client)
    r = web.client.post(url, data={"category": "welfare", "csrf": token})
    assert r.status_code == 200 and "cat-welfare" in r.text and "已更正为" in r.text
    corr = web.get("/corrections", None).json()["corrections"][0]
    assert corr["paragraph_id"] == para["id"] and corr["new"] == "welfare" and corr["who"] == "anonymous"
    page = web.client.get(f"/web/documents/{doc}").text
    assert "更正记录" in page and "welfare" in page


def test_correcting_a_fact(web):
    doc = _doc_id(web)
    fact_id = web.client.get(f"/web/documents/{doc}").text.split('action="/web/facts/')[1].split('"')[0]
    token = _csrf(web.client)
    r = web.client.post(f"/web/facts/{fact_id}", data={"field": "metric", "new": "测试指标", "csrf": token},
                        headers={"X-CSRF-Token": token})
    assert r.status_code == 200 and "测试指标" in r.text
    bad = web.client.post(f"/web/facts/{fact_id}", data={"field": "value", "new": "很多", "csrf": token})
    assert bad.status_code == 400 and "更正未保存" in bad.json()["detail"]


def test_upload_from_the_page_shows_jobs_and_chinese_errors(web):
    token = _csrf(web.client)
    r = web.client.post("/web/upload", files=[("files", ("c.txt", "某单位工会2023年工作总结\n慰问职工30户。".encode())),
                                              ("files", ("bad.pdf", b"%PDF-1.7 broken"))],
                        headers={"X-CSRF-Token": token})
    assert r.status_code == 200
    assert "c.txt" in r.text and "bad.pdf" in r.text and "排队中" in r.text
    web.run_jobs()
    ids = re.findall(r'id="job-(\d+)"', r.text)
    states = [web.client.get(f"/web/jobs/{i}").text for i in ids]
    assert any("已完成" in s and "查看文档" in s for s in states)
    failed = [s for s in states if "失败" in s]
    assert failed and re.search(r'class="error">[\u4e00-\u9fff]', failed[0])
    assert web.client.post("/web/upload", files=[("files", ("d.txt", b"x"))]).status_code == 403


def test_login_cookie_and_anonymous_switch(settings_env):
    a = Api(settings_env, anonymous=False)
    try:
        r = a.client.get("/web/documents", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/web/login"
        token = _csrf(a.client)
        bad = a.client.post("/web/login", data={"token": "rm_wrong", "csrf": token})
        assert bad.status_code == 401 and "令牌无效" in bad.text
        ok = a.client.post("/web/login", data={"token": a.tokens["unit_a"], "csrf": token}, follow_redirects=False)
        assert ok.status_code == 303
        cookie = ok.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
        page = a.client.get("/web/documents")
        assert page.status_code == 200 and "基层单位" in page.text and "丰台区第一医院" in page.text
    finally:
        a.close()


def test_unit_sees_only_its_own_documents_in_pages_and_drafts(settings_env):
    a = Api(settings_env)
    try:
        a.upload({"a.txt": REPORT_A.encode()}, who="unit_a")
        a.upload({"b.txt": REPORT_B.encode()}, who="unit_b")
        a.run_jobs()
        a.client.cookies.set("reportmine_token", a.tokens["unit_a"])
        docs = a.client.get("/web/documents").text
        assert "a.txt" in docs and "b.txt" not in docs
        d = a.post("/drafts", "unit_a", json={"year": 2023, "format": "json"}).json()
        assert d["facts"] and {f["source"] for f in d["facts"]} == {"a.txt"}
        a.client.cookies.clear()
        assert a.post("/drafts", None, json={"format": "json"}).status_code == 401
    finally:
        a.close()


def test_drafts_preview_and_downloads(web):
    from docx import Document as Docx

    from draft_checker import check_draft

    r = web.client.get("/web/drafts")
    assert "起草工作进展报告" in r.text and "2023年" in r.text
    prev = web.client.get("/web/drafts/preview", params=[("year", "2023"), ("category", "training"),
                                                         ("category", "welfare")])
    assert prev.status_code == 200 and "年度工作进展报告（草稿）" in prev.text
    assert 'href="#note-1"' in prev.text and "附录一" in prev.text
    chart = web.client.get("/web/drafts/chart.png?year=2023")
    assert chart.status_code == 200 and chart.content[:4] == b"\x89PNG"
    docx = web.client.get("/web/drafts/download?year=2023&format=docx")
    assert docx.status_code == 200 and "attachment" in docx.headers["content-disposition"]
    text = "\n".join(p.text for p in Docx(io.BytesIO(docx.content)).paragraphs)
    assert "年度工作进展报告（草稿）" in text and "第1页" in text
    j = web.post("/drafts", json={"year": 2023, "category": ["教育培训", "welfare"], "format": "json"})
    assert j.status_code == 200 and check_draft(j.json()) == []
    md = web.post("/drafts", json={"year": 2023, "format": "md"})
    assert md.status_code == 200 and md.text.startswith("# ") and "[^1]:" in md.text
    assert web.post("/drafts", json={"category": "nonsense"}).status_code == 400


def test_a_draft_over_too_many_facts_asks_to_narrow_the_choice(web, monkeypatch):
    """A draft reads every fact it may cite: past the limit the API and the page say so, clearly,
    instead of working for minutes; a narrower choice under the limit still drafts."""
    from reportmine.config import reset_settings

    total = web.post("/drafts", json={"year": 2023, "format": "json"}).json()
    used = len({f for c in total["claims"] for f in c["facts"]})
    assert used > 3
    monkeypatch.setenv("REPORTMINE_MAX_DRAFT_FACTS", "3")
    reset_settings()
    r = web.post("/drafts", json={"year": 2023, "format": "json"})
    assert r.status_code == 400 and "more than a draft's limit of 3" in r.json()["detail"]
    page = web.client.get("/web/drafts/preview?year=2023")
    assert page.status_code == 400 and "超过一份草稿的上限 3 条" in page.json()["detail"]
    narrow = web.post("/drafts", json={"year": 2023, "category": "innovation", "org": "妇幼", "format": "json"})
    assert narrow.status_code == 200


def test_exports_linked_from_the_facts_page(web):
    page = web.client.get("/web/facts?category=training").text
    m = re.search(r'href="(/facts\.csv\?[^"]*)"', page)
    assert m
    csv = web.client.get(m.group(1).replace("&amp;", "&"))
    assert csv.status_code == 200 and "training" in csv.text
    x = re.search(r'href="(/facts\.xlsx\?[^"]*)"', page)
    assert web.client.get(x.group(1).replace("&amp;", "&")).content[:2] == b"PK"


def test_fact_links_open_their_document(web):
    page = web.client.get("/web/facts").text
    link = re.search(r'href="(/web/documents/[0-9a-f]{64})"', page)
    assert link, "facts link to their document by sha256"
    r = web.client.get(link.group(1))
    assert r.status_code == 200 and "mark class=\"fact\"" in r.text
    assert web.client.get("/web/documents/999999").status_code == 404
