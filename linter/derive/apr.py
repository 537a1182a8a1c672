"""Internal rate of return and its annualized forms.

The root finder brackets before it bisects, so it never reports a number it did not
converge to: a cash-flow series with no rate (every flow the same sign) or with
several (non-conventional flows) raises ``AprError`` instead of returning a guess.
"""
from __future__ import annotations

import math
from typing import Callable, Optional, Sequence

LOW = -0.9
HIGH_LIMIT = 1e6
TOL = 1e-13


class AprError(ValueError):
    """No rate, or more than one, solves the cash flows."""


def npv(rate: float, flows: Sequence[float], times: Optional[Sequence[float]] = None) -> float:
    if times is None:
        return sum(c / (1.0 + rate) ** t for t, c in enumerate(flows))
    return sum(c / (1.0 + rate) ** t for t, c in zip(times, flows))


def _sign_changes(flows: Sequence[float]) -> int:
    signs = [c > 0 for c in flows if abs(c) > 1e-12]
    return sum(1 for a, b in zip(signs, signs[1:]) if a != b)


def _bisect(f: Callable[[float], float], lo: float, hi: float) -> float:
    flo = f(lo)
    for _ in range(400):
        mid = (lo + hi) / 2
        fm = f(mid)
        if fm == 0 or (hi - lo) / 2 < TOL * max(1.0, abs(mid)):
            return mid
        if (fm > 0) == (flo > 0):
            lo, flo = mid, fm
        else:
            hi = mid
    return (lo + hi) / 2


def irr(flows: Sequence[float], times: Optional[Sequence[float]] = None) -> float:
    """The periodic rate r with NPV(r) = 0, for r > -100%.

    ``times`` are in periods (default 0, 1, 2, …). Conventional loans (money in, then
    money out) have exactly one root; others are checked for uniqueness on a grid.
    """
    flows = [float(c) for c in flows]
    if len(flows) < 2 or not any(c > 0 for c in flows) or not any(c < 0 for c in flows):
        raise AprError("the cash flows never change sign: no rate solves them")
    if any(math.isnan(c) or math.isinf(c) for c in flows):
        raise AprError("the cash flows contain a non-finite amount")
    f = lambda r: npv(r, flows, times)  # noqa: E731
    if _sign_changes(flows) == 1:
        lo, hi = LOW, 1.0
        while (f(hi) > 0) == (f(lo) > 0):
            hi *= 2
            if hi > HIGH_LIMIT:
                raise AprError("no rate below 10^8 % per period solves the cash flows")
        return _bisect(f, lo, hi)
    roots = []
    grid = [LOW] + [x / 1000 for x in range(-895, 1001, 5)] + [2.0, 5.0, 10.0, 100.0, 1000.0]
    values = [f(x) for x in grid]
    for (a, fa), (b, fb) in zip(zip(grid, values), zip(grid[1:], values[1:])):
        if fa == 0:
            roots.append(a)
        elif (fa > 0) != (fb > 0):
            roots.append(_bisect(f, a, b))
    if not roots:
        raise AprError("no rate solves the cash flows")
    if len(roots) > 1:
        raise AprError("several rates solve the cash flows (" + ", ".join(f"{r:.4%}" for r in roots[:4]) + ")")
    return roots[0]


def simple(periodic: float, periods_per_year: float) -> float:
    """PBoC 单利 / Reg Z nominal APR: periodic rate × periods per year."""
    return periodic * periods_per_year


def compound(periodic: float, periods_per_year: float) -> float:
    """PBoC 复利 (IRR) / effective annual rate: (1 + periodic)^periods − 1."""
    return (1.0 + periodic) ** periods_per_year - 1.0


def effective_365(flows: Sequence[float], days: Sequence[float]) -> float:
    """EU APRC: the annual X with Σ flow·(1+X)^(−days/365) = 0 (dated flows)."""
    return irr(flows, [d / 365.0 for d in days])
