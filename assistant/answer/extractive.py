"""The offline answerer: quotes the sentences that answer the question, each with a [n] citation."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.answer.evidence import BigramIdf, ScoredSentence, is_article, score_sentences
from assistant.answer.kinds import classify, gives
from assistant.answer.refusal import NOT_FOUND, Verdict, assess
from assistant.chinese import char_bigrams
from assistant.cite import make_citation
from assistant.index import PolicyIndex
from assistant.ingest.labels import statute_verb
from assistant.profile import EvidenceProfile, RefusalProfile
from assistant.retrieve import Retrieval
from assistant.types import Citation, Clause, Document

_ARTICLE_LABEL = re.compile(r"^第[零〇一二两三四五六七八九十百千\d]+条(?:之[一二三四五六七八九十\d]+)?[\s\u3000]*")


def verb_for(clause: Clause, document: Document | None) -> str:
    """规定 for statutes, 提出 for policy documents; a 第X条 article of a document of unknown kind is a statute's."""
    kind = document.kind if document is not None and document.kind else ("法律" if is_article(clause) else "")
    return statute_verb(kind)


@dataclass
class Draft:
    """What an answerer produced, before the engine adds hits, timings and the question."""

    answer: str
    refused: bool
    citations: list[Citation] = field(default_factory=list)
    notice: str | None = None
    fell_back: bool = False  # a model failed and the extractive answer stands in
    usage: dict[str, int] = field(default_factory=dict)  # tokens a model used for this draft, if reported


@dataclass(frozen=True)
class Evidence:
    """The sentences chosen to answer, the best-scoring ones, and whether they cover the question."""

    selected: list[ScoredSentence]
    best: list[ScoredSentence]
    verdict: Verdict


@dataclass
class SelectionPolicy:
    """How many sentences to quote and which; the margins come from the model's profile (SelectionProfile)."""

    max_sentences: int = 6
    margin: float = 0.2
    top_clause_margin: float = 0.6
    max_clause_rank: int = 3
    redundancy: float = 0.6


def select_sentences(scored: list[ScoredSentence], policy: SelectionPolicy) -> list[ScoredSentence]:
    candidates = [s for s in scored if not s.is_heading] or scored
    if not candidates:
        return []
    top = candidates[0]
    chosen = [top]
    grams = [char_bigrams(top.sentence.text)]
    for item in candidates[1:]:
        if len(chosen) >= policy.max_sentences or item.score < top.score - policy.top_clause_margin:
            break
        if item.clause.key != top.clause.key and item.score < top.score - policy.margin:
            continue
        if item.clause_rank > policy.max_clause_rank:
            continue
        mine = char_bigrams(item.sentence.text)
        if any(len(mine & g) / (len(mine | g) or 1) > policy.redundancy for g in grams):
            continue
        chosen.append(item)
        grams.append(mine)
    return chosen


def select_referenced(
    scored: list[ScoredSentence], pinned: set[str], question: str, policy: SelectionPolicy
) -> list[ScoredSentence]:
    """For a question naming its articles: the articles themselves, whole when it asks what they say,
    else their best sentences, one that gives the asked kind of answer first."""
    own = [s for s in scored if s.clause.key in pinned and not s.is_heading]
    kind = classify(question)
    if kind is None or kind.evidence == ("any",):
        return sorted(own, key=lambda s: (s.clause_rank, s.sentence.index))[: policy.max_sentences]
    giving = [s for s in own if gives(kind, s.sentence.text)][:1]
    rest = select_sentences([s for s in own if s not in giving], policy)
    return (giving + rest)[: policy.max_sentences]


def compose(selected: list[ScoredSentence], index: PolicyIndex | None = None) -> tuple[str, list[Citation]]:
    """Group by clause (best first), keep document order inside a clause, merge adjacent sentences."""
    order: list[str] = []
    by_clause: dict[str, list[ScoredSentence]] = {}
    for item in selected:
        if item.clause.key not in by_clause:
            order.append(item.clause.key)
            by_clause[item.clause.key] = []
        by_clause[item.clause.key].append(item)
    lines: list[str] = []
    citations: list[Citation] = []
    for key in order:
        items = sorted(by_clause[key], key=lambda s: s.sentence.index)
        clause = items[0].clause
        runs: list[list[ScoredSentence]] = []
        for item in items:
            if runs and runs[-1][-1].sentence.index + 1 == item.sentence.index:
                runs[-1].append(item)
            else:
                runs.append([item])
        quotes = []
        for run in runs:
            start = run[0].sentence.start
            if run[0].sentence.index == 0:  # 第四条 is the label, not part of the quote
                label = _ARTICLE_LABEL.match(clause.text[start:])
                start += label.end() if label and label.end() < run[-1].sentence.end - start else 0
            quote = clause.text[start : run[-1].sentence.end]
            citation = make_citation(len(citations) + 1, clause, quote)
            citations.append(citation)
            quotes.append(f"“{quote}”[{citation.n}]")
        verb = verb_for(clause, index.document(clause.doc_id) if index else None)
        lines.append(f"{clause.label}{verb}：{''.join(quotes)}")
    return "\n".join(lines), citations


def refusal_text(verdict: Verdict, best: list[ScoredSentence]) -> str:
    text = f"{NOT_FOUND}{verdict.missing or '与该问题直接对应的规定'}。"
    if best:
        top = best[0]
        sentence = _ARTICLE_LABEL.sub("", top.sentence.text) or top.sentence.text
        text += f"文件中最接近的表述是{top.clause.label}：“{sentence}”，仅供参考。"
    return text


class ExtractiveAnswerer:
    mode = "extractive"

    def __init__(
        self,
        index: PolicyIndex,
        max_sentences: int = 6,
        thresholds: RefusalProfile | None = None,
        weights: EvidenceProfile | None = None,
    ):
        self.index = index
        profile = index.settings.profile
        self.policy = SelectionPolicy(max_sentences, **profile.selection.model_dump())
        self.thresholds = thresholds or profile.refusal
        self.weights = weights or profile.evidence
        self._idf: BigramIdf | None = None
        self._idf_for: str | None = None

    def corpus_uses(self, word: str) -> bool:
        """Whether any indexed clause contains the word."""
        return any(word in clause.text for clause in self.index.clauses.values())

    def idf(self) -> BigramIdf:
        # Rebuilt when the indexed clauses change (documents added, changed or removed).
        marker = self.index.lexical.fingerprint if self.index.lexical else None
        if self._idf is None or self._idf_for != marker:
            self._idf, self._idf_for = BigramIdf(self.index), marker
        return self._idf

    def evidence(self, retrieval: Retrieval) -> Evidence:
        scored = score_sentences(retrieval, self.index, self.idf(), self.weights)
        best = [s for s in scored if not s.is_heading] or scored
        pinned = {r.clause.key for r in retrieval.pinned}
        selected = (select_referenced(scored, pinned, retrieval.query, self.policy) if pinned else []) or (
            select_sentences(scored, self.policy)
        )
        verdict = assess(
            retrieval.focus, selected, best, self.thresholds, referenced=bool(pinned), known=self.corpus_uses
        )
        return Evidence(selected, best, verdict)

    def draft(self, retrieval: Retrieval, evidence: Evidence | None = None) -> Draft:
        """The quoted answer or the refusal; pass `evidence` when it was already computed for this retrieval."""
        found = evidence or self.evidence(retrieval)
        if not found.verdict.covered:
            return Draft(refusal_text(found.verdict, found.best), refused=True)
        text, citations = compose(found.selected, self.index)
        return Draft(text, refused=False, citations=citations)
