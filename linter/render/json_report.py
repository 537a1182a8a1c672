"""The JSON report of PRODUCT.md (validated against ``schemas/report.schema.json``)."""
from __future__ import annotations

import json

from ..models import Report


def render(report: Report, lang: str = "zh", **_) -> str:
    return json.dumps(report.model_dump(mode="json"), ensure_ascii=False, indent=2) + "\n"
