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
from assistant.quiz.gazetteer import (
    INSTITUTIONS,
    NAME_PREFIXES,
    institution_class,
    load_data,
    place_class,
    places_of_region,
    region_of,
)
from assistant.quiz.soundness import gate_settings, inside_formula, modal_editable
from assistant.quiz.stems import body_start, stem_verb
from assistant.quiz.terms import Enumeration, Lexicon, PoolEntry, Term, kinds_of
from assistant.quiz.types import (
    BLANK,
    FALSE,
    LISTED_MULTI,
    LISTED_SINGLE,
    TF_OPTIONS,
    TRUE,
    BuildRequest,
    Difficulty,
    QuizItem,
    Swap,
    TermKind,
)
from assistant.types import Clause, Sentence

BLANKABLE: frozenset[TermKind] = frozenset({"year", "number", "province", "city", "institution", "measure", "slogan"})
FIELD_WEIGHT = 10.0
"""Outweighs every other closeness: a distractor of the key's field always comes before one of another field."""
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
        self.sentences = [
            s
            for s in clause.sentences
            if s.text.strip() != clause.heading.strip() and not s.text.lstrip().startswith(("(", "（"))
        ]

    def items(self) -> list[QuizItem]:
        types = set(self.request.types)
        out: list[QuizItem] = []
        terms = [t for t in self.lexicon.terms.get(self.clause.key, []) if self._specific(t)]
        for term in terms:
            sentence = self._sentence(term.start, term.end)
            if sentence is None:
                continue
            if "blank" in types and (item := self._blank(term, sentence)):
                out.append(item)
            if "single" in types and (item := self._single(term, sentence)):
                out.append(item)
        if "multi" in types:
            for enumeration in self.lexicon.enumerations.get(self.clause.key, []):
                if (item := self._multi(enumeration)) is not None:
                    out.append(item)
        if "tf" in types:
            for sentence in self.sentences:
                out += self._true_false(sentence, terms)
        return out

    # --- building blocks -------------------------------------------------------

    def _specific(self, term: Term) -> bool:
        """A term worth asking about: a meaningful kind, and not repeated all over the document."""
        return term.kind in BLANKABLE and self.lexicon.clause_count.get(match_key(term.text), 0) <= 2

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
        return a, b

    def _statement(self, sentence: Sentence, start: int, end: int) -> tuple[int, int] | None:
        """A true/false statement: the whole sentence when it is short enough, else the stretch around the term."""
        if len(sentence.text) <= STATEMENT_CHARS:
            return max(sentence.start, self.body_start), sentence.end
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
        """The name without an issuer prefix, when the documents cite it that way too."""
        if term.kind not in ("institution", "measure"):
            return []
        out = []
        for prefix in NAME_PREFIXES:
            rest = term.text.removeprefix(prefix)
            if rest == term.text or len(rest) < 4:
                continue
            corpus = self.lexicon.corpus
            cited = corpus.count(match_key(rest)) > corpus.count(match_key(term.text))
            # A body's name stands without its parent organ (国务院|西部地区开发领导小组), not without an
            # adjective (全国|人民代表大会专门委员会 is no name); a measure only as the text cites it.
            parent = prefix in INSTITUTIONS
            if cited or (term.kind == "institution" and parent and "institution" in kinds_of(rest)):
                out.append(rest)
        return out

    # --- question types ----------------------------------------------------------

    def _blank(self, term: Term, sentence: Sentence) -> QuizItem | None:
        if self._listed(term.end):
            return None  # any member of the open list would be a right answer
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

    def _true_false(self, sentence: Sentence, terms: list[Term]) -> list[QuizItem]:
        """A verbatim statement of the sentence, and one with a plausible edit: a swapped place or institution,
        a changed number, a shifted year or a negated obligation (应当 → 可以)."""
        inside = [t for t in terms if sentence.start <= t.start and t.end <= sentence.end and t.kind in SWAP_KINDS]
        anchor = self.rng.choice(inside) if inside else None
        out = []
        whole = (max(sentence.start, self.body_start), sentence.end)
        a, b = (self._statement(sentence, anchor.start, anchor.end) if anchor else whole) or (0, 0)
        span = self.clause.text[a:b].rstrip("。；;")
        if 12 <= len(span) <= STATEMENT_CHARS:
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
        for start, end, replacement, kind in edits:
            item = self._false_statement(sentence, start, end, replacement, kind)
            if item is not None:
                out.append(item)
                break
        return out

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
            found = self._numeric(term.text, term.kind, 1, [match_key(term.text)], shuffle=True)
        else:
            found = self._distractors(term.text, term.kind, term.family, 1)
        return found[0] if found else None

    # --- distractors -------------------------------------------------------------

    def _distractors(
        self,
        answer: str,
        kind: TermKind,
        family: str,
        count: int,
        exclude: list[str] | None = None,
        like: list[str] | None = None,
    ) -> list[str]:
        """Same-kind, same-class terms this clause does not contain, closest first when hard.

        Places come from the gazetteer's region of the key (a western province for a western province);
        other terms from the documents' own terms of the same kind.
        """
        avoid = [match_key(x) for x in [answer, *(exclude or [])]]
        pool = self.lexicon.pool.get(kind, [])
        # The head noun of a listed item: its last two characters (事件, 灾害), a two-character item whole.
        heads = {x[-2:] for x in [answer, *(exclude or [])]}
        if kind in ("province", "city"):
            return self._places(like or [answer], kind, count, avoid)
        if kind == "item":
            # Listed items have no kind of their own; the head noun (…工程, …人员) and a like length stand in
            # for one, so 荒山、戈壁 are never set against 大型煤炭储备基地.
            lengths = [len(x) for x in [answer, *(exclude or [])]]
            pool = [
                e
                for k in ("item", "measure")
                for e in self.lexicon.pool.get(k, [])
                if e.text[-2:] in heads and "的" not in e.text and min(lengths) - 1 <= len(e.text) <= max(lengths) + 1
            ]
        elif kind == "measure" and family:
            # Same ending, and the same field first: a named measure that shares a word with the key besides its
            # ending (失业保险制度 with 失业预警制度), stands in its part (chapter) or in a nearby clause ranks
            # before the rest of the document's measures of that ending (see _in_field).
            pool = [e for e in pool if e.family == family]
        elif kind == "institution":
            pool = [e for e in pool if institution_class(e.text) == institution_class(answer)]
        elif kind == "number":
            # The same unit and the same order of magnitude: 2000 元 or 10000 元 for 5000 元, never 3 人.
            value = float(answer)
            pool = [e for e in pool if e.family == family and 0.1 <= float(e.text) / max(value, 1e-9) <= 10]
        scored: list[tuple[float, float, str]] = []
        for entry in pool:
            key = match_key(entry.text)
            if entry.clause_key == self.clause.key or key in self.text or key in self.lexicon.suspect:
                continue
            if any(key in a or a in key for a in avoid):
                continue
            if kind == "measure" and not 0.5 <= len(entry.text) / max(len(answer), 1) <= 2:
                continue  # 河长制 is not set against 地方国有企业混合所有制
            closeness = self._closeness(answer, family, entry.text, entry.family, entry.part)
            if abs(entry.order - self.clause.order) <= gate_settings().field_clause_distance:
                closeness += 1.0  # a neighbouring clause most likely treats the same field
            if kind == "measure" and self._in_field(answer, family, entry):
                closeness += FIELD_WEIGHT
            scored.append((closeness, self.rng.random(), entry.text))
        scored.sort(reverse=True)
        chosen: list[str] = []
        for _, _, text in scored:
            key = match_key(text)
            if any(key in c or c in key for c in map(match_key, chosen)):
                continue  # 金融 next to 跨境金融 would be one option twice
            chosen.append(text)
            if len(chosen) == count:
                break
        if len(chosen) < count and kind in ("year", "number"):
            chosen += self._numeric(answer, kind, count - len(chosen), avoid + [match_key(c) for c in chosen])
        return chosen

    def _in_field(self, answer: str, family: str, entry: PoolEntry) -> bool:
        """The entry treats the key's field: a shared word besides the ending, the same part, a nearby clause."""
        if _content_bigrams(answer, family) & _content_bigrams(entry.text, family):
            return True
        near = abs(entry.order - self.clause.order) <= gate_settings().field_clause_window
        return near or (bool(entry.part) and entry.part == self.clause.part)

    def _places(self, like: list[str], kind: TermKind, count: int, avoid: list[str]) -> list[str]:
        """Places of the keys' regions (and capital status) that the clause does not name."""
        classes = {place_class(p) for p in like}
        regions = {r for r, _ in classes if r}
        capital = {c for _, c in classes}
        candidates = [p for r in sorted(regions) for p in places_of_region(r, kind == "city")]
        if kind == "city" and len(capital) == 1:
            candidates = [p for p in candidates if place_class(p)[1] in capital]
        out = []
        for place in self.rng.sample(candidates, len(candidates)):
            key = match_key(place)
            if key in self.text or any(key in a or a in key for a in avoid) or region_of(place) is None:
                continue
            out.append(place)
            if len(out) == count:
                break
        return out

    def _closeness(self, answer: str, family: str, text: str, other_family: str, part: str) -> float:
        weight = {"easy": -1.0, "medium": 0.5, "hard": 2.0}[self.difficulty]
        score = 0.0
        if family and other_family == family:
            score += 1.0 + max(weight, 0.0)
        if part and part == self.clause.part:
            score += weight
        if abs(len(text) - len(answer)) <= 2:
            score += 1.0
        return score

    def _numeric(self, answer: str, kind: TermKind, count: int, avoid: list[str], shuffle: bool = False) -> list[str]:
        """Nearby years or numbers the clause does not state (steps from data/edits.toml)."""
        value = float(answer)
        steps: list[float] = list(_EDITS["year_shifts"]) if kind == "year" else list(_EDITS["number_steps"])
        if kind == "number":
            steps += [value, -value / 2]
            if value >= _EDITS["number_scale_from"]:  # 5000 is set against 2500 or 10000, not 5001
                steps = [value * factor - value for factor in _EDITS["number_factors"]]
        if shuffle:
            self.rng.shuffle(steps)
        elif self.difficulty == "easy":
            steps = list(reversed(steps))
        out = []
        for step in steps:
            candidate = value + step
            if candidate <= 0 or (kind == "year" and not 1949 <= candidate <= 2100):
                continue
            text = str(int(candidate)) if candidate.is_integer() else f"{candidate:g}"
            key = match_key(text)
            if key in avoid or key in self.text or text in out:
                continue
            out.append(text)
            if len(out) == count:
                break
        return out


def source_line(label: str, span: str) -> str:
    """原文（《指导意见》…）：“…”。 — the explanation's citation of the answer span."""
    return f"原文（{label}）：“{span.rstrip('。；;，,')}”。"


def _is_cjk(text: str) -> bool:
    return all("\u4e00" <= ch <= "\u9fff" for ch in text)


def _content_bigrams(name: str, family: str) -> set[str]:
    """The character pairs of a named measure's modifier, its ending left out (失业保险制度 → 失业, 业保, 保险)."""
    modifier = match_key(name.removesuffix(family))
    return {modifier[i : i + 2] for i in range(len(modifier) - 1)}
