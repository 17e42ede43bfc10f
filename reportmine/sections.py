"""Headings and the section tree.

Chinese reports number their headings in a fixed ladder (第一部分 > 一、 > （一） > 1、 > (1)),
newspaper pages frame them in ■…■, and unnumbered titles are short lines without
sentence punctuation. Each heading opens a section that runs to the next heading of the
same or a higher rank; paragraphs point at the innermost section they fall in.
"""

from __future__ import annotations

import re

from reportmine.document import Document, Section

_CN = "一二三四五六七八九十百零〇两"
# (pattern, level); the first that matches the start of a paragraph wins
HEADING_PATTERNS: list[tuple[re.Pattern, int]] = [
    (re.compile(rf"^第[{_CN}\d]+(?:部分|章|篇)"), 1),
    (re.compile(r"^■[^■]{2,40}■?"), 1),
    (re.compile(rf"^[{_CN}]{{1,3}}\s*[、．.](?!\d)"), 2),
    (re.compile(rf"^[（(]\s*[{_CN}]{{1,3}}\s*[)）]"), 3),
    (re.compile(r"^\d{1,2}\s*[、．](?!\d)|^\d{1,2}\.(?!\d)\s*(?=[\u4e00-\u9fff])"), 4),
    (re.compile(r"^[（(]\s*\d{1,2}\s*[)）]|^[①-⑳]"), 5),
]
_FINAL = "。！？!?；;，,、：:"
_TITLE_WORDS = re.compile(r"总结|报告|工作|情况|汇报|纪实|综述")
MAX_HEADING = 40
_MARKDOWN = re.compile(r"^(?:[#>\s]|\*\*|__)+|(?:\*\*|__)+$")


def heading_of(line: str) -> tuple[int, str] | None:
    """(level, heading text) when a paragraph starts with a heading, else None.

    A numbered heading may run into its body ("（一）加强培训。全年…"): the heading is the
    part before the first sentence mark when that part is short.
    """
    s = _MARKDOWN.sub("", line.strip()).strip()
    if not s:
        return None
    for pattern, level in HEADING_PATTERNS:
        m = pattern.match(s)
        if not m:
            continue
        if s.startswith("■"):
            return level, s.strip("■ ").strip() or s
        cut = re.search(r"[。！？!?；;：:]", s[m.end():])
        head = s if cut is None else s[: m.end() + cut.start()]
        if len(head) > MAX_HEADING:
            # a list item that is a sentence, not a heading
            if level >= 4 or cut is None:
                return None
            head = head[:MAX_HEADING]
        return level, head
    return None


def _is_plain_title(s: str, next_len: int) -> bool:
    """An unnumbered title: short, no sentence punctuation, followed by a longer paragraph."""
    if not (4 <= len(s) <= 30) or s[-1] in _FINAL or any(c in s for c in "。；;"):
        return False
    if s.count("，") + s.count(",") > 1:
        return False
    return next_len > len(s) * 2 or next_len == 0


def find_sections(doc: Document) -> Document:
    """Fill ``doc.sections`` and each paragraph's ``section`` / ``is_heading``; set the title."""
    paras = doc.paragraphs
    sections: list[Section] = []
    open_stack: list[int] = []  # indices of sections still open, outermost first
    text = doc.text
    for i, para in enumerate(paras):
        line = _MARKDOWN.sub("", text[para.start:para.end].strip()).strip("* ")
        found = heading_of(line)
        next_len = paras[i + 1].end - paras[i + 1].start if i + 1 < len(paras) else 0
        if found is None and _is_plain_title(line.strip(), next_len):
            # a title line is a heading one rank above the numbered ones in use
            found = (1, line.strip())
        if found is None:
            para.section = open_stack[-1] if open_stack else None
            continue
        level, heading = found
        if i == 0 and doc.title is None and level == 1 and _TITLE_WORDS.search(heading):
            doc.title = heading  # the document's own title, not a section
            para.is_heading = True
            continue
        while open_stack and sections[open_stack[-1]].level >= level:
            sections[open_stack.pop()].end = para.start
        parent = open_stack[-1] if open_stack else None
        sections.append(Section(heading=heading, level=level, start=para.start, end=len(text),
                                page=para.page, parent=parent))
        open_stack.append(len(sections) - 1)
        para.is_heading = len(heading) >= len(line.strip()) - 1
        para.section = open_stack[-1]
    for idx in open_stack:
        sections[idx].end = len(text)
    if doc.title is None and paras:
        first = _MARKDOWN.sub("", text[paras[0].start:paras[0].end].strip()).strip("* ")
        if len(first) <= MAX_HEADING and first[-1:] not in _FINAL and _TITLE_WORDS.search(first):
            doc.title = first
    doc.sections = sections
    return doc
