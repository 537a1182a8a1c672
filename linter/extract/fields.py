"""``label … value`` pairs: 借款金额：人民币伍万元整, | 到账金额 | 1,902.00元 |, 实际收到3,000.00元."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Optional

from .numbers import Match
from .view import View
from .vocab import vocabulary

_PARENS = re.compile(r"（[^（）]{0,40}）|\([^()]{0,40}\)|【[^【】]{0,20}】")


@dataclass(frozen=True)
class Labeled:
    label: str
    start: int          # label start
    end: int            # value end (or label end when no value)
    value: Optional[Match]
    placeholder: Optional[tuple[int, int, str]] = None

    @property
    def value_start(self) -> int:
        if self.value is not None:
            return self.value.start
        if self.placeholder is not None:
            return self.placeholder[0]
        return self.start


def labeled(view: View, labels: re.Pattern, finder: Callable[[str, int, int], list[Match]],
            max_gap: int = 40, stop: Optional[re.Pattern] = None,
            reject: tuple[str, ...] = ()) -> list[Labeled]:
    """Every occurrence of a label with the first value that follows it in the same
    sentence (or table row), unless another label or a rejecting word comes between."""
    t = view.text
    out = []
    ph_re = vocabulary().placeholder_re
    denials = tuple(vocabulary()["amounts"]["label_negations"])
    for m in labels.finditer(t):
        if t[max(0, m.start() - 3):m.start()].endswith(denials):
            continue   # 授信额度（非本次借款金额）: the label is denied, not given
        _, s_end = view.sentence_at(m.start())
        eq = re.match(r"\s*[＝=]", t[m.end():m.end() + 3])
        if eq:  # 实际到账金额＝借款金额－审核服务费199.00元，即人民币____元: the value follows 即
            k = t.find("即", m.end(), s_end)
            if k != -1:
                vals = finder(t, k + 1, min(s_end, k + 30))
                ph = ph_re.search(t, k + 1, min(s_end, k + 40))
                if ph and (not vals or ph.start() < vals[0].start):
                    out.append(Labeled(m.group(), m.start(), ph.end(), None, (ph.start(), ph.end(), ph.group())))
                    continue
                if vals:
                    out.append(Labeled(m.group(), m.start(), vals[0].end, vals[0]))
                    continue
        hi = min(s_end, m.end() + max_gap)
        values = finder(t, m.end(), hi)
        value = values[0] if values else None
        gap_end = value.start if value else hi
        ph = ph_re.search(t, m.end(), min(s_end, m.end() + max_gap + 40))
        if ph and ph.start() > m.end() + 24:
            ph = None
        if ph and (value is None or ph.start() < value.start):
            gap = t[m.end():ph.start()]
            if _clean_gap(gap, stop, reject):
                out.append(Labeled(m.group(), m.start(), ph.end(), None, (ph.start(), ph.end(), ph.group())))
                continue
        if value is None:
            out.append(Labeled(m.group(), m.start(), m.end(), None))
            continue
        gap = t[m.end():gap_end]
        if not _clean_gap(gap, stop, reject):
            out.append(Labeled(m.group(), m.start(), m.end(), None))
            continue
        out.append(Labeled(m.group(), m.start(), value.end, value))
    return out


def _clean_gap(gap: str, stop: Optional[re.Pattern], reject: tuple[str, ...]) -> bool:
    if any(w in gap for w in reject):
        return False
    bare = _PARENS.sub("", gap)
    bare = re.sub(r"^(?:的|之)(?:贷款|借款)?(?:金额|资金|款项)?", "", bare)  # 实际收到的贷款金额为…
    if stop is not None and stop.search(bare):
        return False
    return True
