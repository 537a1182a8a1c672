"""Confirmation steps: second confirmation, checkbox, signature, SMS code, cooling-off.

A second confirmation is a separate step after the key terms are shown; a clause that
*denies* one (无需另行确认) or *deems* a single click to be one (勾选即视为已完成二次确认)
is not one.
"""
from __future__ import annotations

from ..models import Confirmation
from .view import View
from .vocab import vocabulary


def find_confirmations(view: View) -> list[Confirmation]:
    c = vocabulary()["confirmations"]
    t = view.text
    out: list[Confirmation] = []
    seen: set[tuple[str, int]] = set()
    # "二次确认功能默认开启…您可以关闭二次确认": optional anywhere means required nowhere
    optional = any(w in t for w in c["optional_second"]) and any(w in t for w in c["second"])
    for a, b in view.sentences:
        s = t[a:b]
        kinds = []
        second_at = None if optional else _second(s, c)
        if second_at is not None:
            kinds.append(("second_confirmation", a + second_at))
        for kind, key in (("checkbox", "checkbox"), ("signature", "signature"),
                          ("sms_code", "sms_code"), ("cooling_off", "cooling_off")):
            for w in c[key]:
                i = s.find(w)
                if i != -1:
                    kinds.append((kind, a + i))
                    break
        for kind, pos in kinds:
            if (kind, a) in seen:
                continue
            seen.add((kind, a))
            out.append(Confirmation(kind=kind, text=view.excerpt(a, b), location=view.loc(pos)))
    return out


def _second(s: str, c: dict) -> int | None:
    if any(w in s for w in c["optional_second"]):
        return None
    for w in c["second"]:
        i = s.find(w)
        while i != -1:
            before = s[max(0, i - 14):i]
            if not any(n in before for n in c["negated_second"]):
                return i
            i = s.find(w, i + 1)
    # a separate pop-up with forced reading, then a confirmation click
    for w in c["separate_step"]:
        i = s.find(w)
        if i != -1 and "确认" in s[i:]:
            before = s[max(0, i - 14):i]
            if not any(n in before for n in c["negated_second"]):
                return i
    return None
