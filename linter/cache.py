"""Content-addressed result cache, so a second run over an unchanged archive costs
little more than reading the files.

A file's entry is found by the hash of everything its report depends on: the file's
bytes and kind (suffix), the loanlint code (version plus the size and mtime of every
module, so an edited checkout never serves stale results), the standard (schema and
parameter values) and the options that shape findings (language, template mode, rule
selection, inline suppression, PDF engine). The path is not part of the key: a moved
or copied contract is still a hit; its fingerprints are recomputed for its new name.

Only results that follow from the bytes alone are stored: linted files and content
errors (a scan without text, an encrypted or broken PDF, …), never time-outs, memory
failures, unreadable paths or internal errors. The cache is an optimisation and
nothing more: an unreadable, corrupt or read-only cache is a miss, never an error.
Entries are written atomically (temporary file + rename), so concurrent runs, as
pre-commit starts them, can share one cache.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Optional

from . import __version__
from .models import FileReport

ENV_DIR = "LOANLINT_CACHE_DIR"
DEFAULT_DIR = ".loanlint_cache"
FORMAT = 1
# errors that depend only on the file's bytes; the others (time, memory, access) may
# not happen next time
CONTENT_ERRORS = frozenset({"E002", "E003", "E004", "E005", "E007", "E008", "E009", "E011"})
_HASH_CHUNK = 1 << 20


def resolve_dir(option: Optional[str], configured: Optional[str], root: str) -> str:
    """``--cache-dir``, else ``LOANLINT_CACHE_DIR``, else the configuration's
    ``cache-dir``, else ``.loanlint_cache`` in the configuration root."""
    return option or os.environ.get(ENV_DIR) or configured or os.path.join(root, DEFAULT_DIR)


class Cache:
    def __init__(self, directory: str):
        self.base = Path(directory)
        self.dir = self.base / f"v{FORMAT}-{__version__}"
        self._code = _code_digest()
        self._ready = False

    def key(self, path: str, std, opts) -> Optional[str]:
        """The entry name for ``path`` under ``std`` and ``opts``, or None when the file
        cannot be hashed (it will be linted and its problem reported)."""
        import stat

        try:
            if not stat.S_ISREG(os.stat(path).st_mode):
                return None  # a FIFO would block the opening process: never open one here
            h = hashlib.sha256()
            with open(path, "rb") as fh:
                for chunk in iter(lambda: fh.read(_HASH_CHUNK), b""):
                    h.update(chunk)
        except (OSError, ValueError):
            return None
        enabled = None if opts.enabled is None else sorted(opts.enabled)
        context = json.dumps([
            FORMAT, __version__, self._code, std.digest, sorted(std.parameters.items()),
            os.path.splitext(path)[1].lower(), opts.lang, opts.template, list(opts.select), list(opts.ignore),
            enabled, opts.inline_suppression, os.environ.get("LOANLINT_PDF_ENGINE", ""),
        ], default=str)
        h.update(b"\0" + context.encode("utf-8"))
        return h.hexdigest()

    def get(self, key: str) -> Optional[FileReport]:
        from .pipeline import LintedFile

        try:
            data = (self.dir / key[:2] / f"{key}.json").read_bytes()
            return LintedFile.model_validate_json(data)
        except Exception:  # missing, truncated, corrupt or from an incompatible model: a miss
            return None

    def put(self, key: str, report: FileReport) -> None:
        if report.status == "error" and (report.error is None or report.error.code not in CONTENT_ERRORS):
            return
        try:
            # the path is the run's business (a copy under another name is a hit too)
            data = '{"path":"",' + report.model_dump_json(exclude={"path"})[1:]
            if hasattr(report, "suppressed_inline"):
                # the excluded bookkeeping field travels with the entry
                data = data[:-1] + f',"suppressed_inline":{report.suppressed_inline}}}'
        except Exception:  # a report the cache cannot hold is simply not cached
            return
        try:
            self._prepare()
            folder = self.dir / key[:2]
            folder.mkdir(exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    fh.write(data)
                os.replace(tmp, folder / f"{key}.json")
            except BaseException:
                _unlink(tmp)
                raise
        except OSError:
            pass  # read-only checkout, full disk, …: the run does not need the cache

    def _prepare(self) -> None:
        """Create the cache directory the way tools mark theirs: ignored by git, skipped
        by backup programs (CACHEDIR.TAG)."""
        if self._ready:
            return
        self.dir.mkdir(parents=True, exist_ok=True)
        for name, text in ((".gitignore", "# created by loanlint\n*\n"),
                           ("CACHEDIR.TAG", "Signature: 8a477f597d28d172789f06886806bc55\n"
                                            "# This file is a cache directory tag created by loanlint.\n")):
            marker = self.base / name
            if not marker.exists():
                marker.write_text(text, encoding="utf-8")
        self._ready = True


def clear(directory: str) -> bool:
    """Remove a cache directory; refuses a directory that is not a loanlint cache."""
    import shutil

    base = Path(directory)
    if not base.is_dir():
        return False
    if not (base / "CACHEDIR.TAG").is_file() or "loanlint" not in (base / "CACHEDIR.TAG").read_text("utf-8", "replace"):
        raise OSError(f"{directory} is not a loanlint cache (no CACHEDIR.TAG written by loanlint)")
    shutil.rmtree(base)
    return True


def _code_digest() -> str:
    """Size and mtime of the package's own files: cheap (a few dozen stat calls) and
    changes whenever a checkout is edited or a different build is installed."""
    pkg = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for root, dirs, files in os.walk(pkg):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith((".py", ".toml", ".json")):
                try:
                    st = os.stat(os.path.join(root, name))
                except OSError:
                    continue
                h.update(f"{os.path.relpath(os.path.join(root, name), pkg)}:{st.st_size}:{st.st_mtime_ns}\n".encode())
    return h.hexdigest()[:16]


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
