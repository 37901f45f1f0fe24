"""The answer-kind table: every phrase maps to its kind, and each kind is checked against what a sentence gives."""

from __future__ import annotations

import pytest

from assistant.answer.kinds import answer_kinds, asked_unit, classify, gives, gives_unit, without_labels

ROWS = [(kind.name, phrase) for kind in answer_kinds() for phrase in kind.phrases]


@pytest.mark.parametrize(("kind", "phrase"), ROWS, ids=[f"{k}-{p}" for k, p in ROWS])
def test_every_phrase_in_the_table_asks_for_its_kind(kind, phrase):
    found = classify(f"关于这件事，{phrase}？")

    assert found is not None and found.name == kind


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("烟叶税的税率是多少？", "number"),
        ("国家级新区有几个？", "number"),
        ("支持哪几个城市建设国际门户枢纽？", "list"),
        ("车船税法是第几次会议通过的？", "number"),
        ("纳税人应当在几年内补缴税款？", "date"),
        ("城市维护建设税法何时施行？", "date"),
        ("烟叶税在哪里申报缴纳？", "place"),
        ("车船税由谁代收代缴？", "who"),
        ("具体适用税额由哪个部门确定？", "who"),
        ("新能源车船是否免征车船税？", "yes_no"),
    ],
)
def test_questions_a_civil_servant_asks_get_the_right_kind(question, kind):
    found = classify(question)

    assert found is not None and found.name == kind


def test_question_without_a_kind_phrase_has_no_kind():
    assert classify("城市维护建设税的计税依据是怎么规定的？") is None


def kind(name: str):
    return next(k for k in answer_kinds() if k.name == name)


@pytest.mark.parametrize(
    "sentence",
    [
        "第十条 本法所称烟叶，是指烤烟叶、晾晒烟叶。",
        "（二）依法设立的其他机构；",
        "本法自2018年7月1日起施行。",
        "纳税人应当于纳税义务发生月终了之日起十五日内申报并缴纳税款。",
        "依照《中华人民共和国税收征收管理法》第五十二条的规定执行。",
    ],
)
def test_article_item_numbers_dates_and_durations_do_not_answer_a_number_question(sentence):
    assert not gives(kind("number"), sentence)


@pytest.mark.parametrize("sentence", ["烟叶税的税率为百分之二十。", "纳税人所在地在市区的，税率为7%。"])
def test_a_rate_answers_a_number_question(sentence):
    assert gives(kind("number"), sentence)


def test_a_duration_answers_a_time_question():
    assert gives(kind("date"), "纳税人应当于纳税义务发生月终了之日起十五日内申报并缴纳税款。")


def test_an_institution_answers_a_where_question():
    assert gives(kind("place"), "纳税人应当向烟叶收购地的主管税务机关申报缴纳烟叶税。")


def test_named_cities_answer_which_cities_but_a_generic_region_does_not():
    which_cities = classify("支持哪几个城市建设国际门户枢纽？")
    assert which_cities is not None

    assert gives(which_cities, "支持重庆、成都、西安加快建设国际门户枢纽城市。")
    assert not gives(which_cities, "支持西部地区加快建设国际门户枢纽城市。")


def test_a_body_answers_a_who_question():
    assert gives(kind("who"), "具体适用税额由省、自治区、直辖市人民政府依照本法所附税额表确定。")


def test_labels_are_removed_before_checking():
    assert "十" not in without_labels("第十条 （二）依法设立的机构")


@pytest.mark.parametrize(("phrase", "unit"), [(phrase, unit) for kind in answer_kinds() for phrase, unit in kind.units])
def test_every_unit_phrase_wants_a_number_of_its_unit(phrase, unit):
    kind = classify(f"罚款最多是{phrase}？")
    assert kind is not None and asked_unit(kind, f"罚款最多是{phrase}？") == unit
    assert gives_unit(unit, f"处以三{unit}以下的罚款。")
    assert gives_unit(unit, f"按照1.5{unit}计算。")
    assert not gives_unit(unit, "两个以上侵权人承担连带责任，依照第一百七十八条处理。")


def test_a_multiple_is_not_answered_by_other_numbers_or_article_numbers():
    question = "惩罚性赔偿最多按损失的几倍计算？"
    kind = classify(question)
    assert kind is not None and asked_unit(kind, question) == "倍"
    assert not gives_unit("倍", "两个以上侵权人就损害承担连带责任，根据第一百七十八条的规定追偿。")
    assert gives_unit("倍", "可以处违法所得五倍以上十倍以下的罚款。")
    assert asked_unit(kind, "税率是多少？") is None
