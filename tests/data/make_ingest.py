"""Generators for the ingestion tests and benchmarks: PDFs, DOCX files and page images
built from known text, so that what a reader returns can be compared with the truth.

The text below was written for these tests (no corpus text is copied).
"""

from __future__ import annotations

import io
import random
import unicodedata
from pathlib import Path

TITLE = "滨江区机械制造公司工会2024年度工作总结"
HEADER = "滨江区机械制造公司工会"

PARAGRAPHS = [
    "2024年，公司工会在上级工会和公司党委的领导下，紧紧围绕企业生产经营中心任务，团结动员广大职工建功立业，各项工作取得了新的进展。",
    "一、加强职工思想政治引领。全年组织职工集中学习12次，举办形势政策报告会3场，参加职工达860人次，职工队伍保持稳定。",
    "二、深入开展岗位练兵和技能竞赛。工会联合生产技术部门举办车工、钳工、焊工等7个工种的技能比武，参赛职工215人，评出岗位技术能手18名。",
    "三、推进民主管理。召开职工代表大会2次，审议通过集体合同和工资专项集体合同，征集职工代表提案46件，已办结41件，办结率达到89%。",
    "四、做好困难职工帮扶。春节期间走访慰问困难职工和劳动模范63户，发放慰问金和物资折合人民币12.6万元，为患病职工申请医疗互助补助5人。",
    "五、丰富职工文化生活。举办职工篮球赛、羽毛球赛和读书分享会，建成职工书屋1个，新增图书1500余册，参与活动的职工累计超过1200人次。",
    "六、加强工会自身建设。全年培训基层工会干部约40人，完善了经费审查和财务管理制度，会员入会率保持在98%以上。",
    "2025年，工会将继续坚持服务职工的工作方向，在技能提升、民主管理和关爱帮扶方面下功夫，为企业高质量发展贡献力量。",
]

TABLE = [
    ["项目", "2023年", "2024年"],
    ["职工人数", "1180", "1236"],
    ["慰问户数", "55", "63"],
]


def cer_norm(s: str) -> str:
    """Text as ``../shared/tools/rmscore.py cer`` compares it: NFKC, no whitespace."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", s) if not ch.isspace())


def levenshtein(a: str, b: str) -> int:
    """Edit distance (insertions, deletions, substitutions) between two strings."""
    if len(a) < len(b):
        a, b = b, a
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def cer(got: str, truth: str) -> float:
    """Character error rate of ``got`` against ``truth``: Levenshtein distance / truth length."""
    return levenshtein(cer_norm(got), cer_norm(truth)) / max(1, len(cer_norm(truth)))


def truth_text(paragraphs=PARAGRAPHS, title=TITLE) -> str:
    return "\n".join([title, *paragraphs])


def _cid_font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    try:
        pdfmetrics.getFont("STSong-Light")
    except KeyError:
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    return "STSong-Light"


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines, cur = [], ""
    for ch in text:
        if stringWidth(cur + ch, font, size) > width and cur:
            lines.append(cur)
            cur = ch
        else:
            cur += ch
    if cur:
        lines.append(cur)
    return lines


def two_column_pdf(paragraphs=PARAGRAPHS, title=TITLE, header=HEADER, pages: int = 1,
                   right_first: bool = True, size: float = 10.5, seed: int = 0) -> bytes:
    """An A4 PDF: a full-width title, body text in two columns with first-line indents,
    a running header and a page number on every page. The text is drawn in an order
    that is not the reading order (right column first, lines bottom-up)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    font = _cid_font()
    rng = random.Random(seed)
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    W, H = A4
    margin, gutter = 56.0, 24.0
    col_w = (W - 2 * margin - gutter) / 2
    lead = size * 1.6
    per_page = [paragraphs[i::pages] for i in range(pages)] if pages > 1 else [paragraphs]
    if pages > 1:  # keep the reading order: consecutive paragraphs on consecutive pages
        k = -(-len(paragraphs) // pages)
        per_page = [paragraphs[i * k:(i + 1) * k] for i in range(pages)]
    for pno, paras in enumerate(per_page, 1):
        lines: list[tuple[str, float, bool]] = []  # text, indent, paragraph start
        for p in paras:
            wrapped = _wrap(p, font, size, col_w - 2 * size)
            first = wrapped[0]
            rest = _wrap(p[len(first):], font, size, col_w) if len(wrapped) > 1 else []
            lines.append((first, 2 * size, True))
            lines.extend((l, 0.0, False) for l in rest)
        top = H - margin - (40 if pno == 1 else 10)
        rows = int((top - margin - 20) // lead)
        half = -(-len(lines) // 2)
        if half > rows:
            raise ValueError("text does not fit on the page")
        cols = [lines[:half], lines[half:]]
        ops = []
        for ci, col in enumerate(cols):
            x = margin + ci * (col_w + gutter)
            for li, (text, indent, _start) in enumerate(col):
                ops.append((ci, li, x + indent, top - li * lead, text))
        if right_first:
            ops.sort(key=lambda o: (-o[0], -o[1]))
        else:
            rng.shuffle(ops)
        c.setFont(font, 9)
        c.drawCentredString(W / 2, H - 30, header)
        c.drawCentredString(W / 2, 28, f"- {pno} -")
        for _ci, _li, x, y, text in ops:
            c.setFont(font, size)
            c.drawString(x, y, text)
        if pno == 1 and title:
            c.setFont(font, 16)
            c.drawCentredString(W / 2, H - margin - 10, title)
        c.showPage()
    c.save()
    return buf.getvalue()


def docx_bytes(title=TITLE, paragraphs=PARAGRAPHS, table=TABLE) -> bytes:
    """A DOCX with a Title, Heading 1/2 styles, body paragraphs and a table in between."""
    import docx

    d = docx.Document()
    d.core_properties.title = title
    d.add_heading(title, level=0)
    d.add_heading("一、主要工作", level=1)
    d.add_paragraph(paragraphs[0])
    d.add_heading("（一）技能竞赛", level=2)
    d.add_paragraph(paragraphs[2])
    t = d.add_table(rows=len(table), cols=len(table[0]))
    for r, row in enumerate(table):
        for k, cell in enumerate(row):
            t.cell(r, k).text = cell
    d.add_paragraph(paragraphs[3])
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def cjk_font_path() -> str | None:
    for p in ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
              "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
              "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
              "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"):
        if Path(p).exists():
            return p
    return None


def page_image(paragraphs=PARAGRAPHS, title=TITLE, dpi: int = 200, width_mm: float = 210,
               height_mm: float | None = None, size_pt: float = 12):
    """A white page with the text rendered in a CJK font (Pillow), paragraphs wrapped."""
    from PIL import Image, ImageDraw, ImageFont

    font_path = cjk_font_path()
    if font_path is None:
        raise RuntimeError("no CJK font installed (apt-get install fonts-wqy-microhei)")
    px = dpi / 25.4
    W = int(width_mm * px)
    size = int(size_pt * dpi / 72)
    font = ImageFont.truetype(font_path, size)
    tfont = ImageFont.truetype(font_path, int(size * 1.4))
    margin = int(20 * px)
    lines = []
    for p in paragraphs:
        cur = "\u3000\u3000"
        for ch in p:
            if font.getlength(cur + ch) > W - 2 * margin:
                lines.append(cur)
                cur = ch
            else:
                cur += ch
        lines.append(cur)
    lead = int(size * 1.7)
    H = int(height_mm * px) if height_mm else margin * 2 + int(size * 3) + lead * len(lines)
    img = Image.new("L", (W, H), 255)
    d = ImageDraw.Draw(img)
    y = margin
    if title:
        tw = tfont.getlength(title)
        d.text(((W - tw) / 2, y), title, font=tfont, fill=0)
        y += int(size * 3)
    for line in lines:
        d.text((margin, y), line, font=font, fill=0)
        y += lead
    return img


def degrade(img, angle: float = 2.0, blur: float = 0.8, noise: float = 12.0, jpeg: int = 60, seed: int = 0):
    """A copier-like scan: rotated a little, blurred, noisy, saved as JPEG quality 60."""
    import numpy as np
    from PIL import Image, ImageFilter

    rng = np.random.default_rng(seed)
    out = img.convert("L").rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    out = out.filter(ImageFilter.GaussianBlur(blur))
    arr = np.asarray(out).astype(np.float32) + rng.normal(0, noise, size=(out.height, out.width))
    out = Image.fromarray(np.clip(arr, 0, 255).astype("uint8"))
    buf = io.BytesIO()
    out.save(buf, format="JPEG", quality=jpeg)
    return buf.getvalue()


_UNITS = ["机关", "第一车间", "第二车间", "动力分厂", "物流中心", "技术中心", "后勤服务部", "销售公司"]
_ACTS = [
    ("举办", "职工技能培训", "期", "参训职工", "人次"),
    ("组织", "劳动竞赛", "项", "参赛职工", "人"),
    ("开展", "送温暖走访", "次", "慰问困难职工", "户"),
    ("召开", "职工代表大会", "次", "收集合理化建议", "条"),
    ("建成", "劳模创新工作室", "个", "完成技术革新项目", "项"),
    ("举行", "职工文体活动", "场", "参与职工", "人次"),
]
_TAILS = ["，职工满意度明显提升。", "，受到上级工会表扬。", "，相关做法在全公司推广。",
          "，进一步增强了职工的获得感。", "，为完成年度生产任务提供了保障。"]


def synthetic_paragraphs(n: int, seed: int = 0) -> list[str]:
    """Report-like paragraphs with varied numbers, for pages of realistic density."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        sents = []
        for _ in range(rng.randint(2, 4)):
            verb, what, mw, who, unit = rng.choice(_ACTS)
            sents.append(f"{rng.choice(_UNITS)}工会{verb}{what}{rng.randint(2, 30)}{mw}，"
                         f"{who}{rng.randint(20, 2000)}{unit}{rng.choice(_TAILS)}")
        out.append("".join(sents))
    return out


def newspaper_page(seed: int = 0, dpi: int = 200, size_pt: float = 10.0, columns: tuple[int, int] = (5, 3),
                   box: bool = True):
    """A newspaper-like page image and its text in reading order.

    A headline band spanning all columns, then ``columns[0]`` columns of running text with
    narrow gutters (about 1 em) that flows from column to column, then a second region with
    its own headline spanning it and ``columns[1]`` wider columns (its last column boxed
    when ``box``), then an imprint line across the foot of the page. Returns
    ``(PIL image, truth, lines)``: the truth is the text in reading order (headline, each
    column top to bottom, left to right, region by region, the imprint), ``lines`` the drawn
    lines as ``(x0, y0, x1, y1, text, size)`` in pixels."""
    from PIL import Image, ImageDraw, ImageFont

    font_path = cjk_font_path()
    if font_path is None:
        raise RuntimeError("no CJK font installed (apt-get install fonts-wqy-microhei)")
    rng = random.Random(seed)
    px = dpi / 25.4
    W = int(210 * px)
    size = int(size_pt * dpi / 72)
    font = ImageFont.truetype(font_path, size)
    hfont = ImageFont.truetype(font_path, int(size * 2.4))
    h2font = ImageFont.truetype(font_path, int(size * 1.6))
    margin = int(15 * px)
    gutter = size  # about one em
    lead = int(size * 1.45)

    def wrap(paras: list[str], width: float) -> list[str]:
        lines = []
        for p in paras:
            cur = "\u3000\u3000"
            for ch in p:
                if font.getlength(cur + ch) > width:
                    lines.append(cur)
                    cur = ch
                else:
                    cur += ch
            lines.append(cur)
        return lines

    headline = "基层工会扎实推进职工技能提升行动"
    heads2 = ["困难职工帮扶工作走深走实", "民主管理制度持续完善", "职工文化生活丰富多彩"]
    head2 = heads2[seed % len(heads2)]
    region_rows = [14, 12]
    H = margin * 2 + int(size * 4) + lead * region_rows[0] + int(size * 3.5) + lead * region_rows[1] + 3 * size
    img = Image.new("L", (W, H), 255)
    d = ImageDraw.Draw(img)
    truth: list[str] = []
    drawn: list[tuple] = []

    def draw(x, y, text, f):
        d.text((x, y), text, font=f, fill=0)
        drawn.append((x, y, x + f.getlength(text), y + f.size, text, f.size))

    y = margin
    tw = hfont.getlength(headline)
    draw((W - tw) / 2, y, headline, hfont)
    truth.append(headline)
    y += int(size * 4)
    for region, ncol in enumerate(columns):
        rows = region_rows[region]
        if region:
            d.line([(margin, y - int(size * 0.6)), (W - margin, y - int(size * 0.6))], fill=0, width=2)
            draw(margin, y, head2, h2font)
            truth.append(head2)
            y += int(size * 2.6)
        col_w = (W - 2 * margin - (ncol - 1) * gutter) / ncol
        # enough text to fill the region, then cut at the last full line
        paras = synthetic_paragraphs(ncol * 3, seed=rng.randint(0, 10**6))
        lines = wrap(paras, col_w - (size if box and region else 0))[: ncol * rows]
        for c in range(ncol):
            x = margin + c * (col_w + gutter)
            col_lines = lines[c * rows:(c + 1) * rows]
            inset = 0
            if box and region and c == ncol - 1:
                inset = size // 2
                d.rectangle([x - 2, y - inset, x + col_w + 2, y + rows * lead + inset // 2], outline=0, width=2)
            for li, line in enumerate(col_lines):
                draw(x + inset, y + li * lead, line, font)
            truth.append("".join(col_lines))
        y += rows * lead + int(size * 1.5)
    imprint = "主办：滨江区总工会　地址：滨江区工人路18号　邮政编码：310051　本版编辑：王丽　校对：陈晨"
    d.line([(margin, y - int(size * 0.5)), (W - margin, y - int(size * 0.5))], fill=0, width=1)
    draw(margin, y, imprint, font)
    truth.append(imprint)
    return img, "\n".join(truth), drawn
