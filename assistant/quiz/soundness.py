"""What makes a term safe to ask about: whole, not corrupt in the source, not inside a fixed political formula.

The knowledge is data (data/formulas.toml, data/gates.toml, data/gazetteer.toml); this module holds the
mechanism, shared by the term finder (so a corrupt or cut term never enters the distractor pool) and by
the quality gates (so a model's item is held to the same rules).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

from assistant.quiz.gazetteer import (
    FUNCTION_CHAR_WORDS,
    LEADING_FUNCTION_CHARS,
    PERIOD_LOCALIZERS,
    PERIOD_UNITS,
    load_data,
)
from assistant.quiz.types import NAMED_KINDS
from assistant.types import Clause

_DUTIES = ("应当", "必须", "应")
"""The modals of a positive duty (a prohibition's other side)."""
_LATIN = re.compile(r"[A-Za-z]{2,}")
_CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class GateSettings:
    """Thresholds and word lists of the gates, from data/gates.toml."""

    duplicate_overlap: float
    elsewhere_overlap: float
    synonym_overlap: float
    tf_surplus: int
    dangling_endings: tuple[str, ...]
    dangling_openers: tuple[str, ...]
    metadata_markers: tuple[str, ...]
    modals: tuple[str, ...]
    dependent_openers: tuple[str, ...]
    stem_max_chars: int
    context_references: tuple[str, ...]
    short_condition_chars: int
    echo_ignore: tuple[str, ...]
    blank_max_chars: int
    choice_kinds: tuple[str, ...]
    field_clause_distance: int
    field_clause_window: int
    continuation_openers: tuple[str, ...] = ()
    unanchoring_words: tuple[str, ...] = ()
    trivia_markers: tuple[str, ...] = ()
    trivia_share: float = 0.05
    measures_in_field_only: bool = False
    exception_endings: tuple[str, ...] = ()
    context_patterns: tuple[str, ...] = ()
    premise_openers: tuple[str, ...] = ()
    back_references: tuple[str, ...] = ()
    carry_max_chars: int = 110
    semicolon_continuations: tuple[str, ...] = ()
    open_heads: tuple[str, ...] = ()
    semicolon_carried_openers: tuple[str, ...] = ()
    cue_words: tuple[str, ...] = ()
    clause_cap: int = 2
    blank_anchors: int = 1
    blank_stretch_anchors: int = 0
    open_kinds: tuple[str, ...] = ()
    additive_adverbs: tuple[str, ...] = ()
    additive_before_modal: tuple[str, ...] = ()
    objectless_auxiliaries: tuple[str, ...] = ()
    object_markers: tuple[str, ...] = ()
    agent_heads: tuple[str, ...] = ()
    noun_phrase_rule: bool = False
    number_repeat_max: int = 2
    statute_cut_rule: bool = True
    time_clause_endings: tuple[str, ...] = ()
    actorless_openers: tuple[str, ...] = ()
    provision_nouns: tuple[str, ...] = ()
    provision_item_chars: int = 28
    provision_catchall: tuple[str, ...] = ()
    provision_lead_chars: int = 60
    provision_lead_overlap: float = 0.5
    follower_sanctions: tuple[str, ...] = ()
    subjectless_condition_rule: bool = False
    objectless_final_verbs: tuple[str, ...] = ()
    final_verb_exemptions: tuple[str, ...] = ()
    restrictive_connectors: tuple[str, ...] = ()
    topic_openers: tuple[str, ...] = ()
    concessive_words: tuple[str, ...] = ()
    phrase_frames: dict[str, tuple[str, ...]] = field(default_factory=dict)
    blank_kinds: tuple[str, ...] = ()
    statute_unswapped_kinds: tuple[str, ...] = ()
    definition_leads: tuple[str, ...] = ()
    definition_follows: tuple[str, ...] = ()
    statute_unasked_kinds: tuple[str, ...] = ()
    basis_frames: dict[str, tuple[str, ...]] = field(default_factory=dict)
    condition_endings: tuple[str, ...] = ()


@lru_cache(maxsize=1)
def gate_settings() -> GateSettings:
    data = load_data("gates")
    return GateSettings(
        duplicate_overlap=float(data["duplicate_overlap"]),
        elsewhere_overlap=float(data["elsewhere_overlap"]),
        synonym_overlap=float(data["synonym_overlap"]),
        tf_surplus=int(data["tf_surplus"]),
        dangling_endings=tuple(sorted(data["dangling_endings"], key=len, reverse=True)),
        dangling_openers=tuple(data["dangling_openers"]),
        metadata_markers=tuple(data["metadata_markers"]),
        modals=tuple(data["modals"]),
        dependent_openers=tuple(data["dependent_openers"]),
        stem_max_chars=int(data["stem_max_chars"]),
        context_references=tuple(data["context_references"]),
        short_condition_chars=int(data["short_condition_chars"]),
        echo_ignore=tuple(data["echo_ignore"]),
        blank_max_chars=int(data["blank_max_chars"]),
        choice_kinds=tuple(data["choice_kinds"]),
        blank_kinds=tuple(data["blank_kinds"]),
        definition_leads=tuple(data.get("definition_leads", ())),
        definition_follows=tuple(data.get("definition_follows", ())),
        statute_unasked_kinds=tuple(data.get("statute_unasked_kinds", ())),
        statute_unswapped_kinds=tuple(data.get("statute_unswapped_kinds", ())),
        field_clause_distance=int(data["field_clause_distance"]),
        field_clause_window=int(data["field_clause_window"]),
        continuation_openers=tuple(data["continuation_openers"]),
        unanchoring_words=tuple(data["unanchoring_words"]),
        trivia_markers=tuple(data["trivia_markers"]),
        trivia_share=float(data["trivia_share"]),
        measures_in_field_only=bool(data["measures_in_field_only"]),
        exception_endings=tuple(data["exception_endings"]),
        context_patterns=tuple(data["context_patterns"]),
        premise_openers=tuple(data["premise_openers"]),
        back_references=tuple(data["back_references"]),
        carry_max_chars=int(data["carry_max_chars"]),
        semicolon_continuations=tuple(data["semicolon_continuations"]),
        open_heads=tuple(data["open_heads"]),
        semicolon_carried_openers=tuple(data["semicolon_carried_openers"]),
        cue_words=tuple(data["cue_words"]),
        clause_cap=int(data["clause_cap"]),
        blank_anchors=int(data["blank_anchors"]),
        blank_stretch_anchors=int(data["blank_stretch_anchors"]),
        open_kinds=tuple(data["open_kinds"]),
        additive_adverbs=tuple(data["additive_adverbs"]),
        additive_before_modal=tuple(data.get("additive_before_modal", ())),
        objectless_auxiliaries=tuple(data.get("objectless_auxiliaries", ())),
        object_markers=tuple(data.get("object_markers", ())),
        agent_heads=tuple(data.get("agent_heads", ())),
        noun_phrase_rule=bool(data.get("noun_phrase_rule", False)),
        number_repeat_max=int(data.get("number_repeat_max", 2)),
        statute_cut_rule=bool(data.get("statute_cut_rule", True)),
        time_clause_endings=tuple(data.get("time_clause_endings", ())),
        actorless_openers=tuple(data.get("actorless_openers", ())),
        provision_nouns=tuple(data.get("provision_nouns", ())),
        provision_item_chars=int(data.get("provision_item_chars", 28)),
        provision_catchall=tuple(data.get("provision_catchall", ())),
        provision_lead_chars=int(data.get("provision_lead_chars", 60)),
        provision_lead_overlap=float(data.get("provision_lead_overlap", 0.5)),
        follower_sanctions=tuple(data.get("follower_sanctions", ())),
        subjectless_condition_rule=bool(data.get("subjectless_condition_rule", False)),
        objectless_final_verbs=tuple(data.get("objectless_final_verbs", ())),
        final_verb_exemptions=tuple(data.get("final_verb_exemptions", ())),
        restrictive_connectors=tuple(data.get("restrictive_connectors", ())),
        topic_openers=tuple(data.get("topic_openers", ())),
        concessive_words=tuple(data.get("concessive_words", ())),
        phrase_frames={k: tuple(v) for k, v in data.get("phrase_frames", {}).items()},
        basis_frames={k: tuple(v) for k, v in data.get("basis_frames", {}).items()},
        condition_endings=tuple(data.get("condition_endings", ())),
    )


@lru_cache(maxsize=1)
def _formula_patterns() -> tuple[re.Pattern[str], ...]:
    data = load_data("formulas")
    phrases = sorted(data["phrases"], key=len, reverse=True)
    return tuple(re.compile(re.escape(p)) for p in phrases) + tuple(re.compile(p) for p in data["patterns"])


def formula_spans(text: str) -> list[tuple[int, int]]:
    """[start, end) of every fixed political formula in text (overlapping spans kept)."""
    return sorted({(m.start(), m.end()) for pattern in _formula_patterns() for m in pattern.finditer(text)})


@lru_cache(maxsize=1)
def _political_markers() -> tuple[str, ...]:
    return tuple(load_data("formulas")["neighbourhood_markers"])


def political(text: str) -> bool:
    """Whether text holds a fixed formula or a political word (党组织, 党委 …)."""
    return bool(formula_spans(text)) or any(marker in text for marker in _political_markers())


def cuts_formula(text: str, start: int, end: int) -> bool:
    """Whether [start, end) of text touches a formula without covering all of it."""
    return any(s < end and start < e and not (start <= s and e <= end) for s, e in formula_spans(text))


def inside_formula(text: str, start: int, end: int) -> bool:
    """Whether any character of [start, end) belongs to a formula (blanking it is never allowed)."""
    return any(s < end and start < e for s, e in formula_spans(text))


def is_metadata(clause: Clause) -> bool:
    """A clause that is the file's metadata (dates, 通过/公布 lines, markers), not the document's text."""
    return any(marker in clause.text for marker in gate_settings().metadata_markers)


def crosses_join(clause: Clause, start: int, end: int) -> bool:
    """Whether [start, end) spans a page break the parser rejoined: lint flags these words (乌鲁齐)."""
    return any(start < j < end for j in clause.joins)


def corrupt_word(word: str) -> bool:
    """A Latin word inside Chinese text (lint's latin_in_chinese), e.g. 模式 and 物流."""
    return bool(_LATIN.search(word)) and bool(_CJK.search(word))


def fragment(word: str) -> bool:
    """A term that begins with a preposition or conjunction the parse left attached (以汾渭平原)."""
    word = word.strip().strip('“”"')
    return len(word) > 2 and word[0] in LEADING_FUNCTION_CHARS and word[:2] not in FUNCTION_CHAR_WORDS


def closes_a_period(text: str, start: int) -> bool:
    """The character at start ends the period before it (15日内|向指定银行): a term cannot begin there."""
    return 0 < start < len(text) and text[start] in PERIOD_LOCALIZERS and text[start - 1] in PERIOD_UNITS


def sound_term(clause: Clause, start: int, end: int) -> bool:
    """A term at [start, end) of the clause can be a key or an option."""
    word = clause.text[start:end]
    return not (
        crosses_join(clause, start, end) or corrupt_word(word) or fragment(word) or closes_a_period(clause.text, start)
    )


@lru_cache(maxsize=1)
def _edit_words() -> tuple[tuple[str, ...], tuple[str, ...]]:
    data = load_data("edits")
    return tuple(data["discretion_markers"]), tuple(data["bound_words"])


@lru_cache(maxsize=1)
def _prohibition_words() -> tuple[tuple[str, ...], tuple[str, ...]]:
    data = load_data("edits")
    return tuple(data["prohibitions"]), tuple(data["wrongful_words"])


@lru_cache(maxsize=1)
def _state_verbs() -> tuple[str, ...]:
    return tuple(load_data("edits")["state_verbs"])


@lru_cache(maxsize=1)
def _presumption_verbs() -> tuple[str, ...]:
    return tuple(load_data("edits")["presumption_verbs"])


@lru_cache(maxsize=1)
def _rights() -> tuple[tuple[str, ...], tuple[str, ...], int]:
    data = load_data("edits")
    return tuple(data["private_parties"]), tuple(data["right_verbs"]), int(data["right_verb_window"])


def private_right(text: str, at: int, sentence_start: int, sentence_end: int) -> bool:
    """The 可以 at text[at:] grants a private party a right (当事人可以申请更换调解员): its subject, the sentence
    before it, names a private party and the words after it exercise a right."""
    parties, verbs, window = _rights()
    subject = re.split(r"[，,；;。：:]", text[sentence_start:at])[-1]  # 当事人申请…的，人民法院可以: the body acts
    if not any(party in subject for party in parties):
        return False
    after = re.split(r"[，,；;。：:]", text[at + len("可以") : sentence_end], maxsplit=1)[0][:window]
    return any(verb in after for verb in verbs)


@lru_cache(maxsize=1)
def _cap_words() -> tuple[str, ...]:
    return tuple(load_data("edits")["cap_words"])


@lru_cache(maxsize=1)
def _duty_words() -> tuple[tuple[str, ...], tuple[str, ...]]:
    data = load_data("edits")
    return tuple(data.get("exhortative_adverbs", ())), tuple(data.get("deemed_forfeitures", ()))


def _paragraph_end(text: str, at: int) -> int:
    end = text.find("\n", at)
    return len(text) if end < 0 else end


KindUse = Literal["blank", "choice", "swap", "statement"]


def asks_kind(kind: str | None, use: KindUse, statute: bool) -> bool:
    """Whether an item may ask a term of this kind: as a fill-in (`use` "blank"), as a choice or a false statement's
    swap ("choice", "swap"), or in any statement ("statement"), in a statute or not (gates.toml: blank_kinds,
    statute_unasked_kinds, statute_unswapped_kinds). The generator and the gates ask this one question."""
    settings = gate_settings()
    if statute and kind in settings.statute_unasked_kinds:
        return False  # a statute's named measure (法律规定履行工程, …制度): cut or defensible in every review
    if use == "blank":
        return kind not in NAMED_KINDS or kind in settings.blank_kinds  # 在西部地区打造若干____: wording is open
    if use in ("choice", "swap"):
        return not (statute and kind in settings.statute_unswapped_kinds)  # 国务院 → 中央军事委员会 in a statute
    return True


def defines_term(before: str, after: str) -> bool:
    """Whether a term between `before` and `after` is the one its sentence defines (民法典…所称“物质技术条件”，包括…;
    “X”是指…): what an exam asks is the definition, which a blank on the term leaves out (round 15a)."""
    settings = gate_settings()
    lead = before.rstrip('“"「『 ')
    follow = after.lstrip('”"」』 ，,')
    return lead.endswith(settings.definition_leads) or follow.startswith(settings.definition_follows)


def modal_editable(text: str, at: int, modal: str, sentence_start: int, sentence_end: int) -> bool:
    """The modal at text[at:] is the obligation of its statement, so negating it reads as a plausible error."""
    discretion, bounds = _edit_words()
    after = text[at + len(modal) : sentence_end]
    if after.startswith(bounds):
        return False  # 应当不少于 → 可以不少于
    if after.startswith(_presumption_verbs()):
        return False  # 知道或者应当知道 → 可以知道: presumed knowledge, a fixed phrase, not a duty
    if modal not in _prohibition_words()[0] and after.startswith(_state_verbs()):
        return False  # 应当具有…能力 → 可以具有, 应当符合国家标准 → 可以符合: a qualification, no option
    exhortations, forfeitures = _duty_words()
    sentence = text[sentence_start:sentence_end]
    if modal in _prohibition_words()[0] and any(word in sentence for word in gate_settings().exception_endings):
        return False  # 禁止车辆通行，但防汛抢险车辆除外 → 允许…但…除外 contradicts itself (round 16a)
    if modal == "可以" and text[:at].endswith("才"):
        return False  # 只能…才可以行使追索权 → 才应当: a condition of a right, not an option (round 16b)
    if modal in _DUTIES and after.startswith(exhortations):
        return False  # 必须积极行动，努力完成任务 → 可以积极行动: an exhortation made optional gives itself away
    if modal in _DUTIES and any(word in text[at : _paragraph_end(text, at)] for word in forfeitures):
        return False  # 应当在公告期间申请登记；…不登记的，视为放弃: a burden on a right, so 可以 is defensible too
    if modal == "可以" and any(m in text[sentence_start:sentence_end] for m in discretion):
        return False  # 经…许可，…可以 → 应当 contradicts itself
    if modal == "可以" and any(cap in after for cap in _cap_words()):
        return False  # 每人可以…发言两次，第一次不超过十五分钟: a capped right is no duty
    if modal == "可以" and private_right(text, at, sentence_start, sentence_end):
        return False  # 当事人可以申请更换调解员 → 应当申请: a private party's right made a duty is absurd
    stretch = re.split(r"[，,；;。：:]", after, maxsplit=1)[0]
    prohibitions, wrongful = _prohibition_words()
    if _other_duty(text[sentence_start:sentence_end], at - sentence_start, modal, prohibitions):
        return False  # 应当按照核定载质量装载，不得超载 → 可以超载 (or 必须秉公办事，不得玩忽职守 → 可以秉公办事):
        # a duty and a prohibition of one sentence are two sides of one rule, lifting either contradicts the other
    if modal in prohibitions and (
        "、" in stretch or any(word in text[sentence_start:sentence_end] for word in wrongful)
    ):
        return False  # 不得转借、倒卖…伪造 / …一律无效，…不得执行: lifting it is self-evidently wrong
    return "的" not in stretch  # 为实现…必须具备的设计特征: a modifier, not the obligation


def _other_duty(sentence: str, at: int, modal: str, prohibitions: tuple[str, ...]) -> bool:
    """Besides the prohibition at `at` the sentence states a positive duty, or besides the duty a prohibition
    (应当…，不得…): each is the other's other side, so negating one leaves a statement that contradicts itself."""
    from assistant.quiz.stems import segments  # stems and terms import this module
    from assistant.quiz.terms import tokenize

    if modal in prohibitions:
        duties: tuple[str, ...] = _DUTIES
    elif modal in _DUTIES:
        duties = prohibitions
    else:
        return False
    for a, b in segments(sentence, 0, len(sentence)):
        if a <= at < b:
            continue
        if any(t.word in duties for t in tokenize(sentence[a:b])):
            return True
    return False
