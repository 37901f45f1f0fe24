"""Round-4 mechanisms of the quiz builder, each a general rule checked on several documents: pointers at unquoted
paragraphs and lists, premises carried or dropped, semicolon halves, self-contradicting prohibitions lifted,
qualification duties, fill-in echoes and political blanks, field distractors, and statute periods as numbers."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.ingest import load_document
from assistant.quiz.build import build_from_documents
from assistant.quiz.item_gates import ranges_ordered
from assistant.quiz.numerals import chinese_numeral, chinese_value, number_value
from assistant.quiz.soundness import modal_editable
from assistant.quiz.stems import continued_after_semicolon, needs_premise, opens_an_item, self_contained
from assistant.quiz.types import BuildRequest
from tests.quiz_builds import parsed
from tests.quiz_judge import DIRECTIVE, FIXTURES, LAW, UNSEEN, Judge

LAWS = (
    FIXTURES / "民办教育促进法(2018-12-29).md",
    FIXTURES / "危险化学品安全管理条例(2013-12-07).md",
    FIXTURES / "最高人民法院关于审理商标授权确权行政案件若干问题的规定(2020-12-29).md",
)
ROUND4_CLASSES = (
    "hidden_reference",
    "missing_premise",
    "semicolon_half",
    "self_contradiction",
    "other_field",
    "blank_echo",
    "political_blank",
)


@pytest.mark.parametrize(
    ("statement", "alone"),
    [
        ("对涉嫌违反本条第一款、第二款规定的，交通运输主管部门可以依法开拆查验", False),
        ("依照第二款规定取得许可的，应当在十日内备案", False),
        ("违反前两款规定的，由县级以上人民政府责令改正", False),
        ("以下情形可以认定为商标法第十五条第二款中规定的“其他关系”", False),
        ("县级以上人民政府应当扶持职工人数在一百人以下的小型企业", True),
        ("本条例自2011年12月1日起施行", True),
        ("公安机关应当对携带十公斤以下危险物品的旅客进行登记", True),
    ],
)
def test_a_pointer_at_an_unquoted_paragraph_or_list_is_not_a_statement(statement: str, alone: bool):
    assert self_contained(statement) is alone


@pytest.mark.parametrize(
    ("text", "premise"),
    [
        ("如果诉争商标注册已满五年，应当适用商标法第十三条第三款进行审理", True),
        ("公安机关接到报告后，应当根据实际情况立即通报", True),
        ("安全生产监督管理部门应当自收到报告之日起45日内作出审查决定", True),
        ("但是，法律另有规定的，依照其规定", True),
        ("审批机关应当自受理筹设民办学校的申请之日起三十日内作出决定", False),
        ("国家鼓励企业事业组织举办民办学校", False),
    ],
)
def test_a_premise_in_the_sentence_before_is_noticed(text: str, premise: bool):
    assert needs_premise(text, 0, len(text)) is premise


def test_a_semicolon_is_a_boundary_only_between_whole_propositions():
    cut = "没有实际使用注册商标，仅有转让或者许可行为；或者仅是公布商标注册信息的，不认定为商标使用。"
    assert continued_after_semicolon(cut, cut.index("；"))
    whole = "国家实行许可制度；县级以上人民政府应当加强监督检查。"
    assert not continued_after_semicolon(whole, whole.index("；"))


@pytest.mark.parametrize(
    ("sentence", "modal", "editable"),
    [
        ("通过道路运输危险化学品的，应当按照运输车辆的核定载质量装载危险化学品，不得超载。", "不得", False),
        ("生产企业必须建立台账，不得销售未经检验的产品。", "不得", False),
        ("剧毒化学品运输车辆不得在人员密集区域停车。", "不得", True),
        ("学校名称应当符合有关法律、行政法规的规定。", "应当", False),
        ("储存数量应当符合国家标准或者国家有关规定。", "应当", False),
        ("用人单位应当依法缴纳社会保险费。", "应当", True),
        ("产品质量监督检验人员，必须正确行使职权，秉公办事，不得玩忽职守。", "必须", False),
        ("出厂和销售的产品，必须达到产品技术标准。", "必须", False),
        ("未经许可，任何组织和个人不得从事互联网上网服务经营活动。", "不得", False),
    ],
)
def test_a_negated_modal_must_not_contradict_the_rest_of_its_sentence(sentence: str, modal: str, editable: bool):
    assert modal_editable(sentence, sentence.index(modal), modal, 0, len(sentence)) is editable


@pytest.mark.parametrize("value", [1, 3, 10, 15, 20, 30, 45, 60, 90, 105, 110, 1000, 2005])
def test_chinese_counts_read_and_write_back(value: int):
    assert chinese_value(chinese_numeral(value)) == value
    assert number_value(chinese_numeral(value)) == value


@pytest.mark.parametrize(
    "path", [LAWS[0], LAWS[1], FIXTURES / "人力资源市场暂行条例(2018-06-29).md"], ids=lambda p: p.stem
)
def test_statutes_offer_single_choice_items_on_their_periods_and_counts(path: Path):
    """Single choice is possible on statutes: periods and counts (45日, 三十日, 不得少于2人) with distractors in the
    key's script and unit."""
    document = parsed(path)
    items = build_from_documents([document], BuildRequest(n=10, seed=1, types=["single"])).items
    numbers = [i for i in items if i.kind == "number"]
    assert numbers, [i.stem for i in items]
    for item in numbers:
        chinese = chinese_value(item.answer[0]) is not None
        assert all((chinese_value(o) is not None) is chinese for o in item.options), item.options
        assert len({number_value(o) for o in item.options}) == len(item.options)


@pytest.mark.parametrize("path", [DIRECTIVE, *LAWS, LAW, *UNSEEN], ids=lambda p: p.stem)
def test_whole_document_builds_have_none_of_the_round3_mechanisms(path: Path):
    """Over several seeds, no item of any type points at unquoted text, lacks its premise, is half a
    semicolon sentence, lifts a prohibition its own sentence contradicts, offers other-field measures, or blanks a
    key its stem spells out or a political formula."""
    document = parsed(path)
    judge = Judge([document])
    found = []
    for seed in (11, 22, 33):
        for item in build_from_documents([document], BuildRequest(n=20, seed=seed)).items:
            classes = [c for c in ROUND4_CLASSES if judge.classes()[c](item)]
            if classes:
                found.append((classes, item.stem))
    assert not found, found


@pytest.mark.parametrize("path", [LAWS[0], LAWS[1]], ids=lambda p: p.stem)
def test_a_count_fill_in_accepts_the_other_script(path: Path):
    items = build_from_documents([parsed(path)], BuildRequest(n=10, seed=3, types=["blank"])).items
    counts = [i for i in items if i.kind == "number"]
    assert counts
    for item in counts:
        assert [number_value(a) for a in item.accepted] == [number_value(item.answer[0])]
        assert item.accepted[0] != item.answer[0]


@pytest.mark.parametrize(
    ("text", "ordered"),
    [
        ("逾期不改正的，处5万元以上10万元以下的罚款", True),
        ("逾期不改正的，处20万元以上10万元以下的罚款", False),
        ("处五万元以上十万元以下的罚款", True),
        ("处二十万元以上十万元以下的罚款", False),
        ("处三年以上七年以下有期徒刑", True),
    ],
)
def test_a_range_keeps_its_bounds_in_order(text: str, ordered: bool):
    assert ranges_ordered(text) is ordered


@pytest.mark.parametrize(
    ("text", "item"),
    [
        ("2.编发信息、拨打电话的", True),
        ("（一）居住区以及商业中心", True),
        ("(三)公安机关负责", True),
        ("三、其他", True),
        ("2020年以前完成", False),
        ("国家鼓励企业举办民办学校", False),
    ],
)
def test_an_item_of_a_numbered_list_is_recognised(text: str, item: bool):
    assert opens_an_item(text) is item


def test_a_list_blanked_after_its_shared_words_is_not_asked():
    """安全生产法 第六十条: 同时____ over 同时设计、同时施工、同时投入生产和使用进行监督 would offer 设计 beside
    同时施工 and the verb phrase 使用进行监督."""
    document = load_document(FIXTURES / "安全生产法(2021-06-10).md")
    for seed in (1, 4, 7):
        for item in build_from_documents([document], BuildRequest(n=10, seed=seed)).items:
            assert not (item.type == "multi" and "同时" in item.stem and "使用进行监督" in item.options), item
