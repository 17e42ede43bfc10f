"""Headings and the section tree."""

from reportmine.document import Block, Document, Page
from reportmine.sections import find_sections, heading_of
from reportmine.text.normalize import normalize


def build(text: str) -> Document:
    doc = Document(source="t", sha256="0", kind="txt",
                   pages=[Page(number=1, blocks=[Block(page=1, text=t) for t in text.split("\n\n")])])
    return find_sections(normalize(doc))


def test_heading_ladder_levels():
    assert heading_of("第一部分 工作回顾")[0] == 1
    assert heading_of("一、加强职工教育培训") == (2, "一、加强职工教育培训")
    assert heading_of("（二）举办技能竞赛。5月举办第三届职工技能竞赛")[1] == "（二）举办技能竞赛"
    assert heading_of("1、全员参与原则")[0] == 4
    assert heading_of("(1)护理岗位")[0] == 5
    assert heading_of("■突出素质提升 岗位练兵常态化■")[1].startswith("突出素质提升")
    assert heading_of("### **三、维护职工合法权益，实施送温暖**")[0] == 2


def test_numbers_that_are_not_headings():
    assert heading_of("2023年，院工会组织培训。") is None
    assert heading_of("1.5万元用于职工慰问") is None
    assert heading_of("150余名职工参加") is None


def test_section_tree_and_paragraph_membership():
    doc = build("红山区人民医院工会2023年度工作总结\n\n前言一段话，说明总体情况。\n\n"
                "一、职工培训\n\n（一）岗位练兵\n\n全年练兵18场。\n\n（二）技能竞赛\n\n举办竞赛1次。\n\n"
                "二、民主管理\n\n召开职代会1次。")
    assert doc.title == "红山区人民医院工会2023年度工作总结"
    heads = [(s.heading, s.level, s.parent) for s in doc.sections]
    assert heads == [("一、职工培训", 2, None), ("（一）岗位练兵", 3, 0), ("（二）技能竞赛", 3, 0),
                     ("二、民主管理", 2, None)]
    by_text = {doc.text[p.start:p.end]: p for p in doc.paragraphs}
    assert by_text["全年练兵18场。"].section == 1
    assert by_text["举办竞赛1次。"].section == 2
    assert by_text["召开职代会1次。"].section == 3
    assert by_text["一、职工培训"].is_heading
    first, last = doc.sections[0], doc.sections[3]
    assert doc.text[first.start:first.end].startswith("一、职工培训")
    assert "民主管理" not in doc.text[first.start:first.end]
    assert last.end == len(doc.text)
