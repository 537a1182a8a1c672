"""Every fee the contract charges: name, category, amount or rate, how and to whom it is paid.

A fee is found wherever it is named — in prose, in a key-terms table, in a fee table —
and its mentions are merged. A mention under a negation (不收取任何服务费, 服务费：免收)
does not make a fee; a negated *deduction* (会员费…不从借款本金中扣除) still does.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Optional

from ..models import Fee
from .clauses import negation_before
from .numbers import find_money, find_rates
from .tables import Row, rows
from .view import View
from .vocab import alternation, vocabulary

_PARTY_PREFIXES = ("甲方", "乙方", "丙方", "丁方", "借款人", "贷款人", "出借人", "平台", "您", "我们", "本行", "本公司")
_NOT_PREFIX = {"首期", "每期", "当期", "该项", "本项", "此项", "各期", "末期", "逾期"}
# words after which a fee's own name begins (支付|平台服务费, 知悉|技术服务费, 的|逾期催收服务费)
_STOP_WORDS = ("各期", "当期", "首期", "以前", "以后", "剩余", "已付", "已支付", "已收取", "未到期", "后续", "支付", "收取", "缴纳", "交纳", "承担", "扣除", "扣收", "知悉", "了解", "确认", "同意", "说明", "告知",
               "查询", "退还", "返还", "上述", "其他", "各项", "全部", "任何", "每期", "每月", "共计", "应当", "需要",
               "以及", "包括", "免收", "不收", "名义", "另行", "退", "还", "的", "和", "及", "与", "或", "、", "向", "按",
               "由", "为", "是", "将", "从", "在", "于", "给", "把", "被", "对", "就", "并", "也", "都", "即", "以", "均",
               "中", "含", "无", "不", "免", "该", "此", "其", "另", "再", "付", "交", "应", "需", "须", "后", "时", "零")


def _trim_prefix(prefix: str) -> str:
    """Cut a regex hit's prefix after the last stop word: what stays is part of the name."""
    cut = 0
    for w in _STOP_WORDS:
        k = prefix.rfind(w)
        if k != -1:
            cut = max(cut, k + len(w))
    return prefix[cut:]
_CROSS_REF = re.compile(r"[按见依据照]第[一二三四五六七八九十百\d]+[条章部节款项]")
_LENDER_PAYS = re.compile(r"用?\s*(?:均|全部|概)?由(?:贷款人|出借人|甲方|本行|我行|银行|贷款方|我司|本公司|平台|经销商|商户|出租方)"
                          r"(?:与[^\s，。；,]{1,8}?)?(?:自行|另行)?(?:承担|支付|负担|缴纳|结算)")
_LIST_TAIL = re.compile(r"(?:\s*[、和及与或]\s*[\u4e00-\u9fffA-Za-z]{1,10}?费用?)*")
_PAYEE = re.compile(r"(?:向|支付给|支付予|划转给|划转至|划付给|支付至)([^\s，。；、,]{2,16}?)(?:支付|收取|指定|账户|所有|$|，|。)"
                    r"|由([^\s，。；、,]{2,16}?)(?:收取|向)")
_ORDINAL_PARTY = re.compile(r"([甲乙丙丁戊])方\s*[（(]([^）)]{1,16})[）)]\s*[：:]?\s*([^\s，。；（(]{0,40})")
_LABEL_PARTY = re.compile(r"(出借人|贷款人|平台方|平台服务方|担保人|担保方|保险人|服务方)\s*[：:]\s*([^\s，。；（(]{2,40})")


@dataclass
class Mention:
    name: str
    category: str
    start: int
    end: int
    negated: bool = False
    amount: Optional[float] = None
    amount_total: Optional[float] = None
    rate: Optional[float] = None
    rate_basis: Optional[str] = None
    formula: Optional[str] = None
    charged: Optional[str] = None
    payee: Optional[str] = None
    placeholder: bool = False
    text: str = ""
    table: bool = False
    charging: bool = True
    example: bool = False
    aside: bool = False   # named in passing (除…外, 定义) rather than where it is charged
    summary: bool = False  # a key-terms line (- **X费**：268元, | X费 | …|) rather than the clause


@dataclass
class Parties:
    roles: dict[str, str] = field(default_factory=dict)   # "丙方" / company name → role

    def role_of(self, who: str) -> Optional[str]:
        who = who.strip()
        for key, role in self.roles.items():
            if key and (who.startswith(key) or key.startswith(who) and len(who) >= 2):
                return role
        payees = vocabulary()["fees"]["payees"]
        for role, words in payees.items():
            if any(w in who for w in words):
                return role
        return who if len(who) >= 4 else None


def parties(view: View) -> Parties:
    v = vocabulary()["parties"]

    def role_for(label: str) -> Optional[str]:
        for role in ("guarantor", "insurer", "platform", "lender"):
            if any(w in label for w in v[role]):
                return role
        return None

    p = Parties()
    head = view.text[:3000]
    for m in _ORDINAL_PARTY.finditer(head):
        role = role_for(m.group(2))
        if role:
            p.roles.setdefault(m.group(1) + "方", role)
            if m.group(3):
                p.roles.setdefault(m.group(3), role)
    for m in _LABEL_PARTY.finditer(head):
        role = role_for(m.group(1))
        if role:
            p.roles.setdefault(m.group(2), role)
    return p


def fee_name(match_text: str) -> Optional[tuple[str, str]]:
    """The fee's own name from a regex hit (which may carry a verb in front) + category."""
    v = vocabulary()
    names = v.fee_names
    match_text = match_text.replace("“", "").replace("”", "")
    if match_text in names:
        return match_text, names[match_text]
    for known in sorted(names, key=len, reverse=True):
        if match_text.endswith(known):
            prefix = _trim_prefix(match_text[: -len(known)])
            if prefix and (prefix.isascii() and prefix.isalnum() or 2 <= len(prefix) <= 4) and prefix not in _NOT_PREFIX \
                    and not prefix.startswith(_PARTY_PREFIXES):
                cat = names[known]
                if "逾期" in prefix or "催收" in prefix:
                    cat = "late_payment"
                elif "提前" in prefix:
                    cat = "prepayment"
                return prefix + known, cat   # GPS服务费, 提额手续费, 额度管理费, 逾期催收服务费
            return known, names[known]
    name = match_text
    for suffix in sorted(v["fees"]["generic"]["suffixes"], key=len, reverse=True):
        if name.endswith(suffix):
            name = _trim_prefix(name[: -len(suffix)]) + suffix
            break
    generic = v["fees"]["generic"]
    if not any(name.endswith(s) for s in generic["suffixes"]):
        return None
    for kw, cat in generic["category_keywords"].items():
        if kw in name:
            return name, cat
    return name, "other"


def _fee_hits(view: View, a: int, b: int) -> list[tuple[int, int, str, str]]:
    v = vocabulary()
    t = view.text
    out = []
    not_fees = v.not_fee_re
    blanks = [(p.start(), p.end()) for p in v.placeholder_re.finditer(t, a, b)]
    for m in v.fee_name_re.finditer(t, a, b):
        if any(x <= m.start() < y for x, y in blanks):
            continue  # {月管理费}: the name of a template field, not a fee
        if m.end() < len(t) and t[m.end()] == "率":
            continue
        got = fee_name(m.group())
        if got is None:
            continue
        name, cat = got
        start = m.end() - len(name) - (2 if "”" in m.group() else 0)
        nf = not_fees.search(t, max(0, start - 3), min(len(t), m.end() + 2))
        if nf and nf.start() <= start < nf.end() or nf and start <= nf.start() < m.end() and nf.group() not in name:
            continue
        if nf and nf.group() == name:
            continue
        out.append((start, m.end(), name, cat))
    return out


# ---------------------------------------------------------------- fee tables

_NOT_TABLE_FEE = ("利息", "利率", "合计", "总计", "小计", "本金", "成本", "项目", "其他", "罚息", "总额", "费用合计")
_TABLE_NAME = ("费用项目", "费用名称", "收费项目", "息费项目", "项目", "名称")
_TABLE_AMOUNT = ("合计", "总额", "金额（元）", "费用金额", "收费金额", "金额")
_TABLE_PER_PERIOD = ("每期金额", "每期", "月费", "每月金额")
_TABLE_STANDARD = ("计算标准", "收费标准", "收取标准", "标准", "费率", "计费方式")
_TABLE_TIME = ("收取时间", "收取方式", "支付方式", "支付时间", "收费方式", "收取频率", "缴纳方式")
_TABLE_PAYEE = ("收取方", "收费主体", "收取主体", "收款方", "收取机构", "收费方")


def _col(header: list[str], words: tuple[str, ...]) -> Optional[int]:
    for w in words:
        for i, h in enumerate(header):
            if w in h:
                return i
    return None


def _table_mentions(view: View, ps: Parties) -> tuple[list[Mention], list[tuple[int, int]]]:
    out: list[Mention] = []
    spans: list[tuple[int, int]] = []
    header = None
    cols = None
    last_line = -2
    for row in rows(view):
        texts = row.texts
        name_col = _col(texts, _TABLE_NAME)
        amount_col = _col(texts, _TABLE_AMOUNT)
        std_col = _col(texts, _TABLE_STANDARD)
        if name_col is not None and (amount_col is not None or std_col is not None) and len(texts) >= 3:
            header = texts
            per_col = _col(texts, _TABLE_PER_PERIOD)
            if per_col == amount_col:
                amount_col = next((i for i, h in enumerate(texts) if i != per_col and any(
                    w in h for w in _TABLE_AMOUNT)), None)
            cols = (name_col, amount_col, std_col, _col(texts, _TABLE_TIME), _col(texts, _TABLE_PAYEE), per_col)
            last_line = row.line
            continue
        if header is None or row.line > last_line + 3:
            header = None
            continue
        last_line = row.line   # wrapped cells continue on the next line: keep the table open
        if len(texts) != len(header):
            continue
        n, am, sd, tm, py, pp = cols
        hits = _fee_hits(view, row.cells[n].start, row.cells[n].end)
        own_name = re.sub(r"\*\*|`", "", texts[n]).strip()
        if not hits:
            # a fee table names its items; 极速审核加速包 is one even without 费 in its name
            if not own_name or any(w in own_name for w in _NOT_TABLE_FEE) or len(own_name) > 16 \
                    or re.search(r"[，。；：:、/\s\d]", own_name):
                continue
            cat = next((c for kw, c in vocabulary()["fees"]["generic"]["category_keywords"].items()
                        if kw in own_name), "other")
            hits = [(row.cells[n].start, row.cells[n].end, own_name, cat)]
        start, end, name, cat = hits[-1]
        cell = row.cells[n]
        own = re.sub(r"\*\*|`", "", cell.text).strip()
        if own.endswith(name) and len(own) <= 16 and not re.search(r"[，。；：:、\s]", own):
            start, name = cell.start + cell.text.find(own), own  # the table's own name for it
        spans.append((row.start, row.end))
        m = Mention(name, cat, start, end, table=True, text=view.excerpt(row.start, row.end))
        std_text = texts[sd] if sd is not None else ""
        amt_text = texts[am] if am is not None else ""
        others = [c.strip().lstrip("¥￥") for i, c in enumerate(texts) if i != n and c.strip()]
        if _negated_after().match(std_text) or _negated_after().match(amt_text.lstrip("¥￥ ")) and not find_rates(std_text) \
                or (others and _negated_after().match(others[0])):
            m.negated = True
            out.append(m)
            continue
        if am is not None:
            money = find_money(view.text, row.cells[am].start, row.cells[am].end, bare=True)
            if money:
                m.amount_total = money[0].value
            elif vocabulary().placeholder_re.search(amt_text):
                m.placeholder = True
        if sd is not None and vocabulary().placeholder_re.search(std_text) and not find_money(
                view.text, row.cells[sd].start, row.cells[sd].end):
            m.placeholder = True   # 每期【　　】元
        if sd is not None:
            rates = find_rates(view.text, row.cells[sd].start, row.cells[sd].end)
            if rates:
                m.rate = rates[0].value
                m.rate_basis = _basis(std_text)
                m.formula = std_text
            money = find_money(view.text, row.cells[sd].start, row.cells[sd].end)
            if money and ("每期" in std_text or "/期" in std_text or "每月" in std_text):
                m.amount = money[0].value
            elif money and m.amount_total is None:
                m.amount_total = money[0].value
        if pp is not None:
            per = find_money(view.text, row.cells[pp].start, row.cells[pp].end, bare=True)
            if per:
                m.amount = per[0].value
        when = " ".join(texts[i] for i in (tm, sd) if i is not None)
        m.charged = _charged(when, cat)
        if m.charged in ("deducted", "upfront", "at_maturity", None) and m.amount is None:
            m.amount, m.amount_total = m.amount_total, None
        if py is not None:
            m.payee = ps.role_of(texts[py]) if texts[py].strip("—- ") else None
        out.append(m)
    return out, spans


# ---------------------------------------------------------------- prose


def _basis(s: str) -> Optional[str]:
    if "剩余本金" in s or "未还本金" in s:
        return "outstanding_principal"
    if "本金" in s or "借款金额" in s or "贷款金额" in s:
        per = any(w in s for w in ("每期", "/期", "按月", "每月", "/月"))
        return "principal_per_period" if per else "principal"
    if "逾期" in s or "应还未还" in s:
        return "event"
    return None


def _charged(s: str, category: str) -> Optional[str]:
    c = vocabulary()["fees"]["context"]
    if category in ("late_payment", "prepayment"):
        return "on_event"
    neg_deduction = any(w in s for w in c["deduction_negation"])
    per_installment = any(w in s for w in c["per_installment"])
    deduction = any(w in s for w in c["deducted"]) or (
        not per_installment and any(w in s for w in c["deducted_weak"]))
    if not neg_deduction and deduction and any(w in s for w in c["deducted_from"]):
        return "deducted"
    if any(w in s for w in c["at_maturity"]):
        return "at_maturity"   # 随最后一期还款一次性支付: one payment, at the end
    if any(w in s for w in c["upfront"]):
        return "upfront"
    if per_installment:
        return "per_installment"
    if any(w in s for w in c["on_event"]):
        return "on_event"
    return None


def _prose_mentions(view: View, ps: Parties, skip: list[tuple[int, int]]) -> list[Mention]:
    from .schedule import example_spans
    t = view.text
    out = []
    examples = example_spans(view)
    hits = _fee_hits(view, 0, len(t))
    for k, (start, end, name, cat) in enumerate(hits):
        if any(a <= start < b for a, b in skip):
            continue
        s, e = view.sentence_at(start)
        cs, ce = view.clause_at(start)
        name, cat = _qualified(name, cat, t[s:e])
        alias = _alias_of(t, hits, k, s)
        if alias is not None:
            name, cat = alias  # 信用评估费是…的评估服务费用: the same fee described again
        m = Mention(name, cat, start, end, text=view.excerpt(s, e),
                    example=any(a <= start < b for a, b in examples),
                    aside=bool(re.search(r"(?<![扣删排解免])除", t[s:start])) or "指" in t[s:start][:12]
                    or bool(_CROSS_REF.search(t[cs:min(ce, end + 4)])),
                    summary=_summary_line(view, start))
        neg = negation_before(t, cs, start, [(h[0], h[1]) for h in hits if cs <= h[0] < start])
        tail = _LIST_TAIL.match(t, end, ce).end()  # 服务费、账户管理费、担保费：均不收取
        if _LENDER_PAYS.match(t, tail, min(e, tail + 16)):
            m.negated = True   # 登记费用由贷款人承担: not the borrower's cost
            out.append(m)
            continue
        zero = start > 0 and t[start - 1] in "0零" and not (start > 1 and t[start - 2].isdigit())  # 0服务费
        if zero or neg is not None or _negated_after().match(t[tail:min(ce, tail + 10)]) or _negated_in_row(view, start) \
                or _quoted_under_negation(t, s, start, end):
            m.negated = True
            out.append(m)
            continue
        nxt = [h[0] for h in hits[k + 1:] if h[0] < e and h[2] != name]
        seg_end = min([ce] + nxt)
        if seg_end == ce and not nxt:
            # 担保服务费，按支用金额的0.4%按月计收，即每期32.00元: the clauses that go on
            # describing the fee belong to it
            for _ in range(4):
                if seg_end >= e or not _continues(t[seg_end + 1:e]):
                    break
                seg_end = max(seg_end + 1, min(e, _clause_end(t, seg_end + 1, e)))
        seg = t[end:seg_end]
        ph = vocabulary().placeholder_re.search(t, end, seg_end)
        money = find_money(t, end, seg_end)
        if ph and (not money or ph.start() < money[0].start) and re.search(r"[元%]", t[ph.end():ph.end() + 2] + ph.group()):
            m.placeholder = True
        sentence = t[s:e]
        # how it is charged: read from this item on (a 、-list item does not inherit the
        # verbs of the items before it: 利息预先扣除、资料审核费 …)
        scope_start = max(cs, t.rfind("、", cs, start) + 1)
        scope = t[scope_start:e]
        if end < e and t[end] in "、及和与或":  # nor the items after it
            list_end = min([x for x in (t.find(p, end, e) for p in "，。；") if x != -1] + [e])
            scope = t[scope_start:end] + t[list_end:e]
        for mo in money:
            before = t[max(end, mo.start - 6):mo.start]
            if any(w in t[max(end, mo.start - 12):mo.start] for w in vocabulary()["fees"]["context"]["not_the_fee"]):
                continue   # …扣除权益卡费用后的余额，即5,502.00元: what is left, not the fee
            if any(w in before for w in ("共计", "合计", "总计", "累计", "总额")):
                m.amount_total = m.amount_total or mo.value
            elif m.amount is None:
                m.amount = mo.value
        rates = find_rates(t, end, seg_end)
        if rates:
            m.rate = rates[0].value
            m.rate_basis = _basis(seg) or _basis(sentence)
        if _is_formula(sentence):
            m.formula = view.excerpt(s, e)
        m.charged = _charged(scope, cat)
        m.charging = (m.amount is not None or m.rate is not None or m.placeholder or m.amount_total is not None
                      or any(w in scope for w in vocabulary()["fees"]["context"]["charging"]))
        if any(w in sentence for w in vocabulary()["fees"]["context"]["general_remark"]):
            m.charging = False
        if m.rate is not None and m.rate_basis is None and m.charged == "on_event":
            m.rate_basis = "event"
        m.payee = _payee(sentence, ps)
        out.append(m)
    return out


_CONTINUATION = re.compile(r"\s*(?:每期|每月|每笔|按月|即|为|金额|费用为|标准为|共计|共|合计|计|按|人民币|RMB|[¥￥\d]|收费标准|费率)")


_SUMMARY = re.compile(r"^\s*(?:[-*•■□◆▶·]|\|)")


def _summary_line(view: View, pos: int) -> bool:
    from .tables import split_row
    a, b = view.lines[view.line_of(pos)]
    return bool(_SUMMARY.match(view.text[a:b])) or split_row(view, a, b) is not None


def _alias_of(t: str, hits, k: int, s: int) -> Optional[tuple[str, str]]:
    start = hits[k][0]
    for j in range(k - 1, -1, -1):
        a, b, name, cat = hits[j]
        if a < s:
            return None
        between = t[b:start]
        if name != hits[k][2] and "，" not in between and re.search(r"^[*\s]*(?:是|系|指|即|为)", between):
            return name, cat
        return None
    return None


def _continues(clause: str) -> bool:
    """``担保费，每期80.00元`` — the next clause still gives the fee's amount."""
    return bool(_CONTINUATION.match(clause))


def _clause_end(t: str, a: int, e: int) -> int:
    j = t.find("，", a, e)
    return e if j == -1 else j


def _qualified(name: str, cat: str, sentence: str) -> tuple[str, str]:
    for keyword, full in vocabulary()["fees"].get("qualified", {}).get(name, []):
        if keyword in sentence:
            return full, vocabulary().fee_names.get(full, cat)
    return name, cat


def _negated_in_row(view: View, start: int) -> bool:
    """| 服务费 / 手续费 | 无（均不收取） |: the value cell after the name says it is not charged."""
    from .tables import split_row
    k = view.line_of(start)
    a, b = view.lines[k]
    row = split_row(view, a, b)
    if row is None:
        return False
    for i, cell in enumerate(row.cells):
        if cell.start <= start < cell.end + 1:
            rest = [c.text for c in row.cells[i + 1:] if c.text.strip()]
            return bool(rest) and bool(_negated_after().match(rest[0]))
    return False


def _quoted_under_negation(t: str, s: int, start: int, end: int) -> bool:
    """不会…收取“手续费”“保证金”, 以…名义收取“手续费”的均为诈骗: a quoted fee name in a
    warning is not a charge."""
    opening = max(t.rfind(q, max(0, start - 8), start) for q in "“\"「『")
    if opening == -1 or any(q in t[opening + 1:start] for q in "”\"」』") or end >= len(t) \
            or t[end] not in "”\"」』":
        return False
    sentence_end = t.find("。", end)
    sentence = t[s:sentence_end if sentence_end != -1 else len(t)]
    return any(n in sentence for n in ("不", "无", "未", "严禁", "禁止", "谨防", "警惕", "诈骗", "冒充", "骗", "举报",
                                       "拒绝", "投诉", "报警"))


def _is_formula(s: str) -> bool:
    """按执行利率上浮50%计收, 按罚息利率计收复利: a way to compute the amount. "按实际收取的
    金额结算" names no rate and is not one."""
    s = s.replace("**", "").replace("__", "")   # Markdown emphasis is not a multiplication sign
    has_base = any(w in s for w in ("利率", "%", "‰", "万分之", "千分之", "百分之", "×", "*", "倍", "月息", "年息", "日息"))
    has_verb = any(w in s for w in ("计收", "计算", "收取", "加收", "上浮", "计付", "支付", "承担"))
    written = bool(re.search(r"[＝=][^，。；]{0,30}[×*][^，。；]{0,20}\d", s))  # 服务费＝借款本金×0.5%×借款月数
    return ("按" in s and has_base and has_verb) or written


def _payee(sentence: str, ps: Parties) -> Optional[str]:
    m = _PAYEE.search(sentence)
    if m:
        who = m.group(1) or m.group(2)
        role = ps.role_of(who)
        if role:
            return role
    return None


# ---------------------------------------------------------------- merge


def find_fees(view: View, installments: Optional[int]) -> list[Fee]:
    ps = parties(view)
    table, spans = _table_mentions(view, ps)
    prose = _prose_mentions(view, ps, spans)
    mentions = sorted(table + prose, key=lambda m: m.start)
    groups: dict[str, list[Mention]] = {}
    for m in mentions:
        groups.setdefault(m.name, []).append(m)
    # 服务费 alone usually refers back to the one named service fee (平台服务费)
    for short in sorted(groups, key=len):
        longer = [n for n in groups if n != short and n.endswith(short)
                  and groups[n][0].category == groups[short][0].category
                  and any(not x.negated and x.charging for x in groups[n])]
        if len(longer) == 1:
            groups[longer[0]].extend(groups.pop(short))
    _merge_same_charge(groups)
    generic = set(vocabulary()["fees"]["generic"]["suffixes"]) | {"保费", "费用"}
    for short in [n for n in groups if n in generic]:
        if short not in groups:
            continue
        cat = groups[short][0].category
        same = [n for n in groups if n != short and groups[n][0].category == cat
                and any(not x.negated and x.charging for x in groups[n])]
        if len(same) == 1 and _figures_agree(groups[short], groups[same[0]]):
            groups[same[0]].extend(groups.pop(short))
    fees = []
    for name, ms in groups.items():
        live = [m for m in ms if not m.negated]
        if not live or not any(m.charging for m in live):
            continue
        if name in vocabulary().legal_costs and not any(m.amount is not None or m.rate is not None for m in live):
            continue  # 诉讼费、律师费… listed among the costs of enforcing the debt
        live.sort(key=lambda m: (m.table, m.start))
        real = [m for m in live if not m.example] or live
        # a clause that also illustrates (…（按3.85%测算即年利率7.70%）计收罚息) still says
        # how the fee is charged when no other mention does
        charged = _vote_charged(real) or _vote_charged(live)
        # point at the clause that shows how it is charged (the deduction, for D502)
        pool = [m for m in live if charged and m.charged == charged] or live
        def where(m):
            valueless = m.amount is None and m.rate is None and not m.placeholder
            # a priced fee points at its defining clause; an unpriced one where it is first named
            return valueless, m.aside, (m.table or m.summary) and not valueless, m.start
        first = min(pool, key=where)
        fee = Fee(name=name, category=live[0].category, text=first.text,
                  location=view.loc(first.start))
        live = real
        amount_per = [m.amount for m in live if m.amount is not None and m.charged == "per_installment"]
        fee.charged = charged
        fee.amount = (amount_per[0] if amount_per and fee.charged == "per_installment"
                      else _first(m.amount for m in live))
        fee.amount_total = _first(m.amount_total for m in live)
        fee.rate = _first(m.rate for m in live)
        fee.rate_basis = _first(m.rate_basis for m in live if m.rate is not None)
        fee.formula = _first(m.formula for m in live + [m for m in ms if m.example and not m.negated])
        fee.payee = _first(m.payee for m in live)
        fee.placeholder = any(m.placeholder for m in live) and fee.amount is None
        if fee.charged == "per_installment" and fee.amount is None and fee.amount_total and installments:
            fee.amount = round(fee.amount_total / installments, 2)
        if fee.charged == "per_installment" and fee.amount is not None and fee.amount_total is None and installments:
            fee.amount_total = round(fee.amount * installments, 2)
        if fee.charged is None and fee.category in ("late_payment", "prepayment"):
            fee.charged = "on_event"
        fees.append(fee)
    fees.sort(key=lambda f: (f.location.page or 0, f.location.line, f.location.column))
    return fees


@lru_cache(maxsize=1)
def _negated_after() -> re.Pattern:
    """服务费：免收 / 年费、取现手续费：本业务项下不收取 / | 服务费 | 0元 |: the fee is not charged."""
    c = vocabulary()["fees"]["context"]
    return re.compile(r"^[\s:：—\-|为均亦也]*(?:(?:%s)(?:项下)?[\s均亦也]*)?(%s|0(?:\.0+)?\s*元?(?![\d.]))"
                      % (alternation(c["negation_scope"]), alternation(c["negated_after"])))


def _figures_agree(a: list[Mention], b: list[Mention]) -> bool:
    """担保费 (0.3%, 60.00 a month) is not the 风险保障金 (1%, 200.00) of the same category: a
    generic name priced on its own, with figures the other fee never has, is a fee of its own."""
    def figures(ms):
        return {round(v, 6) for m in ms if not m.negated for v in (m.amount, m.amount_total, m.rate) if v is not None}
    fa, fb = figures(a), figures(b)
    return not fa or not fb or bool(fa & fb)


def _merge_same_charge(groups: dict[str, list[Mention]]) -> None:
    """保证保险费 (fee table) and 个人借款保证保险保险费 (prose), both insurance, both 400.00
    deducted: one fee under two names, which must not be counted twice in the APR."""
    def key(ms):
        live = [m for m in ms if not m.negated]
        amounts = {m.amount for m in live if m.amount is not None} | {m.amount_total for m in live if m.amount_total}
        return live[0].category if live else None, amounts
    names = sorted(groups, key=lambda n: (not any(m.table for m in groups[n]), len(n)))
    for i, a in enumerate(names):
        if a not in groups:
            continue
        cat_a, amt_a = key(groups[a])
        for b in names[i + 1:]:
            if b not in groups or cat_a is None:
                continue
            cat_b, amt_b = key(groups[b])
            if cat_a == cat_b and amt_a and amt_a & amt_b and cat_a not in ("late_payment", "prepayment", "other"):
                groups[a].extend(groups.pop(b))


def _vote_charged(mentions: list[Mention]) -> Optional[str]:
    """How a fee is charged, by weight of evidence: the clause that defines it (with its
    amount or rate) and the fee table count more than passing references; a reference in a
    default or prepayment clause does not make a regular fee an event fee."""
    votes: dict[str, float] = {}
    for m in mentions:
        if m.charged is None:
            continue
        weight = 3.0 if (m.amount is not None or m.rate is not None or m.amount_total is not None) else 1.0
        if m.table:
            weight = max(weight, 2.0)
        if m.charged == "on_event" and m.category not in ("late_payment", "prepayment", "other"):
            weight *= 0.25
        votes[m.charged] = votes.get(m.charged, 0.0) + weight
    if not votes:
        return None
    first_seen = {c: i for i, c in reversed(list(enumerate(m.charged for m in mentions)))}
    return max(votes, key=lambda c: (votes[c], -first_seen.get(c, 0)))


def _first(values):
    for v in values:
        if v is not None:
            return v
    return None


def regular(fee: Fee) -> bool:
    """Charged in the normal course of the loan (not only on default, prepayment or some other
    event): the fees a cost breakdown must list."""
    return fee.charged in ("deducted", "upfront", "per_installment", "at_maturity") and \
        fee.category not in ("late_payment", "prepayment")


def fee_names_in(view: View, a: int, b: int) -> list[tuple[str, bool, bool, str]]:
    """Fee names listed in ``[a, b)``: (name, negated there, given with an amount or rate there,
    category)."""
    out = []
    t = view.text
    ph = vocabulary().placeholder_re
    for start, end, name, _ in _fee_hits(view, a, b):
        k = view.line_of(start)
        la, lb = view.lines[k]
        cs, ce = view.clause_at(start)
        table = view.text[la:lb].count("|") >= 2 or "  " in view.text[la:lb].strip()
        rest_end = max(ce, lb) if table else ce
        if not table and ce < len(t) and t[ce] == "，" and _continues(t[ce + 1:ce + 12]):
            rest_end = _clause_end(t, ce + 1, view.sentence_at(start)[1])
        valued = bool(find_money(t, end, rest_end, bare=table) or find_rates(t, end, rest_end) or ph.search(t, end, rest_end)
                      or any(w in t[end:rest_end] for w in vocabulary()["fees"]["context"]["formula_reference"]))
        cs, ce = view.clause_at(start)
        neg = negation_before(view.text, max(a, cs), start) == "fee" or bool(
            _negated_after().match(view.text[end:min(ce, end + 8)])) or bool(
            _negated_after().match(re.sub(r"^\s*\|?\s*[^|]*\|", "", view.text[end:min(b, end + 30)]) or ""))
        out.append((name, neg, valued or neg, _))
    return out


def names_match(a: str, b: str, cat_a: str = "", cat_b: str = "") -> bool:
    """Same fee: one name contains the other, or same category where one name is the
    category's generic word (保险费 ~ 意外伤害保险保费)."""
    if a == b or a in b or b in a:
        return True
    generic = set(vocabulary()["fees"]["generic"]["suffixes"]) | {"保费", "费用"}
    return bool(cat_a) and cat_a == cat_b and (a in generic or b in generic)
