"""Load ``vocabulary.toml`` once and compile what the extractors match with."""
from __future__ import annotations

import re
from functools import cached_property, lru_cache
from pathlib import Path

VOCABULARY_FILE = Path(__file__).with_name("vocabulary.toml")


def alternation(phrases, escape: bool = True) -> str:
    """A regex alternation, longest phrase first so the most specific label wins."""
    items = sorted(set(phrases), key=len, reverse=True)
    return "|".join(re.escape(p) if escape else p for p in items)


class Vocabulary:
    def __init__(self, data: dict):
        self.data = data

    def __getitem__(self, key: str):
        return self.data[key]

    def words(self, section: str, key: str) -> list[str]:
        return list(self.data[section][key])

    def regex(self, *phrases_lists) -> re.Pattern:
        phrases = [p for lst in phrases_lists for p in lst]
        return re.compile(alternation(phrases))

    @cached_property
    def placeholder_re(self) -> re.Pattern:
        return re.compile("|".join(self.data["placeholders"]["patterns"]))

    @cached_property
    def fee_names(self) -> dict[str, str]:
        return {**self.data["fees"]["names"], **self.data["fees"]["legal_costs"]}

    @cached_property
    def legal_costs(self) -> set[str]:
        return set(self.data["fees"]["legal_costs"])

    @cached_property
    def fee_name_re(self) -> re.Pattern:
        generic = self.data["fees"]["generic"]["suffixes"]
        known = alternation(self.fee_names)
        # a generic name: up to 4 hanzi/latin before a fee suffix (trimmed later)
        gen = r"[\u4e00-\u9fffA-Za-z]{0,6}(?:%s)" % alternation(generic)
        quoted = r"“[\u4e00-\u9fffA-Za-z]{1,10}”(?:费用|服务费|费)"  # “极速权益卡”费用
        return re.compile(f"(?:{quoted})|(?:{gen})|(?:{known})")

    @cached_property
    def not_fee_re(self) -> re.Pattern:
        return self.regex(self.data["fees"]["generic"]["not_fees"])


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    try:
        import tomllib
    except ImportError:  # Python 3.10: the same parser, as a package
        import tomli as tomllib  # type: ignore[no-redef]
    with open(VOCABULARY_FILE, "rb") as fh:
        return Vocabulary(tomllib.load(fh))
