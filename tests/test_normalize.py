"""Normalization: spaces, broken lines, artefacts, traditional characters, offset map."""

import random
from pathlib import Path

import pytest

from reportmine.document import Block, Document, Page
from reportmine.text.normalize import normalize

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "seeds"


def make(*blocks: str, kind="txt") -> Document:
    return Document(source="t", sha256="0", kind=kind,
                    pages=[Page(number=1, blocks=[Block(page=1, text=b) for b in blocks])])


def test_spaces_between_chinese_characters_are_removed():
    doc = normalize(make("大 练 兵 活 动 共 42 家 单 位"))
    assert doc.text == "大练兵活动共42家单位"


def test_spaces_between_latin_words_are_kept():
    doc = normalize(make("采用 PDCA 循环 and quality control"))
    assert doc.text == "采用PDCA循环and quality control"


def test_soft_wrapped_column_is_rejoined_without_spaces():
    block = "丰台区卫生健康系统高度注重\n职工的创新意识和创新水平，\n积极开展职工创新工作室申报\n工作。"
    doc = normalize(make(block))
    assert doc.text == "丰台区卫生健康系统高度注重职工的创新意识和创新水平，积极开展职工创新工作室申报工作。"


def test_line_break_before_a_numbered_heading_is_kept():
    doc = normalize(make("一、职工培训\n全年开展培训12期。\n二、民主管理\n召开职代会1次。"))
    assert doc.text.split("\n") == ["一、职工培训", "全年开展培训12期。", "二、民主管理", "召开职代会1次。"]


def test_full_width_digits_fold_but_chinese_punctuation_stays():
    doc = normalize(make("培训１２０人次，合格率９８％。"))
    assert doc.text == "培训120人次，合格率98%。"


def test_page_numbers_and_download_boilerplate_are_dropped():
    doc = normalize(make("全年慰问职工63户。", "- 2 -", "第 3 页", "以上内容仅为本文档的试下载部分，为可阅读页数",
                         "www.example-wenku.com", "发放慰问金12万元。"))
    assert doc.text == "全年慰问职工63户。\n发放慰问金12万元。"


def test_traditional_text_becomes_simplified_and_raw_keeps_the_original():
    doc = normalize(make("全年舉辦職工技能競賽，參加職工達一千二百人次，發放獎金五萬餘元。"))
    assert "举办职工技能竞赛" in doc.text and "五万余元" in doc.text
    assert "舉辦" in doc.raw_text


def test_pinyin_gloss_is_removed():
    doc = normalize(make("发放慰问金5萬(wàn)元"))
    assert "(" not in doc.text and doc.text.endswith("元")


def test_offsets_map_every_character_back_to_the_raw_text():
    block = "共 有 来 自\n直属和民营的５５家单位\n的工会主席等150余人参加了\n业务培训。"
    doc = normalize(make("标题", block))
    assert len(doc.offsets) == len(doc.text)
    assert doc.offsets == sorted(doc.offsets)
    for i, ch in enumerate(doc.text):
        raw = doc.raw_text[doc.offsets[i]]
        if ch.strip():
            assert raw == ch or raw in "５" or (ch == "5" and raw == "５")


def test_blocks_get_spans_in_normalized_text():
    doc = normalize(make("第一段内容。", "第二段 内容。"))
    spans = [(b.start, b.end) for b in doc.pages[0].blocks]
    assert [doc.text[s:e] for s, e in spans] == ["第一段内容。", "第二段内容。"]


def test_headers_and_footers_stay_out_of_the_body():
    page = Page(number=1, blocks=[Block(page=1, kind="header", text="某某医院工会"),
                                  Block(page=1, text="正文内容。"),
                                  Block(page=1, kind="page_number", text="1")])
    doc = normalize(Document(source="t", sha256="0", kind="pdf", pages=[page]))
    assert doc.text == "正文内容。"


@pytest.mark.skipif(not SEEDS.exists(), reason="../shared/corpus/seeds is not beside the repo")
def test_seed_newspaper_columns_rejoin_into_paragraphs():
    from reportmine.ingest import read_document

    doc = normalize(read_document(SEEDS / "s000.txt"))
    assert "丰台区卫生健康系统高度注重职工的创新意识" in doc.text
    assert " " not in doc.text.replace("\n", "")[:500]
    assert len(doc.paragraphs) >= 15


def test_random_text_keeps_the_offset_invariants():
    rng = random.Random(7)
    alphabet = "工会职工培训 　\n\n１２3。，、abc-" + "萬個"
    for _ in range(200):
        s = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 80)))
        if not s.strip():
            continue
        doc = normalize(make(s))
        assert len(doc.offsets) == len(doc.text)
        assert all(0 <= o < max(1, len(doc.raw_text)) for o in doc.offsets)
        assert doc.offsets == sorted(doc.offsets)


def test_lone_surrogates_from_a_pdf_text_layer_are_dropped():
    doc = normalize(make("全年慰问\ud88d职工63户。"))
    assert doc.text == "全年慰问职工63户。"
    doc.text.encode("utf-8")


def test_number_broken_at_a_line_end_is_rejoined():
    doc = normalize(make("全系统共有来自直属单位的50\n0家单位参加，\n共计1 200人"))
    assert "500家单位" in doc.text
    assert "1 200人" in doc.text  # a space written inside a line is the writer's


def test_symbol_font_bullets_of_newspaper_captions_are_dropped():
    """荨/荩 at a line start are a symbol font's ▶/◆ read as CJK: dropped, and the caption starts
    its own paragraph; 荨麻疹 (hives) is a word and stays."""
    doc = normalize(make("医院全年开展义诊12次，惠及群众\n3000余人。\n荨铁营医院原院长为工作室授牌\n荩职工代表合影",
                         "荨麻疹门诊接诊患者200人次"))
    lines = doc.text.split("\n")
    assert "铁营医院原院长为工作室授牌" in lines and "职工代表合影" in lines
    assert "荨麻疹门诊接诊患者200人次" in lines
    assert "惠及群众3000余人。" in doc.text and "荨铁" not in doc.text and "荩" not in doc.text
    start = doc.text.index("铁营医院")
    assert doc.raw_text[doc.offsets[start]] == "铁"  # the offset map still points at the source
