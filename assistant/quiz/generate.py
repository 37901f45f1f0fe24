"""The offline generator: questions built from the clause text itself, no model needed.

Blanks fall on the terms that carry meaning; distractors are terms of the same kind from other
clauses; true/false statements are verbatim or have one term swapped; multiple choice comes from
enumerations in the text. Every candidate still passes the quality gates afterwards.
"""

from __future__ import annotations

import random

from assistant.chinese import match_key
from assistant.cite import make_citation
from assistant.quiz import stems
from assistant.quiz.distractors import Distractors
from assistant.quiz.gazetteer import (
    INSTITUTIONS,
    NAME_PREFIXES,
    aliases_of,
    load_data,
)
from assistant.quiz.number_cues import swap_plausible
from assistant.quiz.numerals import chinese_value, number_value, written_like
from assistant.quiz.provisions import ProvisionList, distractor_items, one_word_apart
from assistant.quiz.soundness import asks_kind, defines_term, gate_settings, inside_formula, modal_editable
from assistant.quiz.stems import body_start, stem_verb
from assistant.quiz.terms import Enumeration, Lexicon, Term, kinds_of
from assistant.quiz.types import (
    BLANK,
    FALSE,
    LISTED_MULTI,
    LISTED_SINGLE,
    NAMED_KINDS,
    TF_OPTIONS,
    TRUE,
    BuildRequest,
    Difficulty,
    QuizItem,
    Swap,
    TermKind,
)
from assistant.types import Clause, Sentence

PHRASE_CHARS = 48
"""Longest stretch of a sentence a stem quotes around its blank."""
STATEMENT_CHARS = 60
MIN_CONTEXT_CHARS = 6
MULTI_OPTIONS: dict[Difficulty, int] = {"easy": 4, "medium": 5, "hard": 6}
_SEGMENT_END = "，,；;：:"
_EDITS = load_data("edits")
SWAP_KINDS: frozenset[str] = frozenset(_EDITS["swap_kinds"])
"""Kinds a false statement may swap: a changed place, number or year reads as plausible; a swapped
measure or slogan reads as word salad."""
OBLIGATIONS: dict[str, str] = dict(_EDITS["obligations"])


class OfflineGenerator:
    origin = "offline"

    def __init__(self, lexicon: Lexicon):
        self.lexicon = lexicon

    def candidates(self, clauses: list[Clause], request: BuildRequest, rng: random.Random) -> list[QuizItem]:
        """Every candidate question the clauses offer for the requested types, in document order."""
        out: list[QuizItem] = []
        for clause in clauses:
            out += _ClauseWriter(self.lexicon, clause, request, rng).items()
        return out


class _ClauseWriter:
    def __init__(self, lexicon: Lexicon, clause: Clause, request: BuildRequest, rng: random.Random):
        self.lexicon = lexicon
        self.clause = clause
        self.request = request
        self.difficulty = request.difficulty
        self.rng = rng
        # The clause's label carries the document title, the part and a directive clause's own title.
        self.reference = f"{clause.label}{stem_verb(clause)}"
        self.body_start = body_start(clause)
        self.text = match_key(clause.text)
        self.distractors = Distractors(lexicon, clause, self.text, rng, self.difficulty)
        # Stretches moved to their full sentence's start (statute rule): they may quote up to carry_max_chars.
        self.carried: set[tuple[int, int]] = set()
        # Not an item of a list (（一）…, 2.…) nor a dateline (新华社…电): neither stands without what frames it.
        self.sentences = [
            s
            for s in clause.sentences
            if s.text.strip() != clause.heading.strip()
            and not s.text.lstrip().startswith(("(", "（"))
            and not stems.opens_an_item(s.text)
        ]

    def items(self) -> list[QuizItem]:
        types = set(self.request.types)
        out: list[QuizItem] = []
        statute = self.clause.is_article
        terms = [
            t
            for t in self.lexicon.terms.get(self.clause.key, [])
            if self._specific(t) and asks_kind(t.kind, "statement", statute)
        ]
        for term in terms:
            sentence = self._sentence(term.start, term.end)
            if sentence is None or self._defined(term):
                continue
            if "blank" in types and (item := self._blank(term, sentence)):
                out.append(item)
            if "single" in types and (item := self._single(term, sentence)):
                out.append(item)
        if "multi" in types:
            for enumeration in self.lexicon.enumerations.get(self.clause.key, []):
                if (item := self._multi(enumeration)) is not None:
                    out.append(item)
            for listed in self.lexicon.provisions.get(self.clause.key, []):
                if (item := self._provision_multi(listed)) is not None:
                    out.append(item)
        if "tf" in types:
            # A false statement may change any place, body, number or year, however often the document names it:
            # 国务院 → 县级以上人民政府 is an edit a careless reader believes, and it asks no modal word.
            swappable = [
                t
                for t in self.lexicon.terms.get(self.clause.key, [])
                if t.kind in SWAP_KINDS and asks_kind(t.kind, "swap", statute)
            ]
            for sentence in self.sentences:
                out += self._true_false(sentence, swappable)
        return out

    # --- building blocks -------------------------------------------------------

    def _specific(self, term: Term) -> bool:
        """A term worth asking about: a meaningful kind, and not repeated all over the document."""
        if term.kind == "number":  # a count is specific with its unit: 45日 once, although 5 stands everywhere
            return self.lexicon.corpus.count(match_key(term.text + term.family)) <= gate_settings().number_repeat_max
        return term.kind in NAMED_KINDS and self.lexicon.clause_count.get(match_key(term.text), 0) <= 2

    def _defined(self, term: Term) -> bool:
        return defines_term(self.clause.text[: term.start], self.clause.text[term.end :])

    def _sentence(self, start: int, end: int) -> Sentence | None:
        return next((s for s in self.sentences if s.start <= start and end <= s.end), None)

    def _window(self, sentence: Sentence, start: int, end: int) -> tuple[int, int] | None:
        """The comma-separated stretch of the sentence around [start, end), at most PHRASE_CHARS long, grown
        to keep its subject and its predicate (stems.py); None when that needs more than a stem may quote."""
        text = self.clause.text
        begin = max(sentence.start, self.body_start)
        segments = stems.segments(text, begin, sentence.end)
        if not segments:
            return None
        first = next(i for i, (a, b) in enumerate(segments) if a <= start < b)
        last = next(i for i, (a, b) in enumerate(segments) if a < end <= b)
        while True:
            grown = False
            if last + 1 < len(segments) and segments[last + 1][1] - segments[first][0] <= PHRASE_CHARS:
                last += 1
                grown = True
            if first > 0 and segments[last][1] - segments[first - 1][0] <= PHRASE_CHARS:
                first -= 1
                grown = True
            if not grown:
                break
        while first > 0 and not stems.keeps_subject(text, begin, segments[first][0]):
            first -= 1
        while last + 1 < len(segments) and not stems.keeps_predicate(
            text, segments[first][0], segments[last][1], sentence.end
        ):
            last += 1
        a, b = segments[first][0], segments[last][1]
        while b > a and text[b - 1] in _SEGMENT_END + " ":
            b -= 1
        if b - a > gate_settings().stem_max_chars:
            return None
        return self._carried(a, b)

    def _carried(self, a: int, b: int) -> tuple[int, int] | None:
        """A stretch whose premise is in the sentence before (如果…, 接到报告后) starts at the article's first words,
        when that stays short enough; otherwise it is not asked."""
        if (start := self._cut_sentence_start(a, b)) is not None:
            if b - start > gate_settings().carry_max_chars:
                return None  # a statute's stretch without its own subject, and its sentence is too long
            a = start
            self.carried.add((a, b))
        head = stems.semicolon_head(self.clause.text, a, self.body_start)
        if head is not None and stems.half_needs_head(self.clause.text, a, b):
            # The half after ； opens on its own condition or modal: it is asked with the half before, or not.
            if b - head > gate_settings().carry_max_chars:
                return None
            a = head
        if a <= self.body_start or not stems.needs_premise(self.clause.text, a, b):
            return a, b
        if b - self.body_start > gate_settings().carry_max_chars:
            return None
        return self.body_start, b

    def _cut_sentence_start(self, a: int, b: int) -> int | None:
        """Where a statute's stretch [a, b) must start instead: its full sentence's start, when the stretch begins
        inside that sentence without a subject of its own (stems.cut_loses_subject)."""
        if not self.clause.is_article or not gate_settings().statute_cut_rule:
            return None
        start = stems.full_sentence_start(self.clause.text, a, self.body_start)
        return start if stems.cut_loses_subject(self.clause.text, start, a, b) else None

    def _statement(self, sentence: Sentence, start: int, end: int) -> tuple[int, int] | None:
        """A true/false statement: the whole sentence when it is short enough, else the stretch around the term."""
        if len(sentence.text) <= STATEMENT_CHARS:
            return self._carried(max(sentence.start, self.body_start), sentence.end)
        return self._window(sentence, start, end)

    def _stem(self, a: int, b: int, start: int, end: int, hint: str = "") -> str:
        text = self.clause.text
        body = text[a:start] + BLANK + text[end:b]
        if body[-1] not in "。；;！？!?":
            body += "。"
        return f"{self.reference}：{body}{hint}"

    def _listed(self, end: int) -> bool:
        """The blank stands in a list ending in 等: other members are defensible, so ask what is listed."""
        return stems.in_open_list(self.clause.text, end)

    def _item(self, **fields: object) -> QuizItem:
        span = str(fields["answer_span"])
        citation = make_citation(1, self.clause, span)
        return QuizItem(
            doc_id=self.clause.doc_id,
            clause=self.clause.clause,
            label=self.clause.label,
            span_start=citation.start,
            span_end=citation.end,
            difficulty=self.difficulty,
            origin="offline",
            author=self.request.author,
            **fields,
        )

    def _source(self, span: str) -> str:
        return source_line(self.clause.label, span)

    def _context_ok(self, a: int, b: int, start: int, end: int) -> bool:
        return (b - a) - (end - start) >= MIN_CONTEXT_CHARS

    def _short_forms(self, term: Term) -> list[str]:
        """The name without an issuer prefix, when the documents cite it that way too; a count in the other
        script (三十 / 30)."""
        if term.kind == "number":
            value = number_value(term.text)
            other = written_like(value, "1" if chinese_value(term.text) is not None else "一") if value else None
            return [other] if other and other != term.text else []
        if term.kind not in ("institution", "measure"):
            return []
        out = [alias for alias in aliases_of(term.text) if alias != term.text]
        for prefix in NAME_PREFIXES:
            rest = term.text.removeprefix(prefix)
            if rest == term.text or len(rest) < 4:
                continue
            corpus = self.lexicon.corpus
            cited = corpus.count(match_key(rest)) > corpus.count(match_key(term.text))
            # A body's name stands without its parent organ (国务院|西部地区开发领导小组), not without an
            # adjective (全国|人民代表大会专门委员会 is no name); a measure only as the text cites it.
            parent = prefix in INSTITUTIONS
            if (
                cited or (term.kind == "institution" and parent and "institution" in kinds_of(rest))
            ) and rest not in out:
                out.append(rest)
        return out

    # --- question types ----------------------------------------------------------

    def _blank(self, term: Term, sentence: Sentence) -> QuizItem | None:
        if self._listed(term.end):
            return None  # any member of the open list would be a right answer
        if not asks_kind(term.kind, "blank", self.clause.is_article):
            return None  # 在西部地区打造若干____ (产业转移示范区): a measure's wording is recognised, not recalled
        if len(term.text) > gate_settings().blank_max_chars:
            return None  # a long name is asked as a choice: nobody reproduces it verbatim
        window = self._window(sentence, term.start, term.end)
        if window is None or not self._context_ok(*window, term.start, term.end):
            return None
        a, b = window
        hint = f"（提示：{len(term.text)} 个字）" if self.difficulty == "easy" and _is_cjk(term.text) else ""
        span = self.clause.text[a:b]
        return self._item(
            type="blank",
            stem=self._stem(a, b, term.start, term.end, hint),
            options=[],
            answer=[term.text],
            accepted=self._short_forms(term),
            answer_span=span,
            explanation=f"正确答案是“{term.text}”。{self._source(span)}",
            kind=term.kind,
        )

    def _single(self, term: Term, sentence: Sentence) -> QuizItem | None:
        if term.kind not in gate_settings().choice_kinds:
            return None
        if not asks_kind(term.kind, "choice", self.clause.is_article):
            return None  # a statute's body set against other bodies: absurd or defensible
        window = self._window(sentence, term.start, term.end)
        if window is None or not self._context_ok(*window, term.start, term.end):
            return None
        a, b = window
        distractors = self._distractors(term.text, term.kind, term.family, 3)
        if len(distractors) < 3:
            return None
        options = [term.text, *distractors]
        self.rng.shuffle(options)
        span = self.clause.text[a:b]
        suffix = LISTED_SINGLE if self._listed(term.end) else ""
        return self._item(
            type="single",
            stem=self._stem(a, b, term.start, term.end) + suffix,
            options=options,
            answer=[term.text],
            answer_span=span,
            explanation=f"正确答案是“{term.text}”。{self._source(span)}",
            kind=term.kind,
        )

    def _multi(self, enumeration: Enumeration) -> QuizItem | None:
        items = [t.text for t in enumeration.items]
        total = MULTI_OPTIONS[self.difficulty]
        if len(items) >= 6:
            return None
        wanted = max(1, total - len(items))
        sample = enumeration.items[0]
        distractors = self._distractors(sample.text, enumeration.kind, sample.family, wanted, exclude=items, like=items)
        if len(distractors) < wanted or len(items) + len(distractors) < 4:
            return None
        sentence = self._sentence(enumeration.start, enumeration.end)
        if sentence is None:
            return None
        window = self._window(sentence, enumeration.start, enumeration.end)
        if window is None or not self._context_ok(*window, enumeration.start, enumeration.end):
            return None
        a, b = window
        options = items + distractors
        self.rng.shuffle(options)
        span = self.clause.text[a:b]
        suffix = LISTED_MULTI if self._listed(enumeration.end) else ""
        return self._item(
            type="multi",
            stem=self._stem(a, b, enumeration.start, enumeration.end) + suffix,
            options=options,
            answer=items,
            answer_span=span,
            explanation=f"正确答案是“{'、'.join(items)}”。{self._source(span)}",
            kind=enumeration.kind,
        )

    def _provision_multi(self, listed: ProvisionList) -> QuizItem | None:
        """Which of these does the article list: some of its numbered items (有下列情形之一的：(一)…) with items of the
        document's other lists of the same noun that this article does not hold."""
        # An item inside another (违反规定动用…资金 in 对违反规定动用…资金的申请) is no option of its own.
        items = [i for i in listed.items if not any(i.text in o.text for o in listed.items if o is not i)]
        if len(items) < 2:
            return None
        total = MULTI_OPTIONS[self.difficulty]
        keys = self.rng.sample(items, min(len(items), total - 2, 3))
        lists = [p for found in self.lexicon.provisions.values() for p in found]
        pool = distractor_items(lists, listed, self.clause.text)
        keys.sort(key=lambda item: item.start)
        answers = [item.text for item in keys]
        options = list(answers)
        for candidate in self.rng.sample(pool, len(pool)):
            if len(options) == total:
                break
            if not any(candidate in o or o in candidate or one_word_apart(candidate, o) for o in options):
                options.append(candidate)  # 违反规定动用…资金 beside 对违反规定动用…资金的申请 is one act twice
        if len(options) < 4 or len(options) == len(answers):
            return None
        self.rng.shuffle(options)
        span = self.clause.text[listed.lead_start : keys[-1].end]
        return self._item(
            type="multi",
            stem=f"{self.reference}：{listed.lead}。下列哪些属于该条所列的{listed.noun}？",
            options=options,
            answer=answers,
            answer_span=span,
            explanation=f"正确答案是“{'”“'.join(answers)}”。该条所列{listed.noun}：{'；'.join(answers)}。",
            kind="provision",
        )

    def _true_false(self, sentence: Sentence, terms: list[Term]) -> list[QuizItem]:
        """A verbatim statement of the sentence, and one with a plausible edit: a swapped place or institution,
        a changed number, a shifted year or a negated obligation (应当 → 可以)."""
        inside = [t for t in terms if sentence.start <= t.start and t.end <= sentence.end and t.kind in SWAP_KINDS]
        anchor = self.rng.choice(inside) if inside else None
        out = []
        whole = self._carried(max(sentence.start, self.body_start), sentence.end)
        if anchor:
            a, b = self._statement(sentence, anchor.start, anchor.end) or (0, 0)
        elif (modal_at := self._modal_at(sentence)) is not None:
            # A long sentence is quoted around its modal, as its false statements are: a true statement with 可以
            # stands beside the false ones that turned 应当 into 可以, so the word does not tell the key.
            a, b = self._statement(sentence, modal_at, modal_at + 2) or (0, 0)
        else:
            a, b = whole or (0, 0)
        span = self.clause.text[a:b].rstrip("。；;")
        carried = a < sentence.start or (a, b) in self.carried
        longest = gate_settings().carry_max_chars if carried else STATEMENT_CHARS
        if 12 <= len(span) <= longest:
            out.append(
                self._item(
                    type="tf",
                    stem=f"{self.reference}：{span}。",
                    options=list(TF_OPTIONS),
                    answer=[TRUE],
                    answer_span=span,
                    explanation=f"该说法正确，与原文一致。{self._source(span)}",
                    kind=None,
                )
            )
        edits: list[tuple[int, int, str, TermKind | None]] = []
        for term in self.rng.sample(inside, len(inside)):
            if self._listed(term.end):
                continue  # 支援新疆、西藏和青海等 → 重庆、西藏和青海等 is not false: the list is open
            replacement = self._false_term(term)
            source = self.clause.text[sentence.start : sentence.end]
            if replacement and term.kind == "number":
                at = term.start - sentence.start
                if not swap_plausible(source, at, term.text, replacement):
                    continue  # 每满24小时，为3日: a definition, a unit anchor or a conversion is not edited
            if replacement:
                edits.append((term.start, term.end, replacement, term.kind))
        for modal, negated in OBLIGATIONS.items():
            at = self.clause.text.find(modal, sentence.start, sentence.end)
            if (
                at >= 0
                and not inside_formula(self.clause.text, at, at + len(modal))
                and modal_editable(self.clause.text, at, modal, sentence.start, sentence.end)
            ):
                edits.append((at, at + len(modal), negated, None))
        self.rng.shuffle(edits)
        # One false statement per kind of edit (a changed term, a changed modal): the quiz picks among them, so
        # the key does not follow from which modal word a statement holds (assistant/quiz/build.py).
        made: set[bool] = set()
        for start, end, replacement, kind in edits:
            if (kind is None) in made:
                continue
            item = self._false_statement(sentence, start, end, replacement, kind)
            if item is not None:
                out.append(item)
                made.add(kind is None)
        return out

    def _modal_at(self, sentence: Sentence) -> int | None:
        """Where the sentence's first modal of an obligation or permission stands, if it has one."""
        found = [at for modal in OBLIGATIONS if (at := self.clause.text.find(modal, sentence.start, sentence.end)) >= 0]
        return min(found) if found else None

    def _false_statement(
        self, sentence: Sentence, start: int, end: int, replacement: str, kind: TermKind | None
    ) -> QuizItem | None:
        text = self.clause.text
        original = text[start:end]
        window = self._statement(sentence, start, end)
        if window is None:
            return None
        a, b = window
        span = text[a:b].rstrip("。；;")
        if len(span) < 12 or span.count(original) != 1 or replacement in span:
            return None  # the edit must be the statement's only difference from the source
        if inside_formula(text, start, end):
            return None
        if kind is None and a < sentence.start and not modal_editable(text, start, original, a, sentence.end):
            return None  # a statement carrying the sentence before: its duty (应当慎重实施) is the modal's other side
        statement = (text[a:start] + replacement + text[end:b]).rstrip("。；;")
        return self._item(
            type="tf",
            stem=f"{self.reference}：{statement}。",
            options=list(TF_OPTIONS),
            answer=[FALSE],
            answer_span=span,
            explanation=f"该说法错误：原文是“{original}”，不是“{replacement}”。{self._source(span)}",
            kind=kind,
            swap=Swap(original=original, replacement=replacement),
        )

    def _false_term(self, term: Term) -> str | None:
        """The term a false statement uses instead: a nearby year or number, or a same-class place or body."""
        if term.kind in ("year", "number"):
            found = self._numeric(term.text, term.kind, 1, [match_key(term.text)], shuffle=True, unit=term.family)
        else:
            found = self._distractors(term.text, term.kind, term.family, 1)
        return found[0] if found else None

    # --- distractors (assistant/quiz/distractors.py) ---------------------------------

    def _distractors(
        self,
        answer: str,
        kind: TermKind,
        family: str,
        count: int,
        exclude: list[str] | None = None,
        like: list[str] | None = None,
    ) -> list[str]:
        return self.distractors.pick(answer, kind, family, count, exclude, like)

    def _numeric(
        self, answer: str, kind: TermKind, count: int, avoid: list[str], shuffle: bool = False, unit: str = ""
    ) -> list[str]:
        return self.distractors.numeric(answer, kind, count, avoid, shuffle, unit)


def source_line(label: str, span: str) -> str:
    """原文（《指导意见》…）：“…”。 — the explanation's citation of the answer span."""
    return f"原文（{label}）：“{span.rstrip('。；;，,')}”。"


def _is_cjk(text: str) -> bool:
    return all("\u4e00" <= ch <= "\u9fff" for ch in text)
