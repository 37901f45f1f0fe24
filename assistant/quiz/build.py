"""Building a quiz: resolve the scope, generate candidates, pass them through the gates, pick n."""

from __future__ import annotations

import logging
import random
from collections import Counter
from typing import TYPE_CHECKING, Literal

from assistant.errors import UserError
from assistant.quiz.balance import cue_words, even_out, group_cue
from assistant.quiz.gates import Checker, Deduplicator, apply_gates, summary
from assistant.quiz.generate import OfflineGenerator
from assistant.quiz.scope import resolve_scope
from assistant.quiz.soundness import gate_settings
from assistant.quiz.terms import Lexicon
from assistant.quiz.types import (
    FALSE,
    QUESTION_TYPES,
    TRUE,
    TYPE_LABELS,
    BuildRequest,
    BuildResult,
    GateReport,
    QuizItem,
    Rejected,
    stem_key,
)
from assistant.types import Clause, Document

if TYPE_CHECKING:
    from assistant.quiz.llm_generate import ChatModel
    from assistant.service import PolicyAssistant

log = logging.getLogger(__name__)

# Questions about named places, years and measures teach more than those about generic list items.
_WEAK_KINDS = ("item", "phrase")


def documents_for(assistant: PolicyAssistant, doc_ids: list[str]) -> list[Document]:
    documents = assistant.index.documents
    if not doc_ids:
        return documents
    known = {d.doc_id: d for d in documents}
    for document in documents:  # a title, short title or alias names the document too
        for name in (document.title, document.short_title, *document.aliases):
            known.setdefault(name, document)
    missing = [d for d in doc_ids if d.strip("《》") not in known]
    if missing:
        ids = "、".join(d.doc_id for d in documents) or "无"
        raise UserError(f"找不到文档“{'、'.join(missing)}”，可用的文档编号：{ids}（也可写文档标题或简称）。")
    return list({known[d.strip("《》")].doc_id: known[d.strip("《》")] for d in doc_ids}.values())


def checker_for(documents: list[Document]) -> Checker:
    clauses: list[Clause] = [c for d in documents for c in d.clauses]
    return Checker({c.key: c for c in clauses}, Lexicon.build(clauses))


def build_quiz(
    assistant: PolicyAssistant,
    request: BuildRequest,
    chat: ChatModel | None = None,
    known: set[str] | None = None,
) -> BuildResult:
    """A quiz of up to request.n gated items; the LLM writes it when one is configured (or passed in).
    Items whose stem is in `known` (stem_key of the bank's items) are left out and counted."""
    return build_from_documents(documents_for(assistant, request.doc_ids), request, assistant, chat, known)


def build_from_documents(
    documents: list[Document],
    request: BuildRequest,
    assistant: PolicyAssistant | None = None,
    chat: ChatModel | None = None,
    known: set[str] | None = None,
) -> BuildResult:
    """The quiz from parsed documents; without an assistant (no settings, no index) it is written offline."""
    scope = resolve_scope(request.scope, documents)
    seed = request.seed if request.seed is not None else random.SystemRandom().randrange(1, 1_000_000)
    rng = random.Random(seed)
    checker = checker_for(documents)
    report = GateReport()
    notices: list[str] = []
    configured = assistant is not None and assistant.settings.llm.configured
    use_llm = request.generator == "llm" or (request.generator == "auto" and (chat is not None or configured))
    if request.generator == "llm" and chat is None and not configured:
        raise UserError("没有配置大模型接口，无法用大模型出题；请设置 POLICY_ASSISTANT_LLM__BASE_URL，或改用离线出题。")
    generator: Literal["offline", "llm"] = "offline"
    candidates: list[QuizItem] = []
    if use_llm and assistant is not None:
        from assistant.answer.llm import LLMUnavailable
        from assistant.quiz.llm_generate import LLMGenerator, default_chat

        try:
            llm = LLMGenerator(
                chat or default_chat(assistant), assistant.settings.prompts_dir, checker.lexicon, assistant.settings.llm
            )
            candidates, invalid = llm.candidates(scope.clauses, request, rng)
            report.removed["invalid"] += invalid
            report.candidates += invalid
            generator = "llm"
        except LLMUnavailable as exc:
            log.warning("quiz llm generator unavailable, offline instead: %s", exc)
            notices.append(f"{exc.reason}，已改用离线出题。")
    if generator == "offline":
        candidates = OfflineGenerator(checker.lexicon).candidates(scope.clauses, request, rng)
    rng.shuffle(candidates)
    rejected: list[Rejected] = []
    passed = apply_gates(candidates, checker, report, rejected)
    fresh = [i for i in passed if stem_key(i) not in (known or set())]
    already = len({stem_key(i) for i in passed}) - len({stem_key(i) for i in fresh})
    passed = fresh
    cap = max(gate_settings().clause_cap, -(-request.n // max(len(scope.clauses), 1)))
    ordered = even_out(
        _interleave(passed, request, Deduplicator(report, checker), report, seed, cap), request.n, report
    )
    report.passed = len(ordered)
    items = _in_paper_order(ordered[: request.n], scope.clauses)
    report.selected = len(items)
    if already:
        notices.append(f"题库中已有 {already} 道相同题干的题目，本次未再选用。")
    only = TYPE_LABELS[request.types[0]] if len(request.types) == 1 else ""
    if len(items) < request.n:
        wanted = "可扩大范围。" if only else "可扩大范围或增加题型。"
        notices.append(f"所选范围只生成了 {len(items)} 道合格{only or '题目'}（要求 {request.n} 道），{wanted}")
    missing = [TYPE_LABELS[t] for t in request.types if not any(i.type == t for i in items)]
    if missing and items:
        notices.append(f"所选范围没有可出的{'、'.join(missing)}。")
    share = request.n // max(len(request.types), 1)
    short = [
        f"{TYPE_LABELS[t]} {c} 道"
        for t in request.types
        if t != "tf" and 0 < (c := sum(1 for i in items if i.type == t)) < share
    ]
    if short and items and not only:  # with one type requested no other type makes up the rest
        notices.append(
            f"所选范围可出的合格题目不足以按题型均分（每种约 {share} 道）：{'、'.join(short)}，其余由其他题型补足。"
        )
    log.info("quiz built generator=%s seed=%d scope=%r %s", generator, seed, request.scope, summary(report))
    return BuildResult(
        request=request,
        seed=seed,
        generator=generator,
        scope=scope.description,
        clauses=[c.key for c in scope.clauses],
        items=items,
        report=report,
        notices=notices,
        rejected=rejected,
        already_in_bank=already,
    )


def _interleave(
    items: list[QuizItem],
    request: BuildRequest,
    deduplicator: Deduplicator,
    report: GateReport,
    seed: int,
    cap: int = 2,
) -> list[QuizItem]:
    """Round robin over the requested types, skipping near duplicates; within a type, strong kinds first,
    then the least-used clause, true and false statements alternating. 正确 and 错误 never differ by more
    than the configured surplus, so a quiz is about half true whatever the scope offers; among statements holding
    a modal word (可以, 应当 …) too, so the word does not tell the key. A clause gives at most `cap` items while
    other clauses can fill the quiz."""
    queues = {t: [i for i in items if i.type == t] for t in request.types}
    used: Counter[str] = Counter()
    cue: Counter[tuple[str, bool]] = Counter()
    held: list[QuizItem] = []
    # With an odd number of statements one side has one more; which side it is alternates with the seed.
    last_tf: list[str] = [TRUE] if seed % 2 else [FALSE]
    ordered: list[QuizItem] = []
    tf_count: Counter[str] = Counter()
    surplus = gate_settings().tf_surplus
    trivia_left = int(request.n * gate_settings().trivia_share)

    def unbalancing(item: QuizItem) -> bool:
        if item.type != "tf":
            return False
        mine, other = (TRUE, FALSE) if item.answer == [TRUE] else (FALSE, TRUE)
        true = item.answer == [TRUE]
        # Each modal word is evened first; then (level 1) only the group 可以/应当; then (level 2) nothing.
        words = cue_words(item) if relaxed == 0 else group_cue(item) if relaxed == 1 else []
        tipped = any(cue[(w, true)] + 1 - cue[(w, not true)] > 1 for w in words)
        return tipped or tf_count[mine] + 1 - tf_count[other] > surplus

    def cue_cost(item: QuizItem) -> int:
        """How much the statement would tip its modal words towards one key (0 when it evens them out)."""
        true = item.answer == [TRUE]
        cost = 0
        group = group_cue(item)
        for word in cue_words(item):
            mine, other = cue[(word, true)], cue[(word, not true)]
            # The group 可以/应当 weighs double: a true 应当 statement evens it even though it tips 应当 by one.
            cost += (2 if word in group else 1) * (abs(mine + 1 - other) - abs(mine - other))
        return cost

    def rank(item: QuizItem, position: int) -> tuple[bool, int, bool, bool, int, int]:
        repeat = item.type == "tf" and item.answer == last_tf  # so a quiz is never all 正确
        # A false statement that changes a body, period or place before one that only swaps its modal word.
        modal_edit = item.type == "tf" and item.answer == [FALSE] and item.kind is None
        return (item.kind in _WEAK_KINDS, cue_cost(item), modal_edit, repeat, used[item.key], position)

    def admitted(item: QuizItem) -> None:
        nonlocal last_tf
        used[item.key] += 1
        if item.type == "tf":
            last_tf = item.answer
            tf_count[item.answer[0]] += 1
            cue.update((word, item.answer == [TRUE]) for word in cue_words(item))
        ordered.append(item)

    def fill() -> None:
        nonlocal trivia_left
        progress = True
        while progress:
            progress = False
            for kind in request.types:
                queue = queues[kind]
                while (not relaxed or len(ordered) < request.n) and (
                    allowed := [i for i in range(len(queue)) if not unbalancing(queue[i])]
                ):
                    progress = True
                    item = queue.pop(min(allowed, key=lambda i: rank(queue[i], i)))
                    if is_trivia(item) and trivia_left <= 0:
                        report.removed["trivia"] += 1
                        continue
                    if used[item.key] >= cap:
                        held.append(item)
                        continue
                    if deduplicator.admit(item):
                        trivia_left -= is_trivia(item)
                        admitted(item)
                        break
        # A quiz the other clauses cannot fill takes more from one clause (a scope of one or two articles).
        for item in list(held):
            if len(ordered) < request.n and not unbalancing(item):
                held.remove(item)
                if deduplicator.admit(item):
                    admitted(item)

    relaxed = 0
    fill()
    while len(ordered) < request.n and relaxed < 2:
        # Too few statements keep every modal word even: the group 可以/应当 is still kept even; a full quiz is worth
        # more than a perfectly even one only after that.
        relaxed += 1
        fill()
    report.removed["balance"] += sum(len(q) for q in queues.values())  # held back to keep 正确/错误 even
    report.removed["clause_cap"] += len(held)
    return ordered


def is_trivia(item: QuizItem) -> bool:
    """An item on a date of entry into force or a repeal (本法自____年…起施行): low value, capped per quiz."""
    return any(marker in item.answer_span for marker in gate_settings().trivia_markers)


def _in_paper_order(items: list[QuizItem], clauses: list[Clause]) -> list[QuizItem]:
    """Grouped by type as a paper is (单选, 多选, 判断, 填空), each group in document order."""
    position = {c.key: i for i, c in enumerate(clauses)}
    rank = {t: i for i, t in enumerate(QUESTION_TYPES)}
    return sorted(items, key=lambda i: (rank[i.type], position.get(i.key, 0), i.span_start or 0))
