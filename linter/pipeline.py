"""One file through every stage: load → extract → derive → validate.

Whatever goes wrong with one file becomes that file's error entry; the run goes on.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from typing import Iterable, Optional

from .errors import LoanlintError
from .models import FileError, FileReport, Finding, Location
from .standard import Standard


@dataclass
class Options:
    lang: str = "zh"
    template: Optional[bool] = None
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()


def lint_file(path: str, std: Standard, opts: Options) -> FileReport:
    from .derive import derive
    from .extract import extract
    from .load import load
    from .standard import validate

    try:
        doc = load(path)
        facts = extract(doc, opts.template)
        data = derive(facts)
        origin = Location(line=1, column=1, page=1 if doc.is_pdf else None)
        findings = validate(std, data, opts.lang, origin)
    except LoanlintError as exc:
        return FileReport(path=path, status="error", error=FileError(code=exc.code, message=exc.message(opts.lang)))
    except RecursionError:
        err = LoanlintError("E004", "structure nested too deeply", "结构嵌套过深")
        return FileReport(path=path, status="error", error=FileError(code=err.code, message=err.message(opts.lang)))
    except MemoryError:
        err = LoanlintError("E010")
        return FileReport(path=path, status="error", error=FileError(code=err.code, message=err.message(opts.lang)))
    except Exception as exc:  # a bug must not hide the other files' results
        if os.environ.get("LOANLINT_DEBUG"):
            raise
        err = LoanlintError("E099", f"{type(exc).__name__}: {exc}")
        return FileReport(path=path, status="error", error=FileError(code=err.code, message=err.message(opts.lang)))
    findings = [f for f in findings if selected(f.rule, opts.select, opts.ignore)]
    for f in findings:
        f.fingerprint = fingerprint(path, f)
    return FileReport(path=path, facts=data, findings=findings)


def selected(code: str, select: Iterable[str], ignore: Iterable[str]) -> bool:
    """ruff-style: a code is in when some --select prefix matches (or none is given)
    and no --ignore prefix matches."""
    select = [s for s in select if s]
    if select and not any(s == "ALL" or code.startswith(s) for s in select):
        return False
    return not any(i == "ALL" or code.startswith(i) for i in ignore if i)


def fingerprint(path: str, f: Finding) -> str:
    """Stable across line moves: rule + file + normalised evidence, not line numbers."""
    evidence = "".join((f.evidence or f.message).split())
    return hashlib.sha256(f"{f.rule}\0{path}\0{evidence}".encode("utf-8")).hexdigest()[:20]


@dataclass
class Target:
    path: str
    error: Optional[LoanlintError] = None


def discover(paths: Iterable[str], suffixes: tuple[str, ...]) -> list[Target]:
    """Files to lint, in a stable order; directories recurse into contract files only.
    A path that cannot be used is kept as a target with its error."""
    out: list[Target] = []
    seen: set[str] = set()

    def add(p: str, err: Optional[LoanlintError] = None) -> None:
        key = os.path.realpath(p) if err is None else p
        if key in seen:
            return
        seen.add(key)
        out.append(Target(p, err))

    for p in paths:
        if os.path.isdir(p):
            found = []
            for root, dirs, files in os.walk(p, onerror=lambda e: add(e.filename or p, LoanlintError(
                    "E001", e.strerror or str(e), "目录无法读取"))):
                dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in ("node_modules", "__pycache__"))
                for name in sorted(files):
                    if name.lower().endswith(suffixes):
                        found.append(os.path.join(root, name))
            for f in found:
                add(f)
        elif os.path.lexists(p) and not os.path.exists(p):
            add(p, LoanlintError("E001", "broken symbolic link (or a link loop)", "符号链接失效或循环"))
        elif not os.path.exists(p):
            add(p, LoanlintError("E001", "no such file or directory", "文件或目录不存在"))
        else:
            add(p)
    return out
