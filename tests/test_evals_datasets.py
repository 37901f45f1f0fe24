"""Eval datasets: JSON Lines, CSV and Excel give the same items; malformed rows and unsound items are
reported with their row numbers; the shipped datasets check clean against the directive."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from openpyxl import Workbook

from assistant.errors import UserError
from assistant.evals.datasets import COLUMNS, InvalidDataset, check_dataset, dataset_corpus, load_dataset
from assistant.evals.goldcheck import check_against_corpus
from assistant.types import Clause
from tests.conftest import DIRECTIVE_ID, REPO

SHIPPED = sorted((REPO / "evals" / "datasets").glob("*.jsonl"))

ITEMS: list[dict[str, object]] = [
    {
        "id": "t-1",
        "question": "意见在远程教育和远程医疗方面分别有什么支持？",
        "answerable": True,
        "gold_clauses": ["二十二", "二十三"],
        "key_facts": ["开展远程教育,促进优质教学资源共享", "探索利用人工智能、互联网等开展远程医疗"],
        "type": "multi_clause",
        "note": "来自 dev-042",
    },
    {
        "id": "t-2",
        "question": "意见提出加快规划建设哪些重大铁路工程？",
        "answerable": True,
        "gold_clauses": ["六"],
        "key_facts": ["川藏铁路", "沿江高铁", "渝昆高铁"],
        "type": "list",
        "note": "",
    },
    {
        "id": "t-3",
        "question": "西部地区鼓励类产业企业所得税优惠税率是多少？",
        "answerable": False,
        "gold_clauses": [],
        "key_facts": [],
        "type": "unanswerable",
        "note": "",
    },
]
# The same items as a spreadsheet would hold them: lists in one cell, separated by ； or |.
TABLE_ROWS = [
    [
        "t-1",
        ITEMS[0]["question"],
        "是",
        "二十二；二十三",
        "开展远程教育,促进优质教学资源共享|探索利用人工智能、互联网等开展远程医疗",
        "multi_clause",
        "来自 dev-042",
    ],
    ["t-2", ITEMS[1]["question"], "true", "六", "川藏铁路；沿江高铁 | 渝昆高铁", "list", ""],
    ["t-3", ITEMS[2]["question"], "否", "", "", "unanswerable", ""],
]


def write_jsonl(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_csv(path: Path, rows: list[list[object]], header: tuple[str, ...] = COLUMNS) -> Path:
    # utf-8-sig: what Excel writes when it saves a CSV with Chinese text.
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_xlsx(path: Path, rows: list[list[object]], header: tuple[str, ...] = COLUMNS) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(header))
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def row_of(item: dict[str, object]) -> list[object]:
    return [item[c] if not isinstance(item[c], list) else "；".join(item[c]) for c in COLUMNS]  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def clauses(directive_assistant) -> dict[str, Clause]:
    return directive_assistant.index.clauses


def invalid(path: Path) -> InvalidDataset:
    with pytest.raises(InvalidDataset) as caught:
        load_dataset(path)
    return caught.value


# --- formats -----------------------------------------------------------------


def test_jsonl_csv_and_xlsx_give_equal_items(tmp_path):
    from_jsonl = load_dataset(write_jsonl(tmp_path / "set.jsonl", ITEMS))
    from_csv = load_dataset(write_csv(tmp_path / "set.csv", TABLE_ROWS))
    from_xlsx = load_dataset(write_xlsx(tmp_path / "set.xlsx", TABLE_ROWS))
    expected = [json.loads(json.dumps(item)) for item in ITEMS]
    assert [i.model_dump() for i in from_jsonl.items] == expected
    assert [i.model_dump() for i in from_csv.items] == expected
    assert [i.model_dump() for i in from_xlsx.items] == expected
    assert from_jsonl.name == from_csv.name == from_xlsx.name == "set"


def test_rows_are_numbered_as_the_evaluator_sees_them(tmp_path):
    jsonl = write_lines(tmp_path / "set.jsonl", [json.dumps(ITEMS[0]), "", json.dumps(ITEMS[1])])
    assert load_dataset(jsonl).rows == {"t-1": 1, "t-2": 3}  # blank lines keep their number
    table = load_dataset(write_csv(tmp_path / "set.csv", TABLE_ROWS))
    assert table.rows == {"t-1": 2, "t-2": 3, "t-3": 4}  # row 1 is the header


def test_xlsx_cells_typed_by_excel_are_read_as_text_and_booleans(tmp_path):
    rows = [
        [7, "2035 年的目标是什么？", True, "总体要求", 2035, "number_date", None],
        [8, "税率是多少？", False, None, None, "unanswerable", None],
    ]
    dataset = load_dataset(write_xlsx(tmp_path / "typed.xlsx", rows))
    first, second = dataset.items
    assert (first.id, first.answerable, first.gold_clauses, first.key_facts) == ("7", True, ["总体要求"], ["2035"])
    assert (second.id, second.answerable, second.gold_clauses, second.key_facts) == ("8", False, [], [])


def test_xlsx_skips_empty_rows_but_keeps_row_numbers(tmp_path):
    rows = [row_of(ITEMS[0]), [None] * len(COLUMNS), row_of(ITEMS[1])]
    dataset = load_dataset(write_xlsx(tmp_path / "gaps.xlsx", rows))
    assert [i.id for i in dataset.items] == ["t-1", "t-2"]
    assert dataset.rows == {"t-1": 2, "t-2": 4}


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("是", True), ("否", False), ("true", True), ("false", False), ("TRUE", True), ("False", False), ("", True)],
)
def test_answerable_column_accepts_chinese_and_english(tmp_path, cell, expected):
    rows = [["a-1", "问题？", cell, "", "", "lookup", ""]]
    assert load_dataset(write_csv(tmp_path / "a.csv", rows)).items[0].answerable is expected
    assert load_dataset(write_xlsx(tmp_path / "a.xlsx", rows)).items[0].answerable is expected


def test_conversations_load_from_jsonl_and_count_their_turns(tmp_path):
    conversation = {
        "id": "c-1",
        "turns": [
            {
                "question": "国家对西部地区的医疗有什么支持？",
                "gold_clauses": ["二十三"],
                "key_facts": ["支持在西部地区建立若干区域医疗中心"],
            },
            {"question": "那教育方面呢？", "gold_clauses": ["二十二"], "key_facts": ["发展现代职业教育"]},
        ],
    }
    dataset = load_dataset(write_jsonl(tmp_path / "mt.jsonl", [ITEMS[1], conversation]))
    assert [c.id for c in dataset.conversations] == ["c-1"]
    assert len(dataset) == 3  # one item and two turns
    assert dataset.rows == {"t-2": 1, "c-1": 2}


def test_unsupported_format_and_missing_file_are_user_errors(tmp_path):
    with pytest.raises(UserError, match=r"\.txt"):
        load_dataset(write_lines(tmp_path / "set.txt", ["x"]))
    with pytest.raises(UserError, match="找不到数据集文件"):
        load_dataset(tmp_path / "absent.jsonl")


def test_table_without_a_question_column_is_refused_naming_it(tmp_path):
    with pytest.raises(UserError, match="question"):
        load_dataset(write_csv(tmp_path / "cols.csv", [["t-1", "是"]], header=("id", "answerable")))


# --- malformed rows ----------------------------------------------------------


def test_duplicate_ids_name_both_rows(tmp_path):
    path = write_jsonl(tmp_path / "dup.jsonl", [ITEMS[0], ITEMS[1], {**ITEMS[2], "id": "t-1"}])
    error = invalid(path)
    assert len(error.problems) == 1
    problem = error.problems[0]
    assert (problem.row, problem.item_id) == (3, "t-1")
    assert "第 1 行" in problem.message
    assert "第 3 行" in str(problem) and "第 1 行" in str(problem)
    assert "第 3 行" in str(error)


def test_duplicate_ids_in_a_spreadsheet_name_both_rows(tmp_path):
    error = invalid(write_csv(tmp_path / "dup.csv", [TABLE_ROWS[0], TABLE_ROWS[1], ["t-1", *TABLE_ROWS[2][1:]]]))
    assert [(p.row, p.item_id) for p in error.problems] == [(4, "t-1")]
    assert "第 2 行" in error.problems[0].message


def test_ids_differing_only_by_surrounding_spaces_are_duplicates(tmp_path):
    error = invalid(write_jsonl(tmp_path / "dup.jsonl", [ITEMS[0], {**ITEMS[1], "id": "t-1 "}]))
    assert [p.row for p in error.problems] == [2]


def test_malformed_json_line_is_reported_with_its_line(tmp_path):
    path = write_lines(tmp_path / "broken.jsonl", [json.dumps(ITEMS[0]), '{"id": "t-2", "question": "缺了右括号"'])
    error = invalid(path)
    assert [(p.row, p.item_id) for p in error.problems] == [(2, "?")]
    assert "不是合法的 JSON" in error.problems[0].message


def test_a_json_line_that_is_not_an_object_is_reported(tmp_path):
    error = invalid(write_lines(tmp_path / "list.jsonl", [json.dumps(ITEMS[0]), '["t-2", "问题"]']))
    assert [p.row for p in error.problems] == [2]


def test_missing_question_is_reported_with_its_row_and_field(tmp_path):
    rows = [ITEMS[0], {k: v for k, v in ITEMS[1].items() if k != "question"}]
    error = invalid(write_jsonl(tmp_path / "noq.jsonl", rows))
    assert [(p.row, p.item_id) for p in error.problems] == [(2, "t-2")]
    assert "question" in error.problems[0].message


def test_blank_question_in_a_spreadsheet_is_reported(tmp_path):
    error = invalid(
        write_csv(tmp_path / "blank.csv", [TABLE_ROWS[0], ["t-2", "   ", "是", "六", "川藏铁路", "list", ""]])
    )
    assert [(p.row, p.item_id) for p in error.problems] == [(3, "t-2")]
    assert "question" in error.problems[0].message


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"type": "essay"}, "type"),
        ({"answerable": "也许"}, "answerable"),
        ({"gold_clauses": "六"}, "gold_clauses"),
        ({"id": 2}, "id"),
        ({"difficulty": "hard"}, "difficulty"),
    ],
)
def test_wrong_field_type_is_reported_naming_the_field(tmp_path, change, field):
    error = invalid(write_jsonl(tmp_path / "typed.jsonl", [ITEMS[0], {**ITEMS[1], **change}]))
    assert [p.row for p in error.problems] == [2]
    assert field in error.problems[0].message


def test_wrong_type_in_a_spreadsheet_cell_is_reported(tmp_path):
    rows = [
        TABLE_ROWS[0],
        ["t-2", "问题？", "也许", "六", "川藏铁路", "list", ""],
        ["t-3", "问题？", "否", "", "", "essay", ""],
    ]
    error = invalid(write_xlsx(tmp_path / "typed.xlsx", rows))
    assert [(p.row, p.item_id) for p in error.problems] == [(3, "t-2"), (4, "t-3")]
    assert "answerable" in error.problems[0].message
    assert "type" in error.problems[1].message


def test_every_malformed_row_is_listed_at_once(tmp_path):
    lines = [
        json.dumps(ITEMS[0], ensure_ascii=False),
        json.dumps({"id": "t-2"}),
        json.dumps({**ITEMS[2], "type": "essay"}, ensure_ascii=False),
        json.dumps({**ITEMS[1], "id": "t-1"}, ensure_ascii=False),
    ]
    error = invalid(write_lines(tmp_path / "many.jsonl", lines))
    assert [p.row for p in error.problems] == [2, 3, 4]
    assert all(f"第 {row} 行" in str(error) for row in (2, 3, 4))


def test_a_syntax_error_does_not_hide_the_other_malformed_rows(tmp_path):
    lines = [json.dumps(ITEMS[0], ensure_ascii=False), "{not json", json.dumps({"id": "t-3"})]
    error = invalid(write_lines(tmp_path / "mixed.jsonl", lines))
    assert [p.row for p in error.problems] == [2, 3]


# --- soundness against the index ---------------------------------------------


def test_sound_items_check_clean(tmp_path, clauses):
    assert check_dataset(load_dataset(write_jsonl(tmp_path / "ok.jsonl", ITEMS)), clauses) == []


def test_key_fact_check_folds_full_width_punctuation(tmp_path, clauses):
    # Clause 总体要求 spells it “到2035年,西部地区…” with an ASCII comma.
    item = {
        "id": "w-1",
        "question": "到2035年要达到什么目标？",
        "gold_clauses": ["总体要求"],
        "key_facts": ["到２０３５年，西部地区基本实现社会主义现代化"],
    }
    assert check_dataset(load_dataset(write_jsonl(tmp_path / "wide.jsonl", [item])), clauses) == []


def test_gold_clause_may_name_its_document(tmp_path, clauses):
    item = {
        "id": "d-1",
        "question": "河长制？",
        "gold_clauses": [f"{DIRECTIVE_ID}#十六"],
        "key_facts": ["全面推进河长制、湖长制"],
    }
    assert check_dataset(load_dataset(write_jsonl(tmp_path / "doc.jsonl", [item])), clauses) == []


def test_check_reports_each_unsound_item_with_its_row(tmp_path, clauses):
    rows = [
        ITEMS[1],
        {"id": "b-unknown", "question": "第九十九条讲什么？", "gold_clauses": ["九十九"], "key_facts": ["某事"]},
        {
            "id": "b-paraphrase",
            "question": "河长制？",
            "gold_clauses": ["十六"],
            "key_facts": ["全面推行河长制和湖长制"],
        },
        {"id": "b-nofacts", "question": "河长制？", "gold_clauses": ["十六"], "key_facts": []},
        {"id": "b-gold", "question": "税率？", "answerable": False, "gold_clauses": ["三十"], "type": "unanswerable"},
        {"id": "b-nogold", "question": "河长制？", "key_facts": ["全面推进河长制、湖长制"]},
    ]
    problems = check_dataset(load_dataset(write_jsonl(tmp_path / "bad.jsonl", rows)), clauses)
    by_row = {(p.row, p.item_id): p.message for p in problems}
    assert len(problems) == 5, [str(p) for p in problems]
    assert "九十九" in by_row[(2, "b-unknown")] and "不存在" in by_row[(2, "b-unknown")]
    assert "全面推行河长制和湖长制" in by_row[(3, "b-paraphrase")] and "逐字" in by_row[(3, "b-paraphrase")]
    assert "key_facts" in by_row[(4, "b-nofacts")]
    assert "不可回答" in by_row[(5, "b-gold")]
    assert "gold_clauses" in by_row[(6, "b-nogold")]
    assert str(problems[0]).startswith("第 2 行（b-unknown）：")


def test_key_fact_must_stand_in_its_own_gold_clause_not_another(tmp_path, clauses):
    # The fact is verbatim in clause 十六, but the item names 十五.
    item = {"id": "x-1", "question": "河长制？", "gold_clauses": ["十五"], "key_facts": ["全面推进河长制、湖长制"]}
    problems = check_dataset(load_dataset(write_jsonl(tmp_path / "x.jsonl", [item])), clauses)
    assert [(p.row, p.item_id) for p in problems] == [(1, "x-1")]


def test_check_reports_conversation_turns_with_the_conversation_row(tmp_path, clauses):
    conversation = {
        "id": "c-bad",
        "turns": [
            {"question": "医疗呢？", "gold_clauses": ["二十三"], "key_facts": ["支持在西部地区建立若干区域医疗中心"]},
            {"question": "那教育呢？", "gold_clauses": ["九十九"], "key_facts": ["发展现代职业教育"]},
        ],
    }
    problems = check_dataset(load_dataset(write_jsonl(tmp_path / "mt.jsonl", [ITEMS[1], conversation])), clauses)
    assert [(p.row, p.item_id) for p in problems] == [(2, "c-bad 第2轮")]
    assert "九十九" in problems[0].message


def test_bare_clause_name_shared_by_two_documents_must_name_its_document(tmp_path, clauses):
    river = clauses[f"{DIRECTIVE_ID}#十六"]
    other = river.model_copy(update={"doc_id": "another-notice"})
    two_docs = {**clauses, other.key: other}
    item = {"id": "amb-1", "question": "河长制？", "gold_clauses": ["十六"], "key_facts": ["全面推进河长制、湖长制"]}
    problems = check_dataset(load_dataset(write_jsonl(tmp_path / "amb.jsonl", [item])), two_docs)
    assert len(problems) == 1
    assert "文档编号#十六" in problems[0].message
    qualified = {**item, "gold_clauses": [f"{DIRECTIVE_ID}#十六"]}
    assert check_dataset(load_dataset(write_jsonl(tmp_path / "q.jsonl", [qualified])), two_docs) == []


def test_check_of_an_item_whose_id_has_surrounding_spaces_reports_rather_than_crashes(tmp_path, clauses):
    item = {"id": " s-1 ", "question": "第九十九条讲什么？", "gold_clauses": ["九十九"], "key_facts": ["某事"]}
    problems = check_dataset(load_dataset(write_jsonl(tmp_path / "sp.jsonl", [item])), clauses)
    assert [(p.row, p.item_id) for p in problems] == [(1, "s-1")]


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_datasets_check_clean(path, clauses):
    dataset = load_dataset(path)
    assert len(dataset) > 0
    corpus = dataset_corpus(path)
    if corpus is None:  # the directive's sets run on the shipped corpus
        assert check_dataset(dataset, clauses) == []
    else:
        assert check_against_corpus(dataset, corpus) == []


def test_the_shipped_datasets_are_found():
    assert {"dev.jsonl", "heldout.jsonl", "multiturn.jsonl", "laws_dev.jsonl"} <= {p.name for p in SHIPPED}


def test_shipped_gold_is_keyed_by_document_and_clause():
    for path in SHIPPED:
        dataset = load_dataset(path)
        golds = [g for i in dataset.items for g in i.gold_clauses]
        golds += [g for c in dataset.conversations for t in c.turns for g in t.gold_clauses]
        assert all("#" in g for g in golds), path.name
