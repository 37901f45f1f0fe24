"""Terms that carry meaning in a clause, and their kinds: places, years, numbers, institutions, measures, slogans.

Questions blank these terms out; distractors are terms of the same kind found elsewhere. jieba's
part-of-speech tags find the word boundaries; a small gazetteer decides what is a place, because
jieba tags many ordinary words (深度, 城市) as place names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from assistant.chinese import match_key
from assistant.quiz.gazetteer import (
    AGENT_NOUNS,
    CITIES,
    COMPLEMENT_VERBS,
    GENERIC_MEASURES,
    INSTITUTION_SUFFIXES,
    INSTITUTIONS,
    LEADING_VERBS,
    MEASURE_SUFFIXES,
    MUNICIPALITIES,
    NOT_MEASURES,
    ORGAN_HEADS,
    PROVINCES,
    TERM_BREAKERS,
)
from assistant.quiz.numerals import CHINESE_NUMERAL_CHARS, bound_numeral, chinese_value, number_value
from assistant.quiz.soundness import inside_formula, is_metadata, sound_term
from assistant.quiz.types import TermKind
from assistant.types import Clause
from assistant.typos import likely_typos

_NOUNISH = frozenset(["n", "nz", "nt", "ns", "nr", "nrt", "nrfg", "j", "l", "vn", "b", "an", "f", "eng", "i"])
_STOP_FLAGS = frozenset(
    ["x", "p", "c", "u", "uj", "ul", "uv", "ud", "ug", "uz", "d", "ad", "r", "m", "q", "y", "e", "o", "zg"]
)
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?=\s*年)")
_NUMBER = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)(?=\s*(%|％|个|万|亿|倍|岁|项|家|所|条|公里|千米|吨|元|人))")
# A period or count of a statute (自收到申请之日起45日内, 三十日, 六个月, 三年以下): Arabic or Chinese numerals before
# a unit of time or count, not a date's day (12月1日), an ordinal (第三十日) nor a year (2011年).
_PERIOD_UNITS = "个工作日|个月|小时|周岁|日|天|年|万元|元|人|倍|项"
_PERIOD = re.compile(
    rf"(?<![\d.月第])(?!(?:19|20)\d{{2}}年)(\d+)(?=({_PERIOD_UNITS}))"
    rf"|(?<![{CHINESE_NUMERAL_CHARS}月第])([{CHINESE_NUMERAL_CHARS}]+)(?=({_PERIOD_UNITS}))"
)
_QUOTED = re.compile(r"“([^“”，。；,;]{2,12})”")
_ENUM_JOINERS = ("以及", "和", "及")
_LIST_END = "等，,。；;：:）)”"
MAX_TERM_CHARS = 16
# What may stand just before a term: a verb, preposition, conjunction, particle, numeral, measure word,
# pronoun or punctuation. Anything else is glued to the term (现代|市场体系, 自然|保护地体系, 兴边|富民行动).
_OPENING_FLAGS = ("v", "p", "c", "u", "x", "m", "q", "r")
_CONTINUING_FLAGS = frozenset({"n", "nz", "ng"})
_COORDINATORS = ("和", "与", "及", "或", "、")

if TYPE_CHECKING:
    from assistant.quiz.provisions import ProvisionList


@dataclass(frozen=True)
class Token:
    word: str
    flag: str
    start: int
    end: int


@dataclass(frozen=True)
class Term:
    """A meaningful term at [start, end) of its clause's text."""

    text: str
    kind: TermKind
    start: int
    end: int
    family: str = ""  # measures: their suffix (示范区, 政策 …); distractors prefer the same family


@dataclass(frozen=True)
class Enumeration:
    """A run of listed items (支持重庆、四川、陕西…) at [start, end) of the clause text."""

    items: tuple[Term, ...]
    kind: TermKind
    start: int
    end: int


@lru_cache(maxsize=1)
def _posseg():
    from assistant.chinese import _jieba

    _jieba()  # shared, quiet initialisation of the dictionary
    import jieba.posseg

    return jieba.posseg


@lru_cache(maxsize=512)
def tokenize(text: str) -> tuple[Token, ...]:
    """jieba words with part-of-speech flags and their offsets in text."""
    out, cursor = [], 0
    for pair in _posseg().lcut(text):
        word, flag = pair.word, pair.flag
        out.append(Token(word, flag, cursor, cursor + len(word)))
        cursor += len(word)
    return tuple(out)


def place_kind(word: str) -> TermKind | None:
    name = word[:-1] if len(word) > 2 and word[-1] in "省市" else word
    if name in MUNICIPALITIES:
        return "city" if word.endswith("市") else "province"
    if name in PROVINCES:
        return "province"
    if name in CITIES:
        return "city"
    return None


def kinds_of(text: str) -> set[TermKind]:
    """The kinds a free-standing text can be (without its context): empty when nothing fits."""
    text = text.strip().strip('“”"')
    kinds: set[TermKind] = set()
    if re.fullmatch(r"(?:19|20)\d{2}(?:年)?", text):
        kinds.add("year")
    elif re.fullmatch(r"\d+(?:\.\d+)?\D{0,2}", text) or chinese_value(text) is not None:
        kinds.add("number")
    place = place_kind(text)
    if place:
        kinds.add(place)
        if text in MUNICIPALITIES:
            kinds.add("city")  # 重庆 is both a provincial-level unit and a city
    if text in INSTITUTIONS or (len(text) >= 4 and text.endswith(INSTITUTION_SUFFIXES)):
        kinds.add("institution")
    elif (
        len(text) >= 3
        and text.endswith(MEASURE_SUFFIXES)
        and text not in GENERIC_MEASURES
        and not text.endswith(tuple(NOT_MEASURES))
    ):
        kinds.add("measure")
    return kinds


def _term_start(
    tokens: tuple[Token, ...],
    end_index: int,
    limit: int = MAX_TERM_CHARS,
    cover: int | None = None,
    glued_verbs: bool = True,
) -> int | None:
    """Index of the first token of the noun phrase ending at tokens[end_index] (reaching back to `cover`).

    Without `glued_verbs`, a phrase that had to shed a verb glued to its front (受益|所有人信息管理制度) is
    refused: where the name begins is unknown.
    """
    start = end_index
    length = len(tokens[end_index].word)
    while start > 0:
        token = tokens[start - 1]
        if cover is not None and token.start >= cover:
            start -= 1
            length += len(token.word)
            continue
        if token.flag in _STOP_FLAGS or token.word in LEADING_VERBS or token.word in TERM_BREAKERS:
            break
        if "、" in token.word or (token.flag not in _NOUNISH and not token.flag.startswith("v")):
            break
        if length + len(token.word) > limit:
            return None
        start -= 1
        length += len(token.word)
    # A phrase opens with a noun, never with a verb or adjective.
    shed = False
    while start < end_index and tokens[start].flag not in _NOUNISH:
        shed = shed or tokens[start].flag.startswith("v")
        start += 1
    return None if shed and not glued_verbs else start


def _suffix_at(text: str, tokens: tuple[Token, ...], index: int, starts: set[int]) -> str | None:
    """The institution or measure suffix that ends at tokens[index] and begins on a word boundary."""
    token = tokens[index]
    if token.flag == "v" and token.word != "制":
        return None  # 控制 ends in 制 but is a verb
    for suffix in INSTITUTION_SUFFIXES + MEASURE_SUFFIXES:
        begin = token.end - len(suffix)
        if text[begin : token.end] == suffix and (begin in starts or begin > token.start):
            return suffix
    return None


def _clause_inside(tokens: tuple[Token, ...], start: int, end: int) -> bool:
    """Whether tokens[start..end] hold a clause rather than a name: a body followed by more words
    (医疗保障行政部门|报告…基金), or a body or person followed by a verb (人员|负责|医疗保障|基金,
    定点医药机构|涉嫌|骗取…基金). Other verbs inside a name modify its head (国家自主创新示范区, 易地扶贫搬迁政策), and a
    three-character 跨部门, 各部门 is a modifier, not a body (跨部门会商工作机制)."""
    for j in range(start, end):
        word = tokens[j].word
        agent = word.endswith(ORGAN_HEADS) or word in AGENT_NOUNS
        if len(word) >= 4 and word.endswith(ORGAN_HEADS) and j + 1 < end:
            return True
        if agent and tokens[j + 1].flag == "v":
            return True
    return False


def holds_a_clause(word: str) -> bool:
    """Whether a key or option named as a measure or body holds a clause (人员负责医疗保障基金)."""
    tokens = tokenize(word)
    return len(tokens) > 2 and _clause_inside(tokens, 0, len(tokens) - 1)


def _named_terms(text: str, tokens: tuple[Token, ...]) -> list[Term]:
    terms: list[Term] = []
    starts = {t.start for t in tokens}
    for index, token in enumerate(tokens):
        place = place_kind(token.word)
        if place:
            terms.append(Term(token.word, place, token.start, token.end, place))
            continue
        if token.word in INSTITUTIONS:
            terms.append(Term(token.word, "institution", token.start, token.end, "institution"))
            continue
        suffix = _suffix_at(text, tokens, index, starts)
        if suffix is None:
            continue
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        if following is not None and following.flag in ("n", "nz", "nt", "ns", "nr"):
            continue  # a modifier (寄宿制学校), not the name itself
        after = tokens[index + 2] if index + 2 < len(tokens) else None
        if (
            suffix in MEASURE_SUFFIXES
            and following is not None
            and following.flag == "v"
            and after is not None
            and after.flag in ("n", "nz")
        ):
            continue  # 工程|保修|义务: a measure word modifying a verb-noun head (round 13b); a body before a verb acts
        # (委员会|审议|议案)
        start = _term_start(tokens, index, cover=token.end - len(suffix), glued_verbs=False)
        if start is None or _clause_inside(tokens, start, index):
            continue
        phrase = text[tokens[start].start : token.end]
        kinds = kinds_of(phrase)
        if len(phrase) - len(suffix) < 2 or not kinds & {"institution", "measure"}:
            continue
        kind: TermKind = "institution" if "institution" in kinds else "measure"
        terms.append(Term(phrase, kind, tokens[start].start, token.end, suffix if kind == "measure" else kind))
    return terms


def _forward_item(tokens: tuple[Token, ...], start: int, places: bool) -> tuple[int, int] | None:
    """Token range [start, stop) of the last listed item, which ends where the predicate begins."""
    if start >= len(tokens):
        return None
    if places:
        return (start, start + 1) if place_kind(tokens[start].word) else None
    stop, length = start, 0
    while stop < len(tokens):
        token = tokens[stop]
        if token.flag in _STOP_FLAGS or token.word in LEADING_VERBS or length + len(token.word) > 12:
            break
        if token.flag not in _NOUNISH and not token.flag.startswith("v"):
            break
        stop += 1
        length += len(token.word)
    while stop > start and tokens[stop - 1].flag not in _NOUNISH:
        stop -= 1
    return (start, stop) if stop > start else None


def _enumerations(text: str, tokens: tuple[Token, ...]) -> list[Enumeration]:
    """Runs like 重庆、四川、陕西 or 新疆、西藏和青海, with every item a short noun phrase."""
    found: list[Enumeration] = []
    index = 0
    while index < len(tokens):
        if tokens[index].word != "、" or index == 0:
            index += 1
            continue
        first = _term_start(tokens, index - 1, limit=12, glued_verbs=False)  # 就业|前培训 is no item
        if first is None or first >= index:
            index += 1
            continue
        ranges = [(first, index)]
        cursor = index  # at a separator
        while True:
            stop = cursor + 1
            while stop < len(tokens) and tokens[stop].word != "、" and not _breaks(tokens[stop]):
                stop += 1
            segment = (cursor + 1, stop)
            if stop < len(tokens) and tokens[stop].word == "、" and _whole_item(tokens, *segment):
                ranges.append(segment)
                cursor = stop
                continue
            places = all(place_kind(text[tokens[a].start : tokens[b - 1].end]) for a, b in ranges)
            joiner = next((k for k in range(*segment) if tokens[k].word in _ENUM_JOINERS), None)
            if joiner is not None and _whole_item(tokens, cursor + 1, joiner):
                ranges.append((cursor + 1, joiner))
                last = _forward_item(tokens, joiner + 1, places)
            else:
                last = _forward_item(tokens, cursor + 1, places)
            if last:
                ranges.append(last)
            break
        index = cursor + 1
        if not _opens(tokens[first - 1]) if first > 0 else False:
            continue  # 更高质量发展、更有效率: the list began before the first item
        after = ranges[-1][1]
        if after < len(tokens) and not _closes(tokens[after]):
            continue
        bounds = [(tokens[a].start, tokens[b - 1].end) for a, b in ranges]
        items = [text[a:b] for a, b in bounds]
        place_kinds = [place_kind(i) for i in items]
        needed = 2 if all(place_kinds) else 3
        if len(items) < needed or any(not 2 <= len(i) <= 12 for i in items) or len(set(items)) < len(items):
            continue
        if any(i in MEASURE_SUFFIXES or i in GENERIC_MEASURES for i in items):
            continue  # 试验区 alone is the tail of a longer name the parse cut off
        if max(len(i) for i in items) > 3 * min(len(i) for i in items):
            continue
        if not all(place_kinds) and text[bounds[-1][1] : bounds[-1][1] + 1] not in tuple(_LIST_END):
            continue  # the last item runs on into the predicate (信息服务|保障): its end is unknown
        kind: TermKind
        if all(place_kinds):
            kind = "city" if place_kinds.count("city") > place_kinds.count("province") else "province"
        else:
            kind = "item"
        terms = tuple(Term(i, kind, a, b, kind) for i, (a, b) in zip(items, bounds))
        found.append(Enumeration(terms, kind, bounds[0][0], bounds[-1][1]))
    return found


def _opens(token: Token) -> bool:
    """What may stand just before a list: punctuation, a preposition, a conjunction or a verb."""
    return token.flag in ("x", "p", "c", "v", "uj") or token.word in LEADING_VERBS


def _closes(token: Token) -> bool:
    """What may stand just after a list: 等, punctuation, a verb or a preposition."""
    return token.word in ("等", "为") or token.flag in ("x", "p", "v", "u", "uj") or token.word in LEADING_VERBS


def _breaks(token: Token) -> bool:
    return token.flag == "x" and token.word not in ("—", "-", "+")


def _whole_item(tokens: tuple[Token, ...], start: int, stop: int) -> bool:
    """Tokens [start, stop) form one listed item: short, no joiner, no opening verb, ends in a noun."""
    if stop <= start:
        return False
    words = tokens[start:stop]
    length = sum(len(t.word) for t in words)
    return (
        2 <= length <= 12
        and not any(t.word in _ENUM_JOINERS or t.word == "等" for t in words)
        and words[0].word not in LEADING_VERBS
        and words[-1].flag in _NOUNISH
    )


def whole_at(text: str, start: int, end: int, numeric: bool = False) -> bool:
    """text[start:end] is a whole term where it stands: on word boundaries, not glued to the words around it."""
    if numeric:  # 三十日: jieba may keep a numeral and its unit as one word; digits on either side cut it
        numeral = CHINESE_NUMERAL_CHARS + "0123456789."
        if bound_numeral(text, start, end):
            return False  # 上一年度: the numeral is part of a word
        return (start == 0 or text[start - 1] not in numeral) and (end == len(text) or text[end] not in numeral)
    tokens = tokenize(text)
    starts = {t.start for t in tokens} | {len(text)}
    ends = {t.end for t in tokens} | {0}
    if start not in starts or end not in ends:
        return False  # the term's edge falls inside a word
    if start > 0 and text[start - 1].isdigit():
        return False  # 27|日原国家…总局: the parse glued a date's unit to the name
    index = next((i for i, t in enumerate(tokens) if t.end == start), None)
    before = tokens[index] if index is not None else None
    after = next((t for t in tokens if t.start == end), None)
    if before is not None:
        opening = before.word in LEADING_VERBS or (before.flag.startswith(_OPENING_FLAGS) and before.flag != "vn")
        if not opening:
            return False
        # 守信激励和失信|惩戒机制: a verb after 和 that modifies the noun, not a predicate taking it.
        modifier = before.flag.startswith("v") and before.word not in LEADING_VERBS
        # 形成优化|营商环境长效机制: two verbs in a row, the first not one that takes a verb phrase, so the
        # second verb and its object modify the head noun together.
        verb = before.flag.startswith("v") or before.word in LEADING_VERBS
        if before.flag == "m" and index and tokens[index - 1].flag == "f":
            return False  # 下一|年度社会保险基金: 下一年度 is one word
        if before.flag == "r" and len(before.word) >= 2 and index and tokens[index - 1].flag.startswith("n"):
            return False  # 纳税人自行|申报纳税制度: an adverb between a noun and the rest belongs to the term
        if verb and index and tokens[index - 1].flag == "v" and tokens[index - 1].word not in COMPLEMENT_VERBS:
            return False
        if modifier and index and tokens[index - 1].word in _COORDINATORS:
            return False
        # 财务、|会计制度, 宪法和|法律委员会: the conjunct before shares the term's head, so the term is cut.
        if before.word in _COORDINATORS and index and not kinds_of(_conjunct(text, tokens, index)):
            return False
    if after is not None and after.flag in _CONTINUING_FLAGS:
        return False
    return not _heads_an_organ(text, tokens, end)


def _heads_an_organ(text: str, tokens: tuple[Token, ...], end: int) -> bool:
    """国务院|劳动行政部门: the nouns that follow close an organ's name, so the term is only its first part."""
    following = [t for t in tokens if t.start >= end][:5]
    run = ""
    for token in following:
        if token.flag not in _NOUNISH and not token.flag.startswith("v") and token.flag not in ("f", "zg"):
            break
        run += token.word
        if run.endswith(ORGAN_HEADS):
            return True
    return False


def _conjunct(text: str, tokens: tuple[Token, ...], coordinator: int) -> str:
    """The noun phrase just before a coordinator (和, 、 …), as far back as the nouns go."""
    start = coordinator
    while start > 0 and tokens[start - 1].flag in _NOUNISH and coordinator - start < 6:
        start -= 1
    return text[tokens[start].start : tokens[coordinator - 1].end] if start < coordinator else ""


def clause_terms(clause: Clause) -> tuple[list[Term], list[Enumeration]]:
    """Every meaningful term of a clause, in order, and its enumerations; none from a metadata clause.

    A term that is cut, corrupt in the source or inside a fixed political formula is left out, so it is
    never a key nor, through the pool, an option.
    """
    if is_metadata(clause):
        return [], []
    text = clause.text
    tokens = tokenize(text)
    terms: list[Term] = []
    terms += [Term(m.group(1), "year", m.start(1), m.end(1), "year") for m in _YEAR.finditer(text)]
    # A number's family is its unit: 5000 元 is set against sums of money, not against 3 人.
    terms += [Term(m.group(1), "number", m.start(1), m.end(1), m.group(2)) for m in _NUMBER.finditer(text)]
    terms += [
        t
        for t in map(_period, _PERIOD.finditer(text))
        if t is not None and (t.start, t.end) not in {(n.start, n.end) for n in terms}
    ]
    # A quoted word in a run of quoted words (“以上”、“以下”、“日内”) is one member of a list: any other is defensible.
    terms += [
        Term(m.group(1), "slogan", m.start(1), m.end(1), "slogan")
        for m in _QUOTED.finditer(text)
        if text[m.end() : m.end() + 2] != "、“" and text[max(0, m.start() - 2) : m.start()] != "”、"
    ]
    # A named term cut from a longer phrase (失信|惩戒机制) is neither a key nor, through the pool, an option.
    terms += [t for t in _named_terms(text, tokens) if whole_at(text, t.start, t.end)]
    terms = [t for t in terms if _askable(clause, t.start, t.end)]
    # 国务院 inside 国务院西部地区开发领导小组办公室 is part of a name, not a term of its own.
    terms = [t for t in terms if not any(o.start <= t.start and t.end <= o.end and o != t for o in terms)]
    terms.sort(key=lambda t: (t.start, -t.end))
    enumerations = [e for e in _enumerations(text, tokens) if all(_askable(clause, t.start, t.end) for t in e.items)]
    return terms, enumerations


def _period(match: re.Match[str]) -> Term | None:
    """A period's term, its unit the family; None for a Chinese string that is no count (二三)."""
    group = 1 if match.group(1) else 3
    number = match.group(group)
    if number_value(number) is None or number_value(number) == 0:
        return None
    if number == "一" and match.group(group + 1) in ("项", "人", "倍", "元"):
        return None  # 任何一项, 董事长一人: the indefinite "one", not a count worth asking
    if bound_numeral(match.string, match.start(group), match.end(group)):
        return None  # 上一年度, 下一年: a word, not a count
    return Term(number, "number", match.start(group), match.end(group), match.group(group + 1))


def _askable(clause: Clause, start: int, end: int) -> bool:
    return sound_term(clause, start, end) and not inside_formula(clause.text, start, end)


def unsound_words(clause: Clause) -> set[str]:
    """Words of the clause that lint would flag: anything spanning a rejoined page break (乌鲁齐)."""
    text = clause.text
    out = set()
    for join in clause.joins:
        # The word around the break as the parse joined it, up to the nearest separator either side.
        left = max(text.rfind(c, 0, join) for c in "、，,。；;（(和及")
        right = min([i for i in (text.find(c, join) for c in "、，,。；;）)和及") if i >= 0] or [len(text)])
        if 0 < right - left - 1 <= 12:
            out.add(match_key(text[left + 1 : right]))
    return out


@dataclass
class PoolEntry:
    text: str
    kind: TermKind
    family: str
    clause_key: str
    part: str
    order: int = 0
    """The clause's position in its document: neighbouring clauses tend to treat one field."""


@dataclass
class Lexicon:
    """Every term of the documents, by kind: the source of distractors and of the same-kind check."""

    terms: dict[str, list[Term]] = field(default_factory=dict)
    enumerations: dict[str, list[Enumeration]] = field(default_factory=dict)
    provisions: dict[str, list[ProvisionList]] = field(default_factory=dict)
    """A statute's numbered lists by clause (有下列情形之一的：(一)…), asked as multiple choice."""
    pool: dict[str, list[PoolEntry]] = field(default_factory=dict)
    known: dict[str, set[TermKind]] = field(default_factory=dict)
    clause_count: dict[str, int] = field(default_factory=dict)
    corpus: str = ""
    """Every clause's normalised text, one per line: where a short form of a name is looked up."""
    suspect: set[str] = field(default_factory=set)
    """Words lint flags in the source (page-break joins such as 乌鲁齐): never a key or an option."""

    @classmethod
    def build(cls, clauses: Iterable[Clause]) -> Lexicon:
        from assistant.quiz.provisions import provision_lists  # provisions reads stems, which reads this module

        lexicon = cls()
        seen: dict[tuple[str, str], PoolEntry] = {}
        for clause in clauses:
            terms, enumerations = clause_terms(clause)
            lexicon.suspect |= unsound_words(clause)
            lexicon.corpus += match_key(clause.text) + "\n"
            lexicon.terms[clause.key] = terms
            lexicon.enumerations[clause.key] = enumerations
            lexicon.provisions[clause.key] = provision_lists(clause)
            listed = [t for e in enumerations for t in e.items]
            counted: set[str] = set()
            for term in terms + listed:
                key = match_key(term.text)
                lexicon.known.setdefault(key, set()).add(term.kind)
                if key not in counted:
                    counted.add(key)
                    lexicon.clause_count[key] = lexicon.clause_count.get(key, 0) + 1
                if (term.kind, key) not in seen:
                    entry = PoolEntry(term.text, term.kind, term.family, clause.key, clause.part, clause.order)
                    seen[(term.kind, key)] = entry
                    lexicon.pool.setdefault(term.kind, []).append(entry)
        # A likely conversion typo (西卜 where the documents write 西部) is as unsound as a page-break join.
        lexicon.suspect |= {typo.written for typo in likely_typos(lexicon.corpus)}
        return lexicon

    def kinds(self, text: str) -> set[TermKind]:
        kinds = set(self.known.get(match_key(text.strip().strip('“”"')), set())) | kinds_of(text)
        return kinds or {"phrase"}

    def fits(self, text: str, kind: TermKind) -> bool:
        """Whether text can stand as a term of this kind (a plain phrase fits the loose kinds)."""
        kinds = self.kinds(text)
        return kind in kinds or (kind in LOOSE_KINDS and bool(kinds & LOOSE_KINDS))


LOOSE_KINDS: frozenset[TermKind] = frozenset({"item", "measure", "slogan", "phrase", "provision"})
