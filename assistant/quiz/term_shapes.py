"""Shapes of a key, an option or a blank that are no whole term, whatever the document: the members of a
coordination that share one head (情报信息收集、研判和使用制度), a clause offered for a term (国家维护国家基本经济制度),
half of a name joined by a dash (珠江—____), and a fill-in blank that stands for a whole action (开展____，…).

The word lists are data (data/gates.toml); each function is one reason to refuse an item.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from assistant.quiz.gazetteer import load_data
from assistant.quiz.terms import tokenize
from assistant.quiz.types import BLANK


@dataclass(frozen=True)
class Shapes:
    shared_heads: tuple[str, ...]
    list_followers: str
    clause_subjects: tuple[str, ...]
    agent_heads: tuple[str, ...]
    clause_rest_chars: int
    name_connectors: tuple[str, ...]
    action_verbs: frozenset[str]
    noun_continuing_flags: frozenset[str]
    list_verb_flags: frozenset[str]
    list_noun_flags: frozenset[str]


@cache
def shapes() -> Shapes:
    data = load_data("gates")
    return Shapes(
        shared_heads=tuple(sorted(data["shared_heads"], key=len, reverse=True)),
        list_followers=str(data["list_followers"]),
        clause_subjects=tuple(data["clause_subjects"]),
        agent_heads=tuple(data["agent_heads"]),
        clause_rest_chars=int(data["clause_rest_chars"]),
        name_connectors=tuple(data["name_connectors"]),
        action_verbs=frozenset(data["action_verbs"]),
        noun_continuing_flags=frozenset(data["noun_continuing_flags"]),
        list_verb_flags=frozenset(data["list_verb_flags"]),
        list_noun_flags=frozenset(data["list_noun_flags"]),
    )


def _head(word: str) -> str:
    return next((h for h in shapes().shared_heads if word.endswith(h) and len(word) > len(h)), "")


def shared_head_list(body: str, answers: list[str]) -> bool:
    """A multiple-choice blank over a coordination that shares one head is one term, not a list: the head stands
    after the blank (X、Y和Z|制度), or on only some members while others have none (研判 / 使用制度), or the blank is
    the whole noun phrase between 的 and the sentence's end (…运转顺畅的____。)."""
    if BLANK not in body:
        return False
    at = body.index(BLANK)
    before, after = body[:at], body[at + len(BLANK) :]
    settings = shapes()
    if after and after[0] not in settings.list_followers and any(after.startswith(h) for h in settings.shared_heads):
        return True
    heads = [_head(a) for a in answers]
    if any(heads) and not all(heads):
        return True
    return before.endswith("的") and (not after or after[0] in "。；;！!")


def clause_option(word: str) -> bool:
    """国家维护国家基本经济制度: an actor, its verb and an object — a statement, not the name of a thing."""
    settings = shapes()
    tokens = tokenize(word)
    if len(tokens) < 3:
        return False
    first, second = tokens[0], tokens[1]
    actor = first.word in settings.clause_subjects or first.word.endswith(settings.agent_heads)
    rest = word[second.end :]
    return actor and second.flag == "v" and len(rest) >= settings.clause_rest_chars


def cuts_joined_name(body: str) -> bool:
    """The blank stands next to a connector that joins a name (加快珠江—____和北部湾经济区建设)."""
    if BLANK not in body:
        return False
    at = body.index(BLANK)
    before, after = body[:at], body[at + len(BLANK) :]
    return before.endswith(shapes().name_connectors) or after.startswith(shapes().name_connectors)


def bare_action_blank(body: str, stretch_marks: str) -> bool:
    """The statement opens on a stretch that is only an action verb and the blank (开展____，稳步推进…): the learner
    must supply a whole action, and many fit. (After a stretch that names the field, 推进增量配电业务改革试点，开展____,
    the blank is pinned by it.)"""
    if BLANK not in body:
        return False
    at = body.index(BLANK)
    left = max(body.rfind(mark, 0, at) for mark in stretch_marks) + 1
    if body[:left].strip():
        return False
    rights = [i for i in (body.find(mark, at + len(BLANK)) for mark in stretch_marks) if i >= 0]
    own = body[left : min(rights) if rights else len(body)].replace(BLANK, "")
    words = [t.word for t in tokenize(own) if t.word.strip()]
    return not words or (len(words) == 1 and words[0] in shapes().action_verbs)


def cuts_noun_phrase(text: str, start: int, end: int) -> bool:
    """The key text[start:end] ends on a noun that the source goes on with (义务兵享受供给制|生活待遇): the blank
    ends inside a noun phrase, so the key is half a term."""
    settings = shapes()
    tokens = tokenize(text)
    last = next((t for t in tokens if t.end == end), None)
    after = next((t for t in tokens if t.start == end), None)
    if last is None or after is None or last.start < start:
        return False
    return last.flag[:1] == "n" and after.flag in settings.noun_continuing_flags


def _bare_verb(word: str) -> bool:
    tokens = [t for t in tokenize(word) if t.word.strip()]
    return len(tokens) == 1 and tokens[0].flag in shapes().list_verb_flags


def shared_object_list(answers: list[str]) -> bool:
    """Verbs that share one object or one modifier were split into keys (依照法定程序收集、审查、核实、认定证据 →
    法定程序收集 | 审查 | 核实 | 认定证据): some members are a bare verb while another carries the shared object after
    its verb, or the shared modifier before it."""
    if len(answers) < 2 or not any(_bare_verb(a) for a in answers):
        return False
    settings = shapes()
    for answer in answers:
        tokens = [t for t in tokenize(answer) if t.word.strip()]
        if len(tokens) < 2:
            continue
        first, last = tokens[0], tokens[-1]
        if first.flag in settings.list_verb_flags and last.flag in settings.list_noun_flags and first.flag != "vn":
            return True  # 认定证据: verb + the object every member takes
        if last.flag in settings.list_verb_flags and last.flag != "vn" and first.flag in settings.list_noun_flags:
            return True  # 法定程序收集: the modifier every member takes + verb
    return False
