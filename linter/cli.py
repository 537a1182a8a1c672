"""Command line: ``loanlint check | extract | rules | explain``.

Only click is imported at start-up; every stage is imported when a command needs it,
so ``--version`` and ``--help`` stay instant in a pre-commit hook.
"""
from __future__ import annotations

import os
import sys
from typing import Optional

import click

from . import __version__

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
SEVERITY_ORDER = {"info": 0, "warning": 1, "error": 2}
FORMAT_CHOICES = ["text", "json"]


def _codes(values: tuple[str, ...]) -> tuple[str, ...]:
    out = []
    for v in values:
        out.extend(c.strip().upper() for c in v.split(",") if c.strip())
    return tuple(out)


def _load_standard(ref: str, overrides: Optional[dict] = None):
    from .errors import StandardError
    from .standard import load_standard
    try:
        return load_standard(ref, overrides)
    except StandardError as exc:
        click.echo(f"loanlint: invalid standard: {exc}", err=True)
        sys.exit(EXIT_ERROR)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="loanlint")
def main() -> None:
    """loanlint — checks loan contracts against a disclosure standard (贷款合同信息披露检查)."""


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--standard", "standard_ref", default="cn-consumer-loan", show_default=True,
              help="Built-in standard id or path to a JSON Schema standard.")
@click.option("--format", "fmt", type=click.Choice(FORMAT_CHOICES), default="text", show_default=True)
@click.option("--select", multiple=True, help="Only these rule codes or prefixes (comma-separated).")
@click.option("--ignore", multiple=True, help="Skip these rule codes or prefixes (comma-separated).")
@click.option("--fail-on", type=click.Choice(["error", "warning", "info", "never"]), default="error", show_default=True,
              help="Lowest severity that makes the exit code 1.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True, help="Message language.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), help="Write the report to FILE.")
@click.option("--template/--no-template", default=None, help="Force template mode on or off (default: detect).")
def check(paths, standard_ref, fmt, select, ignore, fail_on, lang, output, template) -> None:
    """Lint contracts (PDF, text, Markdown) or directories of them."""
    from .load import SUFFIXES
    from .models import FileError, FileReport, Report
    from .pipeline import Options, discover, lint_file
    from .render import render
    from .render.text import summary

    std = _load_standard(standard_ref)
    opts = Options(lang=lang, template=template, select=_codes(select), ignore=_codes(ignore))
    reports = []
    for target in discover(paths, SUFFIXES):
        if target.error is not None:
            reports.append(FileReport(path=target.path, status="error",
                                      error=FileError(code=target.error.code, message=target.error.message(lang))))
            continue
        reports.append(lint_file(target.path, std, opts))
    counts = {"error": 0, "warning": 0, "info": 0}
    for fr in reports:
        for f in fr.findings:
            counts[f.severity] += 1
    failed = sum(1 for fr in reports if fr.status == "error")
    report = Report(tool={"name": "loanlint", "version": __version__},
                    standard={"id": std.id, "version": std.version},
                    files=reports, summary={"files": len(reports), "failed_files": failed, "findings": counts})
    color = fmt == "text" and not output and sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    text = render(fmt, report, lang=lang, color=color)
    if output:
        with open(output, "w", encoding="utf-8") as fh:
            fh.write(text)
        if fmt != "text":
            click.echo(render("text", report, lang=lang), nl=False)
    else:
        click.echo(text, nl=False)
    click.echo(summary(report, lang), err=True)
    sys.exit(exit_code(report, fail_on))


def exit_code(report, fail_on: str) -> int:
    if report.summary["failed_files"]:
        return EXIT_ERROR
    if fail_on == "never":
        return EXIT_OK
    floor = SEVERITY_ORDER[fail_on]
    for fr in report.files:
        if any(SEVERITY_ORDER[f.severity] >= floor for f in fr.findings):
            return EXIT_FINDINGS
    return EXIT_OK


@main.command()
@click.argument("path", type=click.Path())
@click.option("--template/--no-template", default=None, help="Force template mode on or off (default: detect).")
def extract(path, template) -> None:
    """Print the facts loanlint reads from one contract, as JSON (cash flows and rates included)."""
    import json

    from .derive import derive
    from .errors import LoanlintError
    from .extract import extract as extract_facts
    from .load import load
    try:
        facts = extract_facts(load(path), template)
    except LoanlintError as exc:
        click.echo(f"loanlint: {path}: {exc.code} {exc.message('en')}", err=True)
        sys.exit(EXIT_ERROR)
    data = derive(facts)
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@main.command()
@click.option("--standard", "standard_ref", default="cn-consumer-loan", show_default=True)
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def rules(standard_ref, lang, fmt) -> None:
    """List the rules of a standard."""
    std = _load_standard(standard_ref)
    items = sorted(std.rules.values(), key=lambda r: r.code)
    if fmt == "json":
        import json
        click.echo(json.dumps([{"code": r.code, "name": r.name, "severity": r.severity,
                                "summary": r.text("summary", lang)} for r in items], ensure_ascii=False, indent=2))
        return
    for r in items:
        click.echo(f"{r.code}  {r.name:<32} {r.severity:<8} {r.text('summary', lang)}")


@main.command()
@click.argument("code")
@click.option("--standard", "standard_ref", default="cn-consumer-loan", show_default=True)
@click.option("--lang", type=click.Choice(["zh", "en", "both"]), default="both", show_default=True)
def explain(code, standard_ref, lang) -> None:
    """What a rule checks, why, which regulation it rests on, and how to fix it."""
    std = _load_standard(standard_ref)
    rule = std.rules.get(code.upper())
    if rule is None:
        click.echo(f"loanlint: unknown rule {code!r}; run `loanlint rules` for the list", err=True)
        sys.exit(EXIT_ERROR)
    click.echo(explain_text(rule, lang))


def explain_text(rule, lang: str = "both") -> str:
    langs = ["zh", "en"] if lang == "both" else [lang]
    heads = {"zh": ("检查内容", "原因", "依据", "如何修改"), "en": ("What it checks", "Why", "Regulation", "How to fix")}
    out = [f"{rule.code} {rule.name} [{rule.severity}]"]
    for lg in langs:
        what, why, basis, fix = heads[lg]
        out.append("")
        out.append(f"{what}: {rule.text('summary', lg)}")
        out.append(f"{why}: {rule.text('rationale', lg)}")
        regs = rule.annotation.get("regulation") or []
        if regs:
            out.append(f"{basis}:")
            for reg in regs:
                note = f" ({reg.get('basis')})" if reg.get("basis") else ""
                out.append(f"  - {reg.get(lg) or reg.get('en')}{note}")
        out.append(f"{fix}: {rule.text('fix', lg)}")
    return "\n".join(out)


if __name__ == "__main__":  # pragma: no cover
    main()
