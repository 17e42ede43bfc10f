"""The number grammar: Arabic, full-width and Chinese numerals, in linear time.

``parse_chinese_number("两千三百万")`` → 23000000.0; ``parse_chinese_number("二〇一一")`` →
2011.0; ``parse_chinese_number("十二五")`` → None (a named numeral, not a number).

Everything here is a single left-to-right pass over its input; nothing backtracks, so a
string of hundreds of thousands of numeral characters costs time proportional to its length
(and is rejected early when it is too long to be a quantity anyway).
"""

from __future__ import annotations

# Digits, in simplified, traditional and financial (大写) forms.
CN_DIGITS: dict[str, int] = {
    "零": 0, "〇": 0, "○": 0, "Ｏ": 0, "洞": 0,
    "一": 1, "壹": 1, "幺": 1,
    "二": 2, "两": 2, "兩": 2, "贰": 2, "貳": 2, "俩": 2,
    "三": 3, "叁": 3, "參": 3,
    "四": 4, "肆": 4,
    "五": 5, "伍": 5,
    "六": 6, "陆": 6, "陸": 6,
    "七": 7, "柒": 7,
    "八": 8, "捌": 8,
    "九": 9, "玖": 9,
}
del CN_DIGITS["洞"], CN_DIGITS["幺"], CN_DIGITS["俩"], CN_DIGITS["Ｏ"]
# Multipliers below 万 (inside one section) and the section multipliers.
CN_SMALL: dict[str, int] = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
CN_BIG: dict[str, int] = {"万": 10_000, "萬": 10_000, "亿": 100_000_000, "億": 100_000_000}
CN_NUMERAL_CHARS = frozenset(CN_DIGITS) | frozenset(CN_SMALL) | frozenset(CN_BIG)
# The longest Chinese numeral we try to read as a quantity; anything longer is not a count.
MAX_CN_LEN = 24
MAX_ARABIC_DIGITS = 15


def _section(s: str, allow_bare: bool) -> float | None:
    """A section below 万: 三千五百二十 → 3520, 三百五 → 350 (colloquial), 十一 → 11,
    一百零五 → 105. ``allow_bare`` lets it start with 百/千 (百名 → 100)."""
    if not s:
        return None
    total = 0
    digit: int | None = None
    smallest = 100_000
    last_mult = 0
    zero_seen = False
    for i, ch in enumerate(s):
        d = CN_DIGITS.get(ch)
        if d is not None:
            if d == 0:
                if digit is not None:
                    return None
                zero_seen = True
                continue
            if digit is not None:
                return None  # 十二五, 三四: two bare digits in a row
            digit = d
            continue
        mult = CN_SMALL.get(ch)
        if mult is None or mult >= smallest:
            return None  # 百十, 十百: multipliers must fall
        if digit is None:
            if i == 0 and (mult == 10 or allow_bare):
                digit = 1  # 十一 = 11, 百名 = 100
            else:
                return None
        total += digit * mult
        smallest = mult
        last_mult = mult
        digit = None
    if digit is not None:
        if last_mult >= 100 and not zero_seen:
            total += digit * (last_mult // 10)  # 三百五 → 350, 两千三 → 2300
        else:
            total += digit
    return float(total)


def _digit_string(s: str) -> float | None:
    """二〇一一 → 2011: digits only, read positionally."""
    if len(s) > MAX_ARABIC_DIGITS:
        return None
    value = 0
    for ch in s:
        value = value * 10 + CN_DIGITS[ch]
    return float(value)


def parse_chinese_number(s: str) -> float | None:
    """The value of a Chinese numeral (possibly an Arabic mantissa with Chinese multipliers:
    1.5万, 3千), or None when the string is not one number (十二五, 三基三严, 万, too long)."""
    if not s:
        return None
    s = s.strip()
    if not s or len(s) > MAX_CN_LEN:
        return None
    head = 0
    while head < len(s) and (s[head].isdigit() or s[head] in ".,，"):
        head += 1
    if head:
        mantissa = parse_arabic(s[:head])
        if mantissa is None:
            return None
        mult = 1.0
        smallest = float("inf")
        for ch in s[head:]:
            m = CN_SMALL.get(ch) or CN_BIG.get(ch)
            if m is None:
                return None
            mult *= m
        return mantissa * mult
    if all(ch in CN_DIGITS for ch in s):
        return _digit_string(s)
    total = 0.0  # value of the part below 亿
    yi_part = 0.0
    wan_seen = False
    last_big = 0
    cur = ""
    first = True
    for ch in s:
        big = CN_BIG.get(ch)
        if big is None:
            if ch not in CN_DIGITS and ch not in CN_SMALL:
                return None
            cur += ch
            continue
        if big == 10_000:
            if wan_seen or not cur:
                return None
            sec = _section(cur, allow_bare=first)
            if sec is None or sec == 0:
                return None
            total += sec * 10_000
            wan_seen = True
        else:
            if yi_part:
                return None
            val = total
            if cur:
                sec = _section(cur, allow_bare=first)
                if sec is None:
                    return None
                val += sec
            if val == 0:
                return None
            yi_part = val * 100_000_000
            total = 0.0
            wan_seen = False
        last_big = big
        cur = ""
        first = False
    if cur:
        sec = _section(cur, allow_bare=first)
        if sec is None:
            return None
        if last_big and len(cur) == 1:
            sec *= last_big / 10  # 一万二 → 12000, 三亿五 → 3.5亿 (colloquial)
        total += sec
    return total + yi_part


def parse_arabic(s: str) -> float | None:
    """1,234.5 / 1，234 / 3.5 → float; None for malformed or absurdly long digit strings."""
    s = s.replace(",", "").replace("，", "")
    if not s or s.count(".") > 1 or s.startswith(".") or s.endswith("."):
        return None
    int_part = s.split(".", 1)[0]
    if len(int_part) > MAX_ARABIC_DIGITS:
        return None
    if not all(ch.isdigit() or ch == "." for ch in s):
        return None
    try:
        # unicode digits other than ASCII (e.g. full width) are folded by int()/float()
        return float("".join(str(int(ch)) if ch != "." else "." for ch in s))
    except ValueError:
        return None


def to_chinese_numeral(n: int) -> str:
    """Write a non-negative integer as a standard Chinese numeral (for round-trip tests
    and for display): 23000000 → 二千三百万, 10 → 十, 105 → 一百零五."""
    if n < 0:
        raise ValueError("negative numbers are not written this way")
    if n == 0:
        return "零"
    digits = "零一二三四五六七八九"

    def below_10k(x: int, leading: bool) -> str:
        out, zero = "", False
        for mult, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
            d = x // mult
            x %= mult
            if d:
                if zero:
                    out += "零"
                    zero = False
                if not (mult == 10 and d == 1 and leading and not out):
                    out += digits[d]
                out += name
            elif out:
                zero = True
        return out

    parts = []
    for big, name in ((100_000_000, "亿"), (10_000, "万"), (1, "")):
        chunk = n // big
        n %= big
        if chunk >= 10_000:
            parts.append(("rec", to_chinese_numeral(chunk), name))
        else:
            parts.append(("chunk", chunk, name))
    out = ""
    need_zero = False
    for kind, chunk, name in parts:
        if kind == "rec":
            out += chunk + name
            need_zero = False
            continue
        if chunk:
            if out and (need_zero or chunk < 1000):
                out += "零"
            out += below_10k(chunk, leading=not out) + name
            need_zero = False
        elif out:
            need_zero = True
    return out
