"""Stage 4: check the facts against a disclosure standard (JSON Schema + ``x-rule``)."""
from .load import DEFAULT_STANDARD, Rule, Standard, builtin_ids, load_standard
from .validate import validate

__all__ = ["DEFAULT_STANDARD", "Rule", "Standard", "builtin_ids", "load_standard", "validate"]
