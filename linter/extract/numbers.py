"""Numbers as Chinese contracts write them: money, rates, terms, Chinese numerals.

Every finder returns matches with their span so values keep their location.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

from .vocab import alternation, vocabulary

CN_DIGITS = "零〇○一二两三四五六七八九壹贰弍叁参肆伍陆柒捌玖"
CN_UNITS = "十拾百佰千仟"
CN_SECTIONS = "万萬亿"
CN_CHARS = CN_DIGITS + CN_UNITS + CN_SECTIONS
CN_NUM = f"[{CN_CHARS}]+"
NUMBER = r"\d{1,3}(?:[,，]\d{3})+(?:\.\d+)?|\d{1,3}(?: \d{3})+\.\d{2}(?!\d)|\d+(?:\.\d+)?"


@dataclass(frozen=True)
class Match:
    start: int
    end: int
    value: float
    text: str
    explicit: bool = True   # money: carried a currency marker or 元


def parse_number(s: str) -> Optional[float]:
    s = s.replace(",", "").replace("，", "").replace(" ", "").strip()
    try:
        return float(s)
    except ValueError:
        return parse_cn(s)


def parse_cn(s: str) -> Optional[float]:
    """Chinese numerals, common and financial (大写): 壹拾万 → 100000, 一万二千三百 → 12300,
    十五 → 15, 三点五 → 3.5, 二〇二四 → 2024."""
    v = vocabulary()["numerals"]
    digits, units, sections = v["digits"], v["units"], v["sections"]
    if not s:
        return None
    if "点" in s:
        whole, _, frac = s.partition("点")
        w = parse_cn(whole) if whole else 0.0
        if w is None or not frac or any(ch not in digits for ch in frac):
            return None
        return w + float("0." + "".join(str(digits[ch]) for ch in frac))
    if all(ch in digits for ch in s) and len(s) > 1:  # 二〇二四
        return float("".join(str(digits[ch]) for ch in s))
    total = 0
    section = 0
    number = 0
    seen = False
    for ch in s:
        if ch in digits:
            number = digits[ch]
            seen = True
        elif ch in units:
            section += (number or 1) * units[ch]
            number = 0
            seen = True
        elif ch in sections:
            mult = sections[ch]
            section += number
            if mult == 100000000:
                total = (total + section) * mult
            else:
                total += section * mult
            section = 0
            number = 0
            seen = True
        else:
            return None
    return float(total + section + number) if seen else None


@lru_cache(maxsize=1)
def _money_re() -> re.Pattern:
    prefix = alternation(vocabulary()["money"]["currency_prefix"])
    yuan = alternation(vocabulary()["money"]["yuan"])
    arabic = (rf"(?P<prefix>{prefix})?\s*(?P<num>{NUMBER})\s*(?P<mult>万|亿|千)?\s*(?P<unit>{yuan})?")
    chinese = (rf"(?P<cprefix>{prefix})?\s*(?P<cn>{CN_NUM})(?P<cunit>元|圆)"
               rf"(?:(?P<jiao>[{CN_DIGITS}])角)?(?:(?P<fen>[{CN_DIGITS}])分)?(?P<zheng>整)?")
    return re.compile(f"{chinese}|{arabic}")


def find_money(text: str, start: int = 0, end: Optional[int] = None, bare: bool = False) -> list[Match]:
    """Money expressions in ``text[start:end]``. A bare number (no ¥/人民币/元) counts only
    when ``bare`` is set (table columns headed 金额（元）)."""
    end = len(text) if end is None else end
    out = []
    for m in _money_re().finditer(text, start, end):
        if m.group("cn"):
            value = parse_cn(m.group("cn"))
            if value is None:
                continue
            d = vocabulary()["numerals"]["digits"]
            if m.group("jiao"):
                value += d[m.group("jiao")] * 0.1
            if m.group("fen"):
                value += d[m.group("fen")] * 0.01
            out.append(Match(m.start(), m.end(), round(value, 2), m.group(0).strip()))
            continue
        num = m.group("num")
        if not num:
            continue
        if _inside_word(text, m.start("num"), m.end("num")):
            continue
        explicit = bool(m.group("prefix") or m.group("unit"))
        if not explicit and not bare:
            continue
        if not m.group("unit") and m.end() < len(text) and text[m.end()] in "%‰期个月天日年号倍":
            continue
        value = float(num.replace(",", "").replace("，", "").replace(" ", ""))
        mult = m.group("mult")
        if mult:
            if not m.group("unit") and not m.group("prefix"):
                continue
            value *= {"万": 10000, "亿": 100000000, "千": 1000}[mult]
        s = m.start() if m.group("prefix") else m.start("num")
        out.append(Match(s, m.end(), round(value, 2), text[s:m.end()].strip(), explicit))
    return out


def _inside_word(text: str, a: int, b: int) -> bool:
    """Digits glued to latin letters/dashes are codes and dates (JK2024…, 2024-05-01), not money."""
    before = text[a - 1] if a > 0 else ""
    after = text[b] if b < len(text) else ""
    if before and (before.isascii() and before.isalpha() or before in "-/:."):
        return True
    if after and after in "-/:":
        return True
    return False


@lru_cache(maxsize=1)
def _rate_re() -> re.Pattern:
    fractions = alternation(vocabulary()["rates"]["fractions"])
    return re.compile(
        rf"(?P<num>\d+(?:\.\d+)?)\s*(?P<pct>%|‰)"
        rf"|(?P<frac>{fractions})(?P<fnum>\d+(?:\.\d+)?|[{CN_CHARS}点]+)"
    )


_LI = re.compile(rf"(?<=月息|年息|月利|年利)(?P<fen>[{CN_DIGITS}\d]{{1,3}}|十)分(?:(?P<li1>[{CN_DIGITS}\d])厘)?"
                 rf"|(?<=月息|年息|月利|年利)(?P<li>[{CN_DIGITS}\d]{{1,2}})厘")


def _slang_rates(text: str, start: int, end: int) -> list[Match]:
    """月息一分五厘 = 1.5 %/month, 月息捌厘 = 0.8 %/month; 年息一分 = 10 %/year (lenders' slang)."""
    out = []
    for m in _LI.finditer(text, start, end):
        monthly = text[m.start() - 2:m.start()] in ("月息", "月利")
        unit = 0.01 if monthly else 0.1   # 分: 1 % a month, 10 % a year
        if m.group("fen"):
            fen = parse_number(m.group("fen"))
            li = parse_number(m.group("li1")) if m.group("li1") else 0
            if fen is None or li is None:
                continue
            value = fen * unit + li * unit / 10
        else:
            li = parse_number(m.group("li"))
            if li is None:
                continue
            value = li * unit / 10
        out.append(Match(m.start(), m.end(), round(value, 10), m.group(0)))
    return out


def find_rates(text: str, start: int = 0, end: Optional[int] = None) -> list[Match]:
    end = len(text) if end is None else end
    out = _slang_rates(text, start, end)
    fractions = vocabulary()["rates"]["fractions"]
    for m in _rate_re().finditer(text, start, end):
        if m.group("num"):
            if m.start() > 0 and (text[m.start() - 1].isalpha() and text[m.start() - 1].isascii()):
                continue
            value = float(m.group("num")) / (1000 if m.group("pct") == "‰" else 100)
        else:
            fnum = m.group("fnum")
            stop = m.end()
            # 百分之二十一次性计付: the 一 belongs to 一次性, not to the number
            if len(fnum) > 1 and fnum[-1] == "一" and text[stop:stop + 1] in _ONE_WORDS:
                fnum, stop = fnum[:-1], stop - 1
            n = parse_number(fnum)
            if n is None:
                continue
            value = n * fractions[m.group("frac")]
            out.append(Match(m.start(), stop, round(value, 10), text[m.start():stop]))
            continue
        out.append(Match(m.start(), m.end(), round(value, 10), m.group(0)))
    return sorted(out, key=lambda x: x.start)


_ONE_WORDS = set("次并律般定致起同")


TERM_RE = re.compile(rf"(?P<n>\d+|[{CN_CHARS}]+)\s*(?P<u>个自然月|个月|月|期|天|日|年)")


def find_terms(text: str, start: int = 0, end: Optional[int] = None) -> list[tuple[int, int, int, str]]:
    """``(start, end, n, unit)`` with unit in month/installment/day/year."""
    end = len(text) if end is None else end
    out = []
    for m in TERM_RE.finditer(text, start, end):
        n = parse_number(m.group("n"))
        if n is None or n <= 0 or n != int(n) or n > 100000:
            continue
        before = text[m.start() - 1] if m.start() > 0 else ""
        after = text[m.end()] if m.end() < len(text) else ""
        if before in "年月/-." or (m.group("u") in ("月", "年") and after.isdigit()):
            continue  # part of a date (2025年4月15日, 每月20日), not a duration
        u = m.group("u")
        unit = {"个自然月": "month", "个月": "month", "月": "month", "期": "installment",
                "天": "day", "日": "day", "年": "year"}[u]
        if unit == "month" and u == "月" and not m.group("n").isdigit() and n > 12:
            continue
        out.append((m.start(), m.end(), int(n), unit))
    return out
