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
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Optional

from ..errors import StandardError

MAX_STANDARD_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 64  # the built-in standard nests 10 levels; facts themselves are never deeper than 6
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
    # the shipped standards are checked by the test suite; a run does not pay for
    # meta-validating them again (a user's standard always is)
    shipped = path.resolve().parent == (schemas_dir() / "standards").resolve()
    return _build(schema, str(path), overrides or {}, verify=not shipped)


def _read_json(path: Path) -> dict[str, Any]:
    import stat

    try:
        st = path.stat()
    except OSError as exc:
        raise StandardError(f"cannot read standard {path}: {exc.strerror or exc}") from None
    if not stat.S_ISREG(st.st_mode):  # a FIFO or /dev/zero would block or never end
        raise StandardError(f"standard {path} is not a regular file")
    if st.st_size > MAX_STANDARD_BYTES:
        raise StandardError(f"standard {path} is {st.st_size} bytes (limit {MAX_STANDARD_BYTES})")
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_STANDARD_BYTES + 1)
    except OSError as exc:
        raise StandardError(f"cannot read standard {path}: {exc.strerror or exc}") from None
    if len(raw) > MAX_STANDARD_BYTES:
        raise StandardError(f"standard {path} is over {MAX_STANDARD_BYTES} bytes")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise StandardError(f"standard {path} is not UTF-8 (invalid byte at {exc.start})") from None

    def no_constant(name: str):
        raise ValueError(name)

    try:
        data = json.loads(text, parse_constant=no_constant)
    except json.JSONDecodeError as exc:
        raise StandardError(f"standard {path} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except ValueError as exc:
        raise StandardError(f"standard {path} is not valid JSON: {exc} is not a JSON number") from None
    except RecursionError:
        line, col = _nesting_beyond(text, MAX_DEPTH) or (1, 1)
        raise StandardError(f"standard {path} nests deeper than {MAX_DEPTH} levels "
                            f"(from line {line} column {col})") from None
    if not isinstance(data, dict):
        raise StandardError(f"standard {path} must be a JSON object (a JSON Schema)", "")
    return data


def _nesting_beyond(text: str, limit: int) -> Optional[tuple[int, int]]:
    """(line, column) where JSON text first opens more than ``limit`` nested arrays or
    objects, else None: where to look when the parser gave up (RecursionError)."""
    if text.count("[") + text.count("{") <= limit:
        return None
    depth = 0
    in_string = escaped = False
    for i, ch in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > limit:
                line = text.count("\n", 0, i) + 1
                return line, i - (text.rfind("\n", 0, i) + 1) + 1
        elif ch in "]}":
            depth -= 1
    return None


def _build(schema: dict[str, Any], path: str, overrides: dict[str, float], verify: bool = True) -> Standard:
    from jsonschema import exceptions
    from jsonschema.validators import validator_for

    _check_depth(schema)
    meta = schema.get("$schema")
    if meta is not None and meta not in _LOCAL_SCHEMAS:
        raise StandardError(f"unsupported $schema {meta!r}: loanlint reads drafts 4 to 2020-12 and never "
                            f"fetches meta-schemas", "/$schema")
    _check_refs(schema, "")
    _check_local_refs(schema)
    cls = validator_for(schema, default=validator_for({"$schema": _LOCAL_SCHEMAS[0]}))
    try:
        if verify:
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
    if verify or overrides:
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


_IN_PLACE_LISTS = ("allOf", "anyOf", "oneOf")
_IN_PLACE_ONE = ("not", "if", "then", "else")
_IN_PLACE_MAPS = ("dependentSchemas",)
_REF_KEYS = ("$ref", "$dynamicRef", "$recursiveRef")


def _check_local_refs(schema: dict[str, Any]) -> None:
    """Local references must resolve, and no chain of references may come back to where
    it started without descending into the data (``{"$ref": "#"}``, ``a → b → a``):
    jsonschema would recurse until RecursionError on every file. Checked statically so
    the error names the reference. (A standard with nested ``$id``s, where ``#/…`` is
    relative to another resource, is left to the trial validation.)"""
    from urllib.parse import unquote

    nodes: dict[str, Any] = {}
    nested_id = False
    stack: list[tuple[Any, str]] = [(schema, "")]
    while stack:
        node, ptr = stack.pop()
        if isinstance(node, dict):
            nodes[ptr] = node
            if ptr and isinstance(node.get("$id"), str):
                nested_id = True
            for key, value in node.items():
                stack.append((value, f"{ptr}/{_escape(key)}"))
        elif isinstance(node, list):
            for i, item in enumerate(node):
                stack.append((item, f"{ptr}/{i}"))
    if nested_id:
        return

    def target(ref: str, where: str) -> Optional[str]:
        frag = ref[1:]
        if frag and not frag.startswith("/"):
            return None  # an anchor ("#name"): resolved by jsonschema
        frag = unquote(frag)
        if frag not in nodes:
            try:
                parent, key = resolve_pointer(schema, frag)
                parent[key]
            except (KeyError, IndexError, ValueError, TypeError):
                raise StandardError(f"$ref {ref!r} does not resolve to anything in the standard", where) from None
            return None  # resolves to something that is not a schema object (true/false)
        return frag

    edges: dict[str, list[tuple[str, str]]] = {}
    for ptr, node in nodes.items():
        out = []
        for key in _IN_PLACE_LISTS:
            if isinstance(node.get(key), list):
                out += [(f"{ptr}/{key}/{i}", "") for i, sub in enumerate(node[key]) if isinstance(sub, dict)]
        for key in _IN_PLACE_ONE:
            if isinstance(node.get(key), dict):
                out.append((f"{ptr}/{key}", ""))
        for key in _IN_PLACE_MAPS:
            if isinstance(node.get(key), dict):
                out += [(f"{ptr}/{key}/{_escape(k)}", "") for k, sub in node[key].items() if isinstance(sub, dict)]
        for key in _REF_KEYS:
            ref = node.get(key)
            if isinstance(ref, str) and ref.startswith("#"):
                where = f"{ptr}/{_escape(key)}"
                dest = target(ref, where)
                if dest is not None:
                    out.append((dest, where))
        edges[ptr] = out

    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for start in nodes:
        if state.get(start):
            continue
        path: list[tuple[str, str]] = [(start, "")]
        iters = [iter(edges[start])]
        state[start] = 1
        while iters:
            step = next(iters[-1], None)
            if step is None:
                iters.pop()
                state[path.pop()[0]] = 2
                continue
            dest, via = step
            if state.get(dest) == 1:
                i = next(n for n, (p, _) in enumerate(path) if p == dest)
                refs = [v for _, v in path[i + 1:] + [step] if v]
                chain = " → ".join([dest or "#"] + [p or "#" for p, _ in path[i + 1:]] + [dest or "#"])
                raise StandardError(f"$ref cycle that never descends into the data: {chain} "
                                    f"(validation would recurse forever)", refs[0] if refs else dest)
            if not state.get(dest):
                state[dest] = 1
                path.append(step)
                iters.append(iter(edges.get(dest, ())))


def _check_depth(schema: dict[str, Any]) -> None:
    stack: list[tuple[Any, str, int]] = [(schema, "", 1)]
    while stack:
        node, ptr, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise StandardError(f"the standard nests deeper than {MAX_DEPTH} levels", ptr)
        if isinstance(node, dict):
            stack.extend((v, f"{ptr}/{_escape(k)}", depth + 1) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((v, f"{ptr}/{i}", depth + 1) for i, v in enumerate(node))


@lru_cache(maxsize=1)
def _x_rule_validator():
    from jsonschema import Draft202012Validator
    return Draft202012Validator(X_RULE_SCHEMA)


def _collect_rules(node: Any, pointer: str, std: Standard) -> None:
    if isinstance(node, dict):
        if "x-rule" in node:
            here = f"{pointer}/x-rule"
            ann = node["x-rule"]
            errors = sorted(_x_rule_validator().iter_errors(ann), key=lambda e: list(e.path))
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
