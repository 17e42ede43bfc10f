"""Table-driven cases for the facts extractor: numbers, units, qualifiers, exclusions, lists.

Each case is a sentence and the facts it must give, written as "value unit qualifier"
(value_max after a slash for ranges); a sentence that must give no fact expects [].
"""

from __future__ import annotations

import itertools

import pytest

from reportmine.facts import find_facts
from reportmine.facts.units import canonical_unit


def _facts(text: str) -> list[str]:
    out = []
    for f in find_facts(text):
        v = f["value"]
        s = f"{v:g} {f['unit']} {f['qualifier']}"
        if f["value_max"] is not None:
            s = f"{v:g}/{f['value_max']:g} {f['unit']} {f['qualifier']}"
        out.append(s)
    return out


# ---------------------------------------------------------------- numbers × units
NUMBERS = [("3", 3), ("12", 12), ("150", 150), ("1,200", 1200), ("2.5", 2.5), ("１８", 18),
           ("两", 2), ("三", 3), ("十二", 12), ("二十五", 25), ("一百二十", 120), ("1.5万", 15000),
           ("3千", 3000)]
UNITS = [("家", "家", "单位"), ("支", "支", "代表队"), ("名", "人", "职工"), ("位", "人", "专家"),
         ("人", "人", ""), ("人次", "人次", ""), ("个", "个", "项目"), ("项", "项", "成果"),
         ("场", "场", "讲座"), ("期", "期", "培训班"), ("户", "户", "困难职工"), ("份", "份", "问卷"),
         ("次", "次", "会议"), ("場", "场", "活动"), ("個", "个", "小组"), ("件", "件", "提案"),
         ("套", "套", "设备"), ("场次", "场次", "演出"), ("平方米", "平方米", "场地")]
CROSS = [(n, v, u, c, noun) for (n, v), (u, c, noun) in itertools.product(NUMBERS, UNITS)
         if not (isinstance(v, float) and not float(v).is_integer() and c in ("人", "家", "支"))]


@pytest.mark.parametrize("num,value,unit,canon,noun", CROSS)
def test_number_and_unit(num, value, unit, canon, noun):
    text = f"今年工会共组织{num}{unit}{noun}参加了这项工作。"
    assert _facts(text) == [f"{value:g} {canon} exact"]


# ---------------------------------------------------------------- money
MONEY = [
    ("发放慰问金5万余元。", ["50000 元 more_than"]),
    ("发放慰问金5万元。", ["50000 元 exact"]),
    ("筹集资金1.2亿元。", ["1.2e+08 元 exact"]),
    ("投入经费300元。", ["300 元 exact"]),
    ("慰问困难职工，发放慰问金12.5万元。", ["125000 元 exact"]),
    ("资助金额达3千元。", ["3000 元 exact"]),
    ("投入资金近百万元。", ["1e+06 元 nearly"]),
    ("发放助学金十余万元。", ["100000 元 more_than"]),
    ("共计2,400元。", ["2400 元 exact"]),
    ("投入800万元用于建设。", ["8e+06 元 exact"]),
    ("共发放萬元慰问金。", []),
    ("发放慰问金3萬元。", ["30000 元 exact"]),
    ("筹集资金20千元。", ["20000 元 exact"]),
    ("为职工节约200元。", ["200 元 exact"]),
]


@pytest.mark.parametrize("text,expected", MONEY)
def test_money(text, expected):
    assert _facts(text) == expected


# ---------------------------------------------------------------- qualifiers
QUALIFIED = []
for num, value in [("150", 150), ("30", 30), ("两百", 200), ("1.2万", 12000)]:
    QUALIFIED += [
        (f"共有{num}余人参加培训。", f"{value:g} 人 more_than"),
        (f"共有{num}多人参加培训。", f"{value:g} 人 more_than"),
        (f"参加培训的职工{num}人以上。", f"{value:g} 人 more_than"),
        (f"超过{num}人参加培训。", f"{value:g} 人 more_than"),
        (f"近{num}人参加培训。", f"{value:g} 人 nearly"),
        (f"将近{num}人参加培训。", f"{value:g} 人 nearly"),
        (f"约{num}人参加培训。", f"{value:g} 人 about"),
        (f"大约{num}人参加培训。", f"{value:g} 人 about"),
        (f"参加培训的职工{num}人左右。", f"{value:g} 人 about"),
        (f"参加培训的职工不足{num}人。", f"{value:g} 人 less_than"),
        (f"参加培训的职工不到{num}人。", f"{value:g} 人 less_than"),
        (f"共有{num}名职工参加培训。", f"{value:g} 人 exact"),
    ]


@pytest.mark.parametrize("text,expected", QUALIFIED)
def test_qualifiers(text, expected):
    assert _facts(text) == [expected]


QUALIFIER_EDGES = [
    ("最近3天组织了培训。", ["3 天 exact"]),
    ("节约200元。", ["200 元 exact"]),
    ("受众人数达 6 千余人。", ["6000 人 more_than"]),
    ("历时近 4 个月。", ["4 个月 nearly"]),
    ("连续从事护林工作3年以上。", ["3 年 more_than"]),
    ("历时一个多月。", []),
    ("历时两个多月。", ["2 个月 more_than"]),
    ("检修30多辆电动车。", ["30 辆 more_than"]),
    ("开展活动60余场次。", ["60 场次 more_than"]),
    ("服务劳动者1万余人次。", ["10000 人次 more_than"]),
    ("站点占地约500平方米。", ["500 平方米 about"]),
    ("建立档案近 500 户。", ["500 户 nearly"]),
    ("培训十几个班组。", ["10/19 个 more_than"]),
    ("共有十来个单位参加。", ["10 个 more_than"]),
    ("比赛产生了四个三等奖。", ["4 个 exact"]),
    ("比赛产生了一个一等奖,二个二等奖,四个三等奖。", ["1 个 exact", "2 个 exact", "4 个 exact"]),
    ("荣获一项金奖。", ["1 项 exact"]),
    ("组织开展技术创新活动4年。", ["4 年 exact"]),
    ("共有500人上下。", ["500 人 about"]),
    ("开辟looo平方米的场地。", ["1000 平方米 exact"]),
    ("数十家单位参加。", ["10 家 more_than"]),
    ("上百人参加了活动。", ["100 人 more_than"]),
    ("几千名职工受益。", ["1000 人 more_than"]),
    ("二十几人报名。", ["20/29 人 more_than"]),
    ("分两期投资loo多万元。", ["2 期 exact", "1e+06 元 more_than"]),
    ("共5O0人参加。", ["500 人 exact"]),
    ("参加职工l00人。", ["100 人 exact"]),
]


@pytest.mark.parametrize("text,expected", QUALIFIER_EDGES)
def test_qualifier_edges(text, expected):
    assert _facts(text) == expected


# ---------------------------------------------------------------- percentages and ranges
PERCENT_RANGE = [
    ("回收率 92%。", ["92 % exact"]),
    ("回收率92％。", ["92 % exact"]),
    ("满意率达百分之九十二。", ["92 % exact"]),
    ("满意率达到百分之百。", ["100 % exact"]),
    ("满意率达百分之九十五点五。", ["95.5 % exact"]),
    ("投入资金三点五万元。", ["35000 元 exact"]),
    ("覆盖职工1万2千人。", ["12000 人 exact"]),
    ("覆盖职工两万三千余人。", ["23000 人 more_than"]),
    ("合格率为98.5%。", ["98.5 % exact"]),
    ("差错率控制在3‰以内。", ["3 ‰ less_than"]),
    ("出错率千分之五。", ["5 ‰ exact"]),
    ("建档率100%，体检率95%。", ["100 % exact", "95 % exact"]),
    ("增长了2个百分点。", ["2 个百分点 exact"]),
    ("每组3至5人。", ["3/5 人 exact"]),
    ("每组3-5人。", ["3/5 人 exact"]),
    ("每组3～5人。", ["3/5 人 exact"]),
    ("每组3人至5人。", ["3/5 人 exact"]),
    ("每次两三个小时。", ["2/3 小时 exact"]),
    ("每个班三四十人。", ["30/40 人 exact"]),
    ("来了五六百人。", ["500/600 人 exact"]),
    ("培训了一两个月。", ["1/2 个月 exact"]),
    ("覆盖10至20家单位。", ["10/20 家 exact"]),
]


@pytest.mark.parametrize("text,expected", PERCENT_RANGE)
def test_percent_and_range(text, expected):
    assert _facts(text) == expected


# ---------------------------------------------------------------- lists and shared units
LISTS = [
    ("全系统共有42家单位、56支代表队、224名选手报名参加。", ["42 家 exact", "56 支 exact", "224 人 exact"]),
    ("来自11家大型企业的28支队伍共140名选手参赛。", ["11 家 exact", "28 支 exact", "140 人 exact"]),
    ("男女职工分别为120、80人。", ["120 人 exact", "80 人 exact"]),
    ("男女职工分别为120和80人。", ["120 人 exact", "80 人 exact"]),
    ("三个班分别有30、40、50人。", ["3 个 exact", "30 人 exact", "40 人 exact", "50 人 exact"]),
    ("娱乐场所98家，游泳场所26家，洗浴48家。", ["98 家 exact", "26 家 exact", "48 家 exact"]),
    ("高起专30个、专升本49个，共有594名职工报名。", ["30 个 exact", "49 个 exact", "594 人 exact"]),
    ("开展普法宣传活动16场，举办法律培训讲座10场，发放法律宣传材料5000余份。",
     ["16 场 exact", "10 场 exact", "5000 份 more_than"]),
    ("叶酸发放 500 人次,1000 盒。", ["500 人次 exact", "1000 盒 exact"]),
    ("设立1个常驻窗口、N个随驻窗口和1个轮驻窗口。", ["1 个 exact", "1 个 exact"]),
    ("抽检30件;涂抹20件;采样10件。", ["30 件 exact", "20 件 exact", "10 件 exact"]),
    ("共有两家单位获评。", ["2 家 exact"]),
    ("慰问困难职工15户、劳模8人。", ["15 户 exact", "8 人 exact"]),
    ("一、二、三等奖分别为3、5、10名。", ["3 人 exact", "5 人 exact", "10 人 exact"]),
]


@pytest.mark.parametrize("text,expected", LISTS)
def test_lists(text, expected):
    assert _facts(text) == expected


# ---------------------------------------------------------------- exclusions
NOT_FACTS = [
    "2023年工会工作取得了较大成绩。",
    "二〇一一年三月十四日",
    "2011年3月14日印发",
    "黄卫发〔2011〕23号",
    "根据天工〔2019〕60号文件精神。",
    "第一阶段：宣传发动阶段（2011年3～4月）",
    "第二阶段：岗位练兵阶段（2011年5月～10月）",
    "10月31日至11月3日举行。",
    "上午8时30分开始。",
    "下午3点开会。",
    "首届比赛于11月1日～6日举办。",
    "围绕“十二五”规划总体目标。",
    "十三五期间取得成绩。",
    "开展以“三基三严”为重点的岗位练兵。",
    "开展“五小”创新活动。",
    "一把手负总责。",
    "增强“四个意识”、坚定“四个自信”、做到“两个维护”。",
    "坚持“两手抓”。",
    "常住65岁以上老人。",
    "65岁以上老人免费体检。",
    "联系电话：0576-84123456",
    "服务热线12351。",
    "1、全员参与原则。",
    "一、指导思想",
    "（二）工作原则",
    "3.讲求实效原则。",
    "获得第一名。",
    "荣获第三届技能大赛一等奖。",
    "获得前三名。",
    "构建起“15分钟服务圈”。",
    "进行二次供水设施检查。",
    "创卫三年规划。",
    "制定五年计划。",
    "千方百计方便患者就诊。",
    "这从一个侧面反映出初心。",
    "打了一个电话。",
    "把活动作为一项重点工作来抓。",
    "2 型糖尿病患者。",
    "《国家基本公共卫生服务规范(2004年版)》",
    "2023年度工作总结",
    "二〇二三年工作总结",
    "星期三下午",
    "坚持五位一体总体布局。",
    "推行一人一档管理。",
    "“1+N+1”模式",
    "有意向参与且条件成熟的单位不在少数。",
    "多次开展活动。",
    "十一大质控中心",
    "截止2023年10月底。",
    "2021—2023年的规划。",
    "第1名选手获奖。",
    "No.5号选手",
    "详见附件2。",
    "20__年度目标考核",
    "召开五届三次职工代表大会。",
    "我院第八届五次职工代表大会召开。",
    "五年来，工会不断加强自身建设。",
    "过去的五年，是医院发展史上极不平凡的五年。",
    "坚持“具有五种素养”、“处理五个关系”。",
    "对09年工作进行全面总结。",
    "第1页共2页",
    "庆祝全国总工会成立100周年。",
    "多个百万元级别的成果。",
    "108年8月1日开学。",
    "本合同一式四份。",
    "每页纸被切为11×19个碎片。",
    "上课达该学期三分之二。",
    "余额为111, 824.·05万元。",
    "推行一人一档。",
    "坚持三位一体。",
    "开辟logo设计专栏。",
    "II型糖尿病患者。",
    "20I5年度报告",
    "借鉴ISO9000标准。",
    "三番五次开展活动。",
    "惠及成千上万名职工。",
    "温暖千家万户。",
    "严格落实中央八项规定精神。",
    "为实现“两个一百年”奋斗目标。",
]


@pytest.mark.parametrize("text", NOT_FACTS)
def test_not_facts(text):
    assert _facts(text) == []


# ---------------------------------------------------------------- units are canonical
CANON = [("名", "人"), ("位", "人"), ("人", "人"), ("人次", "人次"), ("個", "个"), ("萬元", "元"),
         ("万元", "元"), ("亿元", "元"), ("億元", "元"), ("項", "项"), ("戶", "户"), ("場", "场"),
         ("％", "%"), ("家", "家"), ("支", "支"), ("万人次", "人次")]


@pytest.mark.parametrize("written,canon", CANON)
def test_canonical_unit(written, canon):
    assert canonical_unit(written) == canon


# ---------------------------------------------------------------- traditional characters and glosses
TRADITIONAL = [
    ("發放慰問金5萬餘元。", ["50000 元 more_than"]),
    ("共有12個單位參加。", ["12 个 exact"]),
    ("完成3項課題。", ["3 项 exact"]),
    ("慰問困難職工30戶。", ["30 户 exact"]),
    ("發放5萬(wàn)元慰問金。", ["50000 元 exact"]),
    ("舉辦講座10場。", ["10 场 exact"]),
    ("參加培訓兩百餘人。", ["200 人 more_than"]),
    ("約500人參加。", ["500 人 about"]),
    ("約(yuē)五百人次受益。", ["500 人次 about"]),
    ("參訓職工1,200餘(yú)人次。", ["1200 人次 more_than"]),
    ("慰問困難職工30戶(hù)。", ["30 户 exact"]),
    ("促成1269對師徒結對。", ["1269 对 exact"]),
    ("建成職工書屋3000畝。", ["3000 亩 exact"]),
]


@pytest.mark.parametrize("text,expected", TRADITIONAL)
def test_traditional(text, expected):
    assert _facts(text) == expected


def test_spans_are_exact():
    text = "全系统共有42家单位、56支代表队、224\n名选手报名参加，受众人数达 6 千余人，近 500 户。"
    facts = find_facts(text)
    assert [text[f["start"]:f["end"]] for f in facts] == ["42家", "56支", "224\n名", "6 千余人", "近 500 户"]
