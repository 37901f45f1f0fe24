"""A quiz whose true/false keys cannot be guessed from its surface: 正确 and 错误 about even overall, and even among
the statements holding each modal word (可以, 应当 …) or a number, so "a stem with 可以 (or a number) is false" earns
nothing."""

from __future__ import annotations

import re
from collections import Counter
from functools import cache

from assistant.quiz.gazetteer import load_data
from assistant.quiz.number_cues import counts
from assistant.quiz.soundness import gate_settings
from assistant.quiz.types import TRUE, GateReport, QuizItem, split_stem


@cache
def _group() -> tuple[str, tuple[str, ...]]:
    data = load_data("gates")
    return str(data["cue_group"]), tuple(data["cue_group_words"])


@cache
def _number_cue() -> str:
    return str(load_data("gates").get("number_cue", ""))


def cue_names() -> tuple[str, ...]:
    """The cues a quiz evens out: the group of modal words and the number cue first, then each word."""
    number = (_number_cue(),) if _number_cue() else ()
    return (_group()[0], *number, *gate_settings().cue_words)


def holds_number(body: str) -> bool:
    """The statement shows a number: a digit (45日, 2025年) or a Chinese count before a unit (三十日)."""
    return bool(re.search(r"\d", body)) or bool(counts(body))


def cue_words(item: QuizItem) -> list[str]:
    """The cues of a true/false statement (none for other types): the group's name when it holds any of the group's
    words (可以 or 应当), the number cue when it shows a number, then each modal word it holds."""
    if item.type != "tf":
        return []
    body = split_stem(item.stem)[1]
    name, members = _group()
    group = [name] if any(word in body for word in members) else []
    number = [_number_cue()] if _number_cue() and holds_number(body) else []
    return group + number + [word for word in gate_settings().cue_words if word in body]


def group_cue(item: QuizItem) -> list[str]:
    """Only the group cue and the number cue of a statement (the last balance kept when a quiz cannot even each
    word)."""
    return [w for w in cue_words(item) if w in (_group()[0], _number_cue())]


def cue_counts(items: list[QuizItem]) -> Counter[tuple[str, bool]]:
    """(word, true?) → statements among the items."""
    counts: Counter[tuple[str, bool]] = Counter()
    for item in items:
        counts.update((word, item.answer == [TRUE]) for word in cue_words(item))
    return counts


def even_out(ordered: list[QuizItem], n: int, report: GateReport, seed: int = 0) -> list[QuizItem]:
    """The ordered pool with statements dropped until, in the first n items, each modal word stands as often in true
    as in false statements, or once more on the side this seed favours for the word (so that over many quizzes the
    word tells nothing), and 正确/错误 stay within the configured surplus; the dropped ones are counted."""
    pool = list(ordered)
    surplus = gate_settings().tf_surplus
    for _ in range(4 * n):
        quiz = pool[:n]
        # Modal words are evened out only while spare items refill the quiz (build.py relaxed them to fill it);
        # 正确/错误 always are.
        victim = _majority_item(quiz, cue_counts(quiz), seed) if len(pool) > n else None
        if victim is not None and len(pool) == n + 1 and _tf_heavy(_without(pool, victim)[:n], surplus):
            victim = None  # the last spare would refill the quiz only to be dropped for 正确/错误: the quiz stays full
        if victim is None:
            tf = Counter(i.answer[0] for i in quiz if i.type == "tf")
            heavy = max(tf, key=lambda k: tf[k], default=None)
            if heavy is None or not _tf_heavy(quiz, surplus):
                return pool
            heavy_side = [i for i in reversed(quiz) if i.type == "tf" and i.answer == [heavy]]
            victim = next((i for i in heavy_side if not cue_words(i)), heavy_side[0] if heavy_side else None)
            if victim is None:
                return pool
        pool.remove(victim)
        report.removed["cue"] += 1
    return pool


def _without(pool: list[QuizItem], victim: QuizItem) -> list[QuizItem]:
    return [i for i in pool if i is not victim]


def _tf_heavy(quiz: list[QuizItem], surplus: int) -> bool:
    """正确 and 错误 differ by more than the surplus."""
    tf = Counter(i.answer[0] for i in quiz if i.type == "tf")
    return bool(tf) and 2 * max(tf.values()) - sum(tf.values()) > surplus


def _majority_item(quiz: list[QuizItem], counts: Counter[tuple[str, bool]], seed: int) -> QuizItem | None:
    """The last statement on the larger side of a modal word that is not even (beyond the seed's one), if any."""
    for number, word in enumerate(cue_names()):
        true, false = counts[(word, True)], counts[(word, False)]
        favoured = (seed + number) % 2 == 0  # the side allowed one statement more: 正确 for even, 错误 for odd
        if true != false and not (abs(true - false) == 1 and (true > false) == favoured):
            side = true > false
            return next(i for i in reversed(quiz) if word in cue_words(i) and (i.answer == [TRUE]) == side)
    return None
