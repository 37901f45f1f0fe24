"""Exports read back: GIFT parses, Aiken holds single choice, Excel and JSON round-trip, Word has a separate key."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import docx
import openpyxl
import pytest

from assistant.chinese import match_key
from assistant.errors import UserError
from assistant.evals.datasets import load_items
from assistant.quiz.bank import QuizBank
from assistant.quiz.build import build_quiz
from assistant.quiz.export import (
    HEADERS,
    items_from_json,
    items_from_xlsx,
    read_items,
    render,
    to_aiken,
    to_docx,
    to_eval_items,
    to_gift,
    to_json,
    to_xlsx,
    write,
)
from assistant.quiz.types import BLANK, LETTERS, TRUE, BuildRequest, QuizItem
from assistant.service import PolicyAssistant
from tests.conftest import DIRECTIVE_ID


@pytest.fixture(scope="module")
def items(directive_assistant: PolicyAssistant) -> list[QuizItem]:
    result = build_quiz(directive_assistant, BuildRequest(n=24, seed=99, generator="offline"))
    assert {i.type for i in result.items} == {"single", "multi", "tf", "blank"}
    return result.items


# --- a small GIFT reader, enough to check what Moodle would read -------------------


@dataclass
class GiftQuestion:
    title: str
    text: str
    answers: list[tuple[str, float | None, str]] = field(default_factory=list)
    """(mark, weight, text): mark is = or ~ (weight None unless %w% is given), or T/F."""
    feedback: str = ""
    cloze: bool = False


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def _split_unescaped(text: str, separator: str) -> list[str]:
    parts, current, i = [], "", 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            current += text[i : i + 2]
            i += 2
            continue
        if text.startswith(separator, i):
            parts.append(current)
            current = ""
            i += len(separator)
            continue
        current += text[i]
        i += 1
    parts.append(current)
    return parts


def _unescaped_positions(text: str, char: str) -> list[int]:
    positions, i = [], 0
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == char:
            positions.append(i)
        i += 1
    return positions


def parse_gift(document: str) -> list[GiftQuestion]:
    questions = []
    blocks = [b for b in document.split("\n\n") if b.strip()]
    for block in blocks:
        lines = [line for line in block.splitlines() if not line.startswith("//")]
        if not lines:
            continue
        assert len(lines) == 1, f"one question per line: {block!r}"
        line = lines[0]
        match = re.match(r"^::((?:\\.|[^:\\])*)::(.*)$", line)
        assert match, f"question without ::title:: {line!r}"
        title, rest = match.group(1), match.group(2)
        opens, closes = _unescaped_positions(rest, "{"), _unescaped_positions(rest, "}")
        assert len(opens) == len(closes) == 1, f"one answer block per question: {rest!r}"
        start, end = opens[0], closes[0]
        assert start < end
        before, inside, after = rest[:start], rest[start + 1 : end], rest[end + 1 :]
        for outside in (before, after):
            for special in "~=#:":
                assert not _unescaped_positions(outside, special), f"unescaped {special} in {outside!r}"
        body, _, feedback = inside.partition("####")
        question = GiftQuestion(_unescape(title), _unescape(before.strip()), feedback=_unescape(feedback.strip()))
        question.cloze = bool(after.strip())
        if question.cloze:
            question.text = _unescape(before) + BLANK + _unescape(after)
        body = body.strip()
        if body in ("T", "F"):
            question.answers.append((body, None, ""))
        else:
            for token in re.findall(r"[=~](?:\\.|[^=~\\])*", body):
                mark, value = token[0], token[1:].strip()
                weight = None
                weighted = re.match(r"^%(-?\d+(?:\.\d+)?)%(.*)$", value)
                if weighted:
                    weight, value = float(weighted.group(1)), weighted.group(2)
                question.answers.append((mark, weight, _unescape(value)))
        questions.append(question)
    return questions


def test_gift_output_parses_back_to_the_same_questions_and_answers(items: list[QuizItem]):
    questions = parse_gift(to_gift(items))
    assert len(questions) == len(items)
    for number, (item, question) in enumerate(zip(items, questions), start=1):
        assert question.title.startswith(f"{number:03d} ")
        assert item.label in question.feedback  # the source clause is the feedback
        if item.type == "single":
            assert question.text == item.stem
            right = [text for mark, _, text in question.answers if mark == "="]
            wrong = [text for mark, _, text in question.answers if mark == "~"]
            assert right == item.answer
            assert sorted(wrong) == sorted(set(item.options) - set(item.answer))
        elif item.type == "multi":
            assert question.text == item.stem
            assert all(mark == "~" and weight is not None for mark, weight, _ in question.answers)
            right = {text: weight for _, weight, text in question.answers if weight and weight > 0}
            wrong = {text: weight for _, weight, text in question.answers if weight is not None and weight < 0}
            assert set(right) == set(item.answer)
            assert sum(right.values()) == pytest.approx(100, abs=0.01)
            assert set(wrong) == set(item.options) - set(item.answer) and set(wrong.values()) == {-100}
        elif item.type == "tf":
            assert question.text == item.stem
            assert question.answers == [("T" if item.answer == [TRUE] else "F", None, "")]
        else:
            assert question.cloze and question.text == item.stem  # the braces stand where the blank was
            assert question.answers == [("=", None, item.answer[0])]


def test_gift_escapes_its_special_characters(items: list[QuizItem]):
    tricky = items[0].model_copy(
        update={"stem": "标题: {A} ~ B = C # D \\ E", "options": ["x=1", "y~2", "z#3", "{w}"], "answer": ["x=1"]}
    )
    text = to_gift([tricky])
    assert "标题\\: \\{A\\} \\~ B \\= C \\# D \\\\ E" in text
    question = parse_gift(text)[0]
    assert question.text == tricky.stem
    assert [a[2] for a in question.answers] == tricky.options


def test_aiken_holds_single_choice_and_true_false_as_two_options(items: list[QuizItem]):
    text, skipped = to_aiken(items)
    singles = [i for i in items if i.type in ("single", "tf")]
    assert any(i.type == "tf" for i in singles)
    assert skipped == len(items) - len(singles)
    blocks = text.strip().split("\n\n")
    assert len(blocks) == len(singles)
    for item, block in zip(singles, blocks):
        lines = block.splitlines()
        assert lines[0] == item.stem
        assert lines[1:-1] == [f"{LETTERS[i]}. {o}" for i, o in enumerate(item.options)]
        assert lines[-1] == f"ANSWER: {LETTERS[item.options.index(item.answer[0])]}"


def test_xlsx_opens_with_openpyxl_and_round_trips(items: list[QuizItem], tmp_path: Path):
    stored = QuizBank(tmp_path / "bank.sqlite3").add(items, author="张老师")
    path = write(stored, "xlsx", tmp_path / "quiz.xlsx")
    book = openpyxl.load_workbook(path)
    sheet = book["题目"]
    assert [c.value for c in sheet[1]] == HEADERS
    assert sheet.max_row == len(items) + 1
    first = {h: c.value for h, c in zip(HEADERS, sheet[2])}
    assert first["题型"] in ("单选题", "多选题", "判断题", "填空题") and first["出题人"] == "张老师"
    assert read_items(path) == stored


def test_a_trainer_edit_in_excel_comes_back(items: list[QuizItem]):
    data = to_xlsx(items[:1])
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book["题目"]
    column = HEADERS.index("解析") + 1
    sheet.cell(2, column).value = "老师补充的解析"
    buffer = io.BytesIO()
    book.save(buffer)
    assert items_from_xlsx(buffer.getvalue())[0].explanation == "老师补充的解析"


def test_a_damaged_excel_row_is_reported_by_row_in_chinese(items: list[QuizItem]):
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx(items[:2])))
    book["题目"].cell(3, HEADERS.index("题型") + 1).value = "问答题"
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(UserError, match="Excel 第 3 行的题型“问答题”无法识别"):
        items_from_xlsx(buffer.getvalue())


def test_json_round_trips(items: list[QuizItem]):
    assert items_from_json(to_json(items, "第一期培训")) == items


def test_docx_opens_and_the_answer_key_is_a_separate_section(items: list[QuizItem]):
    document = docx.Document(io.BytesIO(to_docx(items, "第一期培训测验")))
    assert len(document.sections) == 2
    paragraphs = document.paragraphs
    # The paragraph that closes the first section carries its section properties.
    breaks = [i for i, p in enumerate(paragraphs) if p._p.pPr is not None and p._p.pPr.sectPr is not None]
    assert len(breaks) == 1
    paper = [p.text for p in paragraphs[: breaks[0] + 1]]
    key = [p.text for p in paragraphs[breaks[0] + 1 :]]
    assert paper[0] == "第一期培训测验"
    assert key[0] == "参考答案与解析"
    assert not any("答案：" in line or "解析：" in line for line in paper)
    numbered = [line for line in key if re.match(r"^\d+\. 答案：", line)]
    assert len(numbered) == len(items)
    questions = [line for line in paper if re.match(r"^\d+\. ", line)]
    assert len(questions) == len(items)
    assert all(BLANK not in line for line in paper)  # blanks print as a line to write on
    for item in items:
        assert f"出处：{item.label}" in key


def test_approved_items_export_as_an_eval_dataset(items: list[QuizItem], tmp_path: Path, directive_assistant):
    approved = [i.model_copy(update={"status": "approved"}) for i in items[:6]]
    rows = to_eval_items([*approved, items[6]])  # a draft is left out
    assert len(rows) == 6
    for row, item in zip(rows, approved):
        assert row.id == f"quiz-{item.id}"
        assert row.answerable and row.gold_clauses == [item.clause]
        clause = directive_assistant.index.clauses[f"{DIRECTIVE_ID}#{item.clause}"]
        assert match_key(row.key_facts[0]) in match_key(clause.text)
        assert "第（" not in row.question and BLANK not in row.question  # no clause number to give retrieval away
    path = tmp_path / "quiz.jsonl"
    path.write_bytes(render(approved, "eval"))
    assert [r.id for r in load_items(path)] == [r.id for r in rows]


def test_nothing_approved_means_no_eval_dataset(items: list[QuizItem]):
    with pytest.raises(UserError, match="评测数据集只收录已通过审核的题目"):
        render(items[:3], "eval")


def test_moodle_xml_has_categories_marks_partial_credit_and_accepted_answers(items: list[QuizItem]):
    import xml.etree.ElementTree as ET

    from assistant.quiz.moodle import to_moodle_xml
    from assistant.quiz.scoring import ScoringRules

    blank = next(i for i in items if i.type == "blank").model_copy(update={"accepted": ["简称"]})
    chosen = [*[i for i in items if i.type != "blank"], blank]
    rules = ScoringRules(marks={"single": 2, "multi": 4, "tf": 1, "blank": 3})
    root = ET.fromstring(to_moodle_xml(chosen, "第一期测验", rules).encode("utf-8"))
    questions = root.findall("question")
    categories = [q.findtext("category/text") for q in questions if q.get("type") == "category"]
    assert categories and all(c.startswith("$course$/第一期测验/《") for c in categories)
    assert len(set(categories)) == len(categories)  # each category opened once
    real = [q for q in questions if q.get("type") != "category"]
    assert len(real) == len(chosen)
    by_type = {q.get("type"): q for q in real}
    multi = next(q for q in real if q.findtext("single") == "false")
    fractions = [float(a.get("fraction")) for a in multi.findall("answer")]
    assert abs(sum(f for f in fractions if f > 0) - 100) < 0.01 and min(fractions) == -100
    assert multi.findtext("defaultgrade") == "4"
    short = by_type["shortanswer"]
    assert [a.findtext("text") for a in short.findall("answer")] == [blank.answer[0], "简称"]
    tf = by_type["truefalse"]
    assert sorted(a.get("fraction") for a in tf.findall("answer")) == ["0", "100"]


def test_the_word_paper_has_a_score_table_marks_and_an_ab_version(items: list[QuizItem]):
    from assistant.quiz.paper import version_items
    from assistant.quiz.scoring import ScoringRules

    rules = ScoringRules(marks={"single": 2, "multi": 4, "tf": 1, "blank": 3})
    from assistant.quiz.paper import to_docx as paper

    a = docx.Document(io.BytesIO(paper(items, "测验", rules, "A")))
    table = a.tables[0]
    assert table.rows[0].cells[0].text == "题型" and table.rows[2].cells[0].text == "得分"
    expected = sum(rules.marks[i.type] for i in items)
    assert table.rows[1].cells[-1].text == f"{expected:g}"
    headings = [p.text for p in a.paragraphs if p.style.name.startswith("Heading 2")]
    assert all("每题" in h and "分" in h for h in headings)
    b_items = version_items(items, "B")
    assert sorted(i.id for i in b_items) == sorted(i.id for i in items)
    assert [i.id for i in b_items] != [i.id for i in items] or any(
        x.options != y.options for x, y in zip(b_items, items)
    )
    assert [i.type for i in b_items] == sorted((i.type for i in b_items), key=["single", "multi", "tf", "blank"].index)
    b = docx.Document(io.BytesIO(paper(items, "测验", rules, "B")))
    assert b.paragraphs[0].text == "测验（B 卷）"
    key_b = [p.text for p in b.paragraphs if re.match(r"^\d+\. 答案：", p.text)]
    for number, item in enumerate(b_items, start=1):
        if item.type == "single":
            letter = "ABCDEF"[item.options.index(item.answer[0])]
            assert key_b[number - 1].startswith(f"{number}. 答案：{letter}")
