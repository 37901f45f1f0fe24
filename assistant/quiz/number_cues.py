"""Numeric items an exam writer rejects: the answer follows from another number of the stem (超过____日……自第6日起),
from common knowledge (每满____小时，为1日), or a changed number breaks the unit's sense (每满24小时，为3日).

The units, conversions, ranges and definition markers are data (data/numbers.toml); nothing here names a document.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from functools import cache

from assistant.quiz.gazetteer import load_data
from assistant.quiz.numerals import CHINESE_NUMERAL_CHARS, number_value, same_script
from assistant.quiz.types import BLANK, QuizItem, split_stem


@dataclass(frozen=True)
class Count:
    """A number with its unit in a text: 第6日 (ordinal), 24小时, 三十日."""

    value: float
    unit: str
    start: int
    end: int
    related: bool = False
    """Written as a step of a period (第6日, 满5年, 不足1日): it counts in the same period as a number beside it."""


@dataclass(frozen=True)
class _Data:
    units: dict[str, str]
    pattern: re.Pattern[str]
    max_gap: float
    relation_prefixes: tuple[str, ...]
    conversions: tuple[tuple[float, str, str], ...]
    definition_markers: tuple[str, ...]
    anchor_units: frozenset[str]
    anchor_values: frozenset[float]
    anchor_prefixes: tuple[str, ...]
    ranges: dict[str, tuple[float, float]]
    small_max: float = 10
    small_step: float = 2
    noun_window: int = 8
    noun_ranges: tuple[tuple[str, str, float, float], ...] = ()
    sequence_separators: str = "、"
    plural_counters: tuple[str, ...] = ()
    plural_markers: tuple[str, ...] = ()
    plural_minimum: float = 2
    tier_units: frozenset[str] = frozenset()
    tier_digits: frozenset[int] = frozenset()


@cache
def _data() -> _Data:
    data = load_data("numbers")
    units: dict[str, str] = dict(data["units"])
    alternatives = "|".join(re.escape(u) for u in sorted(units, key=len, reverse=True))
    # Not a date's day or month (12月1日, 2020年) nor part of a longer number.
    pattern = re.compile(
        rf"(?<![\d.月])(\d+(?:\.\d+)?|(?<![{CHINESE_NUMERAL_CHARS}月])[{CHINESE_NUMERAL_CHARS}]+)\s*({alternatives})"
    )
    swaps = data["swaps"]
    return _Data(
        units=units,
        pattern=pattern,
        max_gap=float(data["leak"]["max_gap"]),
        relation_prefixes=tuple(data["leak"]["relation_prefixes"]),
        conversions=tuple((float(c["count"]), str(c["unit"]), str(c["partner"])) for c in data["conversions"]),
        definition_markers=tuple(swaps["definition_markers"]),
        anchor_units=frozenset(swaps["anchor_units"]),
        anchor_values=frozenset(float(v) for v in swaps["anchor_values"]),
        anchor_prefixes=tuple(swaps["anchor_prefixes"]),
        ranges={unit: (float(low), float(high)) for unit, (low, high) in data["ranges"].items()},
        small_max=float(data["small"]["max_value"]),
        small_step=float(data["small"]["max_step"]),
        noun_window=int(data["noun_range"]["window"]),
        noun_ranges=tuple(
            (str(r["noun"]), str(r["unit"]), float(r["low"]), float(r["high"])) for r in data["noun_ranges"]
        ),
        sequence_separators=str(data["sequence"]["separators"]),
        plural_counters=tuple(data["plural"]["counters"]),
        plural_markers=tuple(data["plural"]["markers"]),
        plural_minimum=float(data["plural"]["minimum"]),
        tier_units=frozenset(units.get(u, u) for u in data["tiers"]["units"]),
        tier_digits=frozenset(int(d) for d in data["tiers"]["leading_digits"]),
    )


def unit_of(word: str) -> str:
    """The unit a unit word counts in (天 → 日, 个工作日 → 工作日); the word itself when it is not listed."""
    return _data().units.get(word, word)


def counts(text: str) -> list[Count]:
    """Every number of the text that stands before a unit (years of the calendar left out)."""
    out = []
    for match in _data().pattern.finditer(text):
        value = number_value(match.group(1))
        unit = unit_of(match.group(2))
        if value is None or (unit == "年" and 1900 <= value <= 2100):
            continue
        related = text[: match.start(1)].endswith(_data().relation_prefixes)
        out.append(Count(value, unit, match.start(1), match.end(1), related))
    return out


def in_range(value: float, unit: str) -> bool:
    """A changed number stays within what its unit allows (no 150%, no 3 日 for a day's hours)."""
    bounds = _data().ranges.get(unit_of(unit))
    return bounds is None or bounds[0] <= value <= bounds[1]


def noun_range_holds(text: str, own: Count, value: float) -> bool:
    """`value` in place of the count `own` stays in the common range of the noun it measures (data: noun_ranges):
    8岁以下婴幼儿 does not."""
    data = _data()
    after = re.split(r"[，,；;。：:]", text[own.end : own.end + data.noun_window])[0]
    for noun, unit, low, high in data.noun_ranges:
        if unit_of(unit) == own.unit and noun in after and not low <= value <= high:
            return False
    return True


def near_small_count(own: Count, value: float) -> bool:
    """A small count (data: small.max_value) is changed by at most small.max_step: 3 → 5, never 3 → 8."""
    data = _data()
    return own.value > data.small_max or abs(value - own.value) <= data.small_step


def leaked_by_neighbour(text: str, at: int) -> bool:
    """The number at `at` has a neighbour of its unit that tells it: a step of the same period within the leak gap
    (超过5日……自第6日起), or the same value again."""
    found = counts(text)
    own = next((c for c in found if c.start == at), None)
    if own is None:
        return False
    gap = _data().max_gap
    others = [c for c in found if c is not own and c.unit == own.unit]
    if any(c.value == own.value or ((c.related or own.related) and abs(c.value - own.value) <= gap) for c in others):
        return True
    # 法官三人与人民陪审员四人组成七人合议庭: two numbers of the unit add up to it.
    return any(a.value + b.value == own.value for a, b in itertools.combinations(others, 2))


def fixed_by_conversion(text: str, at: int) -> bool:
    """The number at `at` belongs to a conversion every reader knows that the text states (每满24小时，为1日)."""
    found = counts(text)
    own = next((c for c in found if c.start == at), None)
    if own is None:
        return False
    for count, unit, partner in _data().conversions:
        whole = [c for c in found if c.value == count and c.unit == unit]
        if not whole:
            continue
        if not partner:
            if own in whole:
                return True
            continue
        partners = [c for c in found if c.unit == partner]
        if partners and (own in whole or own in partners):
            return True
    return False


def _sign(x: float) -> int:
    return (x > 0) - (x < 0)


def list_neighbours(text: str, own: Count) -> list[Count]:
    """The numbers of `own`'s unit listed right beside it (十四周岁、|十六|周岁、十八周岁): only unit words and list
    separators stand between them."""
    found = counts(text)
    at = next((i for i, c in enumerate(found) if c.start == own.start), None)
    if at is None:
        return []
    units = sorted((w for w, u in _data().units.items() if u == own.unit), key=len, reverse=True)

    def joined(gap: str) -> bool:
        for word in units:
            gap = gap.replace(word, "")
        return len(gap) <= 3 and all(ch in _data().sequence_separators for ch in gap)

    out = []
    if at > 0 and found[at - 1].unit == own.unit and joined(text[found[at - 1].end : own.start]):
        out.append(found[at - 1])
    if at + 1 < len(found) and found[at + 1].unit == own.unit and joined(text[own.end : found[at + 1].start]):
        out.append(found[at + 1])
    return out


def keeps_list_order(text: str, own: Count, value: float) -> bool:
    """`value` in place of `own` stands on the same side of each listed neighbour as `own` does: 十二、十四、____、十八
    周岁 admits 十五 or 十七, never 二十一."""
    return all(_sign(value - n.value) == _sign(own.value - n.value) for n in list_neighbours(text, own))


def keeps_stated_order(text: str, own: Count, value: float) -> bool:
    """A changed number keeps its order with every other number of its unit in the statement: 犯罪时不满十八周岁、
    立案时不满二十周岁 is never edited to 不满四周岁 (the sentence itself says the second age is the larger)."""
    others = [c for c in counts(text) if c.unit == own.unit and c.start != own.start]
    return all(_sign(value - c.value) == _sign(own.value - c.value) for c in others)


@cache
def _period_data() -> tuple[dict[str, tuple[float, ...]], tuple[tuple[str, str, float], ...]]:
    data = load_data("numbers")
    tiers = {unit: tuple(float(v) for v in values) for unit, values in data.get("period_tiers", {}).items()}
    words = tuple((str(w["word"]), str(w["unit"]), float(w["value"])) for w in data.get("fixed_words", ()))
    return tiers, words


def period_tiers(unit: str) -> tuple[float, ...]:
    """The periods statutes use in the unit (日: 1, 3, 5, 7, 10, 15, 30 …); empty for a unit without tiers."""
    return _period_data()[0].get(unit_of(unit), ())


def fixed_by_word(text: str, value: float, unit: str) -> bool:
    """A word of the text fixes the count (单日 → 1 日, 半年 → 6 月): the answer needs no rule."""
    return any(word in text and unit_of(unit) == own and value == fixed for word, own, fixed in _period_data()[1])


def keeps_whole(value: float, original: float) -> bool:
    """An integer key is never changed to a fraction (3万元 → 1.5万元)."""
    return not float(original).is_integer() or float(value).is_integer()


def tier_like(value: float, original: float, unit: str) -> bool:
    """A changed number looks like a rule's own figure: an integer for an integer key, and in a unit of sums (元,
    万元) one significant digit led by a tier digit (1, 2, 3, 5 …): 3万元 becomes 2万元 or 5万元, never 1.5万元."""
    if not keeps_whole(value, original):
        return False
    data = _data()
    if unit_of(unit) not in data.tier_units or value <= 0:
        return True
    digits = f"{value:.0f}".rstrip("0") if value >= 1 else ""
    return len(digits) == 1 and int(digits) in data.tier_digits


def plural_minimum(text: str, at: int, end: int) -> float | None:
    """The least value the number at [at, end) may take when it counts parties its own sentence treats as several
    (2个以上的证券公司……相互之间存在控制关系: at least 2); None when the sentence implies no plurality."""
    data = _data()
    if not text[end:].startswith(data.plural_counters):
        return None
    unit = max((u for u in data.units if text[end:].startswith(u)), key=len, default="")
    if unit and unit not in data.plural_counters:
        return None  # 两个工作日内共同选择: a period, not a count of parties
    rest = re.split(r"[。；;！？!?]", text[end:])[0]
    return data.plural_minimum if any(marker in rest for marker in data.plural_markers) else None


def swap_plausible(statement: str, at: int, original: str, replacement: str) -> bool:
    """Whether changing the number `original` at `at` of the source statement to `replacement` is an edit a careless
    reader could believe: not in a definition, not a unit anchor (为1日), not out of the unit's range, not against a
    conversion or a neighbour that fixes it."""
    data = _data()
    if any(marker in statement for marker in data.definition_markers):
        return False
    least = plural_minimum(statement, at, at + len(original))
    value = number_value(replacement)
    if least is not None and value is not None and value < least <= (number_value(original) or 0):
        return False  # 1个以上的证券公司……相互之间: the sentence itself says there are several
    own = next((c for c in counts(statement) if c.start == at), None)
    if own is None:
        return True  # not a count with a unit (a sum of 万, a share): the generator's steps judge it
    anchored = statement[:at].endswith(data.anchor_prefixes)
    if anchored and own.unit in data.anchor_units and own.value in data.anchor_values:
        return False
    if value is not None and not in_range(value, own.unit):
        return False
    if value is not None and not keeps_whole(value, own.value):
        return False  # 3万元 → 1.5万元: no rule's figure (the generator also prefers tiers: tier_like)
    if value is not None and not (near_small_count(own, value) and noun_range_holds(statement, own, value)):
        return False  # 3岁以下婴幼儿 → 8岁以下婴幼儿: another thing, not a misremembered rule
    if value is not None and not keeps_stated_order(statement, own, value):
        return False  # 不满十八周岁、立案时不满二十周岁 → 不满四周岁: the error gives itself away
    return not fixed_by_conversion(statement, at) and not leaked_by_neighbour(statement, at)


def _body(item: QuizItem) -> str:
    return split_stem(item.stem)[1]


def numeric_item_sound(item: QuizItem) -> bool:
    """The gate: a number asked in a single choice or fill-in is not given away by a neighbour or a conversion, and
    its options stay in the unit's range; a false statement's changed number is plausible (swap_plausible)."""
    if item.kind != "number":
        return True
    body = _body(item)
    if item.type in ("single", "blank") and BLANK in body and item.answer:
        at = body.index(BLANK)
        answer = item.answer[0]
        filled = body[:at] + answer + body[at + len(BLANK) :]
        if leaked_by_neighbour(filled, at) or fixed_by_conversion(filled, at):
            return False
        least = plural_minimum(filled, at, at + len(answer))
        if least is not None:
            if (number_value(answer) or 0) <= least:
                return False  # ____个以上的证券公司……相互之间: the sentence tells the least count
            if any((number_value(o) or least) < least for o in item.options):
                return False  # 1个以上……相互之间 is an option nobody picks
        if item.type == "single" and not all(same_script(o, answer) for o in item.options):
            return False  # 两｜5｜六｜一: a number written unlike the others is told apart by its script
        own = next((c for c in counts(filled) if c.start == at), None)
        if own is not None and fixed_by_word(body.replace(BLANK, ""), own.value, own.unit):
            return False  # 单日……按照____天计入: the word tells the count
        if item.type == "blank" and own is not None and len(list_neighbours(filled, own)) == 2:
            return False  # “十五日”、“____”、“六十日”: a run tells a fill-in (a choice's options keep its order)
        if own is not None and item.type == "single":
            values = [number_value(o) for o in item.options]
            return all(
                v is None
                or (
                    in_range(v, own.unit)
                    and noun_range_holds(filled, own, v)
                    and keeps_list_order(filled, own, v)
                    and keeps_stated_order(filled, own, v)  # 不得超过三十日；…可以延长至____日 never offers 十五
                )
                for v in values
            )
        return True
    if item.type == "tf" and item.swap is not None:
        original, replacement = item.swap.original, item.swap.replacement
        span = item.answer_span.rstrip("。；;")
        for match in re.finditer(re.escape(replacement), body):
            at = match.start()
            source = body[:at] + original + body[match.end() :]
            if span in source:
                return swap_plausible(source, at, original, replacement)
    return True
