"""Rules that belong to loanlint itself rather than to a disclosure standard.

``X000`` is what a validation error maps to when no ``x-rule`` covers it (see
``standard/validate.py``); ``X001``/``X002`` come from inline suppression comments
(``linter/suppress.py``). They are listed by ``loanlint rules``, explained by
``loanlint explain``, documented under ``docs/rules/`` and declared in SARIF like the
standard's own rules, and they can be selected or ignored like any other code.
"""
from __future__ import annotations

from .standard.load import Rule

_REG_NONE: list = []

BUILTIN_ANNOTATIONS = {
    "X000": {
        "code": "X000", "name": "standard-violation", "severity": "error",
        "message": {"zh": "不符合标准：{error}", "en": "does not meet the standard: {error}"},
        "summary": {"zh": "事实不符合标准中某项没有 x-rule 注解的约束",
                    "en": "the facts break a constraint of the standard that carries no x-rule annotation"},
        "rationale": {"zh": "标准（JSON Schema）中的每个约束都会被检查；没有 x-rule 注解的约束以此通用代码报告，以免问题被悄悄忽略。",
                      "en": "Every constraint of the standard (a JSON Schema) is checked; one without an x-rule annotation "
                            "is reported under this generic code so that nothing is silently dropped."},
        "fix": {"zh": "按提示修改合同；如果你维护该标准，请给这个约束加上 x-rule 注解（代码、名称、严重程度、中英文说明）。",
                "en": "Fix the contract as the message says; if you maintain the standard, give the constraint an "
                      "x-rule annotation (code, name, severity, zh/en message)."},
        "regulation": _REG_NONE,
    },
    "X001": {
        "code": "X001", "name": "unused-suppression", "severity": "warning",
        "message": {"zh": "抑制注释未抑制任何问题：{codes}", "en": "suppression comment suppresses nothing: {codes}"},
        "summary": {"zh": "抑制注释（loanlint: disable…）没有抑制任何问题",
                    "en": "a suppression comment (loanlint: disable…) suppresses nothing"},
        "rationale": {"zh": "问题修好后留下的抑制注释会在以后悄悄掩盖新问题；及时删除可以让抑制清单保持真实。",
                      "en": "A suppression left behind after the problem was fixed would silently hide a future "
                            "problem; removing it keeps the list of accepted exceptions honest."},
        "fix": {"zh": "删除该注释，或删掉其中不再需要的规则代码。",
                "en": "Delete the comment, or the rule codes in it that are no longer needed."},
        "regulation": _REG_NONE,
    },
    "X002": {
        "code": "X002", "name": "invalid-suppression", "severity": "warning",
        "message": {"zh": "无法识别的 loanlint 注释：{detail}", "en": "malformed loanlint comment: {detail}"},
        "summary": {"zh": "loanlint 抑制注释格式错误或含未知规则代码",
                    "en": "a loanlint suppression comment is malformed or names an unknown rule code"},
        "rationale": {"zh": "写错的抑制注释不会生效，作者却以为问题已被抑制。",
                      "en": "A mistyped suppression comment does nothing, while its author believes the finding is suppressed."},
        "fix": {"zh": "写成 <!-- loanlint: disable=S301 --> 或 <!-- loanlint: disable-next-line=C102 -->，"
                      "多个代码用逗号分隔，或写 all。",
                "en": "Write <!-- loanlint: disable=S301 --> or <!-- loanlint: disable-next-line=C102 -->, "
                      "several codes comma-separated, or all."},
        "regulation": _REG_NONE,
    },
}

BUILTIN_RULES: dict[str, Rule] = {
    code: Rule(ann["code"], ann["name"], ann["severity"], ann, "") for code, ann in BUILTIN_ANNOTATIONS.items()
}


def all_rules(std) -> dict[str, Rule]:
    """The standard's rules plus loanlint's own, by code (the standard's win on a clash)."""
    rules = dict(BUILTIN_RULES)
    rules.update(std.rules)
    return dict(sorted(rules.items()))


def known_codes(std) -> frozenset[str]:
    return frozenset(std.rules) | frozenset(BUILTIN_RULES)
