"""Stage 5: a ``Report`` → text for people or machines. One module per format,
imported only when asked for."""
from __future__ import annotations

import importlib

FORMATS = {
    "text": "linter.render.text",
    "json": "linter.render.json_report",
    "sarif": "linter.render.sarif",
    "github": "linter.render.github",
    "gitlab": "linter.render.gitlab",
    "junit": "linter.render.junit",
}


def render(fmt: str, report, lang: str = "zh", **kw) -> str:
    module = importlib.import_module(FORMATS[fmt])
    return module.render(report, lang=lang, **kw)
