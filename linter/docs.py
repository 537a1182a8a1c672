"""Rule documentation, generated from the standard's ``x-rule`` annotations.

    python -m linter.docs            # (re)write docs/rules/<CODE>.md and docs/rules/README.md
    python -m linter.docs --check    # exit 1 if the committed pages are stale

Each page has what the rule checks, why, the regulation it rests on, how to fix it and
an example finding, in Chinese and English. SARIF ``helpUri`` and ``loanlint explain``
link to these pages through ``RULE_DOCS_URL`` (defined here, once).

Importing this module is cheap (no pydantic, no jsonschema): the renderers use its
constants and help-text helpers.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Optional

INFORMATION_URI = "https://github.com/loanlint/loanlint"
# where the committed rule pages are published; everything that links to a rule uses this
RULE_DOCS_BASE = f"{INFORMATION_URI}/blob/main/docs/rules/"
RULE_DOCS_URL = RULE_DOCS_BASE + "{code}.md"
ERRORS_DOC_URL = RULE_DOCS_BASE + "README.md#file-errors"
# docs/rules of the checkout this module runs from (``python -m linter.docs`` in a clone);
# from an installed copy, docs/rules of the current directory
_CHECKOUT = Path(__file__).resolve().parent.parent
DOCS_DIR = (_CHECKOUT if (_CHECKOUT / "pyproject.toml").is_file() else Path.cwd()) / "docs" / "rules"
GENERATOR = "python -m linter.docs"

HEADS = {
    "zh": {"what": "检查内容", "why": "原因", "regulation": "依据", "fix": "如何修改", "example": "示例"},
    "en": {"what": "What it checks", "why": "Why", "regulation": "Regulation", "fix": "How to fix",
           "example": "Example"},
}

# Illustrative values for the placeholders of rule messages, so each page shows a finding
# exactly as loanlint prints it (rendered by the same code as real findings). Numbers
# follow one consistent example contract: 8,000.00 lent, 640.00 deducted, 18% stated.
EXAMPLE_VALUES: dict[str, Any] = {
    "stated": 0.18, "computed": 0.343761, "gap": 0.163761, "value": 0.343761,
    "basis_zh": "年化利率", "basis_en": "annualized rate",
    "diagnosis": [{"zh": "声明的 18.00% 按合同本金 8,000.00 元计算，而借款人实际只得到 7,360.00 元（按实得金额计为 34.38%）",
                   "en": "the stated 18.00% is computed on the face principal 8,000.00 although the borrower "
                         "received only 7,360.00 (34.38% on what was received)"}],
    "formula": "IRR per month 2.864677% × 12 = 34.3761% (simple); (1 + 2.864677%)^12 − 1 = 40.3444% (compound)",
    "formula_zh": "每期 IRR 2.864677% × 12 = 34.3761%（单利）；(1 + 2.864677%)^12 − 1 = 40.3444%（复利）",
    "text": "日利率低至0.03%", "periodic_font": 20, "annual_text": "年化利率（单利）为10.95%", "annual_font": 10,
    "computed_simple": 0.12, "computed_compound": 0.1236, "omitted": ["担保费"],
    "name": "平台服务费", "amount": 640.0, "codes": "S301",
    "error": "20000 is greater than the maximum of 10000",
}
EXAMPLE_BY_LANG: dict[str, dict[str, Any]] = {
    "zh": {"detail": "未知的规则代码 Z999"},
    "en": {"detail": "unknown rule code Z999"},
}
EXAMPLE_BY_CODE: dict[str, dict[str, Any]] = {
    "A405": {"stated": 0.12},
    "C102": {"name": "技术服务费"},
}
# where the example finding sits: (file, location)
EXAMPLE_LOCATIONS = {
    "A402": ("contract.txt", "20:6"), "A403": ("contract.txt", "20:6"), "A405": ("contract.txt", "30:16"),
    "A404": ("contract.pdf", "1:2:6"), "C102": ("contract.txt", "15:1"), "D502": ("contract.txt", "37:46"),
    "X001": ("contract.md", "3:1"), "X002": ("contract.md", "3:1"),
}


def rule_url(code: str) -> str:
    return RULE_DOCS_URL.format(code=code)


def _regulations(rule, lang: str) -> list[str]:
    out = []
    for reg in rule.annotation.get("regulation") or []:
        text = reg.get(lang) or reg.get("en") or ""
        basis = reg.get("basis")
        out.append(f"{text} ({basis})" if basis else text)
    return out


def rule_help_text(rule, lang: str) -> str:
    """Plain-text help (SARIF ``help.text``)."""
    h = HEADS[lang]
    parts = [f"{rule.code} {rule.name}: {rule.text('summary', lang)}".rstrip(": ")]
    if rule.text("rationale", lang):
        parts.append(f"{h['why']}: {rule.text('rationale', lang)}")
    regs = _regulations(rule, lang)
    if regs:
        parts.append(f"{h['regulation']}: " + "; ".join(regs))
    if rule.text("fix", lang):
        parts.append(f"{h['fix']}: {rule.text('fix', lang)}")
    parts.append(rule_url(rule.code))
    return "\n".join(parts)


def rule_help_markdown(rule, lang: str) -> str:
    """Markdown help (SARIF ``help.markdown``): the page's section in one language."""
    return "\n".join(_section(rule, lang, level=2, standard_params=None)) + f"\n\n[{rule.code}]({rule_url(rule.code)})"


def example_finding(rule, lang: str, standard_params: Optional[dict] = None) -> str:
    from .standard.validate import render

    context: dict[str, Any] = dict(standard_params or {})
    context.setdefault("tolerance", context.get("apr_tolerance", 0.001))
    context.setdefault("cap", context.get("apr_cap", 0.24))
    context.update(EXAMPLE_VALUES)
    context.update(EXAMPLE_BY_LANG[lang])
    context.update(EXAMPLE_BY_CODE.get(rule.code, {}))
    message = render(rule.text("message", lang), context, lang)
    file, loc = EXAMPLE_LOCATIONS.get(rule.code, ("contract.md", "1:1"))
    return f"{file}:{loc}: {rule.code} [{rule.severity}] {message}"


def _section(rule, lang: str, level: int, standard_params: Optional[dict]) -> list[str]:
    h = HEADS[lang]
    hx = "#" * level
    out = [f"{hx} {h['what']}", "", rule.text("summary", lang) or rule.name, ""]
    if rule.text("rationale", lang):
        out += [f"{hx} {h['why']}", "", rule.text("rationale", lang), ""]
    regs = _regulations(rule, lang)
    if regs:
        out += [f"{hx} {h['regulation']}", ""] + [f"- {r}" for r in regs] + [""]
    if rule.text("fix", lang):
        out += [f"{hx} {h['fix']}", "", rule.text("fix", lang), ""]
    if standard_params is not None:
        out += [f"{hx} {h['example']}", "", "```text", example_finding(rule, lang, standard_params), "```"]
    while out and out[-1] == "":
        out.pop()
    return out


def _suppressing(rule) -> list[str]:
    if rule.code in ("X001", "X002"):
        return ["## 关闭 / Turning it off", "",
                f"`ignore = [\"{rule.code}\"]` in `[tool.loanlint]` (pyproject.toml) or loanlint.toml. "
                "It cannot be suppressed by a comment.",
                "在配置中加入 `ignore = [\"" + rule.code + "\"]`；此规则不能用注释抑制。"]
    return [
        "## 抑制 / Suppressing", "",
        "Markdown and text contracts / Markdown 与文本合同:", "",
        "```markdown",
        f"<!-- loanlint: disable={rule.code} -->            (whole file / 整个文件)",
        f"<!-- loanlint: disable-next-line={rule.code} -->  (next non-blank line / 下一非空行)",
        "```", "",
        "Any file, including PDFs / 任何文件（包括 PDF）: `per-file-ignores` in the configuration, e.g.",
        "", "```toml", "[tool.loanlint.per-file-ignores]", f"\"contracts/legacy/*.pdf\" = [\"{rule.code}\"]", "```", "",
        "or a baseline / 或基线: `loanlint check --write-baseline loanlint-baseline.json contracts/`.",
    ]


def rule_page(rule, std) -> str:
    origin = (f"the x-rule annotations of the standard `{std.id}` {std.version or ''}".rstrip()
              if rule.pointer else "loanlint's built-in rules (linter/builtin_rules.py)")
    lines = [f"<!-- Generated by `{GENERATOR}` from {origin}. Do not edit by hand. -->",
             f"# {rule.code} {rule.name}", ""]
    meta = f"**严重程度 / Severity:** `{rule.severity}`"
    if rule.pointer:
        meta += f" · **标准 / Standard:** `{std.id}` {std.version or ''}".rstrip()
        meta += f" · **Schema:** `{rule.pointer}`"
    else:
        meta += " · **loanlint built-in / 内置规则**"
    lines += [meta, "", "## 中文", ""]
    lines += _section(rule, "zh", 3, std.parameters)
    lines += ["", "## English", ""]
    lines += _section(rule, "en", 3, std.parameters)
    lines += [""] + _suppressing(rule)
    lines += ["", "---", f"[所有规则 / All rules](README.md)", ""]
    return "\n".join(lines)


def index_page(rules: dict, std) -> str:
    from .errors import CATALOGUE

    lines = [f"<!-- Generated by `{GENERATOR}`. Do not edit by hand. -->",
             "# loanlint rules / 规则", "",
             f"Standard / 标准: `{std.id}` {std.version or ''}".rstrip(), "",
             "| code | name | severity | 中文 | English |", "|---|---|---|---|---|"]
    for code, rule in rules.items():
        lines.append(f"| [{code}]({code}.md) | {rule.name} | {rule.severity} | {rule.text('summary', 'zh')} "
                     f"| {rule.text('summary', 'en')} |")
    params = std.schema.get("x-parameters") or {}
    if params:
        lines += ["", "## Parameters / 参数", "",
                  "Overridable in the configuration (`apr-tolerance`, `apr-cap`) / 可在配置中覆盖:", "",
                  "| parameter | value | meaning |", "|---|---|---|"]
        for name, spec in params.items():
            lines.append(f"| `{name}` | {spec.get('value')} | {spec.get('description', '')} |")
    lines += ["", '<a id="file-errors"></a>', "", "## File errors / 文件错误", "",
              "A file that cannot be checked is reported with one of these codes and makes the exit code 2; "
              "the other files are still checked. / 无法检查的文件以下列代码报告，退出码为 2，其余文件照常检查。", "",
              "| code | name | 中文 | English |", "|---|---|---|---|"]
    for code, (name, zh, en) in CATALOGUE.items():
        lines.append(f"| {code} | {name} | {zh} | {en} |")
    lines.append("")
    return "\n".join(lines)


def generate(standard_ref: Optional[str] = None) -> dict[str, str]:
    """File name → content for every page."""
    from .builtin_rules import all_rules
    from .standard import load_standard

    std = load_standard(standard_ref) if standard_ref else load_standard()
    rules = all_rules(std)
    pages = {f"{code}.md": rule_page(rule, std) for code, rule in rules.items()}
    pages["README.md"] = index_page(rules, std)
    return pages


def stale(pages: dict[str, str], out_dir: Path) -> list[str]:
    """Pages that differ from what is on disk, are missing, or should not be there."""
    problems = []
    for name, text in sorted(pages.items()):
        p = out_dir / name
        if not p.is_file():
            problems.append(f"missing: {p}")
        elif p.read_text(encoding="utf-8") != text:
            problems.append(f"out of date: {p}")
    if out_dir.is_dir():
        for p in sorted(out_dir.glob("*.md")):
            if p.name not in pages:
                problems.append(f"not generated (delete it): {p}")
    return problems


def main(argv: Optional[list[str]] = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m linter.docs", description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the pages on disk are stale")
    parser.add_argument("--out", type=Path, default=DOCS_DIR, help=f"output directory (default {DOCS_DIR})")
    parser.add_argument("--standard", default=None, help="standard id or path (default: the built-in default)")
    args = parser.parse_args(argv)
    pages = generate(args.standard)
    if args.check:
        problems = stale(pages, args.out)
        for p in problems:
            print(p, file=sys.stderr)
        if problems:
            print(f"rule docs are stale: run `{GENERATOR}`", file=sys.stderr)
            return 1
        print(f"{len(pages)} rule pages up to date in {args.out}")
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    for p in args.out.glob("*.md"):
        if p.name not in pages:
            p.unlink()
    for name, text in pages.items():
        (args.out / name).write_text(text, encoding="utf-8", newline="\n")
    print(f"wrote {len(pages)} pages to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
