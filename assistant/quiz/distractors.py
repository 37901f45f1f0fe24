"""Distractors for a key: same kind, same class, the key's field first; nearby years and numbers of its unit.

Places come from the gazetteer's region of the key (a western province for a western province); institutions
of the key's class (an organ for an organ); named measures of the key's ending, those of its field (a shared
word, its part, a nearby clause) first; numbers of the key's unit and magnitude. Steps and weights are data
(data/edits.toml, data/gates.toml).
"""

from __future__ import annotations

import random

from assistant.chinese import match_key
from assistant.quiz.gazetteer import load_data, place_class, places_of_region, region_of
from assistant.quiz.institutions import interchangeable
from assistant.quiz.number_cues import in_range, period_tiers, tier_like
from assistant.quiz.numerals import number_value, same_script, written_like
from assistant.quiz.soundness import gate_settings
from assistant.quiz.term_shapes import clause_option
from assistant.quiz.terms import Lexicon, PoolEntry
from assistant.quiz.types import Difficulty, TermKind
from assistant.types import Clause

_EDITS = load_data("edits")
FIELD_WEIGHT = 10.0
"""Outweighs every other closeness: a distractor of the key's field always comes before one of another field."""


class Distractors:
    """Picks the wrong options for keys of one clause."""

    def __init__(self, lexicon: Lexicon, clause: Clause, text: str, rng: random.Random, difficulty: Difficulty):
        self.lexicon = lexicon
        self.clause = clause
        self.text = text
        """The clause's normalised text: a distractor it states would be true."""
        self.rng = rng
        self.difficulty = difficulty

    def pick(
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
            # Same hierarchy and a near level (data/institutions.toml): 国务院 is never set against 村民委员会.
            pool = [e for e in pool if interchangeable(answer, e.text)]
        elif kind == "number":
            # The same unit and the same order of magnitude: 2000 元 or 10000 元 for 5000 元, never 3 人.
            value = number_value(answer) or 0.0
            pool = [
                e
                for e in pool
                if e.family == family
                and same_script(e.text, answer)  # no 5 among 两｜六｜一: options are written as the key is
                and 0.1 <= (number_value(e.text) or 0.0) / max(value, 1e-9) <= 10
            ]
        scored: list[tuple[float, float, str]] = []
        for entry in pool:
            key = match_key(entry.text)
            if entry.clause_key == self.clause.key or key in self.text or key in self.lexicon.suspect:
                continue
            if clause_option(entry.text):
                continue  # 国家维护国家基本经济制度 is a statement, not a system's name
            if any(key in a or a in key for a in avoid):
                continue
            if kind == "measure" and not 0.5 <= len(entry.text) / max(len(answer), 1) <= 2:
                continue  # 河长制 is not set against 地方国有企业混合所有制
            closeness = self._closeness(answer, family, entry.text, entry.family, entry.part)
            if abs(entry.order - self.clause.order) <= gate_settings().field_clause_distance:
                closeness += 1.0  # a neighbouring clause most likely treats the same field
            if kind == "measure" and gate_settings().measures_in_field_only:
                if not content_bigrams(answer, family) & content_bigrams(entry.text, family):
                    continue  # 文化惠民工程 beside 江河湖泊骨干治理工程: same ending and part, another field
                closeness += FIELD_WEIGHT
            elif kind in ("measure", "item") and self._in_field(answer, family, entry):
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
            chosen += self.numeric(
                answer, kind, count - len(chosen), avoid + [match_key(c) for c in chosen], unit=family
            )
        return chosen

    def _in_field(self, answer: str, family: str, entry: PoolEntry) -> bool:
        """The entry treats the key's field: a shared word besides the ending, the same part, a nearby clause."""
        if content_bigrams(answer, family) & content_bigrams(entry.text, family):
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

    def numeric(
        self, answer: str, kind: TermKind, count: int, avoid: list[str], shuffle: bool = False, unit: str = ""
    ) -> list[str]:
        """Nearby years or numbers the clause does not state (steps from data/edits.toml), within the range of the
        count's unit (data/numbers.toml: no 150%)."""
        value = number_value(answer)
        if value is None:
            return []
        steps: list[float] = list(_EDITS["year_shifts"]) if kind == "year" else list(_EDITS["number_steps"])
        if kind == "number":
            steps += [value, -value / 2]
            if value >= _EDITS["number_scale_from"]:  # 5000 is set against 2500 or 10000, not 5001
                steps = [value * factor - value for factor in _EDITS["number_factors"]]
        tiers = period_tiers(unit) if kind == "number" and value < _EDITS["number_scale_from"] else ()
        tiered = (
            [t - value for t in sorted(tiers, key=lambda t: abs(t - value)) if t != value] if value in tiers else []
        )
        if shuffle:
            self.rng.shuffle(steps)
            self.rng.shuffle(tiered)
        elif self.difficulty == "easy":
            steps = list(reversed(steps))
        steps = tiered + steps  # 十二个月 is set against 六, 十八, 三, not 十一, 十三 (plain steps only as a fallback)
        spread = kind == "number" and not shuffle and count > 1 and value >= _EDITS["number_scale_from"]
        out: list[str] = []
        for step in steps:
            candidate = value + step
            if candidate <= 0 or (kind == "year" and not 1949 <= candidate <= 2100) or not in_range(candidate, unit):
                continue
            if kind == "number" and not tier_like(candidate, value, unit):
                continue  # 3万元 is set against 2万元 or 5万元, not 1.5万元
            written = written_like(candidate, answer) if kind == "number" else str(int(candidate))
            if written is None:
                continue
            text = written
            key = match_key(text)
            if key in avoid or key in self.text or text in out:
                continue
            out.append(text)
            if len(out) == count and not spread:
                break
        return self._spread(value, out, count) if spread else out

    def _spread(self, value: float, found: list[str], count: int) -> list[str]:
        """Options of a count that neither centre nor divide on the key: the key takes a random rank among them and
        the nearest values on either side fill the rest (三十 among 十八｜四十五｜六十, not 十五｜四十五｜六十)."""
        below = sorted((t for t in found if (number_value(t) or 0) < value), key=lambda t: -(number_value(t) or 0))
        above = sorted((t for t in found if (number_value(t) or 0) > value), key=lambda t: number_value(t) or 0)
        if self.difficulty == "easy":
            below, above = below[::-1], above[::-1]
        low, high = max(0, count - len(above)), min(count, len(below))
        if low > high:
            return found[:count]
        k = self.rng.randint(low, high)
        return below[:k] + above[: count - k]


def content_bigrams(name: str, family: str) -> set[str]:
    """The character pairs of a named measure's modifier, its ending left out (失业保险制度 → 失业, 业保, 保险)."""
    modifier = match_key(name.removesuffix(family))
    return {modifier[i : i + 2] for i in range(len(modifier) - 1)}
