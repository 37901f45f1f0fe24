"""Round-14 rules of the quiz builder, from the round-14a and round-14b blind reviews (《英雄烈士保护法》,
《病原微生物实验室生物安全管理条例》, 《食品生产经营监督检查管理办法》, 《最高人民法院关于审理企业破产案件指定管理人的规定》)
and from the verdicts of rounds 10–14 by kind of item. The reviewers' sentences are quoted verbatim from the laws.
"""

from __future__ import annotations

import random

from assistant.quiz.build import build_from_documents
from assistant.quiz.generate import OfflineGenerator, _ClauseWriter
from assistant.quiz.soundness import modal_editable
from assistant.quiz.stems import dropped_topic, keeps_predicate
from assistant.quiz.terms import Lexicon
from assistant.quiz.types import FALSE, BuildRequest
from assistant.types import Clause, Document
from tests.quiz_builds import parsed, text_clause
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
    return text_clause(f"第十条 {text}", "某法", "第十条", kind="article")


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


# --- round 15a: a defined term, a dropped 当…时 condition, truth and deadlines made optional ---------------------


def test_a_term_the_article_defines_is_not_asked() -> None:
    clause = _article(
        "民法典第八百四十七条第二款所称“物质技术条件”，包括资金、设备、器材、原材料、未公开的技术信息和资料等。"
        "当事人应当在“技术开发合同”中约定研究开发经费。"
    )
    lexicon = Lexicon.build([clause])
    items = OfflineGenerator(lexicon).candidates([clause], BuildRequest(n=5), random.Random(1))
    assert not [i for i in items if i.type in ("blank", "single") and "物质技术条件" in i.answer]


def test_a_stretch_after_a_dropped_当_condition_needs_it() -> None:
    text = "第三十条 当重要商品和服务价格显著上涨或者有可能显著上涨，国务院和省、自治区、直辖市人民政府可以对部分价格采取限定差价率或者利润率等干预措施。"
    assert dropped_topic(text, text.index("国务院"), len(text) - 1)


def test_truth_and_deadlines_are_not_made_optional() -> None:
    for text in ("被检查单位应当按期整改。", "有关单位和个人应当如实反映情况，提供必要的资料。"):
        at = text.index("应当")
        assert not modal_editable(text, at, "应当", 0, len(text) - 1), text
    plain = "县级以上人民政府价格主管部门应当依法进行价格监督检查。"
    assert modal_editable(plain, plain.index("应当"), "应当", 0, len(plain) - 1)


# --- round 15b: a statute's bodies, a penalty's dropped condition, an adverbial alone, place forms, number runs ------


def test_a_statutes_body_is_never_swapped_nor_offered_against_other_bodies() -> None:
    clause = _article(
        "国务院卫生健康主管部门负责全国的医师管理工作。国务院教育、人力资源社会保障、中医药等有关部门在各自职责范围内"
        "负责有关的医师管理工作。乡村医生的具体管理办法，由国务院制定。"
    )
    lexicon = Lexicon.build([clause])
    assert [t for t in lexicon.terms[clause.key] if t.kind == "institution"]
    items = OfflineGenerator(lexicon).candidates([clause], BuildRequest(n=5), random.Random(2))
    assert not [i for i in items if i.type == "tf" and i.kind == "institution" and i.swap]
    assert not [i for i in items if i.type == "single" and i.kind == "institution"]


def test_a_stretch_after_a_penaltys_condition_needs_it() -> None:
    text = (
        "第五十八条 严重违反医师职业道德、医学伦理规范，造成恶劣社会影响的，由省级以上人民政府卫生健康主管部门吊销医师"
        "执业证书，五年直至终身禁止从事医疗卫生服务或者医学临床研究。"
    )
    assert dropped_topic(text, text.index("五年直至"), len(text) - 1)


def test_a_stretch_that_is_only_a_period_misses_its_predicate() -> None:
    text = "自本条例施行之日起5年内，太湖流域县级以上地方人民政府所在城镇的生活污水应当全部纳入公共污水管网。"
    assert not keeps_predicate(text, 0, text.index("，"), text.index("。"))


def test_place_options_of_two_written_forms_are_rejected_and_a_run_tells_a_fill_in() -> None:
    from assistant.quiz.number_cues import numeric_item_sound
    from assistant.quiz.types import QuizItem

    stem = "《某法》第十条规定：临时行驶车号牌的最长有效期“十五日”、“____日”、“六十日”，包括工作日和节假日。"
    run = QuizItem(
        type="blank",
        stem=stem,
        options=[],
        answer=["三十"],
        kind="number",
        doc_id="law",
        clause="第十条",
        label="《某法》第十条",
        answer_span="临时行驶车号牌的最长有效期“十五日”、“三十日”、“六十日”",
    )
    assert not numeric_item_sound(run)
    alone = run.model_copy(update={"stem": "《某法》第十条规定：临时行驶车号牌的最长有效期为____日。"})
    assert numeric_item_sound(alone)


def test_the_gates_reject_a_blank_on_a_defined_term() -> None:
    from assistant.quiz.item_gates import _asks_a_defined_term

    assert _asks_a_defined_term("民法典第八百四十七条第二款所称“____”。")
    assert _asks_a_defined_term("“____”是指在技术开发中取得的成果。")
    assert not _asks_a_defined_term("当事人应当在____日内提出异议。")
    assert not _asks_a_defined_term("____指导全国的医师管理工作。")


# --- round 16: a noun-phrase topic, a prohibition with its exception, a right's condition, a definition's subject --


def test_a_stretch_without_its_noun_phrase_topic_needs_it() -> None:
    text = "第十二条 堤防上已修建的涵闸、泵站和埋设的穿堤管道、缆线等建筑物及设施，河道主管机关应当定期检查。"
    assert dropped_topic(text, text.index("河道主管机关"), len(text) - 1)
    clause = "第十二条 国家实行河道管理制度，河道主管机关应当定期检查。"
    assert not dropped_topic(clause, clause.index("河道主管机关"), len(clause) - 1)


def test_a_prohibition_with_its_exception_and_a_rights_condition_stay() -> None:
    for text, modal in (
        ("堤顶禁止车辆通行，但防汛抢险车辆除外。", "禁止"),
        ("持票人只能在首先向付款人行使付款请求权而得不到付款时，才可以行使追索权。", "可以"),
        ("医疗卫生机构应当坚持公益性原则。", "应当"),
    ):
        assert not modal_editable(text, text.index(modal), modal, 0, len(text) - 1), text
    plain = "堤顶禁止车辆通行。"
    assert modal_editable(plain, plain.index("禁止"), "禁止", 0, len(plain) - 1)


def test_a_stretch_that_is_only_a_definitions_subject_misses_its_predicate() -> None:
    text = "本规定所称可以申请公示催告的失票人，是指按照规定可以背书转让的票据在丧失票据占有以前的最后合法持票人。"
    assert not keeps_predicate(text, 0, text.index("，"), len(text) - 1)


def test_a_clause_that_opens_on_its_verb_is_no_topic() -> None:
    text = "考虑重点生态功能区占西部地区比例较大的实际，继续加大中央财政对重点生态功能区转移支付力度。"
    assert not dropped_topic(text, text.index("继续"), len(text) - 1)


def test_round_17b_basis_plans_principles_and_damage() -> None:
    text = "国务院交通运输主管部门可以根据国家应急运输保障方案，组织协调运输经营单位优先运送处置突发事件所需物资。"
    assert not keeps_predicate(text, 0, text.index("，"), len(text) - 1)
    for text, modal in (
        ("文物主管部门应当贯彻文物工作方针，坚持科学规划、原状保护的原则。", "应当"),
        ("设立长城保护标志不得对长城造成损坏。", "不得"),
    ):
        assert not modal_editable(text, text.index(modal), modal, 0, len(text) - 1), text


def test_a_prefix_whose_的_is_inside_a_word_is_no_topic() -> None:
    text = "第二条 国家目标和目的，县级以上人民政府应当加强管理。"
    assert not dropped_topic(text, text.index("县级以上"), len(text) - 1)
