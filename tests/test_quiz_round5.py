"""Round-5 mechanisms of the quiz builder, each a general rule checked on several documents: modal words that do not
tell the true/false key, semicolon halves carried or not asked and counted as one sentence, items spread over clauses,
an honest yield notice for a one-type quiz, fill-ins anchored near their blank, and the judge reading exported files."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from assistant.quiz.build import build_from_documents
from assistant.quiz.export import to_json
from assistant.quiz.stems import half_needs_head, semicolon_head, sentence_group
from assistant.quiz.types import BuildRequest
from tests.quiz_builds import parsed, whole_quiz
from tests.quiz_judge import DIRECTIVE, FIXTURES, Judge, cue_accuracy, load_export, modal_cue, quiz_level

LAWS = tuple(
    FIXTURES / name
    for name in (
        "就业促进法(2015-04-24).md",
        "循环经济促进法(2018-10-26).md",
        "民办教育促进法(2018-12-29).md",
        "危险化学品安全管理条例(2013-12-07).md",
        "人力资源市场暂行条例(2018-06-29).md",
    )
)
SEEDS = (1, 2, 3)


def test_no_modal_word_tells_the_true_false_key_over_laws_and_seeds():
    quizzes = [list(whole_quiz(path, seed)) for path in LAWS for seed in SEEDS]
    counts = modal_cue(quizzes)
    accuracy = cue_accuracy(counts)
    assert counts["可以"][1] >= 4, counts  # the laws do state permissions, so the rule is put to the test
    assert all(share <= 0.75 for share in accuracy.values()), (counts, accuracy)


def test_each_quiz_stays_about_half_true_with_the_modal_balance():
    for path in LAWS:
        for seed in SEEDS:
            tf = [i for i in whole_quiz(path, seed) if i.type == "tf"]
            true = sum(i.answer == ["正确"] for i in tf)
            assert abs(true - (len(tf) - true)) <= 1, (path.name, seed, true, len(tf))


@pytest.mark.parametrize(
    ("text", "needs"),
    [
        ("患者死亡后48小时内进行尸检；具备尸体冻存条件的，可以延长至7日。", True),
        (
            "申请确认仲裁协议效力的案件，由所在地的中级人民法院管辖；仲裁机构不明确的，由签订地的中级人民法院管辖。",
            True,
        ),
        ("约定两个以上仲裁机构的，当事人可以协议选择；当事人不能就仲裁机构选择达成一致的，仲裁协议无效。", True),
        ("用人单位应当建立职工培训制度；可以委托职业院校开展培训。", True),
        ("确保到2020年西部地区生态环境明显改善；到2035年，西部地区基本实现社会主义现代化。", False),
        ("国家鼓励发展职业教育；县级以上人民政府应当加强职业技能培训。", False),
    ],
)
def test_a_half_after_a_semicolon_on_its_own_condition_or_modal_needs_the_half_before(text: str, needs: bool):
    at = text.index("；") + 1
    assert semicolon_head(text, at) == 0
    assert half_needs_head(text, at, len(text)) is needs


def test_a_first_half_follows_no_semicolon():
    text = "国家鼓励发展职业教育；县级以上人民政府应当加强职业技能培训。"
    assert semicolon_head(text, 0) is None


@pytest.mark.parametrize("path", [DIRECTIVE, *LAWS, FIXTURES / "优化营商环境条例(2019-10-22).md"])
def test_semicolon_halves_are_one_sentence(path: Path):
    document = parsed(path)
    joined = 0
    for clause in document.clauses:
        for sentence in clause.sentences:
            group = sentence_group(clause, sentence.index)
            assert group <= sentence.index
            if group < sentence.index:
                joined += 1
                assert clause.sentences[sentence.index - 1].text.rstrip().endswith(("；", ";"))
    assert joined > 0  # every one of these documents joins halves with semicolons


@pytest.mark.parametrize("path", [DIRECTIVE, *LAWS[:3]])
def test_no_quiz_asks_a_semicolon_half_alone_or_two_items_of_one_full_sentence(path: Path):
    judge = Judge([parsed(path)])
    n = 20 if path == DIRECTIVE else 10
    for seed in SEEDS:
        items = list(whole_quiz(path, seed, n))
        assert not [i.stem for i in items if judge.semicolon_tail(i)]
        assert quiz_level(items, judge.clauses)["same_full_sentence"] == 0, seed


@pytest.mark.parametrize("path", [DIRECTIVE, *LAWS[:3]])
def test_a_clause_gives_a_whole_document_quiz_at_most_two_items(path: Path):
    n = 20 if path == DIRECTIVE else 10
    for seed in SEEDS:
        per_clause = Counter(i.key for i in whole_quiz(path, seed, n))
        assert max(per_clause.values()) <= 2, (seed, per_clause.most_common(2))


def test_the_clause_cap_gives_way_when_other_clauses_cannot_fill_the_quiz():
    document = parsed(DIRECTIVE)
    everything = build_from_documents([document], BuildRequest(n=200, seed=1)).items
    per_clause = Counter(i.key for i in everything)
    key, count = per_clause.most_common(1)[0]
    assert count > 2  # a quiz asking for more than the document offers takes more from one clause
    clause = next(c for c in document.clauses if c.key == key)
    scoped = build_from_documents([document], BuildRequest(n=5, seed=1, scope=clause.clause)).items
    assert len(scoped) > 2 and {i.key for i in scoped} <= {c.key for c in document.clauses if c.clause == clause.clause}


@pytest.mark.parametrize("path", [DIRECTIVE, LAWS[0]])
def test_a_one_type_quiz_says_how_many_qualified_and_nothing_of_other_types(path: Path):
    result = build_from_documents([parsed(path)], BuildRequest(n=40, seed=4, types=["single"]))
    assert result.items and len(result.items) < 40
    text = "".join(result.notices)
    assert "其他题型" not in text and "增加题型" not in text
    assert f"只生成了 {len(result.items)} 道合格单选题" in text


def test_a_mixed_quiz_short_of_a_type_still_says_the_others_make_up_the_rest():
    result = build_from_documents([parsed(LAWS[0])], BuildRequest(n=20, seed=4))
    assert any("其余由其他题型补足" in n or "没有可出的" in n for n in result.notices)


@pytest.mark.parametrize("path", [DIRECTIVE, *LAWS[:3]])
def test_fill_ins_for_named_things_are_anchored_near_their_blank(path: Path):
    judge = Judge([parsed(path)])
    n = 20 if path == DIRECTIVE else 10
    thin = [i.stem for seed in SEEDS for i in whole_quiz(path, seed, n) if judge.thin_fill(i)]
    assert not thin


def test_the_judge_reads_an_exported_quiz_file(tmp_path: Path):
    items = list(whole_quiz(LAWS[1], 1))
    path = tmp_path / "quiz.json"
    path.write_text(to_json(items), encoding="utf-8")
    loaded = load_export(path)
    assert [i.stem for i in loaded] == [i.stem for i in items]
    judge = Judge([parsed(LAWS[1])])
    assert judge.judge(loaded) == judge.judge(items)


def test_different_seeds_give_different_quizzes():
    stems = [{i.stem for i in whole_quiz(DIRECTIVE, seed, 20)} for seed in SEEDS]
    # Of 60: the pool is spread, not one quiz three times (45 before round 14 retired the measure fill-ins).
    assert len(set().union(*stems)) >= 42


@pytest.mark.parametrize(
    ("text", "carried"),
    [
        ("发生医疗纠纷，当事人协商不成的，可以依法提起诉讼。当事人也可以直接向人民法院提起诉讼。", True),
        ("用人单位应当依法缴纳社会保险费。劳动者亦应当依法缴纳。", True),
        ("国家鼓励发展职业教育。县级以上人民政府应当加强职业技能培训。", False),
    ],
)
def test_a_statement_that_says_also_needs_the_sentence_before(text: str, carried: bool):
    from assistant.quiz.stems import needs_premise

    second = text.index("。") + 1
    assert needs_premise(text, second, len(text)) is carried
