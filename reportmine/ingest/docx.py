"""DOCX through python-docx: body order with tables interleaved, headings from styles and
outline levels, automatic list numbering rendered ("一、", "（一）", "1.") so that section
detection sees what the reader of the document sees.

Safety: a document part declaring a DOCTYPE/ENTITY is refused (no entity expansion), and
so is a container whose parts inflate beyond a sane size (zip bomb).
"""

from __future__ import annotations

import io
import re
import zipfile

from reportmine.document import Block, Page
from reportmine.ingest.base import ReadError, ReadOptions, ReadResult, register
from reportmine.ingest.layout import CELL_SEPARATOR

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MAX_INFLATED = 300 * 1024 * 1024
_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*(\d)$", re.I)


def check_container(data: bytes, name: str) -> None:
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise ReadError(name, "damaged DOCX (not a readable zip container)")
    with z:
        total = sum(i.file_size for i in z.infolist())
        if total > MAX_INFLATED:
            raise ReadError(name, f"DOCX parts inflate to {total // 2**20} MB; refused as a possible zip bomb")
        for part in z.namelist():
            if not part.endswith(".xml") or not part.startswith("word/"):
                continue
            with z.open(part) as f:
                head = f.read(4096)
            if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                raise ReadError(name, f"DOCX part {part} declares a DOCTYPE/ENTITY; refused (entity expansion)")


# ---------------------------------------------------------------- list numbering
_CN = "零一二三四五六七八九"


def _chinese(n: int) -> str:
    if n <= 0:
        return str(n)
    if n < 10:
        return _CN[n]
    if n < 20:
        return "十" + (_CN[n - 10] if n > 10 else "")
    if n < 100:
        return _CN[n // 10] + "十" + (_CN[n % 10] if n % 10 else "")
    return str(n)


def _roman(n: int) -> str:
    vals = [(1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
            (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")]
    out = ""
    for v, s in vals:
        while n >= v:
            out += s
            n -= v
    return out


def _format(n: int, fmt: str) -> str:
    if fmt in ("chineseCounting", "chineseCountingThousand", "chineseLegalSimplified",
               "ideographTraditional", "taiwaneseCounting", "taiwaneseCountingThousand"):
        if fmt == "ideographTraditional":
            return "甲乙丙丁戊己庚辛壬癸"[(n - 1) % 10]
        return _chinese(n)
    if fmt == "lowerLetter":
        return chr(ord("a") + (n - 1) % 26)
    if fmt == "upperLetter":
        return chr(ord("A") + (n - 1) % 26)
    if fmt == "lowerRoman":
        return _roman(n)
    if fmt == "upperRoman":
        return _roman(n).upper()
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese") and 1 <= n <= 20:
        return chr(0x2460 + n - 1)
    if fmt == "none":
        return ""
    return str(n)


class Numbering:
    """Renders the labels Word generates for numbered paragraphs."""

    def __init__(self, document):
        self.levels: dict[tuple[str, int], tuple[str, str, int]] = {}
        self.counters: dict[str, list[int]] = {}
        try:
            part = document.part.numbering_part
        except (NotImplementedError, KeyError, AttributeError):
            return
        root = part.element
        abstract = {}
        for an in root.iter(W + "abstractNum"):
            aid = an.get(W + "abstractNumId")
            lv = {}
            for lvl in an.iter(W + "lvl"):
                ilvl = int(lvl.get(W + "ilvl", "0"))
                fmt = lvl.find(W + "numFmt")
                text = lvl.find(W + "lvlText")
                start = lvl.find(W + "start")
                lv[ilvl] = (fmt.get(W + "val") if fmt is not None else "decimal",
                            text.get(W + "val") if text is not None else "",
                            int(start.get(W + "val")) if start is not None else 1)
            abstract[aid] = lv
        self.num_abstract = {}
        for num in root.iter(W + "num"):
            nid = num.get(W + "numId")
            ref = num.find(W + "abstractNumId")
            if ref is None:
                continue
            aid = ref.get(W + "val")
            self.num_abstract[nid] = aid
            for ilvl, spec in abstract.get(aid, {}).items():
                self.levels[(nid, ilvl)] = spec

    def label(self, num_id: str, ilvl: int) -> str:
        spec = self.levels.get((num_id, ilvl))
        if spec is None or num_id == "0":
            return ""
        fmt, text, _start = spec
        key = self.num_abstract.get(num_id, num_id)
        counters = self.counters.setdefault(key, [0] * 9)
        for lv in range(9):
            if counters[lv] == 0 and lv < ilvl:
                counters[lv] = self.levels.get((num_id, lv), ("decimal", "", 1))[2]
        counters[ilvl] = counters[ilvl] + 1 if counters[ilvl] else spec[2]
        for lv in range(ilvl + 1, 9):
            counters[lv] = 0
        if fmt == "bullet":
            return ""

        def sub(m):
            lv = int(m.group(1)) - 1
            lfmt = self.levels.get((num_id, lv), (fmt, "", 1))[0]
            return _format(counters[lv] or 1, lfmt)

        return re.sub(r"%(\d)", sub, text)


# ---------------------------------------------------------------- the reader
def _num_pr(p, styles_num: dict) -> tuple[str, int] | None:
    ppr = p.find(W + "pPr")
    if ppr is not None:
        num = ppr.find(W + "numPr")
        if num is not None:
            nid = num.find(W + "numId")
            lvl = num.find(W + "ilvl")
            if nid is not None:
                return nid.get(W + "val"), int(lvl.get(W + "val")) if lvl is not None else 0
        st = ppr.find(W + "pStyle")
        if st is not None and st.get(W + "val") in styles_num:
            return styles_num[st.get(W + "val")]
    return None


def _style_info(document) -> tuple[dict, dict, dict]:
    """style id → (name, heading level or None); style id → numbering; id → outline level."""
    names, numbering, outline = {}, {}, {}
    try:
        root = document.styles.element
    except Exception:
        return names, numbering, outline
    for st in root.iter(W + "style"):
        sid = st.get(W + "styleId")
        n = st.find(W + "name")
        names[sid] = n.get(W + "val") if n is not None else sid
        ppr = st.find(W + "pPr")
        if ppr is not None:
            num = ppr.find(W + "numPr")
            if num is not None and num.find(W + "numId") is not None:
                lvl = num.find(W + "ilvl")
                numbering[sid] = (num.find(W + "numId").get(W + "val"),
                                  int(lvl.get(W + "val")) if lvl is not None else 0)
            ol = ppr.find(W + "outlineLvl")
            if ol is not None:
                outline[sid] = int(ol.get(W + "val"))
    return names, numbering, outline


_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"


def _para_text(p) -> str:
    out: list[str] = []

    def visit(el):
        for child in el:
            tag = child.tag
            if tag == W + "t":
                out.append(child.text or "")
            elif tag == W + "tab":
                out.append("\t")
            elif tag in (W + "br", W + "cr"):
                if child.get(W + "type") in (None, "textWrapping"):
                    out.append("\n")
            elif tag in (_MC_FALLBACK, W + "del", W + "delText", W + "instrText"):
                continue
            else:
                visit(child)

    visit(p)
    return "".join(out)


def _is_deleted(el) -> bool:
    parent = el.getparent()
    while parent is not None:
        if parent.tag == W + "del":
            return True
        parent = parent.getparent()
    return False


def _page_breaks(p, rendered: bool) -> int:
    if rendered:
        return sum(1 for _ in p.iter(W + "lastRenderedPageBreak"))
    return sum(1 for el in p.iter(W + "br") if el.get(W + "type") == "page")


@register("docx")
def read_docx(data: bytes, name: str, options: ReadOptions) -> ReadResult:
    check_container(data, name)
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:
        raise ReadError(name, f"damaged DOCX ({type(exc).__name__}: {exc})")
    names, style_num, style_outline = _style_info(document)
    numbering = Numbering(document)
    blocks: list[Block] = []
    page = 1
    first_heading = None

    def add_paragraph(p):
        nonlocal page, first_heading
        breaks = _page_breaks(p, rendered)
        text = _para_text(p)
        ppr = p.find(W + "pPr")
        sid = None
        level = None
        if ppr is not None:
            st = ppr.find(W + "pStyle")
            sid = st.get(W + "val") if st is not None else None
            ol = ppr.find(W + "outlineLvl")
            if ol is not None and int(ol.get(W + "val")) < 9:
                level = int(ol.get(W + "val")) + 1
        sname = names.get(sid, sid or "")
        m = _HEADING_STYLE.match(sname or "")
        if m:
            level = int(m.group(1))
        elif sname and sname.lower() in ("title", "标题"):
            level = 0
        elif level is None and sid in style_outline and style_outline[sid] < 9:
            level = style_outline[sid] + 1
        num = _num_pr(p, style_num)
        label = numbering.label(*num) if num else ""
        if label and text.strip() and not text.lstrip().startswith(label.strip()):
            text = label + text
        if text.strip():
            kind = "heading" if level is not None else "text"
            blocks.append(Block(page=page, kind=kind, text=text.strip("\n"),
                                level=max(1, level) if level is not None else None))
            if kind == "heading" and first_heading is None:
                first_heading = text.strip()
        page += breaks

    def add_table(tbl):
        for tr in tbl.iter(W + "tr"):
            if tr.getparent() is not tbl:
                continue
            cells, seen = [], set()
            for tc in tr.iter(W + "tc"):
                if tc.getparent() is not tr or id(tc) in seen:
                    continue
                seen.add(id(tc))
                parts = []
                for p in tc.iter(W + "p"):
                    t = _para_text(p).strip()
                    if t:
                        parts.append(t)
                cells.append(" ".join(parts).replace("\n", " "))
            if any(c.strip() for c in cells):
                blocks.append(Block(page=page, kind="table", text=CELL_SEPARATOR.join(cells)))

    def walk(container):
        for el in container:
            if el.tag == W + "p":
                if not _is_deleted(el):
                    add_paragraph(el)
            elif el.tag == W + "tbl":
                add_table(el)
            elif el.tag in (W + "sdt", W + "sdtContent", W + "customXml", W + "ins"):
                walk(el)

    body = document.element.body
    rendered = next(body.iter(W + "lastRenderedPageBreak"), None) is not None
    walk(body)
    # section headers/footers often carry the unit name and year: keep them, flagged
    extra: list[Block] = []
    try:
        for sec in document.sections[:1]:
            for kind, part in (("header", sec.header), ("footer", sec.footer)):
                text = "\n".join(p.text for p in part.paragraphs if p.text.strip())
                if text.strip():
                    extra.append(Block(page=1, kind=kind, text=text))
    except Exception:  # headers are optional decoration; never fail the read on them
        pass
    all_blocks = [b for b in extra if b.kind == "header"] + blocks + [b for b in extra if b.kind == "footer"]
    n_pages = max([b.page for b in all_blocks] or [1])
    pages = [Page(number=i, source="text", blocks=[b for b in all_blocks if b.page == i])
             for i in range(1, n_pages + 1)]
    title = (document.core_properties.title or "").strip() or None
    if title is None and first_heading:
        title = first_heading.replace("\n", "")[:100]
    if title is None:
        first = next((b.text.strip() for b in blocks if b.kind == "text" and b.text.strip()), "")
        if 4 <= len(first) <= 50 and not first.endswith(("。", "；", "，")):
            title = first
    return ReadResult(kind="docx", pages=pages, title=title)
