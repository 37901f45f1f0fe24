"""A blind judgement of quiz items, in the spirit of an experienced exam writer: one checker per defect class.

The checkers are deliberately independent of the quality gates (own word lists, lint's findings, jieba's
plain segmentation), so a gate that stops working shows up here. Run `python -m tests.quiz_judge` for the
counts over whole-document builds with several seeds.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import jieba

from assistant.chinese import match_key
from assistant.ingest import load_document
from assistant.lint import lint_document
from assistant.quiz.build import build_from_documents
from assistant.quiz.types import BLANK, FALSE, TRUE, BuildRequest, QuizItem
from assistant.types import Document

REPO = Path(__file__).resolve().parent.parent
DIRECTIVE = REPO / "corpus" / "western-development-guideline-2020.txt"
LAW = REPO / "tests" / "fixtures" / "quiz" / "优化营商环境条例(2019-10-22).md"
SEEDS = (1, 2, 3)

FORMULAS = (
    "以习近平同志为核心的党中央",
    "以习近平总书记为核心的党中央",
    "党中央、国务院",
    "中国特色社会主义",
    "新发展理念",
)
REGION = {
    **dict.fromkeys(
        ["重庆", "四川", "贵州", "云南", "西藏", "陕西", "甘肃", "青海", "宁夏", "新疆", "广西", "内蒙古"], "W"
    ),
    **dict.fromkeys(["山西", "安徽", "江西", "河南", "湖北", "湖南"], "C"),
    **dict.fromkeys(["北京", "天津", "河北", "上海", "江苏", "浙江", "福建", "山东", "广东", "海南"], "E"),
    **dict.fromkeys(["辽宁", "吉林", "黑龙江"], "NE"),
}
PLAUSIBLE_EDITS = {"year", "number", "province", "city", "institution"}
MODALS = {"应当", "可以", "必须", "不得", "禁止", "严禁", "允许"}
PREPOSITIONS = "以在对从向于与和及把被"
DANGLING = ("中", "时", "方面", "的", "和", "与")


def _body(item: QuizItem) -> str:
    return item.stem.split("：", 1)[1] if "：" in item.stem else item.stem


def _lint_words(document: Document) -> set[str]:
    """Words lint flags: the run of characters around each rejoined page break, and Latin words in Chinese."""
    words = set()
    source = document.source_text
    for finding in lint_document(document):
        if finding.kind == "page_break_join" and finding.offset is not None:
            left = re.split(r"[、，,。；;（(和及\s]", source[: finding.offset].rstrip())[-1]
            right = re.split(r"[、，,。；;）)和及\s]", source[finding.offset :].lstrip())[0]
            joined, cut = left + right, len(left)
            if 0 < cut < len(joined) <= 12:
                words.add(match_key(joined))
            position = 0
            for word in jieba.lcut(joined):
                if position < cut < position + len(word):
                    words.add(match_key(word))  # the word the break runs through
                position += len(word)
        if finding.kind == "latin_in_chinese":
            words.add(match_key(finding.message.split("“")[1].split("”")[0]))
    return {w for w in words if w}


class Judge:
    """One method per defect class; each returns True when the item has that defect."""

    def __init__(self, documents: list[Document]):
        self.documents = {d.doc_id: d for d in documents}
        self.clauses = {c.key: c for d in documents for c in d.clauses}
        self.lint = set().union(*(_lint_words(d) for d in documents))
        self.sentences = [match_key(s.text) for c in self.clauses.values() for s in c.sentences]

    def classes(self) -> dict[str, Callable[[QuizItem], bool]]:
        return {
            "corrupt_key": self.corrupt_key,
            "fragment": self.fragment,
            "formula": self.formula,
            "absurd_class": self.absurd_class,
            "true_elsewhere": self.true_elsewhere,
            "open_list": self.open_list,
            "word_salad": self.word_salad,
            "truncated": self.truncated,
            "law_stem": self.law_stem,
            "metadata": self.metadata,
            "no_context": self.no_context,
        }

    def _words(self, item: QuizItem) -> list[str]:
        words = [*item.options, *item.answer] if item.type != "tf" else []
        if item.swap:
            words += [item.swap.original, item.swap.replacement]
        return words

    def corrupt_key(self, item: QuizItem) -> bool:
        return any(any(bad in match_key(w) for bad in self.lint) for w in self._words(item))

    def fragment(self, item: QuizItem) -> bool:
        if any(len(w) > 2 and w[0] in PREPOSITIONS for w in self._words(item)):
            return True
        clause = self.clauses[item.key]
        if item.type in ("single", "blank") and item.span_start is not None:
            answer = item.answer[0]
            at = clause.text.find(answer, item.span_start)
            if at < 0:
                return False
            cuts = {0}
            for word in jieba.lcut(clause.text):
                cuts.add(max(cuts) + len(word))
            return at not in cuts or at + len(answer) not in cuts
        return False

    def formula(self, item: QuizItem) -> bool:
        clause = self.clauses[item.key]
        body = _body(item)
        for formula in FORMULAS:
            if formula in clause.text and item.span_start is not None:
                at = clause.text.find(formula)
                end = at + len(formula)
                if at < (item.span_end or 0) and item.span_start < end and formula not in body:
                    return True
        return False

    def absurd_class(self, item: QuizItem) -> bool:
        """A place distractor from another region than every right answer."""
        if item.type not in ("single", "multi"):
            return False
        regions = {REGION.get(a) for a in item.answer}
        if None in regions:
            return False
        return any(REGION.get(o, "?") not in regions for o in item.options if o not in item.answer)

    def true_elsewhere(self, item: QuizItem) -> bool:
        body = _body(item)
        if item.type not in ("single", "multi") or BLANK not in body:
            return False
        at = body.index(BLANK)
        right = match_key(body[at + len(BLANK) :])[:4]
        for option in (o for o in item.options if o not in item.answer):
            key = match_key(option)
            # The distractor with the words that follow the blank: the document says it of the distractor too.
            if len(right) >= 3 and any(key + right in s for s in self.sentences):
                return True
        return False

    def open_list(self, item: QuizItem) -> bool:
        body = _body(item)
        return BLANK + "等" in body and ("原文列举" not in item.stem or item.type == "blank")

    def word_salad(self, item: QuizItem) -> bool:
        if item.type != "tf" or item.answer != [FALSE] or item.swap is None:
            return False
        return item.kind not in PLAUSIBLE_EDITS and item.swap.original not in MODALS

    def truncated(self, item: QuizItem) -> bool:
        body = _body(item).split("（")[0].rstrip("。")
        clause = self.clauses[item.key]
        after = clause.text[item.span_end or 0 :][:3] if item.span_end is not None else ""
        if body.endswith(DANGLING) and after[:1] in ",，":
            return True
        return after[:1] in ",，" and after[1:].lstrip().startswith(("应当", "不得", "可以", "必须"))

    def law_stem(self, item: QuizItem) -> bool:
        if not re.fullmatch(r"第.+条", item.clause):
            return False
        return "提出：" in item.stem or item.clause in _body(item)

    def metadata(self, item: QuizItem) -> bool:
        return any(m in item.stem + item.answer_span for m in ("INFO END", "<!--", "会议通过", "令第"))

    def no_context(self, item: QuizItem) -> bool:
        clause = self.clauses[item.key]
        return not item.stem.startswith(clause.label)

    def judge(self, items: list[QuizItem]) -> tuple[Counter[str], int]:
        """Defects per class and the number of items with at least one defect."""
        counts: Counter[str] = Counter()
        defective = 0
        for item in items:
            found = [name for name, check in self.classes().items() if check(item)]
            counts.update(found)
            defective += bool(found)
        return counts, defective


def quiz_level(items: list[QuizItem]) -> Counter[str]:
    """Defects of a whole quiz: true/false far from half true, two items from one sentence."""
    counts: Counter[str] = Counter()
    tf = [i for i in items if i.type == "tf"]
    if len(tf) >= 4 and not 0.4 <= sum(i.answer == [TRUE] for i in tf) / len(tf) <= 0.6:
        counts["tf_skew"] += 1
    spans = Counter((i.key, i.answer_span) for i in items)
    counts["same_sentence"] += sum(n - 1 for n in spans.values() if n > 1)
    stems = Counter(match_key(_body(i)) for i in items)
    counts["repeated_stem"] += sum(n - 1 for n in stems.values() if n > 1)
    return counts


def judge_builds(path: Path, n: int = 20, seeds: tuple[int, ...] = SEEDS) -> dict[str, object]:
    document = load_document(path)
    judge = Judge([document])
    total, defective = 0, 0
    counts: Counter[str] = Counter()
    for seed in seeds:
        items = build_from_documents([document], BuildRequest(n=n, seed=seed)).items
        found, bad = judge.judge(items)
        counts += found
        counts += quiz_level(items)
        total += len(items)
        defective += bad
    return {"document": document.short_title, "items": total, "defective": defective, "classes": dict(counts)}


if __name__ == "__main__":
    for path in (DIRECTIVE, LAW):
        result = judge_builds(path)
        share = result["defective"] / result["items"] if result["items"] else 0  # type: ignore[operator]
        print(
            f"{result['document']}: {result['defective']}/{result['items']} defective ({share:.0%}); {result['classes']}"
        )
