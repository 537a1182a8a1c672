"""One file through every stage: load → extract → derive → validate.

Whatever goes wrong with one file becomes that file's error entry; the run goes on.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from typing import Callable, Iterable, Optional

from pydantic import Field

from .errors import LoanlintError
from .models import FileError, FileReport, Finding, Location
from .standard import Standard


@dataclass
class Options:
    lang: str = "zh"
    template: Optional[bool] = None
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    # the exact rule codes switched on for this file (configuration + command line +
    # per-file ignores, resolved by the CLI); None: only ``select``/``ignore`` apply
    enabled: Optional[frozenset[str]] = None
    # directory fingerprints take paths relative to (baseline directory, project root);
    # None: the path as given
    root: Optional[str] = None
    # honour <!-- loanlint: disable… --> comments in text and Markdown files
    inline_suppression: bool = True

    def is_enabled(self, code: str) -> bool:
        if self.enabled is not None and code not in self.enabled:
            return False
        return selected(code, self.select, self.ignore)


class LintedFile(FileReport):
    """A ``FileReport`` plus bookkeeping for the summary line; the extra field is
    never part of the JSON report."""

    suppressed_inline: int = Field(default=0, exclude=True)


def lint_file(path: str, std: Standard, opts: Options) -> FileReport:
    from .derive import derive
    from .extract import extract
    from .load import load
    from .standard import validate

    doc = None
    try:
        doc = load(path)
        facts = extract(doc, opts.template)
        data = derive(facts)
        origin = Location(line=1, column=1, page=1 if doc.is_pdf else None)
        findings = validate(std, data, opts.lang, origin)
        findings = [f for f in findings if opts.is_enabled(f.rule)]
        suppressed = 0
        if opts.inline_suppression and not doc.is_pdf:
            from .builtin_rules import known_codes
            from .suppress import apply
            findings, suppressed = apply(doc, findings, known_codes(std), opts.lang, opts.is_enabled)
    except LoanlintError as exc:
        return FileReport(path=path, status="error", error=FileError(code=exc.code, message=exc.message(opts.lang)))
    except RecursionError:  # a PDF's object graph nested past what pdfminer survives; elsewhere a bug
        pdf = path.lower().endswith(".pdf") or (doc is not None and doc.is_pdf)
        err = (LoanlintError("E004", "structure nested too deeply", "结构嵌套过深") if pdf
               else LoanlintError("E099", "RecursionError"))
        return FileReport(path=path, status="error", error=FileError(code=err.code, message=err.message(opts.lang)))
    except MemoryError:
        err = LoanlintError("E010")
        return FileReport(path=path, status="error", error=FileError(code=err.code, message=err.message(opts.lang)))
    except Exception as exc:  # a bug must not hide the other files' results
        if os.environ.get("LOANLINT_DEBUG"):
            raise
        err = LoanlintError("E099", f"{type(exc).__name__}: {exc}")
        return FileReport(path=path, status="error", error=FileError(code=err.code, message=err.message(opts.lang)))
    key = fingerprint_path(path, opts.root)
    for f in findings:
        f.fingerprint = fingerprint(key, f)
    return LintedFile(path=path, facts=data, findings=findings, suppressed_inline=suppressed)


def selected(code: str, select: Iterable[str], ignore: Iterable[str]) -> bool:
    """ruff-style: a code is in when some --select prefix matches (or none is given)
    and no --ignore prefix matches."""
    select = [s for s in select if s]
    if select and not any(s == "ALL" or code.startswith(s) for s in select):
        return False
    return not any(i == "ALL" or code.startswith(i) for i in ignore if i)


def fingerprint(path: str, f: Finding) -> str:
    """Stable across line moves: rule + file + normalised evidence, not line numbers.
    A finding without evidence (something missing: one per rule and file) hashes to
    rule + file only, so the fingerprint does not depend on the message language."""
    evidence = "".join((f.evidence or "").split())
    return hashlib.sha256(f"{f.rule}\0{path}\0{evidence}".encode("utf-8")).hexdigest()[:20]


def fingerprint_path(path: str, root: Optional[str]) -> str:
    """The file's name inside fingerprints: relative to ``root`` with ``/`` separators, so a
    baseline survives moving the checkout and works the same on every OS."""
    path = display_path(path)
    if root is None:
        return path.replace(os.sep, "/")
    try:
        rel = os.path.relpath(os.path.abspath(path), os.path.abspath(root))
    except ValueError:  # another drive (Windows)
        rel = os.path.abspath(path)
    return rel.replace(os.sep, "/")


def display_path(path: str) -> str:
    """The path as it can appear in a report. File names are bytes on POSIX; one that is
    not valid UTF-8 arrives here with lone surrogates (PEP 383) that no UTF-8 output can
    carry: show its undecodable bytes as ``\\xff`` instead."""
    try:
        path.encode("utf-8")
        return path
    except UnicodeEncodeError:
        return os.fsencode(path).decode("utf-8", "backslashreplace")


@dataclass
class Target:
    path: str
    error: Optional[LoanlintError] = None


def discover(paths: Iterable[str], suffixes: tuple[str, ...],
             accept: Optional[Callable[[str, bool], bool]] = None) -> list[Target]:
    """Files to lint, in a stable order; directories recurse into contract files only.
    A path that cannot be used is kept as a target with its error.

    ``accept(path, explicit)`` (the configuration's include/exclude) decides which files
    and directories are taken; without it, files found in directories need one of
    ``suffixes``. ``explicit`` is True for a path named on the command line."""
    out: list[Target] = []
    seen: set[str] = set()

    def add(p: str, err: Optional[LoanlintError] = None) -> None:
        # the same file reached twice (a path and a link to it) is linted once; a dangling
        # link has no file behind it, so it is keyed by its own name
        key = os.path.realpath(p) if err is None and os.path.exists(p) else os.path.abspath(p)
        if key in seen:
            return
        seen.add(key)
        out.append(Target(p, err))

    for p in paths:
        if os.path.isdir(p):
            found = []
            for root, dirs, files in os.walk(p, onerror=lambda e: add(e.filename or p, LoanlintError(
                    "E001", e.strerror or str(e), "目录无法读取"))):
                dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in ("node_modules", "__pycache__")
                                 and (accept is None or accept(os.path.join(root, d), False)))
                for name in sorted(files):
                    full = os.path.join(root, name)
                    if accept is not None:
                        if accept(full, False):
                            found.append(full)
                    elif name.lower().endswith(suffixes):
                        found.append(full)
            for f in found:
                add(f)
        elif os.path.lexists(p) and not os.path.exists(p):
            add(p, LoanlintError("E001", "broken symbolic link (or a link loop)", "符号链接失效或循环"))
        elif not os.path.exists(p):
            add(p, LoanlintError("E001", "no such file or directory", "文件或目录不存在"))
        elif accept is None or accept(p, True):
            add(p)
    return out
