"""Round-6 rule of the quiz builder: a statute's stem cut from inside a long sentence keeps its subject and premise.

The round-5 review found 11 of 13 law defects were stretches of a long sentence that lost what the sentence said
before them (决定特殊情况下税率的适用…; 任务完成后应当及时归还…; 在进境或者出境时…的; 侵权损害赔偿数额应当…).
The excerpts in tests/fixtures/quiz/excerpts/ are those articles, copied from the corpus.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.quiz.build import build_from_documents
from assistant.quiz.stems import body_start, cut_loses_subject, full_sentence_start
from assistant.quiz.types import BuildRequest, QuizItem
from assistant.types import Clause, Document
from tests.quiz_builds import parsed, whole_quiz
from tests.quiz_judge import FIXTURES

EXCERPTS = FIXTURES / "excerpts"
LAWS = tuple(
    FIXTURES / name
    for name in (
        "就业促进法(2015-04-24).md",
        "安全生产法(2021-06-10).md",
        "危险化学品安全管理条例(2013-12-07).md",
        "人力资源市场暂行条例(2018-06-29).md",
        "海南自由贸易港法(2021-06-10).md",
    )
)


def _cut(text: str, probe: str) -> bool:
    start = text.index(probe)
    end = text.find("。", start)
    return cut_loses_subject(text, full_sentence_start(text, start), start, end if end > 0 else len(text))


@pytest.mark.parametrize(
    ("text", "probe", "cut"),
    [
        # The review's examples: a verb after a semicolon, a time clause, a preposition after the subject, and the
        # half after a semicolon whose sentence opened on a condition.
        (
            "国务院设立关税税则委员会，负责《税则》的调整和解释；决定关税配额税率；决定特殊情况下税率的适用，以及履行"
            "国务院规定的其他职责。",
            "决定特殊情况下",
            True,
        ),
        (
            "国家安全机关因反间谍工作需要，可以依法征用个人的交通工具，必要时可以设置相关工作场所和设施设备，任务完成后"
            "应当及时归还或者恢复原状，并依照规定支付相应费用。",
            "任务完成后",
            True,
        ),
        (
            "暂时进境或者暂时出境的下列货物，在进境或者出境时纳税义务人向海关缴纳保证金的，可以暂不缴纳关税。",
            "在进境",
            True,
        ),
        (
            "权利人超过三年起诉的，如果侵权行为在起诉时仍在持续，人民法院应当判决被告停止侵权行为；\n\n侵权损害赔偿"
            "数额应当自权利人向人民法院起诉之日起向前推算三年计算。",
            "侵权损害赔偿",
            True,
        ),
        ("国家安全机关应当依法予以保护，并且依法采取必要措施。", "并且依法", True),
        ("用人单位违反本法规定的，由劳动行政部门责令改正，可以处一万元以下的罚款。", "可以处", True),
        # A stretch with its own subject, or at its sentence's start, stands.
        ("国家鼓励发展职业教育；县级以上人民政府应当加强职业技能培训。", "县级以上人民政府", False),
        (
            "国家安全机关可以提请海关提供通关便利。有关检查机关应当依法予以协助。",
            "有关检查机关",
            False,
        ),
        (
            "出示工作证件，可以进入有关场所；国家安全机关工作人员在任务完成后应当及时撤离。",
            "国家安全机关工作人员",
            False,
        ),
        ("因作品署名顺序发生的纠纷，人民法院按照下列原则处理：\n\n有约定的按约定确定署名顺序；", "有约定的", False),
    ],
)
def test_a_cut_without_its_own_subject_needs_its_sentence(text: str, probe: str, cut: bool):
    assert _cut(text, probe) is cut


def test_the_full_sentence_runs_over_semicolons_and_paragraph_breaks_but_not_over_a_full_stop():
    text = "第一句。甲应当做某事；\n\n乙应当做另一事。"
    assert full_sentence_start(text, text.index("乙")) == text.index("甲")
    assert full_sentence_start(text, text.index("甲") + 1) == text.index("甲")
    assert full_sentence_start(text, 2) == 0


def _clause(item: QuizItem, document: Document) -> Clause:
    return next(c for c in document.clauses if c.clause == item.clause)


def _violations(items: tuple[QuizItem, ...], document: Document) -> list[str]:
    """Fill-in and true/false stems whose quoted stretch starts inside its sentence without a subject of its own."""
    out = []
    for item in items:
        if item.type not in ("tf", "blank") or item.span_start is None or item.span_end is None:
            continue
        clause = _clause(item, document)
        if not clause.is_article:
            continue
        head = full_sentence_start(clause.text, item.span_start, body_start(clause))
        if cut_loses_subject(clause.text, head, item.span_start, item.span_end):
            out.append(item.stem)
    return out


@pytest.mark.parametrize("path", sorted(EXCERPTS.glob("*.md")), ids=lambda p: p.stem)
def test_the_reviewed_articles_give_no_stem_cut_from_its_subject(path: Path):
    document = parsed(path)
    for seed in (6151, 7393):
        items = build_from_documents([document], BuildRequest(n=10, seed=seed)).items
        assert not _violations(tuple(items), document)
        stems = [i.stem for i in items]
        for fragment in ("：决定特殊情况下", "：任务完成后", "：在进境或者出境时", "：侵权损害赔偿数额"):
            assert not any(fragment in stem for stem in stems), (fragment, stems)


def test_the_half_after_a_conditional_sentence_is_carried_with_its_condition():
    """The rule carries rather than drops when the sentence fits: 第二十七条's second half comes with its premise."""
    document = parsed(EXCERPTS / "著作权民事纠纷解释摘录(2020-12-29).md")
    result = build_from_documents([document], BuildRequest(n=10, seed=1, types=["tf"]))
    pool = [r.item for r in result.rejected] + list(result.items)
    spans = [i.answer_span for i in pool if i.clause == "第二十七条" and "侵权损害赔偿数额" in (i.answer_span or "")]
    assert spans, "第二十七条's second half should still be asked"
    assert all(span.startswith("权利人超过三年起诉的") for span in spans), spans


@pytest.mark.parametrize("path", LAWS, ids=lambda p: p.stem)
def test_whole_law_quizzes_hold_no_stem_cut_from_its_subject_and_stay_full(path: Path):
    document = parsed(path)
    for seed in (1, 2):
        items = whole_quiz(path, seed)
        assert not _violations(items, document), seed
        assert len(items) == 10, (seed, len(items))
