"""Charts for a draft (matplotlib, Agg): one panel per category, the leading comparable
metric by unit, this year beside the year before where the store has it.

Chinese labels need a CJK font: Debian's ``fonts-wqy-microhei`` (or ``fonts-noto-cjk``) is
looked up by file, then by family name; without one the chart is still drawn and a warning
is logged (labels would show as boxes).
"""

from __future__ import annotations

import io
import logging
import os
from functools import lru_cache
from pathlib import Path

log = logging.getLogger("reportmine.draft.charts")

FONT_FILES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
)
FONT_FAMILIES = ("WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Noto Sans CJK SC", "Noto Sans SC",
                 "Source Han Sans SC", "SimHei", "Microsoft YaHei")


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The family name of a CJK font matplotlib can use, registering its file if needed."""
    os.environ.setdefault("MPLCONFIGDIR", str(Path(os.environ.get("TMPDIR", "/tmp")) / "reportmine-mpl"))
    from matplotlib import font_manager

    extra = os.environ.get("REPORTMINE_CJK_FONT")
    for path in ([extra] if extra else []) + list(FONT_FILES):
        if path and Path(path).exists():
            font_manager.fontManager.addfont(path)
            return font_manager.FontProperties(fname=path).get_name()
    names = {f.name for f in font_manager.fontManager.ttflist}
    for fam in FONT_FAMILIES:
        if fam in names:
            return fam
    log.warning("no CJK font found (apt-get install fonts-wqy-microhei); chart labels may not show")
    return None


def _short(name: str, n: int = 10) -> str:
    name = name.removesuffix("工会") or name
    return name if len(name) <= n else name[: n - 1] + "…"


def render_chart(draft, path: str | Path | None = None, dpi: int = 110) -> bytes | None:
    """PNG bytes of the draft's chart (also written to ``path``); None with nothing to draw."""
    series = [s for s in draft.charts if s.bars]
    if not series:
        return None
    font = cjk_font()
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    if font:
        matplotlib.rcParams["font.family"] = [font]
    matplotlib.rcParams["axes.unicode_minus"] = False
    from reportmine.draft.build import labels

    lab = labels()
    n = len(series)
    cols = 2 if n > 1 else 1
    rows = (n + cols - 1) // cols
    fig = Figure(figsize=(6.2 * cols, 3.4 * rows))
    FigureCanvasAgg(fig)
    axes = fig.subplots(rows, cols, squeeze=False)
    prev_year = (draft.year - 1) if draft.year else None
    for ax, s in zip([a for row in axes for a in row], series):
        names = [_short(o) for o, _ in s.bars][::-1]
        vals = [v for _, v in s.bars][::-1]
        prev = dict(s.previous)
        ys = range(len(names))
        has_prev = any(o in prev for o, _ in s.bars)
        h = 0.38 if has_prev else 0.6
        ax.barh([y + (h / 2 if has_prev else 0) for y in ys], vals, height=h, color="#c0392b",
                label=f"{draft.year}年" if draft.year else None)
        if has_prev:
            pv = [prev.get(o, 0) for o, _ in s.bars][::-1]
            ax.barh([y - h / 2 for y in ys], pv, height=h, color="#95a5a6", label=f"{prev_year}年")
            ax.legend(fontsize=8, loc="lower right")
        ax.set_yticks(list(ys))
        ax.set_yticklabels(names, fontsize=8)
        ax.set_title(f"{lab['categories'][s.category]['name']}：{_short(s.metric, 16)}（{s.unit}）", fontsize=10)
        ax.tick_params(axis="x", labelsize=8)
        for y, v in zip(ys, vals):
            ax.text(v, y + (h / 2 if has_prev else 0), f" {v:g}", va="center", fontsize=7)
        ax.spines[["top", "right"]].set_visible(False)
    for ax in [a for row in axes for a in row][n:]:
        ax.axis("off")
    fig.suptitle(lab["chart_caption"], fontsize=12)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    data = buf.getvalue()
    if path is not None:
        Path(path).write_bytes(data)
    return data
