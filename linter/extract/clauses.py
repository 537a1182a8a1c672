"""Clause-level reading: word segmentation with a domain dictionary, negation scope.

jieba is used with loanlint's own dictionary (every phrase of vocabulary.toml), not
its 350,000-word default: loading that costs over a second per process, and in a
contract what decides a reading is the domain terms. The segmentation keeps
"不收取任何服务费" (negated fee) apart from "服务费…不从借款本金中扣除" (a fee whose
*deduction* is negated) and "个人消费贷款" (no fee at all).
"""
from __future__ import annotations

import io
import sys
from functools import lru_cache

from .vocab import vocabulary

_DOMAIN_FREQ = 100000


def _import_jieba():
    # jieba imports pkg_resources only to locate its own default dictionary, which we
    # never load; blocking it saves ~70 ms of start-up per process.
    blocked = "pkg_resources" not in sys.modules
    if blocked:
        sys.modules["pkg_resources"] = None  # type: ignore[assignment]
    try:
        import jieba
    finally:
        if blocked:
            del sys.modules["pkg_resources"]
    import logging  # only runs that segment pay for it

    jieba.setLogLevel(logging.WARNING)
    return jieba


def domain_words() -> list[str]:
    v = vocabulary()
    words: set[str] = set(v["segmentation"]["words"]) | set(v["segmentation"]["transparent"])

    def walk(node):
        if isinstance(node, dict):
            for k, val in node.items():
                if isinstance(val, str) and any("\u4e00" <= ch <= "\u9fff" for ch in k):
                    words.add(k)
                walk(val)
        elif isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, str) and any("\u4e00" <= ch <= "\u9fff" for ch in node) and len(node) <= 12:
            if not any(ch in node for ch in "\\[](){}|*?+^$"):
                words.add(node)

    for key in ("amounts", "rates", "term", "methods", "fees", "cost_breakdown", "repayment", "confirmations", "parties"):
        walk(v[key])
    return sorted(w for w in words if " " not in w)


@lru_cache(maxsize=1)
def segmenter():
    jieba = _import_jieba()
    tok = jieba.Tokenizer()
    data = "\n".join(f"{w} {_DOMAIN_FREQ}" for w in domain_words()).encode("utf-8")
    tok.FREQ, tok.total = tok.gen_pfdict(io.BytesIO(data))
    tok.initialized = True
    return tok


def tokens(text: str, start: int, end: int) -> list[tuple[str, int, int]]:
    """Words of ``text[start:end]`` with absolute offsets."""
    out = []
    pos = start
    for word in segmenter().cut(text[start:end], HMM=False):
        out.append((word, pos, pos + len(word)))
        pos += len(word)
    return out


_CHARGE_VERBS = ("收取", "支付", "缴纳", "计收", "承担", "收费", "另收")
_NOT_A_SCOPE = ("还款", "归还", "偿还", "按时", "按期", "足额", "履行", "还清", "清偿", "逾期", "但", "而", "仅", "只",
                "费")  # 免收手续费但收取服务费: the negation already has its object


def _negated_verb(text: str, clause_start: int, target_start: int, negations: set[str]) -> bool:
    """不 … 收取 … X费 with something in between (不因办理展期收取手续费): the negation governs
    the charging verb unless the words between are about repaying (不按时还款应支付罚息)."""
    seg = text[clause_start:target_start]
    verb_at = max((seg.rfind(v) for v in _CHARGE_VERBS), default=-1)
    if verb_at == -1:
        return False
    before = seg[max(0, verb_at - 12):verb_at]
    for n in sorted(negations, key=len, reverse=True):
        if len(n) < 1 or n in ("无", "零", "免"):
            continue
        k = before.rfind(n)
        if k != -1:
            between = before[k + len(n):]
            return not any(w in between for w in _NOT_A_SCOPE)
    return False


def negation_before(text: str, clause_start: int, target_start: int,
                    transparent_spans: list[tuple[int, int]] = ()) -> str | None:
    """What a negation in the clause before ``target_start`` governs: ``"fee"`` (不收取任何X费,
    免收X费), ``"deduction"`` (不从本金中扣除 …), or None."""
    if clause_start >= target_start:
        return None
    fees = vocabulary()["fees"]["context"]
    negations = set(fees["negation"])
    deduction = fees["deduction_negation"]
    transparent = set(vocabulary()["segmentation"]["transparent"])
    fees_names = vocabulary().fee_names
    window = text[max(clause_start, target_start - 16):target_start]
    if any(d in window for d in deduction):
        return "deduction"  # 不从借款本金中扣收X费: only the deduction is denied
    if _negated_verb(text, clause_start, target_start, negations):
        return "fee"  # 本行不因办理展期或续贷收取手续费
    clause = text[clause_start:target_start]
    if not any(n in clause for n in negations) and not any(d in text[clause_start:target_start + len(d)]
                                                           for d in deduction):
        return None  # nothing to scope: most fee mentions, and no segmenter to load
    words = tokens(text, clause_start, target_start)
    prefix = 0  # single characters glued in front of a fee name (额/度 + 管理费)
    right_is_fee = True  # the target itself is a fee name
    for word, a, b in reversed(words):
        if any(x <= a < y for x, y in transparent_spans):
            right_is_fee = True
            prefix = 0
            continue  # another fee name of the same list
        if right_is_fee and len(word) == 1 and "\u4e00" <= word <= "\u9fff" and prefix < 4 \
                and word not in negations and word not in transparent:
            prefix += 1
            continue
        right_is_fee = word.endswith("费")
        prefix = 0
        if any(text.startswith(d, a) for d in deduction) or any(d.startswith(word) and text.startswith(d, a) for d in deduction):
            return "deduction"
        if word in negations or any(word.startswith(n) for n in negations if len(n) > 1):
            return "fee"
        if word in transparent or word.isspace() or word.endswith("费") or word in fees_names:
            continue  # 不收取手续费、账户管理费…: one negation scopes the whole list
        if len(word) == 1 and not ("\u4e00" <= word <= "\u9fff"):
            continue
        return None
    return None
