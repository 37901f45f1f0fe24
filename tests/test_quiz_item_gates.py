"""The exam writer's gates on real clauses: whole terms, lint-flagged words, formulas, complete stems, open lists,
distractors true elsewhere, plausible false statements. Documents are parsed, not indexed."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.ingest import load_document
from assistant.quiz.build import build_from_documents, checker_for
from assistant.quiz.gates import Checker
from assistant.quiz.gazetteer import load_data, place_class, region_of
from assistant.quiz.soundness import closes_a_period, formula_spans, fragment, inside_formula
from assistant.quiz.types import BLANK, FALSE, LISTED_MULTI, TF_OPTIONS, BuildRequest, QuizItem, Swap
from assistant.types import Document
from tests.conftest import DIRECTIVE, DIRECTIVE_ID

REPO = Path(__file__).resolve().parent.parent
LAW = REPO / "tests" / "fixtures" / "quiz" / "优化营商环境条例(2019-10-22).md"


@pytest.fixture(scope="module")
def directive() -> Document:
    return load_document(DIRECTIVE)


@pytest.fixture(scope="module")
def checker(directive: Document) -> Checker:
    return checker_for([directive])


def item(checker: Checker, clause: str, **fields: object) -> QuizItem:
    """An item on a directive clause with its span verified, as the builder hands items to the gates."""
    label = checker.clauses[f"{DIRECTIVE_ID}#{clause}"].label
    data: dict[str, object] = {"doc_id": DIRECTIVE_ID, "clause": clause, "label": label, **fields}
    return checker.verified(QuizItem.model_validate(data))


@pytest.mark.parametrize("phrase", load_data("formulas")["phrases"])
def test_every_formula_in_the_data_file_is_found_in_running_text(phrase: str):
    text = f"坚持{phrase}，推动发展。"
    assert (2, 2 + len(phrase)) in formula_spans(text)
    assert inside_formula(text, 3, 4)


@pytest.mark.parametrize(
    ("text", "inside"),
    [
        ("在以习近平同志为核心的党中央坚强领导下", True),
        ("党的十九大以来，西部地区", True),
        ("党的十九届四中全会提出", True),
        ("反间谍工作坚持党中央集中统一领导", True),
        ("坚持党的全面领导", True),
        ("坚持党对人民军队的绝对领导", True),
        ("实行统一领导、分级负责", False),
        ("加快建设现代化产业体系", False),
    ],
)
def test_formula_patterns_cover_families_of_formulas(text: str, inside: bool):
    assert bool(formula_spans(text)) == inside


@pytest.mark.parametrize(
    ("word", "cut"),
    [
        ("以汾渭平原", True),
        ("在西部地区", True),
        ("对外开放合作试验区", False),
        ("汾渭平原", False),
        ("和谐社会", False),
    ],
)
def test_a_term_opening_on_a_preposition_is_a_fragment(word: str, cut: bool):
    assert fragment(word) == cut


@pytest.mark.parametrize(
    ("text", "term", "closes"),
    [
        ("应当在15日内向指定银行报告", "内向指定银行", True),
        ("自收到通知之日起三个月后由海关退还", "后由海关", True),
        ("发展外向型经济", "外向型经济", False),
        ("拓展国内外市场", "外市场", False),
    ],
)
def test_a_term_cannot_begin_on_the_end_of_a_period(text: str, term: str, closes: bool):
    assert closes_a_period(text, text.index(term)) == closes


@pytest.mark.parametrize(
    ("place", "region", "capital"),
    [
        ("四川", "西部", False),
        ("四川省", "西部", False),
        ("乌鲁木齐", "西部", True),
        ("江苏", "东部", False),
        ("郑州", "中部", True),
    ],
)
def test_the_gazetteer_gives_every_place_its_region(place: str, region: str, capital: bool):
    assert region_of(place) == region
    assert place_class(place) == (region, capital)


def test_a_page_break_join_is_never_a_key_nor_in_a_stem(checker: Checker, directive: Document):
    assert "乌鲁齐" in checker.lexicon.suspect  # lint: 乌⏎⏎鲁齐
    keyed = item(
        checker,
        "十五",
        type="single",
        stem=f"{checker.clauses[DIRECTIVE_ID + '#十五'].label}提出：以汾渭平原、成渝地区、{BLANK}及周边地区为重点。",
        options=["乌鲁齐", "兰州", "西宁", "银川"],
        answer=["乌鲁齐"],
        answer_span="以汾渭平原、成渝地区、乌鲁齐及周边地区为重点",
        kind="city",
    )
    assert checker.first_problem(keyed) == "corrupt"


def test_a_blank_inside_a_political_formula_is_refused(checker: Checker):
    label = checker.clauses[f"{DIRECTIVE_ID}#序言"].label
    blanked = item(
        checker,
        "序言",
        type="blank",
        stem=f"{label}提出：在以习近平总书记为核心的{BLANK}坚强领导下。",
        answer=["党中央"],
        answer_span="在以习近平总书记为核心的党中央坚强领导下",
        kind="institution",
    )
    assert checker.first_problem(blanked) == "formula"


def test_the_party_in_a_leadership_formula_is_never_blanked_nor_swapped(tmp_path: Path):
    law = tmp_path / "反渗透工作条例.md"
    articles = [
        "第一条 为了规范反渗透工作，制定本条例。",
        "第二条 反渗透工作坚持党中央集中统一领导，坚持总体国家安全观，坚持公开工作与秘密工作相结合。",
        "第三条 国家安全机关是反渗透工作的主管机关，公安、保密等有关部门应当在职责范围内密切配合。",
        "第四条 国家安全机关应当自受理举报之日起三十日内作出处理决定，并告知举报人。",
        "第五条 任何个人和组织发现渗透行为，可以直接向国家安全机关举报。",
        "第六条 对举报人的个人信息，国家安全机关应当予以保密。",
    ]
    law.write_text("# 反渗透工作条例\n\n" + "\n\n".join(articles) + "\n", "utf-8")
    document = load_document(law)
    for seed in range(1, 6):
        for built in build_from_documents([document], BuildRequest(n=8, seed=seed)).items:
            assert "党中央" not in built.answer and "党" not in "".join(built.options)
            if "集中统一领导" in built.stem:
                assert "党中央集中统一领导" in built.stem, built.stem


def test_a_blank_glued_to_a_modifier_cuts_a_term(checker: Checker):
    label = checker.clauses[f"{DIRECTIVE_ID}#十四"].label
    cut = item(
        checker,
        "十四",
        type="blank",
        stem=f"{label}提出：稳步推进自然{BLANK}建设和湿地保护修复。",
        answer=["保护地体系"],
        answer_span="稳步推进自然保护地体系建设和湿地保护修复",
        kind="measure",
    )
    assert checker.first_problem(cut) == "fragment"


def test_a_blank_in_a_list_ending_in_deng_is_asked_as_what_is_listed(checker: Checker):
    label = checker.clauses[f"{DIRECTIVE_ID}#十三"].label
    fields: dict[str, object] = {
        "type": "multi",
        "options": ["青海", "甘肃", "贵州", "陕西"],
        "answer": ["青海", "甘肃"],
        "answer_span": "支持青海、甘肃等加快建设长江上游生态屏障",
        "kind": "province",
    }
    stem = f"{label}提出：支持{BLANK}等加快建设长江上游生态屏障。"
    assert checker.first_problem(item(checker, "十三", stem=stem, **fields)) == "listed"
    assert checker.problems(item(checker, "十三", stem=stem + LISTED_MULTI, **fields)) == []


def test_a_distractor_the_document_states_elsewhere_is_refused(checker: Checker):
    # 石油天然气生产基地 is built in (四); set as a distractor on (四)'s neighbour it is still true.
    clause = next(k.split("#")[1] for k, c in checker.clauses.items() if "石油天然气生产基地" in c.text)
    text = checker.clauses[f"{DIRECTIVE_ID}#{clause}"].text
    assert "建设一批石油天然气生产基地" in text
    other = "十二"
    label = checker.clauses[f"{DIRECTIVE_ID}#{other}"].label
    probe = item(
        checker,
        other,
        type="single",
        stem=f"{label}提出：建设一批{BLANK}。",
        options=["石油天然气生产基地", "外贸转型升级基地", "大型煤炭储备基地", "国家物流枢纽"],
        answer=["外贸转型升级基地"],
        answer_span="外贸转型升级基地",
        kind="measure",
    )
    assert "elsewhere" in checker.problems(probe)


def test_a_swapped_measure_is_not_a_plausible_false_statement(checker: Checker):
    label = checker.clauses[f"{DIRECTIVE_ID}#十四"].label
    salad = item(
        checker,
        "十四",
        type="tf",
        stem=f"{label}提出：开展富民行动,稳步推进自然保护地体系建设和湿地保护修复。",
        options=TF_OPTIONS,
        answer=[FALSE],
        answer_span="开展国土绿化行动,稳步推进自然保护地体系建设和湿地保护修复",
        kind="measure",
        swap=Swap(original="国土绿化行动", replacement="富民行动"),
    )
    assert "edit" in checker.problems(salad)


def test_a_law_stem_says_gui_ding_without_the_article_number():
    from assistant.quiz.build import build_from_documents
    from assistant.quiz.types import BuildRequest

    law = load_document(LAW)
    result = build_from_documents([law], BuildRequest(n=30, seed=7))
    assert result.items
    for quiz_item in result.items:
        reference, _, body = quiz_item.stem.partition("规定：")
        assert reference == quiz_item.label, quiz_item.stem
        assert quiz_item.clause not in body
        assert "INFO END" not in quiz_item.stem and "会议通过" not in quiz_item.stem
    assert {r.gate for r in result.rejected} <= set(result.report.removed)
    assert len(result.rejected) == sum(
        n
        for g, n in result.report.removed.items()
        if g not in ("duplicates", "same_sentence", "cross_answer", "balance", "trivia", "clause_cap", "cue")
    )
