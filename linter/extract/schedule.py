"""Repayment schedules, worked examples and single-payment terms: what is paid when."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

from ..models import Installment
from .numbers import find_money, parse_number
from .tables import Row, header_index, rows, tokens
from .view import View, display_width
from .vocab import vocabulary

_PERIOD = re.compile(r"^第?\s*(\d{1,3}|[一二三四五六七八九十]{1,4})\s*(?:期|/\s*\d{1,3})?$")  # 3, 第3期, 第三期
_TEXT_ROW = re.compile(r"\s*[□■●◆◇○•·\-*>]?\s*第\s*(\d{1,3}|[一二三四五六七八九十]{1,4})\s*期\s*(?:[（(]([^）)]{4,20})[）)])?\s*[：:]?")
_ROW_TOTAL_WORDS = ("当期应还", "应还金额", "合计", "应还", "还款额", "月供", "共计")
_MARKUP = re.compile(r"\*\*|__|`|[（(][^）)]{0,12}[）)]")
_FOOTER = re.compile(r"^\s*(第\s*\d+\s*页.*|-?\s*\d+\s*-?|Page\s*\d+.*|共\s*\d+\s*页.*)\s*$")
_DATE = re.compile(r"\d{4}\s*[年\-/.]\s*\d{1,2}\s*[月\-/.]\s*\d{1,2}\s*日?"
                   r"|[〇零○一二三四五六七八九]{4}年[一二三四五六七八九十]{1,2}月[一二三四五六七八九十]{1,3}日")
_MD_RULE = re.compile(r"^[\s\-+|:=_—─━┼┬┴├┤│┌┐└┘]{3,}$")
_BARE_NUMBER = re.compile(r"^[¥￥]?\s*-?\d{1,3}(?:[,，]\d{3})*(?:\.\d+)?$|^[¥￥]?\s*-?\d+(?:\.\d+)?$")


@dataclass
class Schedule:
    start: int
    end: int
    header: tuple[str, ...]
    installments: list[Installment] = field(default_factory=list)
    total: Optional[float] = None
    total_span: Optional[tuple[int, int]] = None
    total_principal: Optional[float] = None
    fee_columns: list[str] = field(default_factory=list)
    template_rows: int = 0   # rows of placeholders ({{n}} | {{due_date_n}} | …) in a template
    intro: str = ""          # the line(s) introducing the table: 当期应还含本息及服务费


@dataclass
class Columns:
    period: int
    total: Optional[int]
    principal: Optional[int]
    interest: Optional[int]
    balance: Optional[int]
    date: Optional[int]
    fees: list[int]


def _columns(header: tuple[str, ...]) -> Optional[Columns]:
    r = vocabulary()["repayment"]
    period = header_index(header, tuple(r["schedule_headers"]))
    balance = header_index(header, tuple(r["balance_headers"]))
    taken = {period, balance}
    total = _pick(header, r["schedule_amount_headers"], taken)
    taken.add(total)
    principal = _pick(header, r["principal_headers"], taken)
    taken.add(principal)
    interest = _pick(header, r["interest_headers"], taken)
    taken.add(interest)
    date = _pick(header, r["date_headers"], taken)
    taken.add(date)
    fees = [i for i, h in enumerate(header) if i not in taken and ("费" in h or "Fee" in h or "fee" in h)]
    if period is None or (total is None and principal is None and interest is None):
        return None
    return Columns(period, total, principal, interest, balance, date, fees)


def _pick(header, words, taken) -> Optional[int]:
    for w in words:
        for i, h in enumerate(header):
            if i not in taken and w in h:
                return i
    return None


def clean_cell(text: str) -> str:
    return _MARKUP.sub("", text).strip()


def _number(text: str) -> Optional[float]:
    s = clean_cell(text).replace("元", "").strip()
    if not _BARE_NUMBER.match(s):
        return None
    return parse_number(s.lstrip("¥￥").strip())


def _cells(view: View, row: Row, width: int, right_align: bool = False,
           header: Optional[Row] = None) -> Optional[list[str]]:
    if len(row.cells) == width:
        return row.texts
    raw = view.text[row.start:row.end].strip(" \r\n")
    if "\t" in raw:
        # tab-separated: every tab is a column boundary, so empty cells (合计\t\t183天…) count
        parts = [p.strip() for p in re.split(r"\t", raw)]
        if len(parts) <= width and (len(parts) == width or right_align):
            return parts + [""] * (width - len(parts))
    toks = tokens(view, row)
    if len(toks) == width:
        return [c.text for c in toks]
    if header is not None and len(header.cells) == width and len(row.cells) < width and all(
            any(w in c.text for w in ("备注", "说明", "注")) for c in header.cells[len(row.cells):]):
        return row.texts + [""] * (width - len(row.cells))   # an empty remarks column
    if right_align and header is not None and len(header.cells) != width and 2 <= len(row.cells) < width:
        return [row.cells[0].text] + [""] * (width - len(row.cells)) + [c.text for c in row.cells[1:]]
    if right_align and header is not None and 2 <= len(row.cells) < width:
        # a 合计 row leaves the date (and balance) columns blank: put each figure under the
        # header cell that starts nearest to it on screen
        line_start = view.lines[row.line][0]
        hcols = [display_width(view.text[header_row.start if False else hstart:c.start]) for c, hstart in
                 ((c, view.lines[header.line][0]) for c in header.cells)]
        out = [row.cells[0].text] + [""] * (width - 1)
        taken = {0}
        for c in row.cells[1:]:
            col = display_width(view.text[line_start:c.start])
            best = min((i for i in range(1, width) if i not in taken), key=lambda i: abs(hcols[i] - col), default=None)
            if best is None:
                return None
            taken.add(best)
            out[best] = c.text
        return out
    return None


def find_schedules(view: View) -> list[Schedule]:
    out: list[Schedule] = []
    current: Optional[Schedule] = None
    cols: Optional[Columns] = None
    last_line = -1
    interrupted = False
    header_row: Optional[Row] = None
    totals = tuple(vocabulary()["repayment"]["total_row"])
    for row in rows(view):
        header = tuple(row.texts)
        c = _columns(header) if not _PERIOD.match(header[0]) else None
        if c is not None:
            if current is not None and current.header == header and row.line - last_line <= 15:
                last_line = row.line  # the header repeated on the next page: same schedule
                interrupted = False
                continue
            current = Schedule(start=row.start, end=row.end, header=header,
                               intro=" ".join(view.text[a:b] for a, b in view.lines[max(0, row.line - 2):row.line]))
            cols = c
            header_row = row
            interrupted = False
            out.append(current)
            last_line = row.line
            continue
        if current is None or cols is None:
            continue
        first = clean_cell(row.cells[0].text)
        if interrupted or not _only_footers(view, last_line, row.line):
            # prose came between: the table goes on only if the next period follows
            # (a page break with a running header and no repeated table header)
            nxt = _PERIOD.match(first)
            last_period = current.installments[-1].period if current.installments else None
            total_next = first in totals or any(first.startswith(t) for t in totals)
            if not ((nxt and last_period is not None and _period_no(nxt) == last_period + 1
                     and len(row.cells) == len(current.header) or total_next and current.installments)
                    and row.line - last_line <= 15):
                interrupted = True
                continue
            interrupted = False
        if (not current.installments and not current.template_rows and header_row is not None
                and len(row.cells) > len(current.header) and _PERIOD.match(first)):
            wider = _resplit(view, header_row, len(row.cells))
            if wider is not None and _columns(wider) is not None:
                current.header, cols = wider, _columns(wider)
        is_total = first in totals or any(first.startswith(t) for t in totals)
        cells = _cells(view, row, len(current.header), right_align=is_total, header=header_row)
        if is_total:
            if current.total is not None:
                continue   # a later 合计 (of a cost table below) is not this schedule's
            if cells is not None and cols.total is not None and _number(cells[cols.total]) is not None:
                current.total = _number(cells[cols.total])
                cell_span = row.cells[cols.total] if len(row.cells) == len(current.header) else None
                current.total_span = (cell_span.start, cell_span.end) if cell_span else (row.start, row.end)
            if cells is not None and cols.principal is not None:
                current.total_principal = _number(cells[cols.principal])
            current.end = row.end
            last_line = row.line
            continue
        m = _PERIOD.match(clean_cell(cells[cols.period]) if cells is not None else first)
        if not m and cells is not None and _placeholder_row(cells):
            current.template_rows += 1
            current.end = row.end
            last_line = row.line
            continue
        if not m or cells is None:
            continue
        inst = _installment(_period_no(m), cells, cols)
        if inst is None:
            if _placeholder_row(cells[1:]):
                current.template_rows += 1
                current.end = row.end
                last_line = row.line
            continue
        current.installments.append(inst)
        current.end = row.end
        last_line = row.line
    for s in out:
        if cols_fee := [s.header[i] for i in (_columns(s.header).fees if _columns(s.header) else [])]:
            s.fee_columns = cols_fee
    found = [s for s in out if s.installments or s.template_rows]
    text_schedule = _text_rows(view)
    if text_schedule is not None:
        found.append(text_schedule)
    return found


def _period_no(m: re.Match) -> int:
    return int(parse_number(m.group(1)) or 0)


def _text_rows(view: View) -> Optional[Schedule]:
    """``第1期（2025.12.9）：本金481.58元 + 利息45.00元 = 526.58元`` lines."""
    t = view.text
    sched: Optional[Schedule] = None
    last = -2
    for k, (a, b) in enumerate(view.lines):
        m = _TEXT_ROW.match(t, a, b)
        if not m:
            continue
        money = find_money(t, m.end(), b)
        if not money:
            continue
        if sched is None or k > last + 3:
            if sched is not None and len(sched.installments) >= 2:
                break
            sched = Schedule(start=a, end=b, header=("期数", "应还金额"))
        seg = t[m.end():b]
        eq = seg.rfind("=")
        amount = money[-1].value
        for w in _ROW_TOTAL_WORDS:
            pos = seg.find(w)
            if pos != -1:
                after = [mo for mo in money if mo.start >= m.end() + pos]
                if after:
                    amount = after[0].value
                break
        principal = interest = None
        for mo in money:
            before = t[max(m.end(), mo.start - 4):mo.start]
            if any(w in before for w in vocabulary()["repayment"]["balance_words"]):
                continue   # 剩余本金9,722.22元 is the balance, not this period's principal
            if "本金" in before:
                principal = mo.value
            elif "利息" in before:
                interest = mo.value
        if eq == -1 and principal is not None and interest is not None and len(money) == 2:
            amount = round(principal + interest, 2)
        due = m.group(2)
        if due is None:
            d = _DATE.search(t, m.end(), b)
            due = d.group() if d else None
        period = parse_number(m.group(1))
        sched.installments.append(Installment(period=int(period or 0), amount=amount, principal=principal,
                                              interest=interest, due=due))
        sched.end = b
        last = k
    if sched is None or len(sched.installments) < 2:
        return None
    return sched


def _resplit(view: View, header: Row, width: int) -> Optional[tuple[str, ...]]:
    """``Principal Interest`` run together in an English header: split on single spaces,
    keeping known two-word headings (Due Date, Amount Due) whole."""
    words = view.text[header.start:header.end].split()
    r = vocabulary()["repayment"]
    known = {w for key in ("schedule_headers", "schedule_amount_headers", "principal_headers", "interest_headers",
                           "balance_headers", "date_headers") for w in r[key] if " " in w}
    cells: list[str] = []
    i = 0
    while i < len(words):
        pair = f"{words[i]} {words[i + 1]}" if i + 1 < len(words) else None
        if pair in known:
            cells.append(pair)
            i += 2
        else:
            cells.append(words[i])
            i += 1
    return tuple(cells) if len(cells) == width else None


def _placeholder_row(cells: list[str]) -> bool:
    ph = vocabulary().placeholder_re
    filled = [c for c in cells if c.strip() and c.strip() not in ("—", "-", "…")]
    return len(filled) >= 2 and sum(1 for c in filled if ph.search(c)) >= len(filled) - 1


def _installment(period: int, cells: list[str], cols: Columns) -> Optional[Installment]:
    def num(i):
        return _number(cells[i]) if i is not None else None
    principal, interest, total = num(cols.principal), num(cols.interest), num(cols.total)
    fees = [v for i in cols.fees if (v := num(i)) is not None]
    fee_sum = round(sum(fees), 2) if fees else None
    if total is None:
        parts = [v for v in (principal, interest, fee_sum) if v is not None]
        if not parts:
            return None
        total = round(sum(parts), 2)
    due = cells[cols.date].strip() if cols.date is not None else None
    return Installment(period=period, amount=total, principal=principal, interest=interest,
                       fees=fee_sum, due=due or None)


def _only_footers(view: View, after_line: int, before_line: int) -> bool:
    for k in range(after_line + 1, before_line):
        a, b = view.lines[k]
        s = view.text[a:b].strip()
        if s and not _FOOTER.match(s) and not _MD_RULE.match(s) and not s.startswith("单位") and not s.startswith("（单位"):
            return False
    return True


# ---------------------------------------------------------------- worked examples


@dataclass
class WorkedExample:
    start: int
    end: int
    principal: Optional[float]
    installment: Optional[float]
    total: Optional[float]
    total_span: Optional[tuple[int, int]]
    hypothetical: bool
    count: Optional[int] = None


def find_examples(view: View, principal: Optional[float]) -> list[WorkedExample]:
    r = vocabulary()["repayment"]
    markers = r["example_markers"]
    pay_words = r["example_payment_words"]
    totals = vocabulary()["amounts"]["total"]
    out = []
    t = view.text
    for a, b in view.sentences:
        s = t[a:b]
        if not any(m in s for m in markers):
            continue
        # an example often runs over the next sentence or two: 以…为例。每期应还…；合计…
        end = b
        for a2, b2 in view.sentences:
            if a2 >= b and a2 - b < 3 and b2 - a < 400:
                end = b2
        seg = t[a:end]
        if not any(w in seg for w in pay_words):
            continue
        money = find_money(t, a, end)
        if not money:
            continue
        inst = None
        total = None
        total_span = None
        for w in ("每期应还", "每月应还", "每期还款", "每月还款", "每期需还"):
            k = seg.find(w)
            if k != -1:
                after = [m for m in money if m.start >= a + k]
                if after:
                    inst = after[0].value
                break
        for w in sorted(totals + ["合计", "共计", "总计"], key=len, reverse=True):
            k = seg.find(w)
            if k != -1:
                after = [m for m in money if m.start >= a + k]
                if after:
                    total, total_span = after[0].value, (after[0].start, after[0].end)
                break
        ex_principal = money[0].value
        hypothetical = principal is None or abs(ex_principal - principal) > 0.005
        out.append(WorkedExample(a, end, ex_principal, inst, total, total_span, hypothetical))
    return out


_REGULAR = re.compile(r"(?:每月|每期|每个月)[^。；\n]{0,14}?(?:应还|还款|偿还|应付|支付|还|利息|本息|还款额)[^。；\n]{0,4}?")
_COUNT = re.compile(r"(?:共|分)[^，。；\d一二三四五六七八九十壹贰叁肆伍陆柒捌玖拾]{0,3}(\d{1,3}|[一二三四五六七八九十壹贰叁肆伍陆柒捌玖拾]{1,3})\s*[期次](?!限|间|数)")
_COUNT_BARE = re.compile(r"(?<![第一二三四五六七八九十\d])(\d{1,3}|[一二三四五六七八九十]{1,3})\s*期(?!限|间|次|数)")


def find_regular_payment(view: View) -> Optional[WorkedExample]:
    """每月15日应还924.00元…，共24期，24期应还合计22,176.00元: a schedule in one sentence."""
    t = view.text
    totals = vocabulary()["amounts"]["total"] + ["合计", "共计", "总计"]
    hypothetical = example_spans(view)
    for m in _REGULAR.finditer(t):
        if any(a <= m.start() < b for a, b in hypothetical):
            continue  # 示例：如支用10,000.00元…每期应还899.75元: not this loan's schedule
        s, e = view.sentence_at(m.start())
        money = find_money(t, m.end(), min(e, m.end() + 40))
        if not money or money[0].start - m.end() > 6:
            continue
        count = _COUNT.search(t, s, e) or _COUNT_BARE.search(t, s, e)
        if not count:
            continue
        total = total_span = None
        nxt = [b for a, b in view.sentences if a >= e][:1]
        scope_end = nxt[0] if nxt and nxt[0] - e < 120 else e   # …共12期。12期合计应还19,296.00元。
        for w in sorted(totals, key=len, reverse=True):
            k = t.find(w, money[0].end, scope_end)
            if k != -1:
                after = find_money(t, k, scope_end)
                if after:
                    total, total_span = after[0].value, (after[0].start, after[0].end)
                break
        return WorkedExample(s, scope_end, None, money[0].value, total, total_span, False,
                             int(parse_number(count.group(1)) or 0) or None)
    return None


def example_spans(view: View) -> list[tuple[int, int]]:
    """Sentences that work through a hypothetical case (以借款10,000元为例…): their figures
    are not the contract's own."""
    markers = vocabulary()["repayment"]["example_markers"]
    t = view.text
    out = []
    for a, b in view.sentences:
        if any(m in t[a:b] for m in markers):
            # the example runs on through ；-separated parts to the full stop
            stops = [x for x in (t.find("。", b), t.find("\n", b)) if x != -1]
            out.append((a, min(stops) if stops else len(t)))
    return out


def find_single_payment(view: View) -> Optional[tuple[int, int, float, str]]:
    """``到期日…应还本息合计X元``: a one-row schedule (start, end, amount, due)."""
    words = vocabulary()["repayment"]["single_payment_words"]
    totals = vocabulary()["amounts"]["total"]
    t = view.text
    for a, b in view.sentences:
        s = t[a:b]
        if not any(w in s for w in words):
            continue
        date = _DATE.search(s)
        if not date:
            continue
        money = [m for m in find_money(t, a, b)]
        if not money:
            continue
        principal_only = re.search(r"一次性?(?:归还|偿还|还清|支付)[^，。；]{0,8}(?:本金|借款)", s) and any(
            w in s for w in ("无需另付利息", "利息已", "不再支付利息", "免息", "无息", "不计利息"))
        # 归还借款本金…及剩余利息…，合计…元: principal and interest summed in one figure
        summed = "本金" in s and "利息" in s and any(w in s for w in ("合计", "共计", "总计"))
        if not any(w in s for w in totals + ["本息", "本金和利息", "本金及利息"]) and not principal_only and not summed:
            continue   # 到期归还本金 alone is not what is due when interest is still owed
        m = max(money, key=lambda x: x.value)
        for w in sorted(totals + ["本息"], key=len, reverse=True) + ["合计", "共计", "总计"]:
            k = s.find(w)
            if k != -1:
                after = [x for x in money if x.start >= a + k]
                if after:
                    m = after[0]
                break
        return a, b, m.value, date.group()
    return None
