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

# pydantic scans every installed distribution's entry points for plugins the first time
# a model is built (~10 ms per run); loanlint's models need none. A user's explicit
# setting still wins.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
SEVERITY_ORDER = {"info": 0, "warning": 1, "error": 2}
FORMAT_CHOICES = ["text", "json", "sarif", "github", "gitlab", "junit"]


def _codes(values: tuple[str, ...]) -> tuple[str, ...]:
    out = []
    for v in values:
        out.extend(c.strip().upper() for c in v.split(",") if c.strip())
    return tuple(out)


def _load_standard(ref: str, overrides: Optional[dict] = None, config=None):
    """The standard, or exit 2 with the reason (naming the configuration file it came from)."""
    from .errors import StandardError
    from .standard import load_standard
    try:
        return load_standard(ref, overrides)
    except StandardError as exc:
        where = f" (set in {config.path})" if config is not None and config.path is not None else ""
        click.echo(f"loanlint: invalid standard{where}: {exc}", err=True)
        sys.exit(EXIT_ERROR)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="loanlint")
def main() -> None:
    """loanlint — checks loan contracts against a disclosure standard (贷款合同信息披露检查)."""


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(readable=False))
@click.option("--standard", "standard_ref", default=None,
              help="Built-in standard id or path to a JSON Schema standard.  [default: the configuration's "
                   "`standard`, else cn-consumer-loan]")
@click.option("--format", "fmt", type=click.Choice(FORMAT_CHOICES), default=None,
              help="Report format.  [default: text; on GitHub Actions: annotations + text]")
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None,
              help="Write the report to FILE; the text lines still go to the terminal.")
@click.option("--select", multiple=True, help="Only these rule codes or prefixes (comma-separated; ALL).")
@click.option("--extend-select", multiple=True, help="Add these codes or prefixes to the selection.")
@click.option("--ignore", multiple=True, help="Skip these rule codes or prefixes (comma-separated).")
@click.option("--fail-on", type=click.Choice(["error", "warning", "info", "never"]), default=None,
              help="Lowest severity that makes the exit code 1.  [default: error]")
@click.option("--lang", type=click.Choice(["zh", "en"]), default=None, help="Message language.  [default: zh]")
@click.option("--template/--no-template", default=None, help="Force template mode on or off (default: detect).")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), default=None,
              help="Use this configuration file (pyproject.toml or loanlint.toml) instead of discovering one.")
@click.option("--isolated", is_flag=True, help="Ignore all configuration files.")
@click.option("--baseline", "baseline_file", type=click.Path(dir_okay=False), default=None,
              help="Report only findings not recorded in this baseline file.")
@click.option("--write-baseline", "write_baseline_file", type=click.Path(dir_okay=False), default=None,
              help="Record the current findings in FILE as the baseline and exit 0.")
@click.option("--statistics", is_flag=True, help="Show the number of findings per rule instead of the finding lines.")
@click.option("--quiet", "-q", is_flag=True, help="No summary line; print the findings only.")
@click.option("--no-color", is_flag=True, help="No colours (also: NO_COLOR environment variable).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Files linted in parallel, each in its own worker process.  [default: number of CPUs]")
@click.option("--timeout", type=click.FloatRange(min=0), default=60.0, show_default=True,
              help="Seconds one file may take before it is stopped and reported E006 (0: no limit).")
@click.option("--max-memory", type=click.IntRange(min=0), default=1024, show_default=True,
              help="MB of memory one file may use before it is stopped and reported E010 (0: no limit).")
@click.option("--no-cache", is_flag=True, help="Lint every file again; neither read nor write the cache.")
@click.option("--cache-dir", type=click.Path(file_okay=False), default=None,
              help="Where to keep the result cache.  [default: LOANLINT_CACHE_DIR, else the configuration's "
                   "`cache-dir`, else .loanlint_cache beside the configuration file (or in the current directory)]")
def check(paths, standard_ref, fmt, output, select, extend_select, ignore, fail_on, lang, template, config_file,
          isolated, baseline_file, write_baseline_file, statistics, quiet, no_color, jobs, timeout,
          max_memory, no_cache, cache_dir) -> None:
    """Lint contracts (PDF, text, Markdown) or directories of them.

    Settings come from the closest pyproject.toml [tool.loanlint] or loanlint.toml
    above each checked file; command-line options win."""
    from .config import ConfigError

    try:
        plan = _plan(paths, standard_ref, fmt, select, extend_select, ignore, fail_on, lang, template, config_file,
                     isolated, baseline_file, write_baseline_file)
    except ConfigError as exc:
        click.echo(f"loanlint: invalid configuration: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    plan.workers = {"jobs": jobs, "timeout": timeout, "max_memory": max_memory}
    if not no_cache:
        from .cache import Cache, resolve_dir
        plan.workers["cache"] = Cache(resolve_dir(cache_dir, plan.run_cfg.cache_dir, str(plan.run_cfg.root)))
    sys.exit(_run(plan, output, statistics, quiet, no_color))


class _Plan:
    """Everything ``check`` decided before linting the first file."""

    def __init__(self, **kw):
        self.__dict__.update(kw)


def _plan(paths, standard_ref, fmt, select, extend_select, ignore, fail_on, lang, template, config_file, isolated,
          baseline_file, write_baseline_file) -> _Plan:
    from .builtin_rules import all_rules, known_codes
    from .config import Resolver, check_codes, code_known, enabled_codes
    from .load import SUFFIXES
    from .pipeline import Options, discover

    resolver = Resolver(config_file, isolated)
    run_cfg = resolver.for_run(paths)
    cli_layer = {"select": _codes(select) or None, "extend-select": _codes(extend_select), "ignore": _codes(ignore)}
    fmt_given = fmt is not None or run_cfg.get("format") is not None
    fmt = fmt or run_cfg.get("format") or "text"
    fail_on = fail_on or run_cfg.get("fail-on") or "error"
    lang = lang or run_cfg.get("lang") or "zh"

    standards: dict[tuple, object] = {}

    def standard_for(cfg):
        ref = standard_ref or cfg.standard_ref or "cn-consumer-loan"
        overrides = cfg.overrides
        key = (ref, tuple(sorted(overrides.items())))
        if key not in standards:
            standards[key] = _load_standard(ref, overrides or None, cfg if not standard_ref or overrides else None)
        return standards[key]

    run_std = standard_for(run_cfg)
    checked_cfgs: set[int] = set()
    checked_stds: set[int] = set()

    def check_cfg(cfg, std) -> frozenset:
        known = known_codes(std)
        if id(cfg) not in checked_cfgs and cfg.path is not None:
            check_codes(cfg, known)
            checked_cfgs.add(id(cfg))
        if id(std) not in checked_stds:
            for key, codes in cli_layer.items():
                for code in codes or ():
                    if not code_known(code, known):
                        raise click.UsageError(f"unknown rule code {code!r} in --{key} (the standard's codes: "
                                               f"{', '.join(sorted(known))}; prefixes such as 'A4' and 'ALL' work too)")
            checked_stds.add(id(std))
        return known

    check_cfg(run_cfg, run_std)

    def accept(path: str, explicit: bool) -> bool:
        is_dir = os.path.isdir(path)
        cfg = resolver.for_path(os.path.dirname(os.path.abspath(path)) if is_dir and not explicit else path)
        if cfg.excluded(path):
            return False
        return explicit or is_dir or cfg.included(path)

    if baseline_file is not None or write_baseline_file is not None:
        from .baseline import root_of
        root = root_of(write_baseline_file or baseline_file)
    elif run_cfg.path is not None:
        root = str(run_cfg.root)
    else:
        root = os.getcwd()

    jobs = []
    for target in discover(paths, SUFFIXES, accept):
        if target.error is not None:
            jobs.append((target, None, None))
            continue
        cfg = resolver.for_path(target.path)
        std = standard_for(cfg)
        known = check_cfg(cfg, std)
        layers = [cfg.values, cli_layer]
        enabled = enabled_codes(known, layers, cfg.per_file_ignores(target.path))
        jobs.append((target, std, Options(lang=lang, template=template, enabled=enabled, root=root)))

    accepted = None
    if baseline_file is not None and write_baseline_file is None:
        from .baseline import BaselineError, read
        try:
            accepted = read(baseline_file)
        except BaselineError as exc:
            click.echo(f"loanlint: {exc}", err=True)
            sys.exit(EXIT_ERROR)

    rules: dict = {}
    for std in standards.values():
        for code, rule in all_rules(std).items():
            rules.setdefault(code, rule)
    return _Plan(jobs=jobs, run_std=run_std, run_cfg=run_cfg, fmt=fmt, fmt_given=fmt_given, fail_on=fail_on, lang=lang,
                 rules=dict(sorted(rules.items())), baseline_file=baseline_file,
                 write_baseline_file=write_baseline_file, accepted=accepted)


def _run(plan: _Plan, output: Optional[str], statistics: bool, quiet: bool, no_color: bool) -> int:
    from .models import Report
    from .render import render
    from .render.text import statistics as render_statistics
    from .render.text import summary

    lang = plan.lang
    from .worker import lint_jobs

    # every file in a killable worker process (time and memory limits); input order kept
    reports = lint_jobs(plan.jobs, lang=lang, keep_facts=plan.fmt == "json", **getattr(plan, "workers", {}))
    inline = sum(getattr(fr, "suppressed_inline", 0) for fr in reports)
    report = Report(tool={"name": "loanlint", "version": __version__},
                    standard={"id": plan.run_std.id, "version": plan.run_std.version},
                    files=reports, summary={})

    if plan.write_baseline_file is not None:
        from .baseline import BaselineError, write
        try:
            n = write(plan.write_baseline_file, report)
        except BaselineError as exc:
            click.echo(f"loanlint: {exc}", err=True)
            return EXIT_ERROR
        failed = sum(1 for fr in reports if fr.status == "error")
        if not quiet:
            if lang == "zh":
                click.echo(f"已将 {len(reports)} 个文件中的 {n} 个问题写入基线 {plan.write_baseline_file}。", err=True)
            else:
                click.echo(f"Wrote {n} finding{'s' if n != 1 else ''} from {len(reports)} "
                           f"file{'s' if len(reports) != 1 else ''} to the baseline {plan.write_baseline_file}.",
                           err=True)
        if failed:
            for fr in reports:
                if fr.status == "error":
                    click.echo(f"{fr.path}:1:1: {fr.error.code} [error] {fr.error.message}")
        return EXIT_ERROR if failed else EXIT_OK

    suppressed_baseline = 0
    if plan.accepted is not None:
        from .baseline import apply
        suppressed_baseline = apply(report, plan.accepted)

    counts = {"error": 0, "warning": 0, "info": 0}
    for fr in reports:
        for f in fr.findings:
            counts[f.severity] += 1
    failed = sum(1 for fr in reports if fr.status == "error")
    report.summary = {"files": len(reports), "failed_files": failed, "findings": counts,
                      "suppressed": {"inline": inline, "baseline": suppressed_baseline}}

    color = (not no_color and not os.environ.get("NO_COLOR") and sys.stdout.isatty())
    kw = {"rules": plan.rules, "fail_on": plan.fail_on}
    annotations = os.environ.get("GITHUB_ACTIONS") == "true" and (not plan.fmt_given or output is not None)

    def terminal_text() -> str:
        text = render_statistics(report, lang, color) if statistics else render("text", report, lang=lang, color=color)
        if annotations:
            text = render("github", report, lang=lang) + text
        return text

    if output is not None:
        try:
            with open(output, "w", encoding="utf-8", newline="\n") as fh:
                fh.write(render(plan.fmt, report, lang=lang, color=False, **kw))
        except OSError as exc:
            click.echo(f"loanlint: cannot write {output}: {exc.strerror or exc}", err=True)
            return EXIT_ERROR
        click.echo(terminal_text(), nl=False)
    elif plan.fmt == "text":
        click.echo(terminal_text(), nl=False)
    else:
        click.echo(render(plan.fmt, report, lang=lang, color=False, **kw), nl=False)
        if statistics:
            click.echo(render_statistics(report, lang), nl=False, err=True)
    if not quiet:
        click.echo(summary(report, lang), err=True)
    return exit_code(report, plan.fail_on)


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
@click.option("--cache-dir", type=click.Path(file_okay=False), default=None,
              help="The cache to remove.  [default: as for `check`]")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), default=None,
              help="Use this configuration file instead of discovering one.")
def clean(cache_dir, config_file) -> None:
    """Remove the result cache (清除结果缓存)."""
    from .cache import clear, resolve_dir
    from .config import ConfigError, Resolver

    try:
        cfg = Resolver(config_file).for_run(["."])
    except ConfigError as exc:
        click.echo(f"loanlint: invalid configuration: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    directory = resolve_dir(cache_dir, cfg.cache_dir, str(cfg.root))
    try:
        removed = clear(directory)
    except OSError as exc:
        click.echo(f"loanlint: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    click.echo(f"已删除缓存 Removed {directory}" if removed else f"没有缓存 No cache at {directory}", err=True)


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
    from .builtin_rules import all_rules
    from .docs import rule_url

    std = _load_standard(standard_ref)
    items = list(all_rules(std).values())
    if fmt == "json":
        import json
        click.echo(json.dumps([{"code": r.code, "name": r.name, "severity": r.severity,
                                "summary": r.text("summary", lang), "url": rule_url(r.code)} for r in items],
                              ensure_ascii=False, indent=2))
        return
    for r in items:
        click.echo(f"{r.code}  {r.name:<32} {r.severity:<8} {r.text('summary', lang)}")


@main.command()
@click.argument("code")
@click.option("--standard", "standard_ref", default="cn-consumer-loan", show_default=True)
@click.option("--lang", type=click.Choice(["zh", "en", "both"]), default="both", show_default=True)
def explain(code, standard_ref, lang) -> None:
    """What a rule checks, why, which regulation it rests on, and how to fix it."""
    from .builtin_rules import all_rules

    std = _load_standard(standard_ref)
    rule = all_rules(std).get(code.upper())
    if rule is None:
        click.echo(f"loanlint: unknown rule {code!r}; run `loanlint rules` for the list", err=True)
        sys.exit(EXIT_ERROR)
    click.echo(explain_text(rule, lang))


def explain_text(rule, lang: str = "both") -> str:
    from .docs import rule_url

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
    out.append("")
    out.append(("文档" if lang == "zh" else "Docs") + f": {rule_url(rule.code)}")
    return "\n".join(out)


if __name__ == "__main__":  # pragma: no cover
    main()
