"""Project configuration: ``[tool.loanlint]`` in ``pyproject.toml`` or top-level keys in
``loanlint.toml`` / ``.loanlint.toml``.

Discovery works like ruff's: for every checked file loanlint walks up from the file's
directory to the filesystem root and uses the *closest* configuration file (in one
directory ``.loanlint.toml`` beats ``loanlint.toml`` beats ``pyproject.toml``; a
``pyproject.toml`` without a ``[tool.loanlint]`` table is skipped). Relative paths
in a configuration (``standard``, ``include``/``exclude``/``per-file-ignores`` globs)
are relative to the directory that holds it. ``--config FILE`` uses one file for
everything; ``--isolated`` uses none. Command-line options win over the file.

Everything a user can get wrong — a misspelt key, a value of the wrong type, a rule
code the standard does not have — is a ``ConfigError`` naming the key and the file
(exit 2), never a silently ignored setting.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Optional

CONFIG_NAMES = (".loanlint.toml", "loanlint.toml", "pyproject.toml")
FORMATS = ("text", "json", "sarif", "github", "gitlab", "junit")
FAIL_ON = ("error", "warning", "info", "never")
LANGS = ("zh", "en")
DEFAULT_INCLUDE = ("*.pdf", "*.txt", "*.text", "*.md", "*.markdown")

# key → (kind, allowed values or None)
KEYS: dict[str, tuple[str, Optional[tuple]]] = {
    "standard": ("str", None),
    "select": ("codes", None),
    "ignore": ("codes", None),
    "extend-select": ("codes", None),
    "per-file-ignores": ("per-file", None),
    "fail-on": ("choice", FAIL_ON),
    "include": ("globs", None),
    "exclude": ("globs", None),
    "lang": ("choice", LANGS),
    "apr-tolerance": ("fraction", None),
    "apr-cap": ("fraction", None),
    "format": ("choice", FORMATS),
    "cache-dir": ("str", None),
}
PARAMETERS = {"apr-tolerance": "apr_tolerance", "apr-cap": "apr_cap"}


class ConfigError(Exception):
    """A configuration problem: says which file and which key."""

    def __init__(self, path: Optional[Path], message: str, key: Optional[str] = None):
        self.path = path
        self.key = key
        where = str(path) if path is not None else "configuration"
        if path is not None and path.name == "pyproject.toml":
            where += " [tool.loanlint]"
        super().__init__(f"{where}: {'`' + key + '`: ' if key else ''}{message}")


@dataclass
class Config:
    """One configuration file, parsed and type-checked (rule codes are checked later,
    against the standard the file resolves to)."""

    path: Optional[Path] = None  # None: built-in defaults
    root: Path = field(default_factory=Path.cwd)  # directory relative paths are taken from
    values: dict[str, Any] = field(default_factory=dict)

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    @property
    def standard_ref(self) -> Optional[str]:
        ref = self.values.get("standard")
        if ref is None:
            return None
        if looks_like_path(ref) and not os.path.isabs(ref):
            return str(self.root / ref)
        return ref

    @property
    def cache_dir(self) -> Optional[str]:
        """``cache-dir``, relative to this file's directory."""
        value = self.values.get("cache-dir")
        return None if value is None else str(self.root / os.path.expanduser(value))

    @property
    def overrides(self) -> dict[str, float]:
        return {PARAMETERS[k]: float(self.values[k]) for k in PARAMETERS if k in self.values}

    def relative(self, path: str) -> Optional[str]:
        """``path`` relative to this configuration's directory (posix), or None if outside it."""
        try:
            rel = os.path.relpath(os.path.abspath(path), self.root)
        except ValueError:  # another drive
            return None
        rel = rel.replace(os.sep, "/")
        if rel == ".." or rel.startswith("../"):
            return None
        return rel

    def excluded(self, path: str) -> bool:
        patterns = self.values.get("exclude") or ()
        return bool(patterns) and matches_any(self.relative(path), patterns)

    def included(self, path: str) -> bool:
        patterns = self.values.get("include") or DEFAULT_INCLUDE
        rel = self.relative(path)
        if rel is None:
            rel = os.path.basename(path)
        return glob_match_path(rel, patterns, whole_only=True)

    def per_file_ignores(self, path: str) -> tuple[str, ...]:
        table = self.values.get("per-file-ignores") or {}
        rel = self.relative(path)
        out: list[str] = []
        for pattern, codes in table.items():
            if matches_any(rel, (pattern,)):
                out.extend(codes)
        return tuple(out)


def looks_like_path(ref: str) -> bool:
    return "/" in ref or "\\" in ref or bool(os.path.splitext(ref)[1])


# ---------------------------------------------------------------- reading and checking

def read_config(path: Path) -> Optional[Config]:
    """Parse one file. A ``pyproject.toml`` without ``[tool.loanlint]`` gives None."""
    try:
        import tomllib
    except ImportError:  # Python 3.10
        try:
            import tomli as tomllib  # type: ignore[no-redef]
        except ImportError:
            raise ConfigError(path, "reading configuration files needs Python 3.11+ (or the tomli package)") from None

    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(path, f"cannot read: {exc.strerror or exc}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise ConfigError(path, f"not UTF-8 (invalid byte at offset {exc.start})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, f"not valid TOML: {exc}") from None
    if path.name == "pyproject.toml":
        tool = data.get("tool")
        if not isinstance(tool, dict) or "loanlint" not in tool:
            return None
        table = tool["loanlint"]
        if not isinstance(table, dict):
            raise ConfigError(path, "must be a table", "tool.loanlint")
    else:
        table = data
        if "tool" in table and isinstance(table["tool"], dict) and "loanlint" in table["tool"]:
            raise ConfigError(path, f"{path.name} takes its keys at the top level, not under [tool.loanlint]", "tool")
    values = {key: check_value(path, key, value) for key, value in table.items()}
    return Config(path=path, root=path.parent.resolve(), values=values)


def check_value(path: Path, key: str, value: Any) -> Any:
    spec = KEYS.get(key)
    if spec is None:
        hint = _closest(key, KEYS)
        raise ConfigError(path, "unknown key" + (f" (did you mean `{hint}`?)" if hint else "")
                          + f"; known keys: {', '.join(KEYS)}", key)
    kind, choices = spec
    if kind == "str":
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(path, f"expected a non-empty string, got {_type(value)}", key)
        return value.strip()
    if kind == "choice":
        if not isinstance(value, str) or value not in choices:
            raise ConfigError(path, f"expected one of {', '.join(repr(c) for c in choices)}, got {value!r}", key)
        return value
    if kind == "fraction":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(path, f"expected a number, got {_type(value)}", key)
        limit_ok = 0 <= value < 1 if key == "apr-tolerance" else 0 < value <= 1
        if not limit_ok:
            example = "0.001 means 0.1 percentage point" if key == "apr-tolerance" else "0.24 means 24%"
            raise ConfigError(path, f"expected a fraction ({example}), got {value!r}", key)
        return float(value)
    if kind in ("codes", "globs"):
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise ConfigError(path, f"expected a list of strings, got {_type(value)}", key)
        items = tuple(v.strip() for v in value)
        return tuple(v.upper() for v in items) if kind == "codes" else items
    if kind == "per-file":
        if not isinstance(value, dict):
            raise ConfigError(path, f"expected a table of glob = [codes], got {_type(value)}", key)
        out = {}
        for pattern, codes in value.items():
            if not isinstance(codes, list) or not all(isinstance(c, str) and c.strip() for c in codes):
                raise ConfigError(path, f"expected a list of rule codes for {pattern!r}, got {_type(codes)}", key)
            out[pattern] = tuple(c.strip().upper() for c in codes)
        return out
    raise AssertionError(kind)  # pragma: no cover


def check_codes(config: Config, known: Iterable[str]) -> None:
    """Every code (or prefix) a configuration names must exist in the standard it uses."""
    known = frozenset(known)
    for key in ("select", "ignore", "extend-select"):
        for code in config.values.get(key) or ():
            if not code_known(code, known):
                raise ConfigError(config.path, f"unknown rule code {code!r}" + _code_hint(code, known), key)
    for pattern, codes in (config.values.get("per-file-ignores") or {}).items():
        for code in codes:
            if not code_known(code, known):
                raise ConfigError(config.path, f"unknown rule code {code!r} for {pattern!r}" + _code_hint(code, known),
                                  "per-file-ignores")


def enabled_codes(known: Iterable[str], layers: Iterable[dict], extra_ignores: Iterable[str] = ()) -> frozenset[str]:
    """ruff's layering: start from every code; each layer (the configuration, then the
    command line) may replace the selection (``select``), add to it (``extend-select``)
    and take codes away (``ignore``); per-file ignores come last. Codes are prefixes."""
    known = sorted(set(known))
    state = set(known)

    def match(prefixes) -> set[str]:
        prefixes = [p for p in prefixes if p]
        if any(p == "ALL" for p in prefixes):
            return set(known)
        return {k for k in known if any(k.startswith(p) for p in prefixes)}

    for layer in layers:  # a key set to None (or absent) leaves the layer below alone
        if layer.get("select") is not None:
            state = match(layer["select"])
        if layer.get("extend-select"):
            state |= match(layer["extend-select"])
        if layer.get("ignore"):
            state -= match(layer["ignore"])
    state -= match(tuple(extra_ignores))
    return frozenset(state)


def code_known(code: str, known: frozenset[str]) -> bool:
    return code == "ALL" or any(k.startswith(code) for k in known)


def _code_hint(code: str, known: frozenset[str]) -> str:
    return f" (the standard's codes: {', '.join(sorted(known))}; prefixes such as 'A4' and 'ALL' work too)"


def _type(value: Any) -> str:
    return {bool: "a boolean", int: "an integer", float: "a number", str: "a string", list: "a list",
            dict: "a table"}.get(type(value), type(value).__name__)


def _closest(key: str, options: Iterable[str]) -> Optional[str]:
    import difflib
    found = difflib.get_close_matches(key.replace("_", "-"), list(options), n=1, cutoff=0.6)
    return found[0] if found else None


# ---------------------------------------------------------------- discovery

class Resolver:
    """Which configuration applies to a path. ``explicit``: ``--config FILE``;
    ``isolated``: no configuration files at all."""

    def __init__(self, explicit: Optional[str] = None, isolated: bool = False):
        self.isolated = isolated
        self._by_dir: dict[str, Config] = {}
        self._default = Config(path=None, root=Path.cwd().resolve())
        self._explicit: Optional[Config] = None
        if explicit is not None and not isolated:
            p = Path(explicit)
            if not p.is_file():
                raise ConfigError(p, "no such configuration file")
            cfg = read_config(p)
            if cfg is None:  # a pyproject.toml without [tool.loanlint]: use it as an empty config
                cfg = Config(path=p, root=p.parent.resolve())
            self._explicit = cfg

    def for_path(self, path: str) -> Config:
        if self.isolated:
            return self._default
        if self._explicit is not None:
            return self._explicit
        p = os.path.abspath(path)
        start = p if os.path.isdir(p) else os.path.dirname(p)
        return self._for_dir(start)

    def _for_dir(self, directory: str) -> Config:
        trail = []
        d = directory
        found: Optional[Config] = None
        while True:
            if d in self._by_dir:
                found = self._by_dir[d]
                break
            trail.append(d)
            found = _config_in(d)
            if found is not None:
                break
            parent = os.path.dirname(d)
            if parent == d:  # filesystem root
                found = self._default
                break
            d = parent
        for t in trail:
            self._by_dir[t] = found
        return found

    def for_run(self, paths: Iterable[str]) -> Config:
        """The configuration for run-wide settings (format, fail-on, lang): the one
        closest to the common ancestor of the checked paths."""
        abspaths = [os.path.abspath(p) for p in paths]
        if not abspaths:
            return self.for_path(os.getcwd())
        try:
            common = os.path.commonpath(abspaths)
        except ValueError:
            common = os.getcwd()
        if len(abspaths) > 1 or not os.path.isdir(common):
            common = common if os.path.isdir(common) else os.path.dirname(common)
        return self.for_path(common)


def _config_in(directory: str) -> Optional[Config]:
    for name in CONFIG_NAMES:
        candidate = Path(directory) / name
        try:
            is_file = candidate.is_file()
        except OSError:  # an unreadable directory holds no configuration we could use
            is_file = False
        if is_file:
            cfg = read_config(candidate)
            if cfg is not None:
                return cfg
    return None


# ---------------------------------------------------------------- globs

_GLOB_CACHE: dict[str, re.Pattern] = {}


def _glob_regex(pattern: str) -> re.Pattern:
    """gitignore-ish: ``*`` and ``?`` stay within a path segment, ``**`` crosses them,
    ``[...]`` is a character class; a pattern is anchored at the configuration's directory."""
    rx = _GLOB_CACHE.get(pattern)
    if rx is not None:
        return rx
    p = pattern.replace("\\", "/")
    if p.startswith("./"):
        p = p[2:]
    p = p.rstrip("/")
    out = []
    i = 0
    while i < len(p):
        c = p[i]
        if p.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif p.startswith("**", i):
            out.append(".*")
            i += 2
        elif c == "*":
            out.append("[^/]*")
            i += 1
        elif c == "?":
            out.append("[^/]")
            i += 1
        elif c == "[":
            j = p.find("]", i + 1)
            if j == -1:
                out.append(re.escape(c))
                i += 1
            else:
                body = p[i + 1:j]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body.replace(chr(92), chr(92) * 2)}]")
                i = j + 1
        else:
            out.append(re.escape(c))
            i += 1
    rx = re.compile("".join(out) + r"\Z")
    _GLOB_CACHE[pattern] = rx
    return rx


def glob_match_path(rel: str, patterns: Iterable[str], whole_only: bool = False) -> bool:
    """Does ``rel`` (posix, relative) match one of ``patterns``? A pattern without a ``/``
    matches a name at any depth (like ``*.pdf`` or ``drafts``); one with a ``/`` matches
    from the configuration's directory. Unless ``whole_only``, a pattern that matches a
    parent directory matches everything under it."""
    parts = rel.split("/")
    candidates = [rel] if whole_only else ["/".join(parts[: i + 1]) for i in range(len(parts))]
    for pattern in patterns:
        pat = pattern.replace("\\", "/").rstrip("/")
        anchored = "/" in pat.lstrip("/") or pat.startswith("/")
        pat = pat.lstrip("/")
        rx = _glob_regex(pat)
        for cand in candidates:
            subject = cand if anchored else cand.rsplit("/", 1)[-1]
            if rx.match(subject):
                return True
    return False


def matches_any(rel: Optional[str], patterns: Iterable[str]) -> bool:
    if rel is None:
        return False
    return glob_match_path(rel, patterns)
