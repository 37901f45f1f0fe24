"""Each quality gate removes the items it exists for, whichever generator wrote them."""

from __future__ import annotations

import pytest

from assistant.quiz.build import checker_for
from assistant.quiz.gates import Checker, apply_gates, drop_duplicates, near_duplicates
from assistant.quiz.types import BLANK, FALSE, TF_OPTIONS, TRUE, GateReport, QuizItem, Swap
from assistant.service import PolicyAssistant
from tests.conftest import DIRECTIVE_ID

LABEL_8 = "《指导意见》三、（八）积极参与和融入“一带一路”建设"
SPAN_8 = "支持内蒙古深度参与中蒙俄经济走廊建设"


@pytest.fixture(scope="module")
def checker(directive_assistant: PolicyAssistant) -> Checker:
    return checker_for(directive_assistant.index.documents)


def single(**changes: object) -> QuizItem:
    """A sound single-choice item on clause 八; each test breaks one thing."""
    fields: dict[str, object] = {
        "type": "single",
        "stem": f"《指导意见》第（八）条提出：支持{BLANK}深度参与中蒙俄经济走廊建设。",
        "options": ["内蒙古", "西藏", "宁夏", "广西"],
        "answer": ["内蒙古"],
        "doc_id": DIRECTIVE_ID,
        "clause": "八",
        "label": LABEL_8,
        "answer_span": SPAN_8,
        "kind": "province",
    }
    fields.update(changes)
    return QuizItem.model_validate(fields)


def test_a_sound_item_passes_every_gate(checker: Checker):
    assert checker.problems(single()) == []


def test_an_answer_span_not_in_the_clause_fails_the_source_gate(checker: Checker):
    assert checker.problems(single(answer_span="支持内蒙古全面参与中蒙俄经济走廊建设")) == ["source"]


def test_an_answer_outside_its_span_fails_the_source_gate(checker: Checker):
    item = single(answer_span="深度参与中蒙俄经济走廊建设")
    assert "source" in checker.problems(item)


def test_a_blank_whose_words_do_not_fit_the_source_fails_the_source_gate(checker: Checker):
    item = single(stem=f"《指导意见》第（八）条提出：支持{BLANK}全面参与中蒙俄经济走廊建设。")
    assert checker.problems(item) == ["source"]


def test_a_distractor_the_clause_also_states_fails_the_distractor_gate(checker: Checker):
    # 云南 is in clause 八 too ("提升云南与澜沧江—湄公河区域开放合作水平").
    item = single(options=["内蒙古", "云南", "宁夏", "广西"])
    assert checker.problems(item) == ["distractors"]


def test_options_of_another_kind_or_repeated_fail_the_options_gate(checker: Checker):
    assert checker.problems(single(options=["内蒙古", "2035", "宁夏", "广西"])) == ["options"]
    assert checker.problems(single(options=["内蒙古", "江苏", "江苏省", "河南"])) == ["options"]
    assert checker.problems(single(options=["内蒙古", "江苏"])) == ["options"]
    # Eastern provinces set against a western one are of the right kind but the wrong class.
    assert checker.problems(single(options=["内蒙古", "江苏", "海南", "河南"])) == ["options"]
    assert "options" in checker.problems(single(answer=["内蒙古", "江苏"]))  # two answers to a single choice


def test_a_stem_that_states_the_answer_fails_the_giveaway_gate(checker: Checker):
    item = single(stem="《指导意见》第（八）条提出：支持内蒙古深度参与中蒙俄经济走廊建设，下列哪个省区被点名？")
    assert checker.problems(item) == ["giveaway"]


def test_a_false_statement_must_be_false_and_restore_to_the_source(checker: Checker):
    statement = f"《指导意见》第（八）条提出：{SPAN_8.replace('内蒙古', '宁夏')}。"
    sound = single(
        type="tf",
        stem=statement,
        options=TF_OPTIONS,
        answer=[FALSE],
        swap=Swap(original="内蒙古", replacement="宁夏"),
    )
    assert checker.problems(sound) == []
    eastern = sound.model_copy(
        update={"stem": statement.replace("宁夏", "江苏"), "swap": Swap(original="内蒙古", replacement="江苏")}
    )
    assert checker.problems(eastern) == ["options"]  # a swapped place is of the original's region
    true_after_all = sound.model_copy(
        update={"stem": statement.replace("宁夏", "云南"), "swap": Swap(original="内蒙古", replacement="云南")}
    )
    assert checker.problems(true_after_all) == ["source"] or "distractors" in checker.problems(true_after_all)
    unmarked = sound.model_copy(update={"swap": None})
    assert "source" in checker.problems(unmarked)
    verbatim = single(type="tf", stem=f"《指导意见》第（八）条提出：{SPAN_8}。", options=TF_OPTIONS, answer=[TRUE])
    assert checker.problems(verbatim.model_copy(update={"kind": None})) == []


def test_near_duplicates_keep_the_first_and_are_counted(checker: Checker):
    first = single()
    blank = single(type="blank", options=[], stem=first.stem)  # the same fact as a fill-in
    other = single(
        stem=f"《指导意见》第（八）条提出：支持内蒙古深度参与{BLANK}建设。",
        options=["中蒙俄经济走廊", "长江经济带", "西江经济带", "丝绸之路经济带"],
        answer=["中蒙俄经济走廊"],
        kind="measure",
    )
    assert near_duplicates(first, blank)
    assert near_duplicates(first, other)  # the second stem states the first's answer
    report = GateReport()
    kept = drop_duplicates([first, blank, other], report)
    assert kept == [first]
    assert report.removed["duplicates"] == 2


def test_apply_gates_counts_each_item_at_its_first_failing_gate(checker: Checker):
    report = GateReport()
    items = [
        single(),
        single(answer_span="不存在的原文句子"),
        single(options=["内蒙古", "云南", "宁夏", "广西"]),
        single(options=["内蒙古", "2035", "宁夏", "广西"]),
    ]
    kept = apply_gates(items, checker, report)
    assert [i.id for i in kept] == [items[0].id]
    assert kept[0].span_start is not None
    assert report.candidates == 4
    assert {k: v for k, v in report.removed.items() if v} == {"source": 1, "distractors": 1, "options": 1}
