"""随机组卷: draw a paper at random from the bank's approved items, by type, document part and difficulty."""

from __future__ import annotations

import random

from assistant.errors import UserError
from assistant.quiz.bank import QuizBank
from assistant.quiz.types import TYPE_LABELS, Difficulty, QuestionType, QuizItem, stem_key


def draw(
    bank: QuizBank,
    counts: dict[QuestionType, int],
    seed: int | None = None,
    parts: list[str] | None = None,
    difficulties: list[Difficulty] | None = None,
    clauses: dict[str, str] | None = None,
) -> list[QuizItem]:
    """Approved items drawn at random: counts[type] of each type, from the given parts (clause key → part in
    `clauses`) and difficulties, never two items with the same stem; grouped by type as a paper is."""
    rng = random.Random(seed)
    pool = [
        i
        for i in bank.items("approved")
        if (not difficulties or i.difficulty in difficulties) and (not parts or (clauses or {}).get(i.key, "") in parts)
    ]
    paper: list[QuizItem] = []
    seen: set[str] = set()
    for kind, wanted in counts.items():
        if wanted <= 0:
            continue
        candidates = [i for i in pool if i.type == kind]
        rng.shuffle(candidates)
        picked = []
        for item in candidates:
            if stem_key(item) in seen:
                continue
            seen.add(stem_key(item))
            picked.append(item)
            if len(picked) == wanted:
                break
        if len(picked) < wanted:
            raise UserError(f"题库中符合条件的{TYPE_LABELS[kind]}只有 {len(picked)} 道，不够抽取 {wanted} 道。")
        paper += picked
    return paper
