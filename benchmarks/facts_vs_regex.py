"""Side by side: reportmine's facts extractor against a plain cn2an + regex extractor.

    .venv/bin/python benchmarks/facts_vs_regex.py            # score both on the seeds
    .venv/bin/python benchmarks/facts_vs_regex.py --emit regex FILE...   # JSON Lines, contract shape

The baseline is what one writes in an afternoon: one regex for "number + measure word"
(Arabic or Chinese numerals, an optional 万/亿), cn2an for the Chinese numerals, the measure
word as the unit (名/位 → 人), no qualifiers, no exclusions beyond the regex, no year and no
metric. Both sides read the same normalized text, and both are scored by the shared scorer
(../shared/tools/rmscore.py) through its --cmd option, so the figures are the scorer's own.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT))

_MEASURE = ("人次|万元|亿元|元|人|名|位|家|个|支|项|次|场|期|件|份|块|户|天|年|轮|届|所|条|篇|本|套|台|辆|"
            "部|批|对|组|种|类|处|座|间|小时|周|%")
_REGEX = re.compile(rf"([0-9]+(?:\.[0-9]+)?|[零〇一二两三四五六七八九十百千万亿]+)\s?(万|亿)?(余|多)?\s?({_MEASURE})")


def regex_facts(text: str) -> list[dict]:
    import cn2an

    out = []
    for m in _REGEX.finditer(text):
        num, mult, _approx, unit = m.groups()
        try:
            value = float(num) if num[0].isdigit() else float(cn2an.cn2an(num, "smart"))
        except (ValueError, KeyError, TypeError):
            continue
        value *= {"万": 1e4, "亿": 1e8}.get(mult or "", 1)
        if unit in ("万元", "亿元"):
            value *= 1e4 if unit == "万元" else 1e8
            unit = "元"
        unit = {"名": "人", "位": "人"}.get(unit, unit)
        out.append({"surface": m.group(0), "value": value, "unit": unit, "qualifier": "exact",
                    "metric": None, "year": None, "org": None, "category": "other",
                    "start": m.start(), "end": m.end(), "page": 1})
    return out


def emit(which: str, files: list[str]) -> None:
    from reportmine.ingest import read_document
    from reportmine.text.normalize import normalize

    for f in files:
        if which == "regex":
            doc = normalize(read_document(f))
            facts = regex_facts(doc.text)
            row = doc.to_contract()
            row["facts"] = facts
        else:
            from reportmine.pipeline import process_path

            row = process_path(f).to_contract()
        row["source"] = f
        print(json.dumps(row, ensure_ascii=False))


def score(which: str, corpus: Path, gold: Path) -> str:
    cmd = f"{sys.executable} {Path(__file__).resolve()} --emit {which}"
    proc = subprocess.run([sys.executable, str(SHARED / "tools" / "rmscore.py"), "facts", "--gold", str(gold),
                           "--corpus", str(corpus), "--cmd", cmd], capture_output=True, text=True)
    if proc.returncode:
        sys.exit(proc.stderr)
    return proc.stdout


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--emit", choices=["regex", "reportmine"])
    ap.add_argument("--corpus", default=str(SHARED / "corpus" / "seeds"))
    ap.add_argument("--gold", default=str(SHARED / "gold"))
    ap.add_argument("files", nargs="*")
    args = ap.parse_args()
    if args.emit:
        emit(args.emit, args.files)
        return
    if not (SHARED / "tools" / "rmscore.py").exists():
        sys.exit("../shared/tools/rmscore.py is not present")
    for which in ("regex", "reportmine"):
        out = score(which, Path(args.corpus), Path(args.gold)).strip().splitlines()
        print(f"--- {which}")
        for line in out[-3:]:
            print("   " + line)


if __name__ == "__main__":
    main()
