"""Items out to Moodle GIFT, Aiken, Excel, a printable Word paper, JSON and the eval dataset; back in from JSON and Excel."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import ValidationError

from assistant.atomic import write_bytes_atomic
from assistant.errors import UserError
from assistant.evals.datasets import EvalItem, QuestionType
from assistant.quiz.types import (
    BLANK,
    DIFFICULTY_LABELS,
    KIND_LABELS,
    LETTERS,
    LISTED_MULTI,
    LISTED_SINGLE,
    MAX_OPTIONS,
    STATUS_LABELS,
    TYPE_LABELS,
    QuizItem,
    QuizSet,
    split_stem,
)

ExportFormat = Literal["gift", "moodle", "aiken", "xlsx", "docx", "json", "eval"]
FORMATS: dict[ExportFormat, str] = {
    "gift": ".gift.txt",
    "moodle": ".moodle.xml",
    "aiken": ".aiken.txt",
    "xlsx": ".xlsx",
    "docx": ".docx",
    "json": ".json",
    "eval": ".jsonl",
}
DEFAULT_TITLE = "政策学习测验"
ORIGIN_LABELS = {"offline": "离线生成", "llm": "大模型生成", "manual": "人工录入", "import": "导入"}
K = TypeVar("K", bound=str)


def render(items: list[QuizItem], fmt: ExportFormat, title: str = DEFAULT_TITLE) -> bytes:
    """The file contents of items in one format."""
    if not items:
        raise UserError("没有可导出的题目。")
    if fmt == "gift":
        return to_gift(items, title).encode("utf-8")
    if fmt == "moodle":
        from assistant.quiz.moodle import to_moodle_xml

        return to_moodle_xml(items, title).encode("utf-8")
    if fmt == "aiken":
        text, _ = to_aiken(items)
        if not text:
            raise UserError("Aiken 格式只支持单选题和判断题，所选题目中没有这两种题。")
        return text.encode("utf-8")
    if fmt == "xlsx":
        return to_xlsx(items)
    if fmt == "docx":
        return to_docx(items, title)
    if fmt == "json":
        return to_json(items, title).encode("utf-8")
    return to_eval_jsonl(items).encode("utf-8")


def write(items: list[QuizItem], fmt: ExportFormat, path: Path, title: str = DEFAULT_TITLE) -> Path:
    write_bytes_atomic(path, render(items, fmt, title))
    return path


# --- Moodle GIFT ---------------------------------------------------------------

_GIFT_SPECIAL = re.compile(r"([\\~=#{}:])")


def gift_escape(text: str) -> str:
    """Text safe inside GIFT: one line, with ~ = # { } : (and the backslash) escaped."""
    return _GIFT_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def _weight(count: int) -> str:
    """Moodle's grade for one of `count` right answers (50, 33.33333, 25, 20 …)."""
    return f"{100 / count:.5f}".rstrip("0").rstrip(".")


def _feedback(item: QuizItem) -> str:
    text = item.explanation or f"依据{item.label}：“{item.answer_span}”。"
    if item.label not in text:
        text += f"出处：{item.label}。"
    return "####" + gift_escape(text)


def to_gift(items: list[QuizItem], title: str = DEFAULT_TITLE) -> str:
    lines = [f"// {title}", f"// 导出时间：{datetime.now().strftime('%Y-%m-%d %H:%M')}，共 {len(items)} 题", ""]
    for number, item in enumerate(items, start=1):
        name = gift_escape(f"{number:03d} {TYPE_LABELS[item.type]} {item.label}")
        stem = gift_escape(item.stem)
        feedback = _feedback(item)
        if item.type == "single":
            answers = " ".join(("=" if o in item.answer else "~") + gift_escape(o) for o in item.options)
            body = f"{stem} {{{answers} {feedback}}}"
        elif item.type == "multi":
            weight = _weight(len(item.answer))
            answers = " ".join(f"~%{weight if o in item.answer else '-100'}%{gift_escape(o)}" for o in item.options)
            body = f"{stem} {{{answers} {feedback}}}"
        elif item.type == "tf":
            body = f"{stem} {{{'T' if item.answer == ['正确'] else 'F'} {feedback}}}"
        else:
            cloze = "{=" + " =".join(gift_escape(a) for a in item.answer[:1]) + f" {feedback}}}"
            body = stem.replace(BLANK, cloze, 1) if BLANK in stem else f"{stem} {cloze}"
        lines += [f"::{name}::{body}", ""]
    return "\n".join(lines)


# --- Aiken -----------------------------------------------------------------------


def to_aiken(items: list[QuizItem]) -> tuple[str, int]:
    """Single-choice and true/false items (as a two-option choice: A. 正确 B. 错误) in Aiken format, and how
    many items of other types were left out."""
    blocks = []
    for item in items:
        if item.type not in AIKEN_TYPES:
            continue
        lines = [" ".join(item.stem.split())]
        lines += [f"{LETTERS[i]}. {' '.join(o.split())}" for i, o in enumerate(item.options)]
        lines.append(f"ANSWER: {LETTERS[item.options.index(item.answer[0])]}")
        blocks.append("\n".join(lines))
    skipped = sum(1 for i in items if i.type not in AIKEN_TYPES)
    return ("\n\n".join(blocks) + "\n") if blocks else "", skipped


AIKEN_TYPES = ("single", "tf")


# --- JSON and the eval dataset ------------------------------------------------------


def to_json(items: list[QuizItem], title: str = DEFAULT_TITLE) -> str:
    stamp = datetime.now().astimezone().isoformat(timespec="seconds")
    return QuizSet(title=title, exported_at=stamp, items=items).model_dump_json(indent=2)


def eval_question(item: QuizItem) -> str:
    """The item as a question for the assistant, without the clause number that would give retrieval away."""
    reference, body = split_stem(item.stem)
    title = reference[: reference.index("》") + 1] if reference.startswith("《") else "文件"
    body = body.strip()
    for suffix in (LISTED_SINGLE, LISTED_MULTI):
        body = body.removesuffix(suffix)
    body = re.sub(r"（提示：[^）]*）$", "", body).rstrip("。；;")
    if item.type == "tf":
        return f"{title}是否提出“{body}”？"
    filler = "哪些" if item.type == "multi" else "什么"
    return f"{title}提出：{body.replace(BLANK, filler)}？"


def to_eval_items(items: list[QuizItem]) -> list[EvalItem]:
    """Approved items as the evals' dataset: gold clause and the answer span as the key fact."""
    out = []
    for item in items:
        if item.status != "approved":
            continue
        kind: QuestionType = "lookup"
        if item.type == "multi":
            kind = "list"
        elif item.kind in ("year", "number"):
            kind = "number_date"
        out.append(
            EvalItem(
                id=f"quiz-{item.id}",
                question=eval_question(item),
                answerable=True,
                gold_clauses=[item.clause],
                key_facts=[item.answer_span.strip().rstrip("。；;，,")],
                type=kind,
            )
        )
    return out


def to_eval_jsonl(items: list[QuizItem]) -> str:
    rows = to_eval_items(items)
    if not rows:
        raise UserError("评测数据集只收录已通过审核的题目，所选题目中没有已通过的。")
    return "".join(row.model_dump_json() + "\n" for row in rows)


# --- Excel ---------------------------------------------------------------------------

OPTION_HEADERS = [f"选项{letter}" for letter in LETTERS]
HEADERS = [
    "编号",
    "题型",
    "题干",
    *OPTION_HEADERS,
    "答案",
    "原文依据",
    "解析",
    "出处",
    "文档编号",
    "条款",
    "依据起点",
    "依据终点",
    "知识点类型",
    "原词",
    "替换词",
    "难度",
    "来源",
    "状态",
    "出题人",
    "创建时间",
    "其他可接受答案",
]
SHEET = "题目"


def _answer_cell(item: QuizItem) -> str:
    if item.type in ("single", "multi"):
        return "".join(LETTERS[item.options.index(a)] for a in item.options if a in item.answer)
    return "；".join(item.answer)


def _row(item: QuizItem) -> list[object]:
    options = item.options + [""] * (MAX_OPTIONS - len(item.options))
    return [
        item.id,
        TYPE_LABELS[item.type],
        item.stem,
        *options,
        _answer_cell(item),
        item.answer_span,
        item.explanation,
        item.label,
        item.doc_id,
        item.clause,
        item.span_start,
        item.span_end,
        KIND_LABELS[item.kind] if item.kind else "",
        item.swap.original if item.swap else "",
        item.swap.replacement if item.swap else "",
        DIFFICULTY_LABELS[item.difficulty],
        ORIGIN_LABELS[item.origin],
        STATUS_LABELS[item.status],
        item.author,
        item.created_at or "",
        "；".join(item.accepted),
    ]


def to_xlsx(items: list[QuizItem]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = SHEET
    sheet.append(HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for item in items:
        sheet.append(_row(item))
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # text, never a formula
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    widths = {"题干": 60, "原文依据": 50, "解析": 50, "出处": 30}
    for index, header in enumerate(HEADERS, start=1):
        sheet.column_dimensions[sheet.cell(1, index).column_letter].width = widths.get(header, 14)
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- Word paper ------------------------------------------------------------------------


def to_docx(items: list[QuizItem], title: str = DEFAULT_TITLE, version: str = "A") -> bytes:
    """A printable paper with a score table and marks, then its answer key (see assistant/quiz/paper.py)."""
    from assistant.quiz.paper import to_docx as paper

    return paper(items, title, version=version)


# --- reading back --------------------------------------------------------------------------


def read_items(path: Path) -> list[QuizItem]:
    """Items from a JSON file (a quiz, a build result or a list of items) or an Excel sheet this module wrote."""
    if not path.is_file():
        raise UserError(f"找不到题目文件：{path}")
    suffix = path.suffix.lower()
    if suffix == ".json":
        return items_from_json(path.read_text("utf-8-sig"))
    if suffix == ".xlsx":
        return items_from_xlsx(path.read_bytes())
    raise UserError(f"只能读取 .json 或 .xlsx 格式的题目文件，而“{path.name}”不是。")


def items_from_json(text: str) -> list[QuizItem]:
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UserError(f"题目文件不是合法的 JSON（第 {exc.lineno} 行）。") from exc
    rows = data.get("items") if isinstance(data, dict) else data
    if not isinstance(rows, list):
        raise UserError("题目文件中没有题目列表（items）。")
    items = []
    for number, row in enumerate(rows, start=1):
        try:
            items.append(QuizItem.model_validate(row))
        except ValidationError as exc:
            fields = "、".join(".".join(str(p) for p in e["loc"]) for e in exc.errors())
            raise UserError(f"题目文件第 {number} 题的字段有误：{fields}。") from exc
    return items


def _lookup(labels: Mapping[K, str], value: str, what: str, row: int) -> K:
    for code, label in labels.items():
        if value in (code, label):
            return code
    raise UserError(f"Excel 第 {row} 行的{what}“{value}”无法识别，可用的有：{'、'.join(labels.values())}。")


def items_from_xlsx(data: bytes) -> list[QuizItem]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise UserError("无法读取该 Excel 文件，请确认它是 .xlsx 格式且没有损坏。") from exc
    sheet = book[SHEET] if SHEET in book.sheetnames else book.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    if not rows:
        raise UserError("Excel 文件是空的。")
    header = [str(h).strip() if h is not None else "" for h in rows[0]]
    missing = [h for h in ("题型", "题干", "答案", "原文依据", "文档编号", "条款") if h not in header]
    if missing:
        raise UserError(f"Excel 表头缺少“{'”“'.join(missing)}”列，请使用本系统导出的表格。")
    items = []
    for number, values in enumerate(rows[1:], start=2):
        cells = {h: ("" if v is None else v) for h, v in zip(header, values) if h}
        if not str(cells.get("题干", "")).strip():
            continue
        items.append(_item_from_cells(cells, number))
    return items


def _item_from_cells(cells: dict[str, Any], row: int) -> QuizItem:
    def text(name: str) -> str:
        return str(cells.get(name, "")).strip()

    def number(name: str) -> int | None:
        value = cells.get(name, "")
        return int(value) if str(value).strip() else None

    kind = _lookup(TYPE_LABELS, text("题型"), "题型", row)
    options = [text(h) for h in OPTION_HEADERS if text(h)]
    answer_cell = text("答案")
    if kind in ("single", "multi"):
        letters = re.sub(r"[\s,，、;；]", "", answer_cell).upper()
        if not letters or any(c not in LETTERS[: len(options)] for c in letters):
            raise UserError(f"Excel 第 {row} 行的答案“{answer_cell}”应为选项字母（如 B 或 ACD）。")
        answer = [options[LETTERS.index(c)] for c in sorted(set(letters))]
    else:
        answer = [a.strip() for a in re.split(r"[；;]", answer_cell) if a.strip()]
    swap = {"original": text("原词"), "replacement": text("替换词")} if text("原词") else None
    fields: dict[str, Any] = {
        "id": text("编号"),
        "type": kind,
        "stem": text("题干"),
        "options": options,
        "answer": answer,
        "doc_id": text("文档编号"),
        "clause": text("条款"),
        "label": text("出处"),
        "answer_span": text("原文依据"),
        "span_start": number("依据起点"),
        "span_end": number("依据终点"),
        "explanation": text("解析"),
        "kind": _lookup(KIND_LABELS, text("知识点类型"), "知识点类型", row) if text("知识点类型") else None,
        "swap": swap,
        "difficulty": _lookup(DIFFICULTY_LABELS, text("难度") or "中等", "难度", row),
        "origin": _lookup(ORIGIN_LABELS, text("来源") or "导入", "来源", row),
        "status": _lookup(STATUS_LABELS, text("状态") or "待审核", "状态", row),
        "author": text("出题人"),
        "created_at": text("创建时间") or None,
        "accepted": [a.strip() for a in re.split(r"[；;]", text("其他可接受答案")) if a.strip()],
    }
    try:
        return QuizItem.model_validate(fields)
    except (ValidationError, ValueError) as exc:
        raise UserError(f"Excel 第 {row} 行的内容不完整或有误，请对照导出模板检查。") from exc
