"""What a number counts: a short phrase built from the clause around it.

The counted thing is the noun right after the unit ("42家**单位**"), or, when the number ends
its clause, the noun phrase before it ("娱乐场所98家", "受众人数达6千余人"). The predicate is
the verb phrase after the counted noun ("单位**获评北京市职工创新工作室**"), shared by every
member of a list ("42家单位、56支代表队、224名选手**报名参加**"), or the verb before the
number ("**发放**328份责任书"). Words are tagged with jieba's dictionary (``jieba.posseg``).
"""

from __future__ import annotations

import re
from functools import lru_cache

_STRIP = str.maketrans("", "", "“”‘’\"'《》「」『』〈〉【】 \t\n\u3000")
_FILLER_END = ("共计", "总计", "合计", "累计", "共有", "达到", "分别为", "分别是", "分别", "约为",
               "其中", "已达", "高达", "多达", "超过", "不足", "不到", "将近", "接近", "大约",
               "共", "有", "达", "为", "计", "约", "近", "是", "了", "已", "均", "各", "逾", "超",
               "到")
_FILLER_START = ("其中", "目前", "同时", "此外", "另外", "全年", "截至目前", "截止目前", "并", "共",
                 "还", "又", "已", "均", "先后", "累计", "共计", "总计", "现", "现有", "通过")
_NOUNISH = ("n", "vn", "j", "an", "b", "nz", "ng", "nt", "ns", "nr", "s", "a", "f", "eng", "h", "k")
_MAX = 14


@lru_cache(maxsize=1)
def _tagger():
    """jieba's part-of-speech tagger over the pipeline's own tokenizer (one dictionary load,
    and the domain words of corpora/dictionary.txt), or jieba's default one."""
    import jieba
    import jieba.posseg as pseg

    jieba.setLogLevel(60)
    try:
        from reportmine.text.segment import tokenizer

        return pseg.POSTokenizer(tokenizer())
    except Exception:  # pragma: no cover - segment is part of the package
        return pseg.dt


@lru_cache(maxsize=20000)
def _tag(clause: str) -> tuple[tuple[str, str], ...]:
    if not clause:
        return ()
    # without the HMM (its Viterbi pass is most of the cost); a character jieba does not know
    # is taken for part of a noun
    return tuple((w.word, "n" if w.flag == "x" and "\u4e00" <= w.word[0] <= "\u9fff" else w.flag)
                 for w in _tagger().lcut(clause, HMM=False))


def _nounish(flag: str) -> bool:
    return flag.startswith(_NOUNISH)


def _clean(s: str) -> str:
    return s.translate(_STRIP)


def _strip_end(s: str, whole: bool = False) -> str:
    changed = True
    while changed and s:
        changed = False
        for w in _FILLER_END:
            if s.endswith(w) and (whole or len(s) > len(w)):
                s = s[: -len(w)]
                changed = True
                break
    return s


def _strip_start(s: str) -> str:
    changed = True
    while changed and s:
        changed = False
        for w in _FILLER_START:
            if s.startswith(w) and len(s) > len(w) + 1:
                s = s[len(w):]
                changed = True
                break
    return s


# Units that stand for the counted thing themselves (150人参加, 92%); after any other
# counting word (家, 支, 名, 个 …) the next word is the noun it counts.
_SELF_STANDING = frozenset(("人", "人次", "%", "‰", "元", "万元", "亿元", "千元", "天", "年", "小时",
                            "分钟", "个月", "周", "平方米", "亩", "吨", "公里", "倍", "个百分点",
                            "百分点", "余人", "万人", "万人次"))
_NOT_NOUN = frozenset("的了着过在被从对向把将于由为和与及或等共均都已并还又就也才")


def _counted_noun(words, force: bool) -> tuple[str, int]:
    """The noun phrase at the start of ``words`` and how many words it took."""
    out = ""
    k = 0
    for w, f in words:
        if f == "x" and w in "“”‘’\"":
            k += 1
            continue
        first = not out
        if (first and force and f != "x" and w not in _NOT_NOUN and not f.startswith(("p", "u", "c", "d")))\
                or _nounish(f) or (out and f == "m" and not w[0].isdigit()):
            if w in _NOT_NOUN:
                break
            out += w
            k += 1
            if len(out) >= 10:
                break
        else:
            break
    return out, k


def _verb_phrase(words) -> str:
    """A verb and what follows it, up to the clause end, a list separator or another number."""
    out = ""
    started = False
    in_pp = 0  # words skipped inside a prepositional phrase (在决赛现场展开角逐)
    for w, f in words:
        if not started:
            if (f.startswith("v") and f != "vn") or f == "i":
                started = True
            elif f in ("d", "c") or w in ("均", "都", "共", "先后", "已", "还"):
                continue
            elif f == "p" and not in_pp:
                in_pp = 1
                continue
            elif in_pp and in_pp < 5 and f != "x" and f != "m":
                in_pp += 1
                continue
            else:
                return ""
        if f == "m" or w in "、，,":
            break
        if f == "x" and w not in "“”‘’\"":
            break
        if w in ("了", "着", "过", "的") and f.startswith("u"):
            if w == "的":
                break
            continue
        out += w
        if len(out) >= 10:
            break
    return _clean(out)


_LIST_NUMBER = re.compile(r"^(?:[0-9]{1,2}[、.．)）]|[（(][0-9一二三四五六七八九十]{1,3}[)）]|[一二三四五六七八九十]{1,3}[、.．])")
_HAVE = ("共有", "拥有", "现有", "共", "有", "为", "是", "达到", "达")


def _left_phrase(left: str) -> tuple[str, str]:
    """(noun phrase, verb) ending the text before the number."""
    left = _LIST_NUMBER.sub("", left)
    left = _strip_end(left, whole=True)
    if not left:
        return "", ""
    words = _tag(left)
    verb = ""
    if words and words[-1][1].startswith("v") and words[-1][1] != "vn" and words[-1][0] not in _HAVE:
        verb = words[-1][0]
    # X包括A、B、C等5个项目: what is counted is X's
    for idx in range(len(words) - 1, 0, -1):
        if words[idx][0] in _ENUMERATE and idx >= 1:
            words = words[:idx]
            verb = ""
            break
    else:
        words = _have_object(words)
    out = ""
    for w, f in reversed(words):
        if len(out) + len(w) > _MAX and out:
            break
        out = w + out
    return _strip_start(out), verb


_ENUMERATE = ("包括", "包含", "涵盖", "分为", "分成", "涉及")


def _have_object(words):
    # the object of a 有/为/是 inside the clause: 系统目前有全国、北京市劳模 → 全国、北京市劳模
    for idx in range(len(words) - 1, 0, -1):
        w, f = words[idx]
        if w in _HAVE and f.startswith(("v", "d", "p")) and idx < len(words) - 1:
            tail = "".join(x for x, _ in words[idx + 1:])
            if all(tf.startswith("v") and tf != "vn" for _, tf in words[idx + 1:]):
                words = words[:idx] + words[idx + 1:]  # 培训班共举办 → 培训班举办: keep the subject
            elif len(tail) >= 2:
                words = words[idx + 1:]
            break
    return words


def _forces(text: str, fact: dict) -> bool:
    """Whether the word after this fact's unit must be the noun it counts (42家单位)."""
    written = text[fact["unit_start"]:fact["end"]]
    if fact["unit"] in ("%", "‰") or not written:
        return False
    return not any(written.startswith(u) for u in _SELF_STANDING if len(u) <= len(written)) or written[0] in "名位"


_ATTR_VERBS = ("来自", "具有", "拥有", "组成", "涵盖", "覆盖", "位于", "分布", "涉及", "包括", "包含", "隶属")
_DURATION = frozenset(("天", "小时", "个月", "年", "周", "分钟", "工作日", "星期", "学期"))
_DURATION_VERBS = ("仅用", "用了", "只用", "花了", "耗时", "历时", "为期", "长达", "经过", "用")


def _duration_metric(text: str, left: str, right: str) -> str | None:
    """仅用3天就讨回了工资 → 讨回工资用时; 为期两天的培训 → 培训时长."""
    left = left.rstrip()
    verb = next((v for v in _DURATION_VERBS if left.endswith(v)), None)
    if verb is None:
        return None
    r = right
    for w in ("的时间", "时间", "的", "就", "便", "即", "内", "后"):
        if r.startswith(w):
            r = r[len(w):]
    words = _tag(r)
    phrase = _verb_phrase(words)
    if not phrase:
        phrase, _ = _counted_noun(words, True)
    if not phrase:
        return None
    return phrase + ("时长" if verb in ("为期", "长达") else "用时")


def metric_for(text: str, fact: dict, facts: list[dict], i: int, lo: int, hi: int) -> str | None:
    """A short phrase for what ``fact`` counts, from the sentence ``text[lo:hi]``."""
    s, e = fact["start"], fact["end"]
    # clause: between commas, colons and semicolons inside the sentence
    a = s
    while a > lo and text[a - 1] not in "，,：:；;（(":
        a -= 1
    b = e
    while b < hi and text[b] not in "，,：:；;）)":
        b += 1
    # the left side starts after the previous fact of the same clause (a list member)
    if i > 0 and facts[i - 1]["end"] > a and facts[i - 1]["end"] <= s:
        prev_end = facts[i - 1]["end"]
        between = text[prev_end:s]
        if between.strip("、和及与或 \n") == "":
            a = s  # a list member: nothing of its own on the left
        else:
            # keep only what follows the previous member's noun
            a = prev_end
            sep = max(between.rfind("、"), between.rfind("和"), between.rfind("及"))
            if sep >= 0:
                a = prev_end + sep + 1
    nxt_start = facts[i + 1]["start"] if i + 1 < len(facts) else len(text)
    force = _forces(text, fact)
    right = _clean(text[e:min(b, nxt_start) if nxt_start > e else b])
    words = _tag(right)
    noun, k = _counted_noun(words, force)
    rest = words[k:]
    if words and (not noun or words[0][0] in _ATTR_VERBS) and any(w == "的" for w, _ in words[:16]):
        # 40余名来自各领域的专家参与评分, 12人组成的监督员队伍: the head noun after 的
        d = next(idx for idx, (w, _) in enumerate(words) if w == "的")
        head, k3 = _counted_noun(words[d + 1:], True)
        if head and not any(f == "m" for _, f in words[:d]):
            noun, rest = head, words[d + 1 + k3:]
    if not noun and rest and rest[0][0] == "的":
        noun, k2 = _counted_noun(rest[1:], True)
        rest = rest[1 + k2:]
    verb = ""
    seg = _clean(text[e:nxt_start]) if nxt_start < b else ""
    if seg and seg[-1] in "、和及与" and len(seg) <= 12:
        # a list member: take the predicate after the last member of the list
        j = i
        while j + 1 < len(facts) and facts[j + 1]["start"] < b:
            j += 1
        tail = _clean(text[facts[j]["end"]:b])
        tw = _tag(tail)
        _, k2 = _counted_noun(tw, _forces(text, facts[j]))
        verb = _verb_phrase(tw[k2:])
    elif rest:
        if rest[0][0] == "的" and len(rest) > 1:
            rest = rest[1:]
        verb = _verb_phrase(rest)
    if not verb and nxt_start < b:
        # 55家单位的工会主席等150余人参加了培训: the clause's predicate, after its last figure
        j = i
        while j + 1 < len(facts) and facts[j + 1]["start"] < b:
            j += 1
        tw = _tag(_clean(text[facts[j]["end"]:b]))
        _, k2 = _counted_noun(tw, _forces(text, facts[j]))
        verb = _verb_phrase(tw[k2:])
    left = _clean(text[a:s])
    if fact["unit"] in _DURATION:
        dm = _duration_metric(text, left, right)
        if dm:
            return dm
    left_np, left_verb = _left_phrase(left)
    noun = _strip_end(noun) if len(noun) > 2 else noun
    fact["noun"] = noun or None  # for the figures after it that count the same thing
    if noun:
        if verb and left_verb and len(left_verb) + len(noun) + len(verb) <= _MAX and verb == _clean(right[len(noun):]):
            fact["noun"] = f"{noun}{verb}"
            return f"{left_verb}{noun}{verb}"  # 发放328份卫生达标责任书: the verb is attributive
        if verb:
            return f"{verb}的{noun}"
        if left_verb:
            return f"{left_verb}{noun}"
        if len(noun) < 3 and left_np:
            return f"{left_np}{noun}"[-_MAX:]
        return noun
    if verb and left_np:
        return f"{verb}的{left_np}"
    if left_np:
        return left_np
    if verb:
        return verb
    # a figure standing alone after another (500人次,1000盒): what the previous one counts
    return None
