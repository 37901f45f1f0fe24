"""Prompt templates live in prompts/*.md; each is checked for exactly its placeholders at start-up."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")

# Every prompt the product uses and the variables it must take.
PROMPT_VARIABLES: dict[str, frozenset[str]] = {
    "answer_system": frozenset({"not_found"}),
    "answer_user": frozenset({"clauses", "question", "not_found"}),
    "condense": frozenset({"history", "question"}),
    "quiz_generate": frozenset({"clauses", "count", "types", "difficulty", "blank"}),
    "judge": frozenset({"question", "key_facts", "clauses", "answer"}),
}


class PromptError(ValueError):
    """A prompt file is missing, has the wrong placeholders, or was rendered without a variable."""


@dataclass(frozen=True)
class PromptSet:
    templates: dict[str, str]

    def render(self, name: str, **variables: str) -> str:
        template = self.templates[name]
        wanted = PROMPT_VARIABLES[name]
        missing = wanted - variables.keys()
        extra = variables.keys() - wanted
        if missing or extra:
            raise PromptError(f"prompt {name}: missing {sorted(missing)}, unexpected {sorted(extra)}")
        return PLACEHOLDER.sub(lambda m: variables[m.group(1)], template)


def load_prompts(directory: Path) -> PromptSet:
    templates = {}
    for name, wanted in PROMPT_VARIABLES.items():
        path = directory / f"{name}.md"
        try:
            text = path.read_text("utf-8")
        except OSError as exc:
            raise PromptError(f"prompt file missing: {path}") from exc
        found = set(PLACEHOLDER.findall(text))
        if found != wanted:
            raise PromptError(f"prompt {path} has placeholders {sorted(found)}, expected {sorted(wanted)}")
        templates[name] = text.strip() + "\n"
    return PromptSet(templates)
