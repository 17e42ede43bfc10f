"""Numbers in Arabic digits as a reader of the draft sees them, and how the draft writes them.

``figures(text)`` finds every figure written in Arabic digits, with 万/亿 applied (2.24万 →
22400) and dates left aside (2023年, 5月, 10日, 2023-05-01): the draft uses it to keep every
figure it writes bound to a claim, and to keep quotes and names with stray figures out of
the prose.
"""

from __future__ import annotations

import re

_FIGURE = re.compile(
    r"(?<![\d.,])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?![\d])\s*(万|亿)?")
_DATE_AFTER = re.compile(r"\s*(?:年|月|日|号|时|点|[-/.]\d)")
SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def figures(text: str) -> list[float]:
    out: list[float] = []
    for m in _FIGURE.finditer(text):
        mult = m.group(3)
        if not mult and _DATE_AFTER.match(text, m.end()):
            continue
        v = float(m.group(1).replace(",", "") + (m.group(2) or ""))
        if mult == "万":
            v *= 10_000
        elif mult == "亿":
            v *= 100_000_000
        out.append(round(v, 6))
    return out


def has_figures(text: str | None) -> bool:
    return bool(text) and bool(figures(text))


def format_number(v: float) -> str:
    v = round(float(v), 6)
    if v.is_integer():
        return f"{int(v):,}"
    s = f"{v:,.2f}".rstrip("0").rstrip(".")
    if round(float(s.replace(",", "")), 6) != v:  # more decimals than two: write them all
        s = f"{v:,}"
    return s


def format_quantity(v: float, unit: str) -> str:
    """2240 人次 → 2,240人次; 126000 元 → 12.6万元; 92 % → 92%."""
    if unit == "元" and abs(v) >= 10_000:
        w = round(v / 10_000, 6)
        if round(w, 2) == w:
            return f"{format_number(w)}万元"
    return f"{format_number(v)}{unit}"


def with_qualifier(v: float, unit: str, qualifier: str, summed: bool) -> str:
    q = format_quantity(v, unit)
    if qualifier == "exact":
        return q
    if qualifier == "more_than":
        if summed:
            return "逾" + q
        body = q[: -len(unit)] if unit and q.endswith(unit) else q
        return f"{body}余{unit}"
    if qualifier == "nearly":
        return "近" + q
    if qualifier == "less_than":
        return "不足" + q
    return "约" + q


def superscript(n: int) -> str:
    return "⁽" + str(n).translate(SUPERSCRIPT) + "⁾"
