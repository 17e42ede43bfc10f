"""The number grammar: table of numerals, property-based round trips, linear time."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reportmine.facts.numbers import parse_arabic, parse_chinese_number, to_chinese_numeral

CHINESE = [
    ("零", 0), ("〇", 0), ("一", 1), ("两", 2), ("二", 2), ("三", 3), ("九", 9), ("十", 10),
    ("十一", 11), ("十九", 19), ("二十", 20), ("二十五", 25), ("九十九", 99), ("一百", 100),
    ("百", 100), ("一百零五", 105), ("一百一十", 110), ("一百一十五", 115), ("三百五", 350),
    ("三百五十", 350), ("两百", 200), ("九百九十九", 999), ("一千", 1000), ("千", 1000),
    ("一千零一", 1001), ("一千零一十", 1010), ("两千三", 2300), ("两千三百", 2300),
    ("三千五百二十", 3520), ("一万", 10000), ("一万二", 12000), ("一万二千", 12000),
    ("一万零五", 10005), ("十万", 100000), ("十万零一", 100001), ("四十二万三千", 423000),
    ("一百万", 1_000_000), ("百万", 1_000_000), ("千万", 10_000_000), ("两千三百万", 23_000_000),
    ("一亿", 100_000_000), ("三亿五", 350_000_000), ("一亿二千万", 120_000_000),
    ("一万亿", 1_000_000_000_000), ("二〇一一", 2011), ("二〇二三", 2023), ("一九四九", 1949),
    ("壹佰", 100), ("贰拾", 20), ("叁仟", 3000), ("兩萬", 20000), ("五億", 500_000_000),
    ("十三", 13), ("四十", 40), ("六十六", 66), ("七百零七", 707),
    # Arabic mantissa with Chinese multipliers
    ("1.5万", 15000), ("3千", 3000), ("2.4亿", 240_000_000), ("160.5万", 1_605_000),
    ("5万", 50000), ("1,200万", 12_000_000), ("2百万", 2_000_000), ("10万", 100000),
]

NOT_NUMBERS = ["", "   ", "十二五", "三基三严", "五小", "万", "亿", "十百", "百十", "一二三四五六七八九十" * 3,
               "一百十", "万万", "二十二五", "1.2.3万", "abc", "一万万", "十几"]


@pytest.mark.parametrize("text,value", CHINESE)
def test_parse_chinese_number(text, value):
    assert parse_chinese_number(text) == pytest.approx(value)


@pytest.mark.parametrize("text", NOT_NUMBERS)
def test_not_a_number(text):
    assert parse_chinese_number(text) is None


ARABIC = [("0", 0), ("7", 7), ("42", 42), ("1,234", 1234), ("1,234,567", 1234567), ("3.5", 3.5),
          ("0.25", 0.25), ("１２３", 123), ("1，234", 1234), ("100.0", 100)]


@pytest.mark.parametrize("text,value", ARABIC)
def test_parse_arabic(text, value):
    assert parse_arabic(text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["", ".5", "5.", "1.2.3", "1" * 16, "12a"])
def test_parse_arabic_rejects(text):
    assert parse_arabic(text) is None


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=10**12))
def test_round_trip_integers(n):
    """Writing a number in Chinese and reading it back gives the number."""
    assert parse_chinese_number(to_chinese_numeral(n)) == n


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=10**8 - 1))
def test_round_trip_with_liang(n):
    """两 reads like 二 wherever a writer may put it (两千, 两百, 两万)."""
    written = to_chinese_numeral(n)
    for mult in ("千", "百", "万", "亿"):
        written = written.replace("二" + mult, "两" + mult)
    assert parse_chinese_number(written) == n


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1, max_value=99999), st.sampled_from(["", "万", "亿"]))
def test_arabic_with_multiplier(n, mult):
    scale = {"": 1, "万": 10**4, "亿": 10**8}[mult]
    assert parse_chinese_number(f"{n}{mult}") == n * scale


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="零〇一二两三四五六七八九十百千万亿", max_size=12))
def test_never_crashes_and_is_non_negative(s):
    v = parse_chinese_number(s)
    assert v is None or v >= 0


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=1000, max_value=2099))
def test_digit_strings_read_positionally(year):
    digits = "〇一二三四五六七八九"
    assert parse_chinese_number("".join(digits[int(c)] for c in str(year))) == year


def test_long_inputs_are_linear():
    t = time.perf_counter()
    assert parse_chinese_number("一二三四五六七八九十" * 50_000) is None
    assert parse_arabic("9" * 200_000) is None
    assert time.perf_counter() - t < 2


_ALPHABET = list("0123456789,.%‰ 　\n、，。；：“”（）()-~至到余多近约超过不足以上左右第年月日号岁人名位次家个项元万亿千百十两一二三四五六七八九零〇几来分之届期场户份件支批萬億個餘")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_ALPHABET), max_size=60).map("".join))
def test_extractor_never_crashes_and_spans_hold(text):
    """Any mix of digits, numerals, units, qualifiers and punctuation: no exception, every
    span inside the text, non-negative values, ranges ordered."""
    from reportmine.facts import find_facts

    for f in find_facts(text):
        assert 0 <= f["start"] < f["end"] <= len(text)
        assert f["value"] >= 0
        assert f["value_max"] is None or f["value_max"] >= f["value"]
        assert f["qualifier"] in ("exact", "more_than", "nearly", "about", "less_than")
        assert f["unit"]
