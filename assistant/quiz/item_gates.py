"""The gates that judge an item as an exam writer would: whole terms, sound source words, intact formulas,
complete stems, distractors that are false everywhere, open lists asked as lists, plausible false statements.

Each gate is one function of (item, its clause, the document set) returning True when the item passes.
The knowledge (formulas, edits, thresholds) is in data files; see assistant/quiz/soundness.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from assistant.chinese import char_bigrams, match_key
from assistant.quiz import stems
from assistant.quiz.distractors import content_bigrams
from assistant.quiz.gazetteer import (
    INSTITUTION_SUFFIXES,
    LEADING_VERBS,
    MEASURE_SUFFIXES,
    TERM_BREAKERS,
    load_data,
    term_class,
)
from assistant.quiz.number_cues import numeric_item_sound
from assistant.quiz.numerals import number_value
from assistant.quiz.provisions import same_listed_kind, whole_listed_items
from assistant.quiz.soundness import (
    KindUse,
    asks_kind,
    corrupt_word,
    defines_term,
    formula_spans,
    fragment,
    gate_settings,
    is_metadata,
    modal_editable,
    political,
)
from assistant.quiz.stems import body_start
from assistant.quiz.term_shapes import (
    bare_action_blank,
    clause_option,
    cuts_joined_name,
    cuts_noun_phrase,
    shared_head_list,
    shared_object_list,
)
from assistant.quiz.terms import Lexicon, holds_a_clause, kinds_of, tokenize, whole_at
from assistant.quiz.types import BLANK, FALSE, LISTED_MULTI, LISTED_SINGLE, QuizItem, split_stem
from assistant.types import Clause

_EDITS = load_data("edits")
SWAP_KINDS = frozenset(_EDITS["swap_kinds"])
OBLIGATIONS: dict[str, str] = dict(_EDITS["obligations"])
_NOUN_FLAGS = frozenset({"n", "nz", "ng", "vn", "ns", "an"})
_MODALS = ("应当", "不得", "可以", "必须", "应", "须")
_ANCHOR_FLAGS = frozenset({"j", "l", "nz", "vn"})
_LOCAL = 10
"""Characters either side of a blank that stand for what the stem asserts."""


def _opens_on_a_verb(word: str) -> bool:
    """发展社会化服务体系: a predicate's verb left on the term (a body's name such as 发展改革委 is whole)."""
    return len(word) > 4 and word[:2] in LEADING_VERBS and "institution" not in kinds_of(word)


def _spans_a_predicate(word: str) -> bool:
    """有关方面意见发给常务委员会: a verb that never stands inside a name joins two phrases, so this is no term."""
    return any(token.word in TERM_BREAKERS for token in tokenize(word)[1:])


def answer_offsets(item: QuizItem, clause: Clause) -> list[tuple[int, int]]:
    """Where each answer stands in the clause, inside the item's verified span (first occurrence)."""
    if item.span_start is None or item.span_end is None or item.type == "tf":
        return []
    out = []
    for answer in item.answer:
        at = clause.text.find(answer, item.span_start, item.span_end)
        if at >= 0:
            out.append((at, at + len(answer)))
    return out


_STRETCH_MARKS = "，,；;。：:"


def _anchors(text: str, generic: tuple[str, ...], nominal: bool = False) -> set[str]:
    """The distinct nouns of a field in text (not 实际, 需要, 建设 … that anchor nothing); with `nominal`, no verbal
    nouns (改革, 协调)."""
    flags = _ANCHOR_FLAGS - {"vn"} if nominal else _ANCHOR_FLAGS
    return {
        t.word
        for t in tokenize(text)
        if len(t.word) >= 2 and t.word not in generic and (t.flag[:1] == "n" or t.flag in flags)
    }


def _body(item: QuizItem) -> str:
    body = split_stem(item.stem)[1]
    for suffix in (LISTED_SINGLE, LISTED_MULTI):
        body = body.removesuffix(suffix)
    return body


@dataclass
class ItemGates:
    """The per-item soundness gates, over every clause of the documents the quiz draws from."""

    clauses: dict[str, Clause]
    lexicon: Lexicon
    _sentences: list[tuple[str, str]] = field(default_factory=list)

    def sentences(self) -> list[tuple[str, str]]:
        """(clause key, normalised sentence) for every sentence of every document, built once."""
        if not self._sentences:
            self._sentences = [
                (c.key, match_key(s.text)) for c in self.clauses.values() if not is_metadata(c) for s in c.sentences
            ]
        return self._sentences

    def gates(self) -> list[tuple[str, Callable[[QuizItem], bool]]]:
        return [
            ("metadata", self.not_metadata),
            ("corrupt", self.no_corrupt_word),
            ("formula", self.formulas_intact),
            ("political", self.political_field),
            ("field", self.distractors_in_field),
            ("fragment", self.whole_terms),
            ("truncated", self.stem_complete),
            ("elsewhere", self.distractors_false_everywhere),
            ("synonym", self.no_near_synonym),
            ("listed", self.open_list_asked_as_list),
            ("edit", self.plausible_edit),
            ("range", self.ranges_hold),
            ("numeric", numeric_item_sound),
            ("echo", self.no_echo),
            ("open", self.blank_anchored),
        ]

    # --- the gates ---------------------------------------------------------------

    def not_metadata(self, item: QuizItem) -> bool:
        clause = self.clauses.get(item.key)
        return clause is not None and not is_metadata(clause)

    def no_corrupt_word(self, item: QuizItem) -> bool:
        words = [*item.options, *item.answer] if item.type != "tf" else []
        if item.swap is not None:
            words += [item.swap.original, item.swap.replacement]
        suspect = self.lexicon.suspect
        if any(corrupt_word(w) or any(s in match_key(w) for s in suspect) for w in words):
            return False
        stem = match_key(item.stem)  # a learner never reads the broken word either (乌鲁齐 in a statement)
        return not any(word in stem for word in self.lexicon.suspect)

    def formulas_intact(self, item: QuizItem) -> bool:
        """Every formula the item's source span touches stands whole in the stem (no blank, swap or cut in it)."""
        clause = self.clauses.get(item.key)
        if clause is None or item.span_start is None or item.span_end is None:
            return True
        stem = match_key(_body(item))
        for start, end in formula_spans(clause.text):
            if start < item.span_end and item.span_start < end and match_key(clause.text[start:end]) not in stem:
                return False
        return True

    def political_field(self, item: QuizItem) -> bool:
        """A choice blank in a political neighbourhood (健全以党组织为领导的____) offers only distractors that the
        documents say in political sentences too: never 天然气储备体系 because it ends in 体系 like the key."""
        if item.type not in ("single", "multi", "blank"):
            return True
        body = _body(item)
        if BLANK not in body:
            return True
        at = body.index(BLANK)
        if not political(body[max(0, at - _LOCAL) : at + len(BLANK) + _LOCAL]):
            return True
        if item.type == "blank":
            return False  # a political formula is recited, never blanked (健全以党组织为领导的____)
        for option in (o for o in item.options if o not in item.answer):
            key = match_key(option)
            if not any(key in sentence and political(sentence) for _, sentence in self.sentences()):
                return False
        return True

    def distractors_in_field(self, item: QuizItem) -> bool:
        """A named measure's distractors share a word with it besides the ending (data: measures_in_field_only):
        文化惠民工程 is no option for a water works list, 社会安全体系 none for 天然气储备体系."""
        if item.type != "single" or item.kind != "measure" or not gate_settings().measures_in_field_only:
            return True
        answer = item.answer[0]
        family = term_class(answer, "measure")
        own = content_bigrams(answer, family)
        return all(own & content_bigrams(o, family) for o in item.options if o not in item.answer)

    def whole_terms(self, item: QuizItem) -> bool:
        """Keys and options are whole terms, and the blank does not cut a term in the source."""
        own = self.clauses.get(item.key)
        statute = own is not None and own.is_article
        use: KindUse = "choice" if item.type in ("single", "multi") else "swap" if item.swap else "statement"
        if not asks_kind(item.kind, use, statute):
            return False  # a statute's measure, or its body set against another (国务院 → 中央军事委员会)
        if item.kind == "provision":  # options are a statute's numbered items, propositions rather than terms
            return whole_listed_items(self.lexicon.provisions.values(), item.options) and same_listed_kind(
                item.answer, item.options
            )
        words = [*item.options, *item.answer] if item.type != "tf" else []
        if item.swap is not None and item.kind is not None:
            words += [item.swap.original, item.swap.replacement]
        if any(fragment(w) or _opens_on_a_verb(w) or _spans_a_predicate(w) for w in words):
            return False
        if item.kind in ("measure", "institution") and any(holds_a_clause(w) for w in words):
            return False  # 人员负责医疗保障基金: a subject, its verb and half the object, no name
        if item.type != "tf" and any(clause_option(w) for w in words):
            return False  # 国家维护国家基本经济制度 offered for a system's name: a clause, not a term
        if cuts_joined_name(_body(item)):
            return False  # 加快珠江—____和北部湾经济区建设: the blank is half a joined name
        if item.type == "multi" and shared_head_list(_body(item), item.answer):
            return False  # 情报信息收集、研判和使用制度: one term whose members share 制度, no list
        if item.type == "multi" and shared_object_list(item.answer):
            return False  # 依照法定程序收集、审查、核实、认定证据: the verbs share 证据 and 法定程序
        clause = self.clauses.get(item.key)
        if clause is None:
            return True
        swap = item.swap
        if swap is not None and item.kind is not None and item.span_start is not None and item.span_end is not None:
            at = clause.text.find(swap.original, item.span_start, item.span_end)
            if at >= 0 and not whole_at(
                clause.text, at, at + len(swap.original), numeric=item.kind in ("year", "number")
            ):
                return False
        if item.type == "multi":
            return self._list_whole(item, clause) and _parallel_cut_kept(item)
        text = clause.text
        numeric = item.kind in ("year", "number")
        return all(
            whole_at(text, start, end, numeric=numeric) and (numeric or not cuts_noun_phrase(text, start, end))
            for start, end in answer_offsets(item, clause)
        )

    def _list_whole(self, item: QuizItem, clause: Clause) -> bool:
        """A blanked list does not start inside a phrase (经济发展|水平、区位优势…)."""
        offsets = answer_offsets(item, clause)
        if not offsets:
            return True
        start = min(s for s, _ in offsets)
        before = next((t for t in tokenize(clause.text) if t.end == start), None)
        return before is None or before.flag not in _NOUN_FLAGS

    def stem_complete(self, item: QuizItem) -> bool:
        """The quoted stretch is a whole statement: not cut before its predicate or after its subject."""
        clause = self.clauses.get(item.key)
        if clause is None or item.span_start is None or item.span_end is None:
            return True
        if item.kind == "provision":
            return True  # the article's lead-in from its sentence's start and its own numbered items (provisions.py)
        if "\n" in clause.text[item.span_start : item.span_end]:
            return False  # a stretch over two paragraphs (round 16b): each paragraph is a rule of its own
        settings = gate_settings()
        text = clause.text
        # The quoted source, not the stem: a model's stem may well say 下列哪项.
        if not stems.self_contained(text[item.span_start : item.span_end]):
            return False
        body = match_key(_body(item)).rstrip("。；;！？!?")
        bare = re.sub(r"[（(][^（()）]*[)）]$", "", body)  # …3000公里之内（以先到者为准）: the aside is no predicate
        if bare.endswith(settings.dangling_endings) and text[item.span_end : item.span_end + 1] in ",，":
            return False  # 在…分配中，| 继续…: the predicate was left out
        if text[item.span_end : item.span_end + 1] in ",，" and stems.noun_phrase(bare.replace(BLANK, "甲")):
            return False  # 涉及国防、____等的档案的目录数据，| 其汇集范围由…确定: only the subject is asked
        rest = text[item.span_end :].lstrip(",， ")
        if text[item.span_end : item.span_end + 1] in ",，" and rest.startswith(_MODALS):
            return False  # 设立政府性基金…，| 应当有法律依据: the stem is only the subject
        head = text[item.span_start :]
        before = text[max(0, item.span_start - 1) : item.span_start]
        if before in (",", "，") and head.startswith(_MODALS):
            return False  # …，| 可以依照…: subject lost
        # 对…收费，| 实行目录清单管理: an adverbial phrase whose predicate was left out.
        if body.startswith(settings.dangling_openers) and text[item.span_end : item.span_end + 1] in ",，":
            return False
        if stems.opens_an_item(text[item.span_start : item.span_end]):
            return False  # 2.编发信息…: an item of a list whose lead-in the stem leaves out
        if item.span_start > body_start(clause) and stems.needs_premise(text, item.span_start, item.span_end):
            return False  # 如果诉争商标注册已满五年，… / 公安机关接到报告后: the premise is in the sentence before
        if stems.continued_after_semicolon(text, item.span_end):
            return False  # …仅有转让或者许可行为；| 或者…的，不认定为商标使用: half a proposition
        if clause.is_article and settings.statute_cut_rule:
            opening = stems.full_sentence_start(text, item.span_start, body_start(clause))
            if stems.cut_loses_subject(text, opening, item.span_start, item.span_end):
                return False  # 决定…的适用 / 任务完成后应当…: a stretch of a long sentence without its subject
        sentence = next((s for s in clause.sentences if s.start <= item.span_start < s.end), None)
        if sentence is None:
            return True
        begin = max(sentence.start, body_start(clause))
        if item.span_start <= begin and stems.continues_after_semicolon(text, begin):
            return False  # …责令改正；| 对负有责任的…给予处分: the actor is in the clause before the semicolon
        return stems.keeps_subject(text, begin, item.span_start) and stems.keeps_predicate(
            text, item.span_start, item.span_end, sentence.end
        )

    def distractors_false_everywhere(self, item: QuizItem) -> bool:
        """No distractor is true of the stem anywhere in the documents; no false statement is stated anywhere."""
        if item.type == "tf":
            if item.answer != [FALSE]:
                return True
            statement = match_key(_body(item)).rstrip("。；;")
            return not any(statement in sentence for _, sentence in self.sentences())
        body = _body(item)
        if BLANK not in body:
            return True
        at = body.index(BLANK)
        local = match_key(body[max(0, at - _LOCAL) : at]) + "|" + match_key(body[at + len(BLANK) :][:_LOCAL])
        context = {g for g in char_bigrams(local) if "|" not in g}
        if not context:
            return True
        threshold = gate_settings().elsewhere_overlap
        for option in (o for o in item.options if o not in item.answer):
            key = match_key(option)
            for _, sentence in self.sentences():
                if key in sentence:
                    rest = set(char_bigrams(sentence.replace(key, "|")))
                    if len(context & rest) / len(context) >= threshold:
                        return False
        return True

    def no_near_synonym(self, item: QuizItem) -> bool:
        """No distractor is a near synonym of a right answer (基础设施通达程度 / 基础设施通达度)."""
        threshold = gate_settings().synonym_overlap
        rights = [set(char_bigrams(match_key(a))) for a in item.answer]
        for option in (o for o in item.options if o not in item.answer):
            grams = set(char_bigrams(match_key(option)))
            for right in rights:
                if grams and right and len(grams & right) / min(len(grams), len(right)) >= threshold:
                    return False
        return True

    def open_list_asked_as_list(self, item: QuizItem) -> bool:
        """A blank in a list ending in 等 is asked as "which is listed" (choice) and never as a fill-in."""
        clause = self.clauses.get(item.key)
        if clause is None or item.type == "tf":
            return True
        offsets = answer_offsets(item, clause)
        if not offsets:
            return True
        end = max(e for _, e in offsets)
        if not stems.in_open_list(clause.text, end):
            return True
        if item.type == "blank":
            return False
        if stems.mixed_scope_list(clause.text, min(s for s, _ in offsets), end):
            return False  # A、B、C和D等X: 等X may cover D alone
        return item.stem.endswith(LISTED_MULTI if item.type == "multi" else LISTED_SINGLE)

    def plausible_edit(self, item: QuizItem) -> bool:
        """A false statement changes a place, body, number or year, or negates an obligation; nothing else."""
        if item.type != "tf" or item.swap is None:
            return True
        swap = item.swap
        if item.kind is None:
            if OBLIGATIONS.get(swap.original) != swap.replacement:
                return False
            clause = self.clauses.get(item.key)
            if clause is None or item.span_start is None or item.span_end is None:
                return True
            at = clause.text.find(swap.original, item.span_start, item.span_end)
            sentence = next((s for s in clause.sentences if s.start <= at < s.end), None)
            return (
                at < 0
                or sentence is None
                or modal_editable(clause.text, at, swap.original, min(sentence.start, item.span_start), sentence.end)
            )
        if item.kind not in SWAP_KINDS:
            return False
        clause = self.clauses.get(item.key)
        if clause is None or item.span_start is None or item.span_end is None:
            return True
        at = clause.text.find(swap.original, item.span_start, item.span_end)
        return at < 0 or not stems.in_open_list(clause.text, at + len(swap.original))  # an open list stays true

    def ranges_hold(self, item: QuizItem) -> bool:
        """Every option (or the false statement) keeps a range's bounds in order: 处____万元以上100万元以下 offers
        no 150, and 5万元以上10万元以下 is never edited to 20万元以上10万元以下 (the error gives itself away)."""
        body = _body(item)
        if item.type == "tf":
            return ranges_ordered(body)
        if item.type == "single" and item.kind == "number" and BLANK in body:
            return all(ranges_ordered(body.replace(BLANK, option, 1)) for option in item.options)
        return True

    def blank_anchored(self, item: QuizItem) -> bool:
        """A fill-in stem holds, outside its blank, a noun of its own field that points at one answer:
        加快推进____建设。 or ____可以根据实际需要作出适当调整。 admit anything."""
        if item.type in ("blank", "single") and _asks_a_defined_term(_body(item)):
            return False  # 民法典…所称“____”，包括…: the definition is the rule, the term alone asks nothing
        if item.type != "blank":
            return True
        clause = self.clauses.get(item.key)
        if not asks_kind(item.kind, "blank", False):
            return False  # 在西部地区打造若干____ (产业转移示范区): a measure's wording is not fixed by its context
        if clause is not None and second_answer(_body(item), item.answer, clause.text):
            return False  # ____其他有关部门在各自职责范围内负责…: the next paragraph says it of 县级以上地方人民政府
        if any(len(a) > gate_settings().blank_max_chars for a in item.answer):
            return False  # 备案审查衔接联动机制: nobody reproduces a long name verbatim; it is asked as a choice
        if item.kind == "measure" and not all(_pinned(a, _body(item)) for a in item.answer):
            return False  # 建立____，对受教育者实施奖励或者处分: 学籍管理制度 and 奖惩制度 both fit; asked as a choice
        settings = gate_settings()
        body = _body(item)
        if item.kind in settings.open_kinds and bare_action_blank(body, _STRETCH_MARKS):
            return False  # 开展____，稳步推进…: a whole action phrase, which many answers fit
        at = body.index(BLANK) if BLANK in body else 0
        # The blank's own stretch (between punctuation) names something specific too: 按照____建设要求 in a long
        # sentence, 支持建设一批优势明显的____ or 加快中国—____建设 admit many answers.
        left = max(body.rfind(mark, 0, at) for mark in _STRETCH_MARKS) + 1
        rights = [i for i in (body.find(mark, at + len(BLANK)) for mark in _STRETCH_MARKS) if i >= 0]
        own = body[left : min(rights) if rights else len(body)]
        everywhere = _anchors(body.replace(BLANK, "，"), settings.unanchoring_words)
        if item.kind not in settings.open_kinds or f"“{BLANK}”" in body:
            return bool(
                everywhere
            )  # a count, a year, a place, a body or a quoted slogan: its unit, role or quotes pin it
        # A named thing is pinned by things, not by actions (改革, 发展 fit any reform or programme).
        nouns = _anchors(body.replace(BLANK, "，"), settings.unanchoring_words, nominal=True)
        near = _anchors(own.replace(BLANK, "，"), settings.unanchoring_words, nominal=True)
        return len(nouns) >= settings.blank_anchors and len(near) >= settings.blank_stretch_anchors

    def no_echo(self, item: QuizItem) -> bool:
        """The stem (with its label) does not repeat a word of the key that no distractor shares: 建立科学的____，
        统筹安排检查工作 with 检查制度 among 会计制度, 责任制度 gives the key away. (A listed member that echoes
        the stem gives away only itself, so lists are left be.)"""
        if item.type not in ("single", "blank") or item.kind in ("number", "year"):
            return True  # a count is told only by a number of the statement (gates.stem_keeps_the_answer, number_cues)
        settings = gate_settings()
        body = _body(item)
        rest = item.label + body.replace(BLANK, "|")
        if item.type == "blank":
            at = body.index(BLANK) if BLANK in body else 0
            left = max(body.rfind(mark, 0, at) for mark in _STRETCH_MARKS) + 1
            rights = [i for i in (body.find(mark, at + len(BLANK)) for mark in _STRETCH_MARKS) if i >= 0]
            own = body[left : min(rights) if rights else len(body)].replace(BLANK, "|")
            return not any(
                _echoed(answer, body.replace(BLANK, "|"), settings.echo_ignore, own) for answer in item.answer
            )
        generic = set(settings.echo_ignore) | set(MEASURE_SUFFIXES) | set(INSTITUTION_SUFFIXES)
        distractors = [o for o in item.options if o not in item.answer]
        for answer in item.answer:
            for token in tokenize(answer):
                word = token.word
                if len(word) < 2 or word in generic or word not in rest:
                    continue
                if not any(word in d for d in distractors):
                    return False
        return True


_NUMERALS = "一二两三四五六七八九十双"


_SENTENCE_MARKS = "。；;！？!?\n"


def _asks_a_defined_term(body: str) -> bool:
    """The blank stands on the term its sentence defines (所称“____”, “____”是指…)."""
    before, blank, after = body.partition(BLANK)
    return bool(blank) and defines_term(before, after)


def second_answer(body: str, answers: list[str], source: str) -> bool:
    """Whether the blank's sentence stands elsewhere in the source clause word for word around another filler: a
    second verbatim answer the key does not accept (the same sentence of the next paragraph, another body)."""
    if BLANK not in body:
        return False
    at = body.index(BLANK)
    left = body[max(body.rfind(m, 0, at) for m in _SENTENCE_MARKS) + 1 : at]
    rights = [i for i in (body.find(m, at + len(BLANK)) for m in _SENTENCE_MARKS) if i >= 0]
    right = body[at + len(BLANK) : min(rights) if rights else len(body)]
    if not right and not left:
        return False
    marks = re.escape(_SENTENCE_MARKS)
    opening = re.escape(left) if left else f"(?:^|(?<=[{marks}]))"
    closing = re.escape(right) if right else f"(?=[{marks}]|$)"
    fillers = {m.group(1) for m in re.finditer(f"{opening}([^{marks}]+?){closing}", source)}
    # A filler holding the key is the key's own place, the stem having dropped words before it.
    return any(not any(a in filler for a in answers) for filler in fillers)


def _echoed(answer: str, stem: str, ignore: tuple[str, ...], own: str = "") -> bool:
    """A fill-in key the stem spells out: one of its own words stands in the stem (完善____，逐步提高失业保险水平 →
    失业保险制度), or it abbreviates the stem's words (打造“____”升级版 after 大众创业万众创新 → 双创)."""
    generic = set(ignore) | set(MEASURE_SUFFIXES) | set(INSTITUTION_SUFFIXES)
    if any(len(t.word) >= 2 and t.word not in generic and t.word in stem for t in tokenize(answer)):
        return True
    # A name's head hints at it within the blank's own stretch (设立____ beside 引导基金 → …基金; 加强____、货运枢纽 →
    # 客运枢纽); only the heads every system or policy shares (制度, 政策 …) say nothing.
    heads = set(ignore) | set(gate_settings().open_heads)
    if any(len(t.word) >= 2 and t.word not in heads and t.word in own for t in tokenize(answer)):
        return True
    rest = answer.lstrip(_NUMERALS)
    return len(answer) <= 4 and rest != answer and bool(rest) and all(ch in stem for ch in rest)


def _pinned(answer: str, body: str) -> bool:
    """A fill-in key with an open head (…制度, …政策) is pinned only as a member of a list of its kind
    (建立财务、会计制度和____ → 资产管理制度): alone, near-synonyms fit the blank as well."""
    head = next((h for h in gate_settings().open_heads if answer.endswith(h)), None)
    if head is None:
        return True
    at = body.find(BLANK)
    before, after = body[:at], body[at + len(BLANK) :]
    sibling = before.rstrip("、和及与").endswith(head) or (after[:1] in "、和及与" and head in after.split("，")[0])
    return sibling and (before[-1:] in "、和及与" or after[:1] in "、和及与")


_COUNT = r"([0-9.]+|[零〇一二两三四五六七八九十百千]+)"
_RANGE = re.compile(_COUNT + r"([^0-9零〇一二两三四五六七八九十百千以，,。；;]{1,3})以上" + _COUNT + r"\2以下")


def ranges_ordered(text: str) -> bool:
    """Each 'A<unit>以上B<unit>以下' of the text has A below B."""
    for match in _RANGE.finditer(text):
        low, high = number_value(match.group(1)), number_value(match.group(3))
        if low is not None and high is not None and low >= high:
            return False
    return True


def _parallel_cut_kept(item: QuizItem) -> bool:
    """A list blanked after the words its members share (同时____ for 同时设计、同时施工、同时投入生产) leaves the
    first member cut (设计) beside whole ones (同时施工): the options give the key away and are not parallel."""
    body = _body(item)
    if BLANK not in body:
        return True
    before = body[: body.index(BLANK)]
    for size in (2, 3):
        prefix = before[-size:]
        if len(prefix) == size and sum(a.startswith(prefix) for a in item.answer) >= 2:
            return False
    return True
