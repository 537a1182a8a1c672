"""The data that flows between pipeline stages.

Every extracted value keeps where it came from (``text`` + ``location``) so a
finding can point at its evidence. Field names are part of the public JSON
report (PRODUCT.md); renaming one breaks users' scripts.
"""
from __future__ import annotations

from typing import Any, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, model_serializer

Period = Literal["day", "month", "year"]
RateKind = Literal["interest", "fee", "penalty", "annualized_cost"]
Convention = Optional[Literal["simple", "compound"]]
FeeCategory = Literal[
    "service", "management", "guarantee", "insurance", "consulting",
    "membership", "handling", "late_payment", "prepayment", "other",
]
Charged = Literal["deducted", "upfront", "per_installment", "at_maturity", "on_event"]
Method = Literal["equal_installment", "equal_principal", "interest_first", "bullet", "other"]
ConfirmationKind = Literal["second_confirmation", "checkbox", "signature", "sms_code", "cooling_off"]
Severity = Literal["error", "warning", "info"]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


class Location(Model):
    """1-based; ``page`` only for PDFs, where line and column count within the page."""

    line: int = 1
    column: int = 1
    page: Optional[int] = None

    @model_serializer
    def _dump(self) -> dict[str, int]:
        out = {"line": self.line, "column": self.column}
        if self.page is not None:
            out["page"] = self.page
        return out


START = Location()


class Evidence(Model):
    text: str
    location: Location


class Placeholder(Evidence):
    """A template blank (``____元``, ``{{amount}}``): disclosed, value filled in at signing."""

    placeholder: Literal[True] = True


class Money(Evidence):
    amount: float
    currency: str = "CNY"


class Rate(Evidence):
    value: float
    period: Period
    kind: RateKind = "interest"
    convention: Convention = None
    font_size: Optional[float] = None


class Term(Evidence):
    months: Optional[int] = None
    days: Optional[int] = None
    installments: Optional[int] = None


class Fee(Evidence):
    name: str
    category: FeeCategory
    amount: Optional[float] = None
    amount_total: Optional[float] = None
    rate: Optional[float] = None
    rate_basis: Optional[str] = None
    formula: Optional[str] = None
    charged: Optional[Charged] = None
    payee: Optional[str] = None
    placeholder: bool = False


class Installment(Model):
    period: int
    amount: float
    principal: Optional[float] = None
    interest: Optional[float] = None
    fees: Optional[float] = None
    due: Optional[str] = None


class CostBreakdown(Model):
    present: bool
    location: Optional[Location] = None
    items: list[str] = Field(default_factory=list)
    omitted: list[str] = Field(default_factory=list)
    text: Optional[str] = None


class RepaymentExample(Model):
    present: bool
    kind: Optional[Literal["schedule", "worked_example", "single_payment"]] = None
    hypothetical: bool = False
    installments: list[Installment] = Field(default_factory=list)
    total: Optional[float] = None
    fee_columns: list[str] = Field(default_factory=list)
    location: Optional[Location] = None
    text: Optional[str] = None
    note: Optional[str] = None


class Confirmation(Evidence):
    kind: ConfirmationKind


class CashFlow(Model):
    t: float
    amount: float
    label: Optional[str] = None


class ComputedApr(Model):
    simple: Optional[float] = None
    compound: Optional[float] = None
    effective_365: Optional[float] = None
    period: Optional[str] = None
    periods_per_year: Optional[float] = None
    cash_flows: list[CashFlow] = Field(default_factory=list)
    source: Optional[str] = None
    formula: Optional[str] = None
    formula_zh: Optional[str] = None
    skipped: Optional[str] = None


class SkippedCheck(Model):
    rule: str
    reason: str


MoneyValue = Union[Money, Placeholder, None]
RateValue = Union[Rate, Placeholder, None]


class ContractFacts(Model):
    language: Literal["zh", "en"] = "zh"
    template: bool = False
    principal: MoneyValue = None
    disbursed_amount: MoneyValue = None
    term: Optional[Term] = None
    repayment_method: Optional[Method] = None
    rates: list[Rate] = Field(default_factory=list)
    stated_apr: RateValue = None
    computed_apr: Optional[ComputedApr] = None
    fees: list[Fee] = Field(default_factory=list)
    total_repayment: MoneyValue = None
    cost_breakdown: CostBreakdown = Field(default_factory=lambda: CostBreakdown(present=False))
    repayment_example: RepaymentExample = Field(default_factory=lambda: RepaymentExample(present=False))
    confirmations: list[Confirmation] = Field(default_factory=list)
    skipped_checks: list[SkippedCheck] = Field(default_factory=list)
    interest_free: bool = False
    period_hint: Optional[str] = Field(default=None, exclude=True)


class Finding(Model):
    rule: str
    name: str
    severity: Severity
    message: str
    location: Location
    evidence: Optional[str] = None
    fingerprint: Optional[str] = None


class FileError(Model):
    code: str
    message: str


class FileReport(Model):
    path: str
    status: Literal["ok", "error"] = "ok"
    error: Optional[FileError] = None
    facts: Optional[dict[str, Any]] = None
    findings: list[Finding] = Field(default_factory=list)


class Report(Model):
    tool: dict[str, str]
    standard: dict[str, Optional[str]]
    files: list[FileReport]
    summary: dict[str, Any]
