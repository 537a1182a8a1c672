"""Load a disclosure standard (a JSON Schema with ``x-rule`` annotations) safely.

A standard may be written by a user, so it is untrusted input: size-bounded, parsed
without recursion blow-ups, checked against its meta-schema, its own annotations
validated (jsonschema ignores unknown keywords, so a broken ``x-rule`` would
otherwise pass silently), and refused if it refers outside itself — loanlint never
fetches a ``$ref`` from the network or the disk.
"""
from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Optional

from ..errors import StandardError

MAX_STANDARD_BYTES = 2 * 1024 * 1024
DEFAULT_STANDARD = "cn-consumer-loan"
SEVERITIES = ("error", "warning", "info")
_LANG_TEXT = {"type": "object", "required": ["zh", "en"],
              "properties": {"zh": {"type": "string", "minLength": 1}, "en": {"type": "string", "minLength": 1}}}
X_RULE_SCHEMA = {
    "type": "object",
    "required": ["code", "name", "severity", "message"],
    "properties": {
        "code": {"type": "string", "pattern": "^[A-Z][A-Z0-9]{1,9}$"},
        "name": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]*$"},
        "severity": {"enum": list(SEVERITIES)},
        "message": _LANG_TEXT,
        "summary": _LANG_TEXT,
        "rationale": _LANG_TEXT,
        "fix": _LANG_TEXT,
        "regulation": {"type": "array", "items": {"type": "object", "required": ["zh", "en"]}},
        "evidence": {"type": "string", "pattern": "^(/[^/]*)*$"},
    },
}
_LOCAL_SCHEMAS = (
    "https://json-schema.org/draft/2020-12/schema",
    "https://json-schema.org/draft/2019-09/schema",
    "http://json-schema.org/draft-07/schema#",
    "http://json-schema.org/draft-07/schema",
    "http://json-schema.org/draft-06/schema#",
    "http://json-schema.org/draft-04/schema#",
)


@dataclass
class Rule:
    code: str
    name: str
    severity: str
    annotation: dict[str, Any]
    pointer: str

    def text(self, key: str, lang: str) -> str:
        value = self.annotation.get(key)
        if isinstance(value, dict):
            return value.get(lang) or value.get("en") or ""
        return ""


@dataclass
class Standard:
    id: str
    version: Optional[str]
    path: str
    schema: dict[str, Any]
    rules: dict[str, Rule] = field(default_factory=dict)
    parameters: dict[str, float] = field(default_factory=dict)

    @cached_property
    def validator(self):
        from jsonschema.validators import validator_for
        from referencing import Registry

        cls = validator_for(self.schema)
        registry = Registry(retrieve=_refuse)  # type: ignore[call-arg]
        return cls(self.schema, registry=registry)

    @cached_property
    def digest(self) -> str:
        import hashlib
        return hashlib.sha256(json.dumps(self.schema, sort_keys=True).encode()).hexdigest()[:16]


def _refuse(uri: str):
    from referencing.exceptions import NoSuchResource
    raise NoSuchResource(ref=uri)


def schemas_dir() -> Path:
    pkg = Path(__file__).resolve().parent.parent
    installed = pkg / "schemas"
    return installed if installed.is_dir() else pkg.parent / "schemas"


def builtin_ids() -> list[str]:
    d = schemas_dir() / "standards"
    return sorted(p.name[: -len(".schema.json")] for p in d.glob("*.schema.json"))


def load_standard(ref: str = DEFAULT_STANDARD, overrides: Optional[dict[str, float]] = None) -> Standard:
    path = Path(ref)
    if not path.suffix and "/" not in ref and "\\" not in ref:
        candidate = schemas_dir() / "standards" / f"{ref}.schema.json"
        if not candidate.is_file():
            raise StandardError(f"unknown standard '{ref}' (built-in: {', '.join(builtin_ids())}); "
                                f"pass a path to a JSON Schema file to use your own")
        path = candidate
    schema = _read_json(path)
    std = _build(schema, str(path), overrides or {})
    return std


def _read_json(path: Path) -> dict[str, Any]:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise StandardError(f"cannot read standard {path}: {exc.strerror or exc}") from None
    if size > MAX_STANDARD_BYTES:
        raise StandardError(f"standard {path} is {size} bytes (limit {MAX_STANDARD_BYTES})")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise StandardError(f"cannot read standard {path}: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise StandardError(f"standard {path} is not UTF-8 (invalid byte at {exc.start})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise StandardError(f"standard {path} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except RecursionError:
        raise StandardError(f"standard {path} nests too deeply to be read") from None
    if not isinstance(data, dict):
        raise StandardError(f"standard {path} must be a JSON object (a JSON Schema)", "")
    return data


def _build(schema: dict[str, Any], path: str, overrides: dict[str, float]) -> Standard:
    from jsonschema import exceptions
    from jsonschema.validators import validator_for

    meta = schema.get("$schema")
    if meta is not None and meta not in _LOCAL_SCHEMAS:
        raise StandardError(f"unsupported $schema {meta!r}: loanlint reads drafts 4 to 2020-12 and never "
                            f"fetches meta-schemas", "/$schema")
    _check_refs(schema, "")
    cls = validator_for(schema, default=validator_for({"$schema": _LOCAL_SCHEMAS[0]}))
    try:
        cls.check_schema(schema)
    except exceptions.SchemaError as exc:
        pointer = "/" + "/".join(str(p) for p in exc.absolute_path)
        raise StandardError(f"not a valid JSON Schema: {exc.message}", pointer) from None
    except RecursionError:
        raise StandardError("not a valid JSON Schema: nests too deeply") from None
    schema = copy.deepcopy(schema)
    info = schema.get("x-standard") if isinstance(schema.get("x-standard"), dict) else {}
    std = Standard(id=str(info.get("id") or Path(path).name.split(".")[0]),
                   version=str(info["version"]) if info.get("version") is not None else None,
                   path=path, schema=schema)
    _collect_rules(schema, "", std)
    _apply_parameters(std, overrides)
    _trial(std)
    return std


def _check_refs(node: Any, pointer: str) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            here = f"{pointer}/{_escape(key)}"
            if key in ("$ref", "$dynamicRef", "$recursiveRef") and isinstance(value, str):
                if not value.startswith("#"):
                    raise StandardError(f"{key} {value!r} points outside the standard; loanlint never fetches "
                                        f"schemas (inline the definition under $defs and use '#/$defs/…')", here)
            _check_refs(value, here)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            _check_refs(item, f"{pointer}/{i}")


def _escape(key: str) -> str:
    return str(key).replace("~", "~0").replace("/", "~1")


def _collect_rules(node: Any, pointer: str, std: Standard) -> None:
    from jsonschema import Draft202012Validator

    if isinstance(node, dict):
        if "x-rule" in node:
            here = f"{pointer}/x-rule"
            ann = node["x-rule"]
            errors = sorted(Draft202012Validator(X_RULE_SCHEMA).iter_errors(ann), key=lambda e: list(e.path))
            if errors:
                e = errors[0]
                sub = "/".join(str(p) for p in e.absolute_path)
                raise StandardError(f"invalid x-rule annotation: {e.message}", here + (f"/{sub}" if sub else ""))
            rule = Rule(ann["code"], ann["name"], ann["severity"], ann, here)
            known = std.rules.get(rule.code)
            if known is not None and (known.name != rule.name or known.severity != rule.severity):
                raise StandardError(f"rule {rule.code} is declared twice with different name or severity "
                                    f"(first at {known.pointer})", here)
            std.rules.setdefault(rule.code, rule)
        for key, value in node.items():
            if key != "x-rule":
                _collect_rules(value, f"{pointer}/{_escape(key)}", std)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            _collect_rules(item, f"{pointer}/{i}", std)


def resolve_pointer(doc: Any, pointer: str) -> tuple[Any, Any]:
    """(parent container, key) of a JSON pointer."""
    parts = [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]
    if not parts:
        raise KeyError(pointer)
    node = doc
    for p in parts[:-1]:
        node = node[int(p)] if isinstance(node, list) else node[p]
    last = parts[-1]
    return node, (int(last) if isinstance(node, list) else last)


def _apply_parameters(std: Standard, overrides: dict[str, float]) -> None:
    params = std.schema.get("x-parameters") or {}
    if not isinstance(params, dict):
        raise StandardError("x-parameters must be an object", "/x-parameters")
    for name, spec in params.items():
        here = f"/x-parameters/{_escape(name)}"
        if not isinstance(spec, dict) or not isinstance(spec.get("value"), (int, float)) \
                or not isinstance(spec.get("pointers"), list):
            raise StandardError("a parameter needs a numeric 'value' and a list of 'pointers'", here)
        value = overrides.get(name, spec["value"])
        for i, ptr in enumerate(spec["pointers"]):
            try:
                parent, key = resolve_pointer(std.schema, ptr)
                current = parent[key]
            except (KeyError, IndexError, ValueError, TypeError):
                raise StandardError(f"parameter pointer {ptr!r} does not resolve in the standard", f"{here}/pointers/{i}") from None
            if not isinstance(current, (int, float)):
                raise StandardError(f"parameter pointer {ptr!r} does not point at a number", f"{here}/pointers/{i}")
            parent[key] = value
        std.parameters[name] = value
    unknown = set(overrides) - set(params)
    if unknown:
        raise StandardError(f"the standard has no parameter(s) {', '.join(sorted(unknown))} "
                            f"(it has: {', '.join(sorted(params)) or 'none'})")


def _trial(std: Standard) -> None:
    """Validate an empty facts object once: catches $ref cycles and unresolvable refs now,
    as a clear error, instead of in the middle of linting."""
    from referencing.exceptions import Unresolvable

    try:
        for _ in std.validator.iter_errors({"fees": [{}], "confirmations": [], "derived": {}}):
            pass
    except RecursionError:
        raise StandardError("the standard's $ref chain never ends (a schema that refers to itself)") from None
    except Unresolvable as exc:
        raise StandardError(f"unresolvable reference: {exc}") from None
