"""How loanlint reads the ways Chinese contracts write numbers, names and negations."""
from __future__ import annotations

import pytest

from linter.extract.clauses import negation_before
from linter.extract.fees import fee_name
from linter.extract.numbers import find_money, find_rates, find_terms, parse_cn


@pytest.mark.parametrize("text,value", [
    ("人民币壹万元整", 10000.0), ("10,000.00元", 10000.0), ("1万元", 10000.0), ("¥5,000", 5000.0),
    ("RMB 8,000", 8000.0), ("人民币贰拾万元整", 200000.0), ("1.2万元", 12000.0), ("玖仟伍佰元整", 9500.0),
    ("壹拾万零伍佰元整", 100500.0), ("贰佰叁拾元伍角", 230.5), ("￥48500.00", 48500.0), ("5千元", 5000.0),
    ("１２，０００元".translate({0xFF10 + i: 0x30 + i for i in range(10)}), 12000.0),
])
def test_money(text, value):
    found = find_money(text)
    assert found and found[0].value == value


@pytest.mark.parametrize("text", ["JK2024080571271", "2024-05-01", "尾号1333", "第3期", "30天", "18%"])
def test_not_money(text):
    assert not find_money(text)


@pytest.mark.parametrize("text,value", [
    ("年化利率18%", 0.18), ("日利率0.05%", 0.0005), ("日息万分之五", 0.0005), ("月利率1.5%", 0.015),
    ("千分之三", 0.003), ("百分之十五", 0.15), ("1.5‰", 0.0015), ("百分之十二点五", 0.125),
    ("按未还金额的百分之二十一次性计付", 0.20),
])
def test_rates(text, value):
    found = find_rates(text)
    assert found and abs(found[0].value - value) < 1e-12


def test_terms_ignore_dates():
    found = find_terms("借款期限为6个月，自2025年4月15日起至2025年10月15日止，共6期")
    assert [(n, u) for _, _, n, u in found] == [(6, "month"), (6, "installment")]


@pytest.mark.parametrize("text,value", [("壹拾万", 100000), ("一万二千三百", 12300), ("十五", 15),
                                        ("三点五", 3.5), ("二〇二四", 2024)])
def test_chinese_numerals(text, value):
    assert parse_cn(text) == value


@pytest.mark.parametrize("hit,name", [
    ("支付平台服务费", "平台服务费"), ("知悉技术服务费", "技术服务费"), ("一次性支付GPS服务费", "GPS服务费"),
    ("由此产生的逾期催收服务费", "逾期催收服务费"), ("退还权益卡费用", "权益卡费用"), ("VIP加速包费用", "VIP加速包费用"),
])
def test_fee_names(hit, name):
    assert fee_name(hit)[0] == name


@pytest.mark.parametrize("clause,fee,reading", [
    ("乙方无需向丙方支付任何服务费", "服务费", "fee"),
    ("贷款人不收取手续费、账户管理费、承诺费及其他任何费用", "账户管理费", "fee"),
    ("本行不因办理展期或续贷收取手续费", "手续费", "fee"),
    ("会员费由您单独支付，不从借款本金中扣除", "会员费", None),
    ("放款时不从借款本金中扣收技术服务费", "技术服务费", "deduction"),
    ("乙方应向丙方支付平台服务费", "平台服务费", None),
    ("免收手续费但收取服务费", "服务费", None),
    ("如乙方不按时还款应支付罚息", "罚息", None),
])
def test_negation_scope(clause, fee, reading):
    assert negation_before(clause, 0, clause.find(fee)) == reading
