"""Validation errors → findings: each error is reported under the nearest ``x-rule``
on its schema path, located at the fact it is about."""
from __future__ import annotations

import re
from typing import Any, Optional

from ..models import Finding, Location
from .load import Rule, Standard, resolve_pointer

GENERIC = Rule("X000", "standard-violation", "error",
               {"message": {"zh": "不符合标准：{error}", "en": "does not meet the standard: {error}"}}, "")
_FIELD = re.compile(r"\{([a-zA-Z_][\w]*)(?::([\w]+))?\}")


def validate(std: Standard, facts: dict[str, Any], lang: str = "zh", origin: Optional[Location] = None) -> list[Finding]:
    """Findings about something missing point at ``origin`` (the document's start)."""
    findings: dict[tuple, Finding] = {}
    for error in std.validator.iter_errors(facts):
        rule = _nearest_rule(std, error)
        target, obj = _instance_object(facts, list(error.absolute_path))
        if rule.annotation.get("evidence") and (obj is None or "location" not in obj):
            try:
                parent, key = resolve_pointer(facts, rule.annotation["evidence"])
                ev = parent[key]
                if isinstance(ev, dict) and "location" in ev:
                    obj = {**ev, **(obj or {})} if obj else ev
            except (KeyError, IndexError, ValueError, TypeError):
                pass
        location = _location(obj, origin)
        context: dict[str, Any] = dict(std.parameters)
        context["tolerance"] = std.parameters.get("apr_tolerance")
        context["cap"] = std.parameters.get("apr_cap")
        context["error"] = error.message
        if isinstance(obj, dict):
            context.update(obj)
        if not isinstance(target, (dict, list)):
            context["value"] = target
        message = render(rule.text("message", lang), context, lang)
        evidence = obj.get("text") if isinstance(obj, dict) and isinstance(obj.get("text"), str) else None
        f = Finding(rule=rule.code, name=rule.name, severity=rule.severity, message=message,
                    location=location, evidence=evidence)
        key = (f.rule, f.location.page, f.location.line, f.location.column, f.message)
        findings.setdefault(key, f)
    return sorted(findings.values(), key=lambda f: (f.location.page or 0, f.location.line, f.location.column, f.rule))


def _as_rule(std: Standard, ann: dict) -> Rule:
    """The rule as annotated *here* (a code may carry a different message per constraint)."""
    known = std.rules.get(ann.get("code"))
    if known is None:
        return GENERIC
    return Rule(known.code, known.name, known.severity, {**known.annotation, **ann}, known.pointer)


def _nearest_rule(std: Standard, error) -> Rule:
    if isinstance(error.schema, dict) and isinstance(error.schema.get("x-rule"), dict):
        return _as_rule(std, error.schema["x-rule"])
    path = list(error.absolute_schema_path)
    node_chain = [std.schema]
    node = std.schema
    for part in path:
        try:
            node = node[part] if not isinstance(node, list) else node[int(part)]
        except (KeyError, IndexError, TypeError, ValueError):
            break
        node_chain.append(node)
    for node in reversed(node_chain):
        if isinstance(node, dict) and isinstance(node.get("x-rule"), dict):
            return _as_rule(std, node["x-rule"])
    return GENERIC


def _instance_object(facts: Any, path: list) -> tuple[Any, Optional[dict]]:
    """The failing value and the nearest enclosing object that says where it came from."""
    chain = [facts]
    node = facts
    for part in path:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
        chain.append(node)
    target = chain[-1]
    for node in reversed(chain[1:]):
        if isinstance(node, dict) and isinstance(node.get("location"), dict):
            return target, node
    for node in reversed(chain[1:]):
        if isinstance(node, dict):
            return target, node
    return target, None


def _location(obj: Optional[dict], origin: Optional[Location]) -> Location:
    loc = obj.get("location") if isinstance(obj, dict) else None
    if isinstance(loc, dict) and isinstance(loc.get("line"), int):
        return Location(line=loc["line"], column=int(loc.get("column") or 1), page=loc.get("page"))
    return origin or Location(line=1, column=1)


def render(template: str, context: dict[str, Any], lang: str) -> str:
    """``{field}`` / ``{field:fmt}`` from the failing fact; unknown fields render empty."""
    def sub(m: re.Match) -> str:
        value = context.get(m.group(1))
        return _format(value, m.group(2), lang)
    return _FIELD.sub(sub, template).strip()


def _format(value: Any, fmt: Optional[str], lang: str) -> str:
    if fmt is None:
        if value is None:
            return ""
        if isinstance(value, float):
            return f"{value:g}"
        if isinstance(value, list):
            return "、".join(str(v) for v in value) if lang == "zh" else ", ".join(str(v) for v in value)
        return str(value)
    if fmt in ("zh", "en") and isinstance(value, list):
        parts = [d.get(fmt, "") for d in value if isinstance(d, dict)]
        if not parts:
            return ""
        return ("；".join(parts) + "。") if fmt == "zh" else ("; ".join(parts) + ". ")
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        if fmt.startswith("missing") and isinstance(value, list) and value:
            names = "、".join(value) if fmt.endswith("zh") else ", ".join(value)
            return f"；费用明细未列出：{names}" if fmt.endswith("zh") else f"; the cost list leaves out: {names}"
        return ""
    if fmt == "pct":
        return f"{value * 100:.2f}%"
    if fmt == "pp":
        return f"{value * 100:.2f}"
    if fmt == "money":
        return f"{value:,.2f}"
    if fmt == "yuan_paren_zh":
        return f"（{value:,.2f}元）"
    if fmt == "yuan_paren_en":
        return f" ({value:,.2f})"
    return str(value)
