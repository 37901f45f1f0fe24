"""The second review's mechanisms, each on synthetic text or on the directive: stems keep their predicate, keys
are whole terms, political neighbourhoods keep their field, negations stay plausible, open lists of mixed scope
are not asked, fill-ins are anchored, likely typos stay out of items, trivia is capped per quiz."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.ingest import load_document
from assistant.lint import lint_document
from assistant.quiz.build import build_from_documents, checker_for, is_trivia
from assistant.quiz.gates import Checker
from assistant.quiz.soundness import gate_settings, modal_editable
from assistant.quiz.stems import (
    continues_after_semicolon,
    keeps_predicate,
    keeps_subject,
    mixed_scope_list,
    self_contained,
)
from assistant.quiz.terms import clause_terms, whole_at
from assistant.quiz.types import BLANK, BuildRequest, QuizItem
from assistant.types import Document
from assistant.typos import likely_typos
from tests.conftest import DIRECTIVE, DIRECTIVE_ID

REPO = Path(__file__).resolve().parent.parent
LAW = REPO / "tests" / "fixtures" / "quiz" / "优化营商环境条例(2019-10-22).md"


@pytest.fixture(scope="module")
def checker() -> Checker:
    return checker_for([load_document(DIRECTIVE)])


def directive_item(checker: Checker, clause: str, body: str, **fields: object) -> QuizItem:
    label = checker.clauses[f"{DIRECTIVE_ID}#{clause}"].label
    data: dict[str, object] = {"doc_id": DIRECTIVE_ID, "clause": clause, "label": label, **fields}
    data["stem"] = f"{label}提出：{body}"
    return checker.verified(QuizItem.model_validate(data))


def _law(tmp_path: Path, articles: list[str]) -> Document:
    text = "# 某某条例\n\n" + "\n\n".join(
        f"第{n}条 {a}" for n, a in zip("一二三四五六七八九十", articles, strict=False)
    )
    path = tmp_path / "某某条例(2020-01-01).md"
    path.write_text(text + "\n", encoding="utf-8")
    return load_document(path)


# --- 1. a stem keeps its main predicate --------------------------------------------------------


def test_a_stretch_of_only_subject_and_condition_lacks_its_predicate():
    text = "甲机关、乙机关和丙机关认为某项解释同法律相抵触，或者存在合法性问题的，可以向常务委员会书面提出审查要求。"
    end = text.index("相抵触") + 3
    assert not keeps_predicate(text, 0, end, len(text))
    # A statement followed by another with its own subject stands.
    text = "国家实行备案审查制度，常务委员会应当建立健全备案审查衔接联动机制。"
    assert keeps_predicate(text, 0, text.index("，") + 1, len(text))


def test_a_stretch_cut_before_the_rest_of_its_list_or_after_its_condition_is_incomplete():
    text = "所称的合法权利，包括就作品、商标、肖像，以及有一定影响的商品名称等享有的合法权利。"
    assert not keeps_predicate(text, 0, text.index("以及") - 1, len(text))
    text = "代表在会议上发言的，每人可以就同一议题发言两次。"
    assert not keeps_subject(text, 0, text.index("每人"))
    assert not self_contained("中国与有关国家缔结的国际条约另有规定的除外")
    assert not self_contained("常务委员会对本章规定的有关报告的审议意见交由本级人民政府研究处理")


# --- 2. keys and swapped spans are whole terms --------------------------------------------------


def test_a_term_does_not_reach_across_a_predicate_verb(tmp_path: Path):
    document = _law(
        tmp_path, ["常务委员会办事机构应当及时将有关专题调查研究报告和汇总的有关方面意见发给常务委员会组成人员。"]
    )
    terms, _ = clause_terms(document.clauses[-1])
    assert all("发给" not in t.text for t in terms), [t.text for t in terms]


def test_a_term_after_a_verb_that_is_another_verbs_object_is_cut():
    text = "持续深入开展不正当竞争行为治理,形成优化营商环境长效机制。"
    at = text.index("营商环境长效机制")
    assert not whole_at(text, at, at + len("营商环境长效机制"))
    text = "加快推进国家公园体系建设。"  # 加快 takes the verb phrase: 国家公园体系 is 推进's object
    at = text.index("国家公园体系")
    assert whole_at(text, at, at + len("国家公园体系"))


# --- 3. political neighbourhoods keep their field -----------------------------------------------


def test_a_political_blank_takes_no_distractors_from_another_field(checker: Checker):
    clause = next(c for c in checker.clauses.values() if "健全以党组织为领导的基层组织体系" in c.text)
    span = "强化基层党组织建设,健全以党组织为领导的基层组织体系,着力提升基层党组织的组织力"
    absurd = directive_item(
        checker,
        clause.clause,
        f"强化基层党组织建设,健全以党组织为领导的{BLANK},着力提升基层党组织的组织力。",
        type="single",
        options=["社会安全体系", "天然气储备体系", "社会保障体系", "基层组织体系"],
        answer=["基层组织体系"],
        answer_span=span,
        kind="measure",
    )
    assert "political" in checker.problems(absurd)


# --- 4. a list of mixed scope is not asked as the list of its head --------------------------------


@pytest.mark.parametrize(
    ("text", "member", "mixed"),
    [
        ("加快推进高标准农田、现代化生态牧场、粮食生产功能区和粮油糖等重要农产品生产保护区建设", "粮油糖", True),
        ("提高昆明、南宁、乌鲁木齐、兰州、呼和浩特等省会城市的合作能力", "兰州", False),
        ("加强西部省份与江苏、山东、河南等中部省份合作", "河南", False),
    ],
)
def test_a_list_joined_by_he_before_its_last_member_has_an_unknown_scope(text: str, member: str, mixed: bool):
    at = text.index(member)
    assert mixed_scope_list(text, at, at + len(member)) == mixed


# --- 5. negations stay plausible ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "editable"),
    [
        ("完税凭证不得转借、倒卖、变造或者伪造。", False),
        ("与税收法律相抵触的决定一律无效，税务机关不得执行，并应当向上级税务机关报告。", False),
        ("税务机关不得向纳税人收取工本费。", True),
    ],
)
def test_a_prohibition_of_wrongful_acts_is_never_lifted(sentence: str, editable: bool):
    at = sentence.index("不得")
    assert modal_editable(sentence, at, "不得", 0, len(sentence)) == editable


# --- 6. fill-ins are anchored ---------------------------------------------------------------------


def test_a_fill_in_without_an_anchoring_noun_is_too_open(checker: Checker):
    clause = next(c for c in checker.clauses.values() if "加快推进国家公园体系建设" in c.text)
    open_blank = directive_item(
        checker,
        clause.clause,
        f"加快推进{BLANK}建设。",
        type="blank",
        answer=["国家公园体系"],
        answer_span="加快推进国家公园体系建设",
        kind="measure",
    )
    assert "open" in checker.problems(open_blank)


# --- 7. likely typos, against the document's own vocabulary ----------------------------------------


def test_a_rare_bigram_whose_variant_is_frequent_is_a_likely_typo(tmp_path: Path):
    articles = [f"支持西部地区发展第{i}项产业，西部省份应当加强合作。" for i in range(1, 6)]
    articles.append("加强西卜省份与中部省份互惠合作，推进西部陆海新通道建设。")
    document = _law(tmp_path, articles)
    typos = likely_typos(document.source_text)
    assert [(t.written, t.meant) for t in typos] == [("西卜", "西部")]
    assert any(f.kind == "likely_typo" and "西卜" in f.message for f in lint_document(document))
    assert "西卜" in checker_for([document]).lexicon.suspect
    # Without the frequent variant the dictionary decides, for a character rare in it (卜) ...
    (alone,) = likely_typos("加强西卜省份与中部省份互惠合作。")
    assert (alone.written, alone.meant, alone.by_dictionary) == ("西卜", "西部", True)
    # ... never for a common one that joins words the dictionary does not list (逾期|未|满, 据为|己|有).
    assert likely_typos("逾期未满三年的，不予受理。将佣金归为己有的，依法处理。") == []


def test_no_item_quotes_a_likely_typo(checker: Checker):
    result = build_from_documents([load_document(DIRECTIVE)], BuildRequest(n=60, seed=3))
    assert result.items
    assert not any("西卜" in i.stem or "西卜" in " ".join(i.options) for i in result.items)


# --- 8. trivia per quiz ---------------------------------------------------------------------------


def test_trivia_on_entry_into_force_or_repeal_is_capped_by_its_share_of_the_quiz():
    document = load_document(LAW)
    share = gate_settings().trivia_share
    for n, seed in ((10, 1), (30, 2), (30, 3)):
        result = build_from_documents([document], BuildRequest(n=n, seed=seed, doc_ids=[document.doc_id]))
        assert result.items
        assert sum(is_trivia(i) for i in result.items) <= int(n * share)
    # Precondition: the law has an entry-into-force article, so the cap (not the bank) is what is tested.
    assert any("起施行" in c.text for c in document.clauses)


# --- found on two further laws (社会保险经办条例, 出口管制法) ------------------------------------------


def test_a_stretch_stopping_before_its_verb_or_after_a_noun_phrase_subject_is_incomplete():
    text = "经营者应当根据管制政策和产品属性，向管理部门申请办理审查批准手续。"
    assert not keeps_predicate(text, 0, text.index("，") + 1, len(text))
    text = "个人治疗工伤的医疗费用中应当由工伤保险基金支付的部分，由经办机构审核后直接结算。"
    assert not keeps_predicate(text, 0, text.index("，") + 1, len(text))


def test_a_term_after_an_ordinal_and_a_sentence_after_a_semicolon_are_not_whole():
    text = "经办机构具体编制下一年度社会保险基金预算草案。"
    at = text.index("年度社会保险基金")
    assert not whole_at(text, at, at + len("年度社会保险基金"))
    text = "由行政部门责令改正；对负有责任的领导人员依法给予处分。"
    assert continues_after_semicolon(text, text.index("对"))
    assert not continues_after_semicolon("对负有责任的领导人员依法给予处分。", 0)


def test_a_stretch_after_its_topic_noun_phrase_loses_what_it_is_about():
    text = "列入会议议程的议案，提案人和有关的专门委员会应当提供有关的资料。"
    assert not keeps_subject(text, 0, text.index("提案人"))


def test_a_stretch_ending_on_a_time_limit_waits_for_its_verb():
    text = "纳税人应当自领取营业执照之日起15日内，按照国家有关规定设置账簿。"
    assert not keeps_predicate(text, 0, text.index("，") + 1, len(text))


def test_a_capped_permission_is_not_made_a_duty_and_an_adverb_belongs_to_its_term():
    sentence = "代表发言的，每人可以就同一议题发言两次，第一次不超过十五分钟。"
    assert not modal_editable(sentence, sentence.index("可以"), "可以", 0, len(sentence))
    text = "税务机关应当建立、健全纳税人自行申报纳税制度。"
    at = text.index("申报纳税制度")
    assert not whole_at(text, at, at + len("申报纳税制度"))
