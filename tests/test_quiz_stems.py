"""Where a stem may start and stop, what a whole term is, which modal may be negated: the mechanisms behind the
blind review's defect classes, one table row per case (sentences written for these tests)."""

from __future__ import annotations

import random

import pytest

from assistant.quiz import stems
from assistant.quiz.gates import Deduplicator
from assistant.quiz.gazetteer import NOT_MEASURES, TERM_BREAKERS, institution_class, load_data, term_class
from assistant.quiz.generate import _ClauseWriter
from assistant.quiz.soundness import gate_settings, modal_editable
from assistant.quiz.terms import Lexicon, clause_terms, kinds_of, whole_at
from assistant.quiz.types import BuildRequest, GateReport, QuizItem
from assistant.types import Clause
from tests.quiz_builds import text_clause


def _clause(text: str) -> Clause:
    return text_clause(text, "测试法", "第一条")


@pytest.mark.parametrize(
    ("sentence", "stretch", "keeps"),
    [
        ("县级以上人民政府应当把教育作为重要职责，纳入发展规划。", "纳入发展规划", False),  # subject and 应当 cut
        ("对违反规定的经营者，责令改正。", "责令改正", False),  # a framing preposition cut
        ("未按规定报告的，由主管部门责令改正。", "由主管部门责令改正", False),  # the condition cut
        ("专项资金用于培训补贴，创业担保贷款贴息。", "创业担保贷款贴息", False),  # the rest of a list of objects
        ("支持重庆加快发展，推进成渝地区合作。", "推进成渝地区合作", True),  # a chain of subjectless clauses
        ("主管部门实施检查时，检查人员不得少于两人。", "检查人员不得少于两人", True),  # its own subject and modal
        ("加快交通建设，并完善口岸设施。", "并完善口岸设施", False),  # a continuation never starts a stem
    ],
)
def test_a_stretch_keeps_the_subject_condition_and_scope_of_its_sentence(sentence: str, stretch: str, keeps: bool):
    assert stems.keeps_subject(sentence, 0, sentence.index(stretch)) is keeps


@pytest.mark.parametrize(
    ("sentence", "stretch", "keeps"),
    [
        (
            "主管部门应当根据本法规定的原则，按照职责分工，制定实施办法。",
            "主管部门应当根据本法规定的原则，按照职责分工",
            False,
        ),
        ("价格主管部门应当按照国家政策，对高耗能项目实行差别价格。", "价格主管部门应当按照国家政策", False),
        ("设立基金，应当有法律依据。", "设立基金", False),  # only the subject
        ("未按规定建立台账，或者未提交报告的，由主管部门责令改正。", "未按规定建立台账", False),  # inside a condition
        ("国家建立失业保险制度，保障失业人员基本生活。", "国家建立失业保险制度", True),
        (
            "财政在分配资金中，继续通过提高补助标准等方式，对贫困地区予以倾斜。",
            "财政在分配资金中，继续通过提高补助标准等方式",
            False,
        ),
    ],
)
def test_a_stretch_does_not_stop_before_the_predicate_it_waits_for(sentence: str, stretch: str, keeps: bool):
    start = sentence.index(stretch)
    assert stems.keeps_predicate(sentence, start, start + len(stretch), len(sentence)) is keeps


@pytest.mark.parametrize(
    ("statement", "contained"),
    [
        ("税务机关对前款规定的事项进行审查。", False),
        ("人民法院应当认定该合同无效。", False),
        ("主管部门可以采取下列措施：", False),  # a lead-in to a list
        ("情节严重的，处五万元罚款。", False),  # whose offence?
        ("2001年5月1日发布的《管理办法》。", False),  # no predicate
        ("县级以上人民政府应当建立就业援助制度。", True),
    ],
)
def test_a_statement_does_not_lean_on_text_it_leaves_out(statement: str, contained: bool):
    assert stems.self_contained(statement) is contained


@pytest.mark.parametrize(
    ("text", "term", "listed"),
    [
        ("提高昆明、南宁、兰州、西宁等城市的能力", "南宁", True),  # in the middle of an open list
        ("提高昆明、南宁、兰州、西宁等城市的能力", "西宁", True),  # just before 等
        ("支持重庆、四川和陕西发挥优势", "四川", False),  # a closed list
    ],
)
def test_a_member_anywhere_in_a_list_closed_by_deng_is_open(text: str, term: str, listed: bool):
    assert stems.in_open_list(text, text.index(term) + len(term)) is listed


@pytest.mark.parametrize(
    ("text", "term", "whole"),
    [
        ("纳税人应当将其财务、会计制度报送备案", "会计制度", False),  # 财务、会计制度 share a head
        ("逐步完善劳动和社会保险政策", "社会保险政策", False),
        ("构建守信激励和失信惩戒机制", "惩戒机制", False),
        ("由国务院劳动行政部门负责", "国务院", False),  # the first part of an organ's name
        ("统筹协调产业政策与就业政策", "就业政策", True),
        ("2015年8月27日原国家工商行政管理总局令第76号", "日原国家工商行政管理总局", False),  # a date's unit glued on
        ("支持重庆、四川加快发展", "四川", True),
        ("国家建立健全失业保险制度", "失业保险制度", True),
    ],
)
def test_a_term_is_whole_where_it_stands(text: str, term: str, whole: bool):
    start = text.index(term)
    assert whole_at(text, start, start + len(term)) is whole


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("纳税人通过银行缴纳税款的，税务机关可以委托银行开具凭证。", "国家税务总局"),
        ("重大案件需要延长的，应当报国家税务总局批准。", "国家税务总局"),
    ],
)
def test_a_name_never_runs_across_a_verb_or_preposition(text: str, name: str):
    terms = [t.text for t in clause_terms(_clause(text))[0]]
    assert not any(t.startswith(tuple(TERM_BREAKERS)) for t in terms), terms


@pytest.mark.parametrize("word", sorted(TERM_BREAKERS))
def test_every_term_breaker_stops_a_name(word: str):
    text = f"有关单位{word}国家发展改革委办理。"
    names = [t.text for t in clause_terms(_clause(text))[0] if t.kind == "institution"]
    assert all(not n.startswith(word) for n in names), names


@pytest.mark.parametrize("word", sorted(NOT_MEASURES))
def test_a_verb_ending_in_zhi_is_not_a_measure(word: str):
    assert "measure" not in kinds_of(f"非法{word}")


@pytest.mark.parametrize(
    ("sentence", "modal", "editable"),
    [
        ("用人单位应当依法缴纳社会保险费。", "应当", True),
        ("经主持人许可，发言时间可以延长。", "可以", False),  # discretion: 应当 would contradict 许可
        ("减少后的注册资本应当不少于最低限额。", "应当", False),  # 可以不少于 is not Chinese
        ("为实现功能必须具备的设计特征不受保护。", "必须", False),  # a modifier, not the obligation
    ],
)
def test_only_the_obligation_of_a_statement_is_negated(sentence: str, modal: str, editable: bool):
    assert modal_editable(sentence, sentence.index(modal), modal, 0, len(sentence)) is editable


@pytest.mark.parametrize(
    ("word", "expected"),
    [("中央财政", "资金"), ("国家开发银行", "银行"), ("国务院", "机关"), ("全国人民代表大会常务委员会", "机关")],
)
def test_institutions_have_classes_from_the_data_file(word: str, expected: str):
    assert institution_class(word) == expected
    assert set(load_data("gazetteer")["institution_classes"]) | {"机关"} >= {expected}


def test_options_share_the_class_of_the_key():
    assert term_class("宁夏", "province") == term_class("西藏", "province") != term_class("江苏", "province")
    assert term_class("失业保险制度", "measure") == "制度" != term_class("产业政策", "measure")


def _choice(answer: str, options: list[str], stem: str) -> QuizItem:
    clause = stem.split("》", 1)[1].split("规定", 1)[0]  # each question from its own article
    return QuizItem(
        type="single",
        stem=stem,
        options=options,
        answer=[answer],
        doc_id="t",
        clause=clause,
        label=f"《测试法》{clause}",
        answer_span=stem,
        kind="measure",
    )


def test_a_paper_never_offers_one_questions_key_as_another_questions_distractor():
    report = GateReport()
    deduplicator = Deduplicator(report)
    options = ["会计制度", "检查制度", "责任制度", "申报制度"]
    assert deduplicator.admit(_choice("会计制度", options, "《测试法》第一条规定：纳税人报送____。"))
    assert not deduplicator.admit(_choice("检查制度", options, "《测试法》第二条规定：税务机关建立____。"))
    assert report.removed["cross_answer"] == 1
    other = ["失业保险制度", "失业预警制度", "就业援助制度", "劳动预备制度"]
    assert deduplicator.admit(_choice("失业预警制度", other, "《测试法》第三条规定：国家建立____。"))


def test_the_stem_limits_are_settings_in_the_data_file():
    settings = gate_settings()
    assert settings.stem_max_chars > 0 and settings.blank_max_chars > 0
    assert "slogan" not in settings.choice_kinds and "该" in settings.context_references


def test_a_fill_in_accepts_a_body_without_its_parent_organ_but_not_without_an_adjective():
    clause = _clause("国务院西部地区开发领导小组负责统筹协调。全国人民代表大会专门委员会审议议案。")
    lexicon = Lexicon.build([clause])
    writer = _ClauseWriter(lexicon, clause, BuildRequest(n=1), random.Random(1))
    terms = {t.text: t for t in lexicon.terms[clause.key]}
    assert writer._short_forms(terms["国务院西部地区开发领导小组"]) == ["西部地区开发领导小组"]
    assert writer._short_forms(terms["全国人民代表大会专门委员会"]) == []


def test_a_paper_never_holds_a_stem_that_states_another_questions_key_nor_two_questions_with_one_key():
    deduplicator = Deduplicator(GateReport())
    options = ["财政经济委员会", "教育科学文化卫生委员会", "外事委员会", "华侨委员会"]
    assert deduplicator.admit(_choice("财政经济委员会", options, "《测试法》第一条规定：____进行初步审查。"))
    stated = _choice(
        "预算草案", ["预算草案", "决算草案", "审计报告"], "《测试法》第二条规定：由财政经济委员会审查____。"
    )
    assert not deduplicator.admit(stated)
    same_key = _choice(
        "财政经济委员会", ["财政经济委员会", "外事委员会", "民族委员会"], "《测试法》第三条规定：____负责。"
    )
    assert not deduplicator.admit(same_key)
    assert deduplicator.report.removed["cross_answer"] == 2


def test_a_number_is_set_against_numbers_of_its_unit_and_magnitude():
    first = _clause("对单价5000元以下的生活用品，不采取保全措施。检查人员不得少于3人。")
    second = _clause("处2000元以上1万元以下的罚款；逾期不缴的，每日加处30元。").model_copy(update={"clause": "第二条"})
    lexicon = Lexicon.build([first, second])
    writer = _ClauseWriter(lexicon, first, BuildRequest(n=1), random.Random(3))
    options = writer._distractors("5000", "number", "元", 3)
    assert len(options) == 3 and "3" not in options and "30" not in options, options
    assert all(0.1 <= float(o) / 5000 <= 10 for o in options), options


def test_a_false_statement_never_swaps_a_member_of_an_open_list():
    clause = _clause("深入开展对口支援新疆、西藏和青海等地区工作。")
    lexicon = Lexicon.build([clause])
    writer = _ClauseWriter(lexicon, clause, BuildRequest(n=1, types=["tf"]), random.Random(2))
    statements = writer.items()
    assert statements and all(i.swap is None or i.swap.original not in ("新疆", "西藏") for i in statements)
    closed = _clause("深入开展对口支援新疆、西藏和青海地区工作。")
    closed_writer = _ClauseWriter(Lexicon.build([closed]), closed, BuildRequest(n=1, types=["tf"]), random.Random(2))
    assert any(i.swap is not None for i in closed_writer.items())  # a closed list may be edited


def test_a_measures_distractors_of_its_field_come_first():
    texts = [
        "国家建立健全失业保险制度。",
        "国家建立失业预警制度。",
        "国家建立失业登记制度。",
        "国家建立失业援助制度。",
        "国家实行船舶检验制度。",
        "国家实行航运管理制度。",
        "国家实行港口安全制度。",
    ]
    clauses = [_clause(t).model_copy(update={"clause": f"第{n}条", "order": n * 20}) for n, t in enumerate(texts)]
    lexicon = Lexicon.build(clauses)
    writer = _ClauseWriter(lexicon, clauses[0], BuildRequest(n=1), random.Random(5))
    options = writer._distractors("失业保险制度", "measure", "制度", 3)
    assert sorted(options) == ["失业援助制度", "失业登记制度", "失业预警制度"], options
