"""Quality gates every quiz item passes, whichever generator wrote it; each gate counts what it removed.

The source gate verifies the answer span against its clause with assistant.cite, exactly like the
citations of an answer; the other gates judge the question as a question.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache

from assistant.chinese import char_bigrams, match_key
from assistant.cite import locate_quote, make_citation
from assistant.quiz.gazetteer import load_data, term_class
from assistant.quiz.institutions import interchangeable, mixed_compound, swappable
from assistant.quiz.item_gates import ItemGates
from assistant.quiz.numerals import CHINESE_NUMERAL_CHARS
from assistant.quiz.soundness import gate_settings
from assistant.quiz.stems import sentence_group
from assistant.quiz.terms import Lexicon, tokenize
from assistant.quiz.types import (
    BLANK,
    FALSE,
    GATE_LABELS,
    GATES,
    TF_OPTIONS,
    TRUE,
    GateReport,
    QuizItem,
    Rejected,
    split_stem,
)
from assistant.types import Citation, Clause

log = logging.getLogger(__name__)

_RIGHT_CUT = "。；;！？!?（("

_PLACE_SUFFIXES = ("省", "市", "自治区", "特别行政区")


@dataclass
class Checker:
    """The gates for items drawn from these clauses, with the documents' terms for the same-kind check."""

    clauses: dict[str, Clause]
    lexicon: Lexicon
    _item_gates: ItemGates | None = field(default=None, repr=False)

    def citation(self, item: QuizItem) -> Citation | None:
        """The item's answer span as a citation of its clause (verified or not); None if the clause is gone."""
        clause = self.clauses.get(item.key)
        return make_citation(1, clause, item.answer_span) if clause else None

    def verified(self, item: QuizItem) -> QuizItem:
        """The item with its span offsets filled in from verification (unchanged when it does not verify)."""
        citation = self.citation(item)
        if citation is None or not citation.verified:
            return item
        return item.model_copy(update={"span_start": citation.start, "span_end": citation.end})

    def problems(self, item: QuizItem) -> list[str]:
        """Every per-item gate the item fails, in gate order (empty when it passes)."""
        return [name for name, gate in self._gates() if not gate(item)]

    def sentence_of(self, item: QuizItem) -> tuple[str, int] | None:
        """(clause key, index of the full sentence) the item's answer span starts in; ；-joined halves are one."""
        clause = self.clauses.get(item.key)
        start = item.span_start
        if clause is None or start is None:
            citation = self.citation(item)
            start = citation.start if citation is not None else None
        if clause is None or start is None:
            return None
        index = next((s.index for s in clause.sentences if s.start <= start < s.end), None)
        return None if index is None else (item.key, sentence_group(clause, index))

    def first_problem(self, item: QuizItem) -> str | None:
        return next((name for name, gate in self._gates() if not gate(item)), None)

    def _gates(self) -> list[tuple[str, Callable[[QuizItem], bool]]]:
        if self._item_gates is None:
            self._item_gates = ItemGates(self.clauses, self.lexicon)
        sound = dict(self._item_gates.gates())
        return [
            ("source", self.answer_stands_in_source),
            ("metadata", sound["metadata"]),
            ("corrupt", sound["corrupt"]),
            ("formula", lambda item: sound["formula"](self.verified(item))),
            ("political", sound["political"]),
            ("field", sound["field"]),
            ("fragment", lambda item: sound["fragment"](self.verified(item))),
            ("truncated", lambda item: sound["truncated"](self.verified(item))),
            ("distractors", self.no_distractor_is_true),
            ("elsewhere", sound["elsewhere"]),
            ("synonym", sound["synonym"]),
            ("listed", lambda item: sound["listed"](self.verified(item))),
            ("edit", sound["edit"]),
            ("range", sound["range"]),
            ("numeric", sound["numeric"]),
            ("options", self.options_are_sound),
            ("giveaway", lambda item: stem_keeps_the_answer(item) and sound["echo"](item) and not cognate_cue(item)),
            ("open", sound["open"]),
        ]

    # --- the gates -------------------------------------------------------------

    def answer_stands_in_source(self, item: QuizItem) -> bool:
        clause = self.clauses.get(item.key)
        if clause is None:
            return False
        citation = make_citation(1, clause, item.answer_span)
        if not citation.verified or citation.start is None or citation.end is None:
            return False
        span = match_key(clause.text[citation.start : citation.end])
        stem = match_key(item.stem)
        if item.type == "tf":
            if item.answer == [TRUE]:
                return item.swap is None and span in stem
            if item.answer != [FALSE] or item.swap is None:
                return False
            original, replacement = item.swap.original, item.swap.replacement
            restored = match_key(item.stem.replace(replacement, original, 1))
            return match_key(original) in span and match_key(replacement) in stem and span in restored
        answers = [match_key(a) for a in item.answer]
        if not answers or not all(answers) or not all(a in span for a in answers):
            return False
        if BLANK in item.stem:
            return _blank_fits(item, span)
        return True

    def no_distractor_is_true(self, item: QuizItem) -> bool:
        clause = self.clauses.get(item.key)
        if clause is None:
            return False
        text = match_key(clause.text)
        if item.type == "tf":
            if item.answer != [FALSE] or item.swap is None:
                return True
            statement = split_stem(item.stem)[1]
            if item.kind is None:  # an edited obligation: 可以 may well stand elsewhere in the clause
                return locate_quote(statement, clause.text) is None
            return match_key(item.swap.replacement) not in text and locate_quote(statement, clause.text) is None
        wrong = [o for o in item.options if o not in item.answer]
        return not any(match_key(o) in text for o in wrong)

    def options_are_sound(self, item: QuizItem) -> bool:
        """Options fit the type and its key: whole, distinct, of one kind and class and of one written form."""
        options, answer = item.options, item.answer
        if item.type == "tf":
            if options != TF_OPTIONS or answer not in ([TRUE], [FALSE]):
                return False
            if item.swap is None or item.kind is None:
                return True
            swap = item.swap
            return (
                match_key(swap.original) != match_key(swap.replacement)
                and all(self.lexicon.fits(t, item.kind) for t in (swap.original, swap.replacement))
                and term_class(swap.original, item.kind) == term_class(swap.replacement, item.kind)
                and (item.kind != "institution" or self._body_swap_sound(item))
            )
        if item.type == "blank":
            return not options and len(answer) == 1 and 1 <= len(answer[0].strip()) <= 20
        if not set(answer) <= set(options) or len(set(answer)) != len(answer):
            return False
        if item.type == "single" and not (3 <= len(options) <= 6 and len(answer) == 1):
            return False
        if item.type == "multi" and not (4 <= len(options) <= 6 and 2 <= len(answer) < len(options)):
            return False
        keys = [match_key(o) for o in options]
        if not all(keys) or len(set(keys)) != len(keys):
            return False
        if item.kind not in ("year", "number") and any(a != b and a in b for a in keys for b in keys):
            return False  # 四川 and 四川省 are one option twice
        if item.kind in ("province", "city") and len({o.endswith(_PLACE_SUFFIXES) for o in options}) > 1:
            return False  # 江苏省 among 浙江｜上海｜安徽: the key's form tells it (round 15b)
        return self._same_kind(item) and self._same_class(item)

    @staticmethod
    def _body_swap_sound(item: QuizItem) -> bool:
        """A swapped body is ranked, of the original's hierarchy and branch, and joins no body of another branch
        in the statement (data/institutions.toml; round 12a: 全国人民代表大会及其审判委员会)."""
        swap = item.swap
        assert swap is not None
        return swappable(swap.original, swap.replacement) and not mixed_compound(item.stem, swap.replacement)

    @staticmethod
    def _same_class(item: QuizItem) -> bool:
        """Distractors are of the right answers' class too: a region's places, an organ for an organ."""
        if item.kind is None:
            return True
        wanted = {term_class(a, item.kind) for a in item.answer}
        if item.kind == "institution" and not all(
            any(interchangeable(a, o) for a in item.answer) for o in item.options
        ):
            return False  # 国务院 among 居民委员会: another kind or level of body (data/institutions.toml)
        return all(term_class(o, item.kind) in wanted for o in item.options)

    def _same_kind(self, item: QuizItem) -> bool:
        if item.kind is not None:
            return all(self.lexicon.fits(o, item.kind) for o in item.options)
        candidates = set().union(*(self.lexicon.kinds(o) for o in item.options))
        return any(all(self.lexicon.fits(o, kind) for o in item.options) for kind in sorted(candidates))


def stem_keeps_the_answer(item: QuizItem) -> bool:
    """The stem must not state the answer (or, for a false statement, the term it replaced). A number is stated only
    as a whole count of the statement: 十 in the label's 第二十条 or inside 二十年 tells nothing (round 6: every number
    of 《档案法实施条例》第二十条 was rejected so)."""
    stem = match_key(item.stem)
    numeric = item.kind in ("number", "year")
    if item.type == "tf":
        if item.swap is None:
            return True
        if numeric:  # the label's 第二十条 tells nothing; 3岁 → 13岁 in the statement itself does (a typo, not a rule)
            return match_key(item.swap.original) not in match_key(split_stem(item.stem)[1])
        return match_key(item.swap.original) not in stem
    if numeric:
        return not any(_states(a, item, stem) for a in item.answer if match_key(a))
    return not any(match_key(a) in stem for a in item.answer if match_key(a))


def cognate_cue(item: QuizItem) -> bool:
    """A short key is told by cognates in its stem (质押 beside 质权人…质权: its first character with 权/人/物), at
    least cognate_min times (data: gates.toml)."""
    if item.type not in ("single", "blank") or item.kind in ("number", "year") or len(item.answer) != 1:
        return False
    answer = item.answer[0]
    suffixes, least, longest = _cognate_rule()
    if not 2 <= len(answer) <= longest:
        return False
    # Words of the stem that open on a cognate (质权人, 质权), not a run inside a longer word (全国人民 for 国务院).
    words = [t.word for t in tokenize(split_stem(item.stem)[1].replace(BLANK, "，"))]
    cognates = [answer[0] + suffix for suffix in suffixes if not answer.startswith(answer[0] + suffix)]
    return sum(any(w.startswith(c) for c in cognates) for w in words) >= least


@cache
def _cognate_rule() -> tuple[tuple[str, ...], int, int]:
    data = load_data("gates")
    suffixes = sorted(data.get("cognate_suffixes", []), key=len, reverse=True)
    return tuple(suffixes), int(data.get("cognate_min", 2)), int(data.get("cognate_max_chars", 0))


def _states(number: str, item: QuizItem, stem: str) -> bool:
    """The number stands as a whole count in the statement (not in its label, not inside a longer numeral)."""
    body = match_key(split_stem(item.stem)[1])
    digits = "0-9.０-９" + CHINESE_NUMERAL_CHARS + "万亿"
    return re.search(rf"(?<![{digits}]){re.escape(match_key(number))}(?![{digits}])", body) is not None


def _blank_fits(item: QuizItem, span: str) -> bool:
    """The words around the blank stand in the span with exactly the answer between them."""
    body = split_stem(item.stem)[1]
    if BLANK not in body:
        return False
    at = body.index(BLANK)
    after = body[at + len(BLANK) :]
    ends = [i for i in (after.find(c) for c in _RIGHT_CUT) if i >= 0]
    # make_citation drops quote marks at the ends of a span, so the context does too.
    left = match_key(body[:at])[-12:].lstrip("\"'")
    right = match_key(after[: min(ends)] if ends else after)[:12].rstrip("\"'")
    if len(left) + len(right) < 2:
        return False
    answers = [match_key(a) for a in item.answer]
    start = 0
    while (found := span.find(left, start)) >= 0:
        middle_start = found + len(left)
        end = span.find(right, middle_start) if right else len(span)
        if end >= 0:
            middle = span[middle_start:end]
            if item.type == "multi":
                if all(a in middle for a in answers):
                    return True
            elif middle == answers[0] or (not right and middle.startswith(answers[0])):
                return True
        start = found + 1
    return False


def _body(stem: str) -> str:
    return split_stem(stem)[1]


@dataclass(frozen=True)
class _Signature:
    key: str
    tf: bool
    answers: frozenset[str]
    bigrams: frozenset[str]
    stem: str


def _signature(item: QuizItem) -> _Signature:
    return _Signature(
        item.key,
        item.type == "tf",
        frozenset(match_key(x) for x in item.answer),
        frozenset(char_bigrams(_body(item.stem))),
        match_key(item.stem),
    )


def _alike(a: _Signature, b: _Signature) -> bool:
    if a.key == b.key:
        if not a.tf and not b.tf and a.answers == b.answers:
            return True
        # One stem states the other's answer: asked together, the second question answers the first.
        if (not b.tf and any(x in a.stem for x in b.answers)) or (not a.tf and any(x in b.stem for x in a.answers)):
            return True
    if not a.bigrams or not b.bigrams:
        return a.stem == b.stem
    return len(a.bigrams & b.bigrams) / min(len(a.bigrams), len(b.bigrams)) >= gate_settings().duplicate_overlap


def near_duplicates(a: QuizItem, b: QuizItem) -> bool:
    """The same fact asked twice, or stems so alike that one gives the other away."""
    return _alike(_signature(a), _signature(b))


def apply_gates(
    candidates: Iterable[QuizItem],
    checker: Checker,
    report: GateReport,
    rejected: list[Rejected] | None = None,
) -> list[QuizItem]:
    """Candidates that pass every per-item gate, in order, counting removals in the report and keeping
    each removed candidate with its gate in `rejected` (for review)."""
    kept = []
    for item in candidates:
        report.candidates += 1
        problem = checker.first_problem(item)
        if problem:
            report.removed[problem] += 1
            if rejected is not None:
                rejected.append(Rejected(gate=problem, reason=GATE_LABELS[problem], item=item))
            log.debug("quiz candidate removed gate=%s item=%s", problem, item.id)
            continue
        kept.append(checker.verified(item))
    return kept


class Deduplicator:
    """Admits an item unless it nearly duplicates one admitted before, or comes from a sentence an admitted
    item already asks about; counts what it turns away."""

    def __init__(self, report: GateReport, checker: Checker | None = None):
        self.report = report
        self.checker = checker
        self.signatures: list[_Signature] = []
        self.sentences: set[tuple[str, int]] = set()
        self.choices: list[tuple[set[str], set[str]]] = []

    def admit(self, item: QuizItem) -> bool:
        signature = _signature(item)
        if any(_alike(signature, other) for other in self.signatures):
            self.report.removed["duplicates"] += 1
            return False
        sentence = self.checker.sentence_of(item) if self.checker else None
        if sentence is not None and sentence in self.sentences:
            self.report.removed["same_sentence"] += 1
            return False
        answers = {match_key(a) for a in item.answer} if item.type != "tf" else set()
        options = {match_key(o) for o in item.options} if item.type != "tf" else set()
        if any(_cross_answer(answers, options, *other) for other in self.choices) or self._states_a_key(
            signature, answers
        ):
            self.report.removed["cross_answer"] += 1
            return False
        self.signatures.append(signature)
        self.choices.append((answers, options))
        if sentence is not None:
            self.sentences.add(sentence)
        return True

    def _states_a_key(self, signature: _Signature, answers: set[str]) -> bool:
        """This stem states the key of a question already on the paper, or that question's stem states this key
        (…由财政经济委员会进行初步审查 beside ____进行初步审查时…)."""
        keys = {a for a in answers if len(a) >= 3}
        for other, (other_answers, _) in zip(self.signatures, self.choices, strict=True):
            if any(a in other.stem for a in keys) or any(len(a) >= 3 and a in signature.stem for a in other_answers):
                return True
        return False


def _cross_answer(answers: set[str], options: set[str], other_answers: set[str], other_options: set[str]) -> bool:
    """Two questions of one paper share a key, or offer much the same options with one's key the other's
    distractor: each answers the other (会计制度 right in one, wrong in the next)."""
    if answers and answers == other_answers:
        return True
    if len(options & other_options) < 2:
        return False
    return bool(answers & (other_options - other_answers)) or bool(other_answers & (options - answers))


def drop_duplicates(ordered: Iterable[QuizItem], report: GateReport) -> list[QuizItem]:
    """Items in order, skipping any near duplicate of one already kept."""
    deduplicator = Deduplicator(report)
    return [item for item in ordered if deduplicator.admit(item)]


def summary(report: GateReport) -> str:
    """One Chinese line: candidates, removals per gate that removed any, and how many were kept."""
    parts = [f"{GATE_LABELS[g]} {report.removed.get(g, 0)}" for g in GATES if report.removed.get(g, 0)]
    removed = "；".join(parts) if parts else "无"
    return f"候选 {report.candidates} 道，剔除：{removed}；合格 {report.passed} 道，选用 {report.selected} 道。"
