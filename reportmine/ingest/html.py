"""HTML pages saved from the web: the article, without navigation, scripts or styles.

The charset comes from the BOM or the ``<meta>`` declaration (gb2312/gbk read as GB18030),
else from the bytes. Scripts, styles, forms, navigation, headers/footers, sidebars and
elements whose class/id says menu/nav/footer/share/comment are dropped; the article is the
``<article>``/``<main>`` element or else the element whose paragraphs carry the most text
(a readability-style score that discounts link text). Headings become heading blocks,
table rows become ``｜``-joined rows.
"""

from __future__ import annotations

import re

from reportmine.document import Block, Page
from reportmine.ingest.base import ReadError, ReadOptions, ReadResult, register
from reportmine.ingest.layout import CELL_SEPARATOR
from reportmine.ingest.text import decode_text

_DROP_TAGS = ("script", "style", "noscript", "template", "iframe", "svg", "canvas", "form", "nav",
              "aside", "button", "select", "input", "textarea", "object", "embed", "video", "audio")
_BOILER = re.compile(r"(?:^|[\s_-])(?:nav|navbar|menu|footer|foot|header|sidebar|side|breadcrumb|crumb|"
                     r"comment|comments|share|social|related|recommend|advert|ads?|banner|login|toolbar|"
                     r"copyright|pager|pagination|topbar|bottom)(?:$|[\s_-])", re.I)
_BLOCK_TAGS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "pre", "blockquote", "dd", "dt",
               "div", "section", "article", "td", "th", "caption", "figcaption"}
_META = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)


def decode_html(data: bytes, name: str) -> str:
    if data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return decode_text(data, name)[0]
    m = _META.search(data[:4096])
    if m:
        enc = m.group(1).decode("ascii", "ignore").lower()
        if enc in ("gb2312", "gbk", "gb_2312-80", "x-gbk", "gb18030"):
            enc = "gb18030"
        elif enc in ("big5", "big5-hkscs"):
            enc = "big5hkscs"
        try:
            return data.decode(enc)
        except (LookupError, UnicodeDecodeError):
            pass
    return decode_text(data, name)[0]


def _text_len(el) -> int:
    return len(re.sub(r"\s+", "", el.text_content() or ""))


def _link_len(el) -> int:
    return sum(_text_len(a) for a in el.iter("a"))


def _pick_article(root):
    for tag in ("article", "main"):
        found = [e for e in root.iter(tag) if _text_len(e) >= 100]
        if found:
            return max(found, key=_text_len)
    scores: dict = {}
    for p in root.iter("p", "pre", "td", "br", "div"):
        parent = p.getparent()
        if parent is None:
            continue
        n = len(re.sub(r"\s+", "", (p.text or "") + (p.tail or "") if p.tag in ("br", "div") else p.text_content()))
        if n < 10:
            continue
        scores[parent] = scores.get(parent, 0.0) + n
        gp = parent.getparent()
        if gp is not None:
            scores[gp] = scores.get(gp, 0.0) + n / 2
    if not scores:
        return root
    best = None
    best_score = 0.0
    for el, s in scores.items():
        total = _text_len(el) or 1
        s *= 1 - min(0.9, _link_len(el) / total)
        if s > best_score:
            best, best_score = el, s
    return best if best is not None else root


def _blocks(article) -> list[Block]:
    blocks: list[Block] = []

    def text_of(el) -> str:
        parts = []
        if el.text:
            parts.append(el.text)
        for child in el:
            if child.tag == "br":
                parts.append("\n")
            elif isinstance(child.tag, str) and child.tag in _BLOCK_TAGS:
                pass  # emitted on its own
            else:
                parts.append(text_of(child))
            if child.tail:
                parts.append(child.tail)
        return "".join(parts)

    def visit(el):
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag == "tr":
            cells = [re.sub(r"\s+", " ", c.text_content()).strip() for c in el if c.tag in ("td", "th")]
            if any(cells):
                blocks.append(Block(page=1, kind="table", text=CELL_SEPARATOR.join(cells)))
            return
        if tag in _BLOCK_TAGS or el is article:
            own = re.sub(r"[ \t\r\f\v\u00a0]+", " ", text_of(el))
            own = "\n".join(l.strip() for l in own.split("\n") if l.strip())
            if own:
                if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
                    blocks.append(Block(page=1, kind="heading", text=own.replace("\n", ""), level=int(tag[1])))
                else:
                    blocks.append(Block(page=1, text=own))
        for child in el:
            if isinstance(child.tag, str) and (child.tag in _BLOCK_TAGS or child.tag in ("table", "tbody",
                                                                                           "thead", "ul", "ol",
                                                                                           "dl", "center", "font",
                                                                                           "span", "b", "strong")):
                if child.tag in _BLOCK_TAGS or child.tag in ("table", "tbody", "thead", "ul", "ol", "dl"):
                    visit(child)
                elif any(isinstance(g.tag, str) and g.tag in _BLOCK_TAGS for g in child.iter()):
                    visit(child)

    visit(article)
    return blocks


@register("html")
def read_html(data: bytes, name: str, options: ReadOptions) -> ReadResult:
    import lxml.html
    from lxml import etree

    text = decode_html(data, name)
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    try:
        root = lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError) as exc:
        raise ReadError(name, f"damaged HTML ({exc})")
    title_el = root.find(".//title")
    title = re.sub(r"\s+", " ", title_el.text_content()).strip() if title_el is not None else None
    etree.strip_elements(root, *_DROP_TAGS, etree.Comment, etree.ProcessingInstruction, with_tail=False)
    for el in list(root.iter("header", "footer")):
        el.getparent().remove(el) if el.getparent() is not None else None
    for el in list(root.iter()):
        if not isinstance(el.tag, str) or el.getparent() is None:
            continue
        marks = f"{el.get('class', '')} {el.get('id', '')} {el.get('role', '')}"
        if marks.strip() and _BOILER.search(marks) and el.tag not in ("body", "html", "article", "main"):
            if _link_len(el) >= 0.3 * max(1, _text_len(el)) or _text_len(el) < 200:
                el.getparent().remove(el)
    body = root.find("body")
    article = _pick_article(body if body is not None else root)
    blocks = _blocks(article)
    h1 = next((b.text for b in blocks if b.kind == "heading"), None)
    if h1:
        title = h1
    if title and len(title) > 100:
        title = title[:100]
    return ReadResult(kind="html", pages=[Page(number=1, source="text", blocks=blocks)], title=title or None)
