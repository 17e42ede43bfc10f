"""Normalization with an offset map back to the original text.

Joins the body blocks a reader found into ``raw_text`` and derives ``text``: compatibility
forms folded where that is safe for numbers (full-width digits, Kangxi radicals), spaces
between Chinese characters removed ("大 练 兵" → "大练兵"), soft line breaks inside a
sentence rejoined, page artefacts dropped (page numbers, download-site boilerplate, URLs),
traditional characters converted to simplified. Every character of ``text`` remembers the
index of the ``raw_text`` character it came from (``Document.offsets``), so a fact found in
``text`` can be shown in its source.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from functools import lru_cache

from reportmine.document import Document, Paragraph

BLOCK_SEPARATOR = "\n\n"

# Sentence-final marks: a line ending in one of them may end a paragraph.
_FINAL = set("。！？!?；;…")
_OPENERS = re.compile(
    r"^\s*(?:[一二三四五六七八九十百]+[、.．]|[（(][一二三四五六七八九十\d]+[)）]|\d{1,2}[、.．](?!\d)|"
    r"第[一二三四五六七八九十\d]+[部分章节条篇]|[■●◆◇□▲►•·★☆※]|[①-⑳])"
)
# Newspaper PDFs set photo captions and list items after a bullet from a symbol font that
# comes out as a rare CJK character (荨 for ▶, 荩 for ◆): at a line start (and not in 荨麻, the
# nettle of 荨麻疹) it is a bullet, dropped, and the line starts a paragraph
_FONT_BULLET = re.compile(r"^\s*([荨荩])(?![麻])(?=\S)")
_PAGE_NUMBER = re.compile(
    r"^\s*(?:[-—–－_]\s*)?(?:第\s*)?[\d一二三四五六七八九十]{1,4}(?:\s*页)?(?:\s*[/／]\s*(?:共\s*)?\d{1,4}\s*页?)?"
    r"(?:\s*[-—–－_])?\s*$|^\s*(?:page|PAGE|Page)\s*\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?\s*$"
)
_BOILERPLATE = re.compile(
    r"以上内容仅为本文档的试下载部分|为可阅读页数|下载全文|本文档由.{0,20}(?:提供|整理)|"
    r"免费下载|更多(?:精品)?(?:文档|范文).{0,10}(?:请|尽在|访问)|原文地址|来源[:：]\s*https?://|"
    r"^\s*(?:https?://|www\.)\S+\s*$|(?:文档|资料)(?:共享|分享)平台"
)
_URL = re.compile(r"(?:https?://|www\.)[A-Za-z0-9./_\-?=&%#:]+|(?<![A-Za-z])PAGE(?: ?\d{1,4})?(?![A-Za-z])")
_PINYIN_GLOSS = re.compile(
    r"(?<=[\u4e00-\u9fff])[（(][a-zü]*[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ][a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]*[)）]"
)
_SPACE = set(" \t\u3000\u00a0\u2002\u2003\u2009\u200b\ufeff")


def is_cjk(ch: str) -> bool:
    o = ord(ch)
    return (0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0x3000 <= o <= 0x303F
            or 0xFF00 <= o <= 0xFFEF or 0x2E80 <= o <= 0x2FDF or 0xF900 <= o <= 0xFAFF
            or 0x20000 <= o <= 0x2FA1F or o in (0x201C, 0x201D, 0x2018, 0x2019, 0x2014, 0x2026, 0x00B7))


@lru_cache(maxsize=8192)
def fold_char(ch: str) -> str:
    """Compatibility folding where it is safe: full-width ASCII, Kangxi radicals, CJK
    compatibility ideographs, odd spaces. Chinese punctuation (，。：；（）) is kept."""
    o = ord(ch)
    if 0xFF10 <= o <= 0xFF19 or 0xFF21 <= o <= 0xFF3A or 0xFF41 <= o <= 0xFF5A:
        return chr(o - 0xFEE0)
    if ch in "％＋－．／＝＜＞＃＆＠":
        return unicodedata.normalize("NFKC", ch)
    if 0x2F00 <= o <= 0x2FDF or 0xF900 <= o <= 0xFAFF or 0x2E80 <= o <= 0x2EFF:
        folded = unicodedata.normalize("NFKC", ch)
        return folded if len(folded) == 1 else ch
    if ch in "\u00a0\u2002\u2003\u2009\u3000":
        return " "
    if ch in "\u200b\ufeff\u00ad" or 0xD800 <= o <= 0xDFFF:
        return ""  # zero-width marks; lone surrogates some PDF text layers hold
    return ch


@lru_cache(maxsize=1)
def _t2s():
    try:
        import opencc

        return opencc.OpenCC("t2s")
    except Exception:  # pragma: no cover - opencc is a dependency
        return None


def to_simplified(text: str) -> str:
    """Traditional → simplified, keeping the length (char by char where phrases differ)."""
    conv = _t2s()
    if conv is None or not text:
        return text
    out = conv.convert(text)
    if len(out) == len(text):
        return out
    return "".join(c if len(c := conv.convert(ch)) == 1 else ch for ch in text)


def looks_traditional(text: str) -> bool:
    sample = "".join(ch for ch in text[:20000] if "\u4e00" <= ch <= "\u9fff")
    if len(sample) < 20:
        return False
    simplified = to_simplified(sample)
    changed = sum(1 for a, b in zip(sample, simplified) if a != b)
    return changed / len(sample) > 0.03


class _Builder:
    """Collects output characters with the raw index each came from."""

    __slots__ = ("chars", "origin")

    def __init__(self):
        self.chars: list[str] = []
        self.origin: list[int] = []

    def add(self, s: str, at: int):
        for ch in s:
            self.chars.append(ch)
            self.origin.append(at)


def _wrapped(lines: list[str]) -> int:
    """Typical width of a block whose lines are soft-wrapped columns, else 0."""
    lengths = sorted(len(l.strip()) for l in lines if l.strip())
    if len(lengths) < 3:
        return 0
    top = lengths[int(len(lengths) * 0.75)]
    near = sum(1 for n in lengths if n >= 0.8 * top)
    return top if near >= 0.6 * len(lengths) and top <= 60 else 0


def _keep_break(prev: str, nxt: str, width: int) -> bool:
    """Whether the line break between two lines of a block ends a paragraph."""
    p, n = prev.rstrip(), nxt.lstrip()
    if not p or not n:
        return True
    if _OPENERS.match(n) or _FONT_BULLET.match(n):
        return True
    if _OPENERS.match(p) and len(p) <= 30 and p[-1] not in "，,、":
        return True  # a heading line
    if p.endswith("■") or p.startswith("■"):
        return True
    if width:
        # a column of wrapped lines: only a short line ends a paragraph
        return len(p) < 0.8 * width and p[-1] in _FINAL | set("”」』)）")
    return p[-1] in _FINAL or (p[-1] in "：:" and len(n) < 40)


def _line_is_artefact(line: str) -> bool:
    s = line.strip()
    if not s:
        return False
    return bool(_PAGE_NUMBER.match(s)) or bool(_BOILERPLATE.search(s))


def normalize_block(raw: str, base: int, out: _Builder):
    """Append the normalized form of one block (raw text starting at ``base``)."""
    lines, pos = [], 0
    for line in raw.split("\n"):
        lines.append((line, pos))
        pos += len(line) + 1
    kept = [(l, p) for l, p in lines if not _line_is_artefact(l)]
    width = _wrapped([l for l, _ in kept])
    pending_space = -1
    at_break = False  # whether the pending space stands for a line break, not a space
    for i, (line, lpos) in enumerate(kept):
        bullet = _FONT_BULLET.match(line)
        if i:
            prev = kept[i - 1][0]
            if _keep_break(prev, line, width):
                out.add("\n", base + lpos - 1)
                pending_space = -1
            elif out.chars and out.chars[-1] == "-" and line[:1].isalpha() and line[:1].isascii():
                out.chars.pop()
                out.origin.pop()  # a hyphenated latin word broken at the line end
            else:
                pending_space = base + lpos - 1  # a space only if latin meets latin
                at_break = True
        if bullet:
            line = line[:bullet.start(1)] + " " + line[bullet.end(1):]  # same length: offsets hold
        for j, ch in enumerate(line):
            folded = fold_char(ch)
            if not folded:
                continue
            if folded in _SPACE or folded.isspace():
                if out.chars and out.chars[-1] not in "\n":
                    pending_space = base + lpos + j
                    at_break = False
                continue
            if pending_space >= 0:
                last = out.chars[-1] if out.chars else "\n"
                if last != "\n" and not is_cjk(last) and not is_cjk(folded[0]) \
                        and not (last.isdigit() and folded[0].isdigit() and at_break):
                    out.add(" ", pending_space)  # latin meets latin; a number broken at a line end is rejoined
                pending_space = -1
            out.add(folded, base + lpos + j)
    while out.chars and out.chars[-1] in " \n":
        out.chars.pop()
        out.origin.pop()


def _remove_spans(text: str, origin: list[int], pattern: re.Pattern) -> tuple[str, list[int]]:
    spans = [m.span() for m in pattern.finditer(text)]
    if not spans:
        return text, origin
    keep_text, keep_origin, last = [], [], 0
    for s, e in spans:
        keep_text.append(text[last:s])
        keep_origin.extend(origin[last:s])
        last = e
    keep_text.append(text[last:])
    keep_origin.extend(origin[last:])
    return "".join(keep_text), keep_origin


def normalize(doc: Document) -> Document:
    """Fill ``raw_text``, ``text``, ``offsets``, block spans and the paragraph list."""
    raw_parts, spans, at = [], [], 0
    body = [b for p in doc.pages for b in p.blocks if b.in_body and b.text.strip()]
    for block in body:
        if raw_parts:
            raw_parts.append(BLOCK_SEPARATOR)
            at += len(BLOCK_SEPARATOR)
        raw_parts.append(block.text)
        spans.append((at, at + len(block.text)))
        at += len(block.text)
    raw = "".join(raw_parts)
    out = _Builder()
    block_starts: list[int] = []
    for block, (s, _e) in zip(body, spans):
        if out.chars and out.chars[-1] != "\n":
            out.add("\n", max(0, s - 1))
        block_starts.append(len(out.chars))
        normalize_block(block.text, s, out)
    text = "".join(out.chars)
    origin = out.origin
    text, origin = _remove_spans(text, origin, _PINYIN_GLOSS)
    text, origin = _remove_spans(text, origin, _URL)
    if looks_traditional(text):
        text = to_simplified(text)
        doc.warnings.append("traditional characters converted to simplified")
    # collapse blank lines and spaces left by removals
    text, origin = _remove_spans(text, origin, re.compile(r"(?<=\n)\n+|^\n+| +(?=\n)|(?<=\n) +"))
    doc.raw_text = raw
    doc.text = text
    doc.offsets = origin
    # block spans in text coordinates
    for block, (s, e) in zip(body, spans):
        block.start = bisect.bisect_left(origin, s)
        block.end = bisect.bisect_left(origin, e)
    doc.paragraphs = split_paragraphs(doc)
    return doc


def split_paragraphs(doc: Document) -> list[Paragraph]:
    paragraphs, start = [], 0
    text = doc.text
    for line in text.split("\n"):
        end = start + len(line)
        stripped = line.strip()
        if stripped:
            s = start + (len(line) - len(line.lstrip()))
            e = s + len(stripped)
            paragraphs.append(Paragraph(start=s, end=e, page=doc.page_at(s)))
        start = end + 1
    return paragraphs
