"""Numeric facts: the number grammar, canonical units, qualifiers, metrics, year and org.

The pipeline calls :func:`extract_facts` on a normalized (and usually segmented and
classified) document; it fills ``doc.facts`` and the document's ``year``, ``org`` and, when
unset, ``title``.
"""

from reportmine.facts.extract import extract_facts, find_facts
from reportmine.facts.numbers import parse_chinese_number

__all__ = ["extract_facts", "find_facts", "parse_chinese_number"]
