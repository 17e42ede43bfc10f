"""A mechanical check of a JSON draft (../shared/CONTRACT.md, ``draft``), written apart from
the code that makes drafts so the two can disagree:

1. every claim's value equals its operation over its facts (``value``: the one fact's value;
   ``sum``: the sum; ``count``: the number of distinct ``source`` documents; ``change``: the
   per cent change from the sum of ``base`` to the sum of ``facts``, one decimal);
2. every fact's ``quote`` contains its ``surface``;
3. every figure in Arabic digits in a section's text (years, months and days aside; 2.24万
   read as 22400) is the value of one of that section's claims (a change is written without
   its sign: "下降3.2%" for -3.2).
"""

from __future__ import annotations

import re

NUMBER = re.compile(r"(?<![0-9.,])([0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(\.[0-9]+)?(?![0-9])(\s*[万亿])?")
DATE_UNIT = re.compile(r"\s*[年月日号]")


def prose_figures(text: str) -> list[float]:
    out = []
    for m in NUMBER.finditer(text):
        mult = (m.group(3) or "").strip()
        if not mult and DATE_UNIT.match(text, m.end()):
            continue
        v = float(m.group(1).replace(",", "") + (m.group(2) or ""))
        v *= {"万": 1e4, "亿": 1e8}.get(mult, 1)
        out.append(round(v, 6))
    return out


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-6 * max(1.0, abs(a), abs(b))


def check_draft(draft: dict) -> list[str]:
    """Every way ``draft`` breaks the rules above (empty: it checks out)."""
    problems: list[str] = []
    for key in ("title", "sections", "claims", "facts"):
        if key not in draft:
            problems.append(f"missing {key}")
    if problems:
        return problems
    facts = {f["id"]: f for f in draft["facts"]}
    claims = {c["id"]: c for c in draft["claims"]}
    for f in draft["facts"]:
        if f["surface"] not in (f.get("quote") or ""):
            problems.append(f"fact {f['id']}: quote {f.get('quote')!r} lacks surface {f['surface']!r}")
    for c in draft["claims"]:
        missing = [i for i in c["facts"] + c.get("base", []) if i not in facts]
        if missing:
            problems.append(f"claim {c['id']}: unknown facts {missing}")
            continue
        fs = [facts[i] for i in c["facts"]]
        base = [facts[i] for i in c.get("base", [])]
        op, value = c["op"], float(c["value"])
        if not fs:
            problems.append(f"claim {c['id']}: no facts")
            continue
        if op == "value":
            ok = len(fs) == 1 and _close(value, float(fs[0]["value"]))
        elif op == "sum":
            ok = _close(value, sum(float(f["value"]) for f in fs))
            if len({f["unit"] for f in fs}) != 1 or len({f["year"] for f in fs}) != 1:
                problems.append(f"claim {c['id']}: sums facts of different units or years")
        elif op == "count":
            ok = _close(value, len({f["source"] for f in fs}))
        elif op == "change":
            b = sum(float(f["value"]) for f in base)
            cur = sum(float(f["value"]) for f in fs)
            ok = bool(base) and b != 0 and _close(value, round((cur - b) / b * 100, 1))
        else:
            problems.append(f"claim {c['id']}: unknown op {op!r}")
            continue
        if not ok:
            problems.append(f"claim {c['id']}: value {value} is not the {op} of its facts")
    for s in draft["sections"]:
        allowed = []
        for cid in s["claims"]:
            if cid not in claims:
                problems.append(f"section {s['heading']}: unknown claim {cid}")
                continue
            v = float(claims[cid]["value"])
            allowed += [v, abs(v)]
        for fig in prose_figures(s["text"]):
            if not any(_close(fig, a) for a in allowed):
                problems.append(f"section {s['heading']}: figure {fig:g} is not one of its claims")
    return problems
