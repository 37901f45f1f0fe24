"""A document's kind (法律, 行政法规, 司法解释, 意见 …) from the rule table in data/kinds.toml."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

KINDS_FILE = Path(__file__).with_name("data") / "kinds.toml"


@dataclass(frozen=True)
class KindRule:
    kind: str
    title: re.Pattern[str] | None
    issuer: re.Pattern[str] | None
    folder: re.Pattern[str] | None
    example: dict[str, str]

    def matches(self, title: str, issuer: str, folders: tuple[str, ...]) -> bool:
        if self.title is not None and not self.title.search(title):
            return False
        if self.issuer is not None and not self.issuer.search(issuer):
            return False
        return self.folder is None or any(self.folder.fullmatch(f) for f in folders)


@lru_cache(maxsize=4)
def kind_rules(path: Path = KINDS_FILE) -> tuple[KindRule, ...]:
    data = tomllib.loads(path.read_text("utf-8"))
    rules = []
    for row in data["rule"]:
        patterns = {key: re.compile(row[key]) if key in row else None for key in ("title", "issuer", "folder")}
        rules.append(KindRule(row["kind"], patterns["title"], patterns["issuer"], patterns["folder"], row["example"]))
    return tuple(rules)


def classify(title: str, issuer: str = "", folders: tuple[str, ...] = ()) -> str:
    """The kind of the first rule that matches, or "" when none does."""
    rule = matching_rule(title, issuer, folders)
    return rule.kind if rule else ""


def matching_rule(title: str, issuer: str = "", folders: tuple[str, ...] = ()) -> KindRule | None:
    return next((r for r in kind_rules() if r.matches(title, issuer, folders)), None)
