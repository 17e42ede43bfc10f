"""Legacy Word, RTF and HTML readers."""

import shutil
from pathlib import Path

import pytest

from reportmine.ingest import ReadError, read_bytes, read_document
from reportmine.ingest.doc import rtf_to_text, text_blocks

REAL = Path(__file__).parents[1].parent / "shared" / "corpus" / "real"

PAGE = """<!DOCTYPE html><html><head><meta charset="{charset}"><title>工作总结 - 某某资讯网</title>
<script>var s = "脚本里的字";</script><style>.x {{}}</style></head>
<body><div class="top-nav"><a href="/">首页</a><a href="/n">新闻中心</a><a>工会动态</a></div>
<div id="content"><h1>某公司工会2024年工作总结</h1>
<p>全年组织职工培训12场，参训职工860人次。</p><p>开展<b>技能竞赛</b>7项，<br>评出岗位能手18名。</p>
<table><tr><td>项目</td><td>2024年</td></tr><tr><td>慰问户数</td><td>63</td></tr></table>
<script>document.write("不应出现");</script></div>
<div class="footer">关于我们 联系我们 网站地图</div></body></html>"""


@pytest.mark.parametrize("charset,encoding", [("utf-8", "utf-8"), ("gb2312", "gb18030")])
def test_html_article_without_navigation_or_scripts(charset, encoding):
    doc = read_bytes(PAGE.format(charset=charset).encode(encoding), "page.html")
    assert doc.kind == "html" and doc.title == "某公司工会2024年工作总结"
    texts = [b.text for b in doc.pages[0].blocks]
    assert "全年组织职工培训12场，参训职工860人次。" in texts
    assert "开展技能竞赛7项，\n评出岗位能手18名。" in texts
    assert "慰问户数｜63" in texts
    joined = "".join(texts)
    for junk in ("脚本里的字", "不应出现", "新闻中心", "网站地图"):
        assert junk not in joined


def test_rtf_with_gbk_escapes_and_unicode():
    rtf = (rb"{\rtf1\ansi\ansicpg936{\fonttbl{\f0\fnil \'cb\'ce\'cc\'e5;}}{\*\generator x;}"
           rb"\f0 \'b9\'a4\'bb\'e1\'c5\'e0\'d1\'b5 12 \'b3\'a1\par \u24037?\u20250?\par}")
    assert rtf_to_text(rtf) == "工会培训 12 场\n工会\n"
    doc = read_bytes(rtf, "old.rtf")
    assert [b.text for b in doc.pages[0].blocks] == ["工会培训 12 场", "工会"]


def test_lone_list_labels_join_their_text():
    blocks = text_blocks("标题\n\n1.\n对于给定的问题\n2.\n建立模型\n")
    assert [b.text for b in blocks] == ["标题", "1.对于给定的问题", "2.建立模型"]


def test_ole_file_that_is_not_word_is_refused_clearly():
    if not (shutil.which("antiword") or shutil.which("catdoc") or shutil.which("soffice")):
        pytest.skip("no .doc converter installed")
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 4000
    with pytest.raises(ReadError) as exc:
        read_bytes(data, "table.xls")
    assert "table.xls" in str(exc.value)


def test_real_legacy_word_document():
    path = REAL / "r32.doc"
    if not path.exists():
        pytest.skip(f"{path} not available (../shared corpus absent)")
    if not (shutil.which("antiword") or shutil.which("catdoc") or shutil.which("soffice")):
        pytest.skip("no .doc converter installed (apt-get install antiword catdoc)")
    doc = read_document(path)
    assert doc.kind == "doc"
    texts = [b.text for b in doc.pages[0].blocks]
    assert any("碎纸片" in t for t in texts) and len(texts) >= 10
