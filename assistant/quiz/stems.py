"""Where a stem may start and end inside its sentence: a quoted stretch keeps its subject and its predicate.

A stem that starts after the sentence's subject (县级以上人民政府应当…，| 纳入…规划) or its condition
(…的，| 由…处罚), or that stops before the predicate its last words wait for (应当根据…原则，按照职责分工，|
制定…), is not a statement an exam writer would print. The words that signal these cuts are data
(data/gates.toml); the parse is jieba's, shared with the term finder.
"""

from __future__ import annotations

import itertools
import re

from assistant.quiz.gazetteer import LEADING_VERBS
from assistant.quiz.soundness import gate_settings
from assistant.quiz.terms import Token, tokenize
from assistant.types import Clause

SEGMENT_END = "，,；;：:"
_SUBJECT_FLAGS = frozenset({"n", "nr", "ns", "nt", "nz", "r", "j", "b", "s", "t", "l", "f", "eng"})
_PREPOSITION_FLAGS = frozenset({"p"})
_CONDITION = ("的，", "的,")
_TOPIC_END = re.compile(r"的[\u4e00-\u9fff]{1,3}$")
_OPEN_LIST = re.compile(r"(?:[、和及][^，,。；;、：:等]{1,14})*等")
_ITEM_NUMBER = re.compile(r"\s*(?:\d+[.．、]|[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[)）])")
_ARTICLE = re.compile(r"^第[零一二三四五六七八九十百千\d]+条(?:之[一二三四五六七八九十]+)?")


def stem_verb(clause: Clause) -> str:
    """A statute 规定; a policy document 提出."""
    return "规定" if _ARTICLE.fullmatch(clause.clause) else "提出"


def body_start(clause: Clause) -> int:
    """Offset of the clause's words after its own article number (第三条 国家… → 国家…)."""
    match = _ARTICLE.match(clause.text)
    if not match:
        return 0
    end = match.end()
    while end < len(clause.text) and clause.text[end] in " \u3000\t":
        end += 1
    return end


def segments(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The comma-separated stretches of text[start:end], each ending after its separator."""
    cuts = [start] + [i + 1 for i in range(start, end) if text[i] in SEGMENT_END] + [end]
    return [(a, b) for a, b in itertools.pairwise(cuts) if b > a]


def _first_token(text: str) -> Token | None:
    tokens = tokenize(text.strip(" \u3000"))
    return tokens[0] if tokens else None


def _opens_on_subject(stretch: str) -> bool:
    """The stretch begins with a noun phrase of its own (国家…, 县级以上人民政府…, 用人单位…)."""
    token = _first_token(stretch)
    return token is not None and token.flag in _SUBJECT_FLAGS


def _modal_in(stretch: str) -> bool:
    return any(modal in stretch for modal in gate_settings().modals)


def _modal_word_in(stretch: str) -> bool:
    """A modal as a word of its own (应 of 应用 is none)."""
    modals = set(gate_settings().modals)
    return any(token.word in modals for token in tokenize(stretch))


def keeps_subject(text: str, sentence_start: int, start: int) -> bool:
    """A stretch starting at `start` keeps what its sentence says before it that the stretch depends on.

    Cutting after a subject, an obligation (应当, 不得 …), a framing preposition (对…, 在…) or a condition
    (…的，) loses the statement's actor or scope; cutting a chain of subjectless clauses (支持…，推进…) does not.
    """
    if start <= sentence_start:
        return True
    prefix = text[sentence_start:start]
    stretch = text[start:]
    if prefix.rstrip(" ").endswith(_CONDITION):
        return False  # …发言的，| 每人可以…: the statement holds only under the condition it would drop
    topic = prefix.rstrip(" ")
    if (
        topic.endswith(("，", ","))
        and len(segments(topic, 0, len(topic))) == 1
        and _TOPIC_END.search(topic.rstrip(SEGMENT_END))
        and _opens_on_subject(stretch)
    ):
        return False  # 列入会议议程的议案，| 提案人…应当提供有关的资料: the topic the statement is about
    if _modal_in(re.split(r"[，,。；;]", stretch, maxsplit=1)[0]) and _opens_on_subject(stretch):
        return True  # the stretch has its own subject and obligation (监督检查人员不得少于…)
    first = _first_token(stretch)
    if first is None or first.word in gate_settings().dependent_openers or first.flag.startswith("c"):
        return False  # 以及…, 并…, 和…: a continuation, never a start
    if first.flag in _SUBJECT_FLAGS:
        return False  # a noun without its own obligation: the rest of a list of objects (…补贴，| 小额贷款…)
    if _modal_in(prefix) or any(mark in prefix for mark in _CONDITION):
        return False
    lead = _first_token(prefix)
    return lead is not None and lead.flag not in _SUBJECT_FLAGS and lead.flag not in _PREPOSITION_FLAGS


def keeps_predicate(text: str, start: int, end: int, sentence_end: int) -> bool:
    """A stretch [start, end) that stops inside its sentence does not stop before the predicate it waits for."""
    rest = text[end:sentence_end].lstrip(SEGMENT_END + " ")
    if not rest.strip("。；;！？!? "):
        return True
    settings = gate_settings()
    body = text[start:end].rstrip(SEGMENT_END + " ")
    if body.endswith(settings.dangling_endings):
        return False  # 在…分配中，| 继续…
    if rest.startswith(settings.modals) or rest.startswith(settings.definition_follows):
        return False  # 设立政府性基金…，| 应当有法律依据 (…的失票人，| 是指…): the stretch is only the subject
    rest_opener = _first_token(rest)
    if _TOPIC_END.search(body) and rest_opener is not None and rest_opener.flag in _PREPOSITION_FLAGS:
        return False  # …中应当由工伤保险基金支付的部分，| 由经办机构…结算: a noun phrase, its predicate follows
    if rest.startswith(settings.continuation_openers):
        return False  # 包括就作品、…肖像，| 以及…: the list or object goes on
    if _open_frame(body, rest):
        return False
    last_words = {t.word for t in tokenize(_last_part(body))}
    if last_words & set(settings.concessive_words):
        return False  # 承包人虽未取得…确认，| 但…应予支持: a concession waits for its main clause (round 13b)
    if not _modal_word_in(body) and _subjectless_obligation_follows(text, end, sentence_end):
        return False  # …认为…相抵触，| 可以…提出…要求: only the subject and its condition, the obligation comes later
    inner = segments(text, start, end)[:-1]
    if any(text[a:b].rstrip(SEGMENT_END + " ").endswith(settings.dangling_endings) for a, b in inner):
        return False  # ____在…分配中，继续通过…等方式，| 对…予以倾斜: after an adverbial the predicate comes last
    last = segments(text, start, end)[-1]
    opener = _first_token(text[last[0] : last[1]])
    if opener is not None and (
        opener.flag in _PREPOSITION_FLAGS or text[last[0] :].startswith(settings.dangling_openers)
    ):
        return False  # …应当根据…原则，按照职责分工，| 制定…: the last stretch is an adverbial awaiting its verb
    if _awaits_verb(text[last[0] : last[1]], settings.modals):
        return False  # …应当按照国家产业政策，| 对…实行…: the obligation's verb is still to come
    if any(mark in rest for mark in _CONDITION) and not any(mark in body for mark in _CONDITION):
        return not _conditional_start(text[start:end])  # 未按照…台账，或者…的，| 由…处罚
    return True


def _subjectless_obligation_follows(text: str, end: int, sentence_end: int) -> bool:
    """The first later stretch of the sentence with an obligation has no subject of its own, so its subject is
    what came before (…联名，| 可以向…提出质询案); 国家实行…制度，| 常务委员会应当… is two statements."""
    for a, b in segments(text, end, sentence_end):
        stretch = text[a:b].strip(SEGMENT_END + " ")
        if _modal_word_in(stretch):
            return not _opens_on_subject(stretch)
    return False


def _conditional_start(stretch: str) -> bool:
    """A stretch that opens like a law's condition (未…, 违反…, 有…, 拒不…), not with a subject."""
    return not _opens_on_subject(stretch)


def _awaits_verb(stretch: str, modals: tuple[str, ...]) -> bool:
    """After its obligation the stretch has only a prepositional phrase (应当按照国家产业政策), no verb."""
    tokens = tokenize(stretch.rstrip(SEGMENT_END + " "))
    for index, token in enumerate(tokens[:-1]):
        if token.word in modals and tokens[index + 1].flag in _PREPOSITION_FLAGS:
            return not any(t.flag.startswith("v") and t.flag != "vn" for t in tokens[index + 2 :])
    return False


def _last_part(body: str) -> str:
    """The stretch's words after its last comma, semicolon or colon."""
    return body[max(body.rfind(c) for c in SEGMENT_END) + 1 :]


def _open_frame(body: str, rest: str) -> bool:
    """The stretch stops inside a framed phrase or right after it, before the verb the phrase qualifies: it opens one
    (从…方面, 自…之日起) whose closing word only the rest of the sentence holds (可以从行为与本人生活相关联的程度，| …
    等方面认定, round 13a), or its last part ends on a phrase's closing word (应当引导公民通过…等形式，| 铭记…, round
    14b)."""
    settings = gate_settings()
    last = _last_part(body)
    for frames, open_only in ((settings.phrase_frames, False), (settings.basis_frames, True)):
        for opener, closers in frames.items():
            at = last.rfind(opener)
            if at < 0:
                continue
            tail = last[at + len(opener) :]
            if tail.endswith(closers):
                return True
            if not open_only and not any(c in tail for c in closers) and any(c in rest for c in closers):
                return True
    return False


def self_contained(statement: str) -> bool:
    """The statement does not lean on text it leaves out: no pointer to another passage (前款, 上述, 下列 …),
    no lead-in to a list (…措施：), no short condition continuing the sentence before (构成犯罪的，…)."""
    settings = gate_settings()
    body = statement.strip().rstrip("。；;！？!? ")
    if not body or body.endswith(("：", ":")):
        return False
    words = {t.word for t in tokenize(body)}
    if any(re.search(pattern, body) for pattern in settings.context_patterns):
        return False  # 本条第一款, 前两款, 以下情形: a paragraph or list the stem does not quote
    for reference in settings.context_references:
        if (reference in words) if len(reference) == 1 else (reference in body):
            return False
    if body.endswith(settings.exception_endings) and len(segments(body, 0, len(body))) == 1:
        return False  # …另有规定的除外: an exception without the rule it excepts
    if not _has_predicate(body):
        return False  # 2000年1月13日…公布的《…办法》: a noun phrase, its verb is elsewhere
    head = segments(body, 0, len(body))[0]
    condition = body[head[0] : head[1]].rstrip(SEGMENT_END + " ")
    return not (condition.endswith("的") and head[1] < len(body) and len(condition) <= settings.short_condition_chars)


def _has_predicate(body: str) -> bool:
    """Some verb of the statement is a predicate, not only a modifier before 的 or a word inside a title."""
    # A title, a quotation and a decree number (…局令第94号) are names, whatever verbs they hold.
    plain = re.sub(r"《[^》]*》|“[^”]*”|令第[\d一二三四五六七八九十百千]+号", "", body)
    tokens = tokenize(plain)
    for index, token in enumerate(tokens):
        # jieba tags some verb phrases as names (建立健全/nr): the opening verbs of the data file count too.
        verb = (token.flag.startswith("v") and token.flag != "vn") or token.word in LEADING_VERBS
        if not verb:
            continue
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        if following is None or following.word != "的":
            return True
    return False


def in_open_list(text: str, end: int) -> bool:
    """The term ending at `end` is a member of a list closed by 等, wherever it stands in the list
    (乌鲁木齐、____、呼和浩特等): any unlisted member would be defensible too."""
    return _OPEN_LIST.match(text, end) is not None


def mixed_scope_list(text: str, start: int, end: int) -> bool:
    """The open list around [start, end) joins its last member with 和/及/与 (A、B、C和D等X): whether 等X covers
    A–C or only D is unknown, so "which of these is X" cannot be asked (粮食生产功能区和粮油糖等…保护区)."""
    match = _OPEN_LIST.match(text, end)
    if match is None:
        return False
    head = max(text.rfind(c, 0, start) for c in "，,；;。：:")
    stretch = text[head + 1 : match.end()]
    last = stretch.rfind("、")
    return last >= 0 and any(t.word in ("和", "及", "与", "以及") for t in tokenize(stretch[last + 1 :]))


def continues_after_semicolon(text: str, start: int) -> bool:
    """A sentence that follows a semicolon and opens on a preposition (…；对负有责任的…依法给予处分) has no actor of
    its own: it shares the subject of the clause before."""
    before = text[:start].rstrip(" ")
    token = _first_token(text[start:])
    return before.endswith(("；", ";")) and token is not None and token.flag in _PREPOSITION_FLAGS


def needs_premise(text: str, start: int, end: int) -> bool:
    """The stretch [start, end) opens on a word whose premise came before (如果…, 但是…) or names a bare report or
    application received (接到报告后, 自收到申请之日起): without the sentence before, the learner cannot tell
    what case the statement is about."""
    settings = gate_settings()
    first = _first_token(text[start:end])
    if first is not None and first.word in settings.premise_openers:
        return True
    stretches = re.split(r"[，,；;。]", text[start:end])
    head = stretches[0]
    if head.endswith("的") and len(stretches) > 1:
        head += "，" + stretches[1]  # 随车提供工具…的，还应当附…: the adverb opens the rule after its condition
    words = {token.word for token in tokenize(head)}
    if any(a in words or (len(a) > 1 and a in head) for a in settings.additive_adverbs):
        return True  # 当事人也可以直接向人民法院提起诉讼: "also" beside the sentence before
    # 还应当附随车物品清单 (not 还 in 退耕还林还草): "also" before a modal.
    if any(a + m in head for a in settings.additive_before_modal for m in settings.modals):
        return True
    if objectless_disposal(text[start:end]) or objectless_final_verb(text[start:end]):
        return True
    if dropped_connector(text, start) or dropped_topic(text, start, end):
        return True
    if actorless_follower(text[start:end]) or subjectless_exception(text[start:end]):
        return True
    return any(re.search(pattern, text[start:end]) for pattern in settings.back_references)


def _names_an_actor(stretch: str) -> bool:
    settings = gate_settings()
    return "由" in stretch or any(head in stretch for head in settings.agent_heads)


def actorless_follower(stretch: str) -> bool:
    """对直接负责的主管人员和其他直接责任人员，给予警告，并处以…罚款: a stretch opening on 对 (同时, 并 …) whose next
    stretch is a sanction naming no actor goes on with the sentence before, whose actor and case it leaves out."""
    settings = gate_settings()
    first = _first_token(stretch)
    if first is None or first.word not in settings.actorless_openers:
        return False
    rest = re.split(r"[，,]", stretch, maxsplit=1)
    return len(rest) > 1 and rest[1].startswith(settings.follower_sanctions) and not _names_an_actor(rest[1])


def subjectless_exception(stretch: str) -> bool:
    """涉及财产分割和子女抚养的，可以调解: a condition that opens on a verb (no subject of its own), then a bare modal and
    no actor: an exception to the sentence before, which the stem leaves out."""
    settings = gate_settings()
    parts = re.split(r"[，,]", stretch.strip(), maxsplit=1)
    if not settings.subjectless_condition_rule or len(parts) < 2 or not parts[0].endswith("的"):
        return False
    first = _first_token(parts[0])
    if first is None or not first.flag.startswith("v") or _names_an_actor(parts[0]):
        return False
    return parts[1].startswith(tuple(settings.modals)) and not _names_an_actor(parts[1])


def dropped_connector(text: str, start: int) -> bool:
    """其中，|大型客车…驾驶人应当参加…: the words of its sentence before the cut are only a restrictive connector
    (data) or 除…外: the stretch alone states the restricted rule for everyone."""
    prefix = _sentence_prefix(text, start)
    if not prefix or re.search(r"[，,]", prefix):
        return False
    return prefix in gate_settings().restrictive_connectors or (prefix.startswith("除") and prefix.endswith("外"))


def dropped_topic(text: str, start: int, end: int | None = None) -> bool:
    """对于…所称的滥用民事权利，|人民法院可以根据…等因素作出认定: its sentence opens on a topic (对于…, 关于…, 对…的，)
    or a condition (…流行时，, …的，) that the stretch [start, end) leaves out, so what it rules on is not on the page
    (rounds 13a, 14b). A condition whose case the stretch names again (…进行检查或者调查时，|检查人员或者调查人员不得少于
    二人) is not missed."""
    prefix = _sentence_prefix(text, start)
    first = _first_token(prefix) if prefix else None
    if first is not None and first.word in gate_settings().topic_openers:
        return True
    if prefix and _noun_topic(prefix):
        return True  # 堤防上已修建的涵闸…等建筑物及设施，|河道主管机关应当定期检查 (round 16a)
    endings = gate_settings().condition_endings
    # Any condition of the words before (…的，由…吊销…，|五年直至终身禁止…, round 15b), not only the last one.
    parts = re.split(r"[，,；;：:]", prefix)
    last = max((i for i, part in enumerate(parts) if _ends_on_condition(part.strip(), endings)), default=-1)
    if last < 0:
        return False
    stretch = text[start : len(text) if end is None else end]
    return not _names_again("，".join(parts[: last + 1]), stretch)


def _ends_on_condition(part: str, endings: tuple[str, ...]) -> bool:
    """The part ends on a condition's closing word that starts a word of its own (…影响的, …流行时, …情况下), not on
    the end of another word (目的)."""
    starts = {t.start for t in tokenize(part)}
    return any(part.endswith(e) and len(part) - len(e) in starts for e in endings)


def _noun_topic(prefix: str) -> bool:
    """The words before the stretch are one noun phrase with a modifier (堤防上已修建的涵闸…等建筑物及设施): it opens on a
    noun and every verb stands before its last 的, so it is the topic the statement is about, not a clause of its own
    (国家实行…制度, 考虑…的实际)."""
    if re.search(r"[，,；;：:]", prefix) or "的" not in prefix:
        return False
    tokens = tokenize(prefix)
    if not tokens or tokens[0].flag not in _SUBJECT_FLAGS:
        return False  # 考虑…比例较大的实际: a clause that opens on its verb, not a topic
    last_de = max((i for i, t in enumerate(tokens) if t.word == "的"), default=-1)
    if last_de < 0:
        return False  # 的 only inside a word (目的, 的确): no modifier
    return not any(t.flag.startswith("v") and t.flag != "vn" for t in tokens[last_de + 1 :])


def _names_again(condition: str, stretch: str) -> bool:
    """The stretch repeats at least two content words of the condition (检查, 调查), not common ones (管理, 部门)."""
    ignored = set(gate_settings().echo_ignore)
    words = {
        t.word
        for t in tokenize(condition)
        if len(t.word) >= 2 and t.word not in ignored and t.flag[:1] not in ("c", "p", "u", "d", "r", "m")
    }
    return sum(1 for word in words if word in stretch) >= 2


def _sentence_prefix(text: str, start: int) -> str:
    """The words of the sentence before `start`, without the article's label (第三条)."""
    prefix = re.split(r"[。；;！？!?\n]", text[:start])[-1].strip(" ，,：:")
    return _ARTICLE.sub("", prefix).strip(" ，,：:")


def objectless_final_verb(stretch: str) -> bool:
    """商检机构根据需要可以派出检验人员参加: the statement ends on a verb that needs an object (data) and its own
    clause names none before it (由…, 对…, 将…) nor refers to a rule (按照…执行): the object is in the sentence
    before."""
    settings = gate_settings()
    clauses = [c for c in re.split(r"[，,；;。：:]", stretch) if c.strip()]
    if not clauses:
        return False
    last = clauses[-1].strip()
    if not last.endswith(settings.objectless_final_verbs):
        return False
    return not any(word in last for word in settings.final_verb_exemptions)


def objectless_disposal(stretch: str) -> bool:
    """档案主管部门应当在职责范围内予以指导: an acting body disposes (予以…) of something the stretch does not name,
    and no object marker (对…, 将…) names it: what is guided or compensated is in the sentence before."""
    settings = gate_settings()
    for auxiliary in settings.objectless_auxiliaries:
        at = stretch.find(auxiliary)
        if at < 0:
            continue
        own = re.split(r"[，,；;。]", stretch[:at])[-1]
        if any(
            t.word in settings.object_markers
            or (t.flag[:1] in "dcp" and any(m in t.word for m in settings.object_markers))
            for t in tokenize(stretch[:at])
        ):
            continue  # 对…予以处罚, 并对…予以保密 (jieba reads 并对 as one adverb)
        if any(head in own for head in settings.agent_heads):
            return True
    return False


def noun_phrase(body: str) -> bool:
    """The stem is a noun phrase, not a statement: it opens on a verb and every verb stands before a 的 that leads
    to the head noun (涉及国防、外交等的档案的目录数据). Modals, 是 and 为 make a predicate."""
    settings = gate_settings()
    if not settings.noun_phrase_rule or re.search(r"[，,；;：:]", body):
        return False
    tokens = [t for t in tokenize(body) if t.word.strip()]
    if not tokens or tokens[0].flag != "v" or any(t.word in (*settings.modals, "是", "为") for t in tokens):
        return False
    last_de = max((i for i, t in enumerate(tokens) if t.word == "的"), default=-1)
    return last_de > 0 and all(i < last_de for i, t in enumerate(tokens) if t.flag == "v")


def continued_after_semicolon(text: str, end: int) -> bool:
    """A statement ending at a semicolon whose next stretch continues it (…许可行为；或者…的，不认定为商标使用): the
    two sides form one proposition, the left one alone has no predicate of its own."""
    rest = text[end:].lstrip(" 。")
    if not rest.startswith(("；", ";")):
        return False
    tail = rest[1:].lstrip(" ")
    return tail.startswith(gate_settings().semicolon_continuations)


def semicolon_head(text: str, start: int, floor: int = 0) -> int | None:
    """Where the full sentence starts when the stretch at `start` is the second half of a ；-joined sentence
    (…48小时内进行尸检；| 具备尸体冻存条件的，可以延长至7日); None when it does not follow a semicolon."""
    before = text[floor:start].rstrip(" \u3000")
    if not before.endswith(("；", ";")):
        return None
    cut = max(before.rfind(mark) for mark in "。！？!?\n")
    return floor + cut + 1 if cut >= 0 else floor


def half_needs_head(text: str, start: int, end: int) -> bool:
    """A half after a semicolon that opens on its own condition (…的，) or on a modal has no subject of its own:
    its case or actor is in the half before (申请确认仲裁协议效力的案件，…；| 仲裁机构不明确的，由…管辖)."""
    stretch = text[start:end].lstrip(" \u3000")
    first = re.split(r"[，,；;。]", stretch, maxsplit=1)[0]
    if first != stretch and first.endswith("的"):
        return True
    token = _first_token(stretch)
    settings = gate_settings()
    return token is not None and (token.word in settings.modals or token.word in settings.semicolon_carried_openers)


def sentence_group(clause: Clause, index: int) -> int:
    """The index of the first ；-joined sentence of the full sentence (ending in 。) that sentence `index` is in:
    two halves of one sentence are one sentence for the "one item per sentence" rule."""
    sentences = clause.sentences
    while index > 0 and sentences[index - 1].text.rstrip(" \u3000").endswith(("；", ";")):
        index -= 1
    return index


def opens_an_item(text: str) -> bool:
    """The text is an item of a numbered list (（一）…, (二)…, 2.…, 三、…): without its lead-in (有下列情形之一的：)
    nobody can tell what it is a case of."""
    return _ITEM_NUMBER.match(text) is not None


def full_sentence_start(text: str, start: int, floor: int = 0) -> int:
    """Where the full sentence holding `start` begins: after the last 。/！/？/： before it, or at `floor` (the
    article's first words). ；-joined halves, also in paragraphs of their own, are inside one full sentence."""
    cut = max(text.rfind(mark, floor, start) for mark in "。！？!?：:")
    head = cut + 1 if cut >= 0 else floor
    while head < start and text[head].isspace():
        head += 1
    return head


def cut_loses_subject(text: str, sentence_start: int, start: int, end: int) -> bool:
    """A statute's stretch [start, end) that begins inside its full sentence leans on the part cut away: it opens
    on no subject of its own (决定…, 在进境时…, 以及…, 应当…), on a time clause or condition whose actor is the
    sentence's (任务完成后应当归还…, …的，可以…), or the part cut away opens on the condition the whole sentence
    holds under (权利人超过三年起诉的，…；| 侵权损害赔偿数额应当…)."""
    cut = text[sentence_start:start].strip()
    if not cut:
        return False
    settings = gate_settings()
    cut_head = re.split(r"[，,；;]", cut, maxsplit=1)[0]
    if cut_head != cut and cut_head.endswith("的"):
        return True  # the sentence's condition, cut away
    opener = _first_token(cut)
    if opener is not None and opener.word in settings.premise_openers:
        return True  # 如果…，| …: the premise, cut away
    stretch = text[start:end].strip()
    tokens = tokenize(re.split(r"[，,；;。]", stretch, maxsplit=1)[0])
    if not tokens or tokens[0].flag not in _SUBJECT_FLAGS or tokens[0].word in settings.dependent_openers:
        return True  # a verb, preposition, modal or conjunction: the subject is in the part cut away
    head = re.split(r"[，,；;]", stretch, maxsplit=1)[0]
    if head != stretch and head.endswith("的"):
        return True  # its own condition (…的，可以…), whose actor the sentence named before
    for index, token in enumerate(tokens[1:], 1):
        if token.flag in _PREPOSITION_FLAGS or token.word in settings.modals:
            return False  # 国家安全机关在…时 / 纳税人应当…: a subject and its predicate
        if token.word in settings.time_clause_endings:
            return any(t.flag.startswith("v") for t in tokens[1:index])  # 任务完成后: a clause of time
    return False
