"""Baseline: accept today's findings, report only new ones.

For files that cannot carry comments (PDFs, signed archives) and for adopting loanlint
on a repository that already has findings::

    loanlint check --write-baseline loanlint-baseline.json contracts/
    loanlint check --baseline loanlint-baseline.json contracts/

A finding is identified by its fingerprint (``pipeline.fingerprint``): rule + file path
+ normalised evidence, no line numbers, so edits elsewhere in the contract do not
un-suppress it. The path inside the fingerprint is relative to the baseline file's
directory, so the baseline survives moving the checkout. Identical findings in one file
share a fingerprint; the baseline keeps a count, and only that many are suppressed.
"""
from __future__ import annotations

import json
import os
from collections import Counter
from typing import Any

FORMAT_VERSION = 1
MAX_BYTES = 50 * 1024 * 1024


class BaselineError(Exception):
    pass


def root_of(path: str) -> str:
    """The directory fingerprint paths are relative to."""
    return os.path.dirname(os.path.abspath(path))


def write(path: str, report) -> int:
    """Record every finding of ``report``; returns how many were written."""
    from . import __version__

    counts: Counter = Counter()
    info: dict[str, dict[str, Any]] = {}
    for fr in report.files:
        for f in fr.findings:
            if not f.fingerprint:
                continue
            counts[f.fingerprint] += 1
            info.setdefault(f.fingerprint, {"rule": f.rule, "path": _rel(fr.path, path), "evidence": f.evidence,
                                            "message": f.message})
    entries = []
    for fp, n in counts.items():
        entry = {"fingerprint": fp, **info[fp], "count": n}
        if entry["evidence"] is None:
            del entry["evidence"]
        entries.append(entry)
    entries.sort(key=lambda e: (e["path"], e["rule"], e["fingerprint"]))
    data = {
        "loanlint-baseline": FORMAT_VERSION,
        "tool": {"name": "loanlint", "version": __version__},
        "standard": dict(report.standard),
        "comment": "Findings accepted when this baseline was written; `loanlint check --baseline FILE` "
                   "reports only findings not listed here. Regenerate with --write-baseline.",
        "findings": entries,
    }
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    tmp = f"{path}.tmp{os.getpid()}"
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise BaselineError(f"cannot write baseline {path}: {exc.strerror or exc}") from None
    return sum(counts.values())


def read(path: str) -> Counter:
    """Fingerprint → how many findings with it are accepted. Anything unexpected in the
    file is a ``BaselineError`` (exit 2): a corrupt baseline must not hide or un-hide findings silently."""
    try:
        size = os.path.getsize(path)
        if size > MAX_BYTES:
            raise BaselineError(f"baseline {path} is {size} bytes (limit {MAX_BYTES})")
        with open(path, "rb") as fh:
            raw = fh.read()
    except OSError as exc:
        raise BaselineError(f"cannot read baseline {path}: {exc.strerror or exc}") from None
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise BaselineError(f"corrupt baseline {path}: not UTF-8 (invalid byte at offset {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise BaselineError(f"corrupt baseline {path}: not valid JSON ({exc.msg} at line {exc.lineno} "
                            f"column {exc.colno}); regenerate it with --write-baseline") from None
    except RecursionError:
        raise BaselineError(f"corrupt baseline {path}: nests too deeply") from None
    if not isinstance(data, dict) or "findings" not in data:
        raise BaselineError(f"corrupt baseline {path}: expected a JSON object with a \"findings\" list "
                            f"(written by loanlint check --write-baseline)")
    version = data.get("loanlint-baseline")
    if version != FORMAT_VERSION:
        raise BaselineError(f"baseline {path} has format version {version!r}; this loanlint reads version "
                            f"{FORMAT_VERSION} (regenerate it with --write-baseline)")
    entries = data["findings"]
    if not isinstance(entries, list):
        raise BaselineError(f"corrupt baseline {path}: \"findings\" must be a list")
    out: Counter = Counter()
    for i, e in enumerate(entries):
        fp = e.get("fingerprint") if isinstance(e, dict) else None
        count = e.get("count", 1) if isinstance(e, dict) else None
        if not isinstance(fp, str) or not fp or isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise BaselineError(f"corrupt baseline {path}: entry {i} needs a \"fingerprint\" string and a "
                                f"positive integer \"count\"")
        out[fp] += count
    return out


def apply(report, accepted: Counter) -> int:
    """Remove accepted findings from ``report`` in place; returns how many were removed."""
    remaining = Counter(accepted)
    removed = 0
    for fr in report.files:
        kept = []
        for f in fr.findings:
            if f.fingerprint and remaining[f.fingerprint] > 0:
                remaining[f.fingerprint] -= 1
                removed += 1
            else:
                kept.append(f)
        fr.findings = kept
    return removed


def _rel(file_path: str, baseline_path: str) -> str:
    try:
        rel = os.path.relpath(os.path.abspath(file_path), root_of(baseline_path))
    except ValueError:
        rel = os.path.abspath(file_path)
    return rel.replace(os.sep, "/")
