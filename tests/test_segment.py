"""Segmentation: jieba with the domain dictionary, spans into Document.text."""

from reportmine.document import Block, Document, Page
from reportmine.text.normalize import normalize
from reportmine.text.segment import as_spacy_doc, cut, search_tokens, segment


def test_domain_words_stay_whole():
    words = cut("组织开展岗位练兵和技能竞赛，召开职代会，开展送温暖活动，建设职工之家和创新工作室")
    for term in ("岗位练兵", "技能竞赛", "职代会", "送温暖", "职工之家", "创新工作室"):
        assert term in words


def test_search_tokens_include_the_parts_of_long_words():
    tokens = search_tokens("劳模创新工作室")
    assert "创新" in tokens and "工作室" in tokens


def test_tokens_index_the_document_text():
    doc = Document(source="t", sha256="0", kind="txt",
                   pages=[Page(number=1, blocks=[Block(page=1, text="一、职工培训"),
                                                 Block(page=1, text="全年组织岗位 练兵18场。")])])
    doc = segment(normalize(doc))
    assert doc.tokens
    for tok in doc.tokens:
        assert doc.text[tok.start:tok.end] == tok.word
    assert "岗位练兵" in [t.word for t in doc.tokens]


def test_spacy_doc_over_the_same_tokens():
    doc = Document(source="t", sha256="0", kind="txt",
                   pages=[Page(number=1, blocks=[Block(page=1, text="院工会召开职代会，审议通过工作报告。")])])
    doc = segment(normalize(doc))
    sdoc = as_spacy_doc(doc)
    assert [t.text for t in sdoc] == [t.word for t in doc.tokens]
    assert sdoc.lang_ == "zh"
