"""Round-14 rules of the quiz builder, from the round-14a and round-14b blind reviews (《英雄烈士保护法》,
《病原微生物实验室生物安全管理条例》, 《食品生产经营监督检查管理办法》, 《最高人民法院关于审理企业破产案件指定管理人的规定》)
and from the verdicts of rounds 10–14 by kind of item. The reviewers' sentences are quoted verbatim from the laws.
"""

from __future__ import annotations

import random

from assistant.chinese import split_sentences
from assistant.quiz.build import build_from_documents
from assistant.quiz.generate import OfflineGenerator, _ClauseWriter
from assistant.quiz.stems import keeps_predicate
from assistant.quiz.terms import Lexicon
from assistant.quiz.types import FALSE, BuildRequest
from assistant.types import Clause, Document, Sentence
from tests.quiz_builds import parsed
from tests.quiz_judge import DIRECTIVE, FIXTURES


def _cut(text: str, stop: str) -> bool:
    """Whether the stretch from the sentence's start up to the comma after `stop` keeps its predicate."""
    end = text.index(stop) + len(stop)
    return keeps_predicate(text, 0, end, text.index("。"))


def test_a_stretch_ending_on_a_basis_phrase_misses_its_verb() -> None:
    for text, stop in (
        (
            "县级以上人民政府有关部门应当引导公民通过瞻仰英雄烈士纪念设施、集体宣誓、网上祭奠等形式，"
            "铭记英雄烈士的事迹，传承和弘扬英雄烈士的精神。",
            "等形式",
        ),
        (
            "高级人民法院应当根据本辖区律师事务所、会计师事务所、破产清算事务所等社会中介机构及专职从业人员数量和"
            "企业破产案件数量，确定由本院或者所辖中级人民法院编制管理人名册。",
            "企业破产案件数量",
        ),
        (
            "市级市场监督管理部门可以结合本行政区域食品生产经营者规模、风险、管理水平等实际情况，"
            "制定本行政区域的食品生产经营监督检查要点表。",
            "等实际情况",
        ),
    ):
        assert not _cut(text, stop), stop
    # A basis phrase followed by its verb inside the stretch is whole.
    whole = "有关部门应当引导公民通过瞻仰英雄烈士纪念设施等形式铭记英雄烈士的事迹，传承和弘扬英雄烈士的精神。"
    assert _cut(whole, "的事迹")


def _article(text: str) -> Clause:
    body = f"第十条 {text}"
    return Clause(
        doc_id="law",
        doc_title="某法",
        clause="第十条",
        part="",
        heading="",
        label="《某法》第十条",
        order=0,
        start=0,
        end=len(body),
        text=body,
        sentences=[
            Sentence(index=n, text=x.text, start=x.start, end=x.end) for n, x in enumerate(split_sentences(body))
        ],
        kind="article",
    )


def test_a_statute_asks_no_named_measure_and_no_fill_in_asks_one() -> None:
    clause = _article("国家实行安全生产责任保险制度，鼓励生产经营单位投保。")
    lexicon = Lexicon.build([clause])
    assert [t.kind for t in lexicon.terms[clause.key]].count("measure") >= 1
    items = OfflineGenerator(lexicon).candidates([clause], BuildRequest(n=5), random.Random(1))
    assert not [i for i in items if i.kind == "measure"]
    # The directive's measures are asked as a choice at most, never as a fill-in.
    directive = parsed(DIRECTIVE)
    result = build_from_documents([directive], BuildRequest(n=60, seed=5, types=["blank"]))
    assert result.items
    assert not [i for i in result.items if i.kind == "measure"]


def test_a_ruling_of_a_judicial_interpretation_is_turned_over() -> None:
    clause = _article(
        "发包人能够办理审批手续而未办理，并以未办理审批手续为由请求确认建设工程施工合同无效的，人民法院不予支持。"
    )
    lexicon = Lexicon.build([clause])
    writer = _ClauseWriter(lexicon, clause, BuildRequest(n=5, types=["tf"]), random.Random(3))
    false = [i for i in writer.items() if i.answer == [FALSE]]
    assert [(i.swap.original, i.swap.replacement) for i in false if i.swap] == [("不予支持", "应予支持")]


def test_a_fill_in_on_a_body_accepts_its_official_short_name() -> None:
    clause = _article("军队有关部门按照国务院、中央军事委员会的规定，做好英雄烈士保护工作。")
    lexicon = Lexicon.build([clause])
    writer = _ClauseWriter(lexicon, clause, BuildRequest(n=5, types=["blank"]), random.Random(1))
    term = next(t for t in lexicon.terms[clause.key] if t.text == "中央军事委员会")
    assert "中央军委" in writer._short_forms(term)


def test_the_round13_fixture_laws_still_fill_their_quizzes_with_rulings() -> None:
    path = next((FIXTURES / "round13").glob("最高人民法院关于审理建设工程*.md"))
    document: Document = parsed(path)
    result = build_from_documents([document], BuildRequest(n=10, seed=11))
    assert len(result.items) == 10, result.notices
    assert [i for i in result.items if i.swap and i.swap.original in ("应予支持", "不予支持")]
