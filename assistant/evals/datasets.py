"""Evaluation datasets: single questions and multi-turn conversations, from JSON Lines, CSV or Excel."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from assistant.chinese import match_key
from assistant.errors import UserError
from assistant.types import Clause

QuestionType = Literal[
    "lookup",
    "article_lookup",  # names an article number: 《X》第N条, X第N条
    "named_document",  # names one document among several on the same topic
    "number_date",
    "list",
    "paraphrase",
    "multi_clause",
    "unanswerable",
    "multi_turn",
]
DATASET_SUFFIXES = (".jsonl", ".csv", ".xlsx")
COLUMNS = ("id", "question", "answerable", "gold_clauses", "key_facts", "type", "note")
_CELL_SEPARATORS = re.compile(r"[；;|｜]")


class EvalItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    question: str
    answerable: bool = True
    gold_clauses: list[str] = Field(default_factory=list)
    key_facts: list[str] = Field(default_factory=list)
    type: QuestionType = "lookup"
    note: str = Field("", description="Free text for evaluators, e.g. where a draft came from.")

    @field_validator("id", "question")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value.strip()


class Turn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str
    gold_clauses: list[str] = Field(default_factory=list)
    key_facts: list[str] = Field(default_factory=list)


class Conversation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    turns: list[Turn] = Field(min_length=1)

    @field_validator("id")
    @classmethod
    def _strip_id(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value.strip()


@dataclass
class Dataset:
    name: str
    items: list[EvalItem] = field(default_factory=list)
    conversations: list[Conversation] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)  # id → line or row number, for messages

    def __len__(self) -> int:
        return len(self.items) + sum(len(c.turns) for c in self.conversations)


@dataclass(frozen=True)
class DatasetProblem:
    row: int
    item_id: str
    message: str  # Chinese, for the evaluator

    def __str__(self) -> str:
        return f"第 {self.row} 行（{self.item_id}）：{self.message}"


class InvalidDataset(UserError):
    def __init__(self, problems: list[DatasetProblem]):
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems[:50])
        more = f"\n  …另有 {len(problems) - 50} 个问题" if len(problems) > 50 else ""
        super().__init__(f"数据集有 {len(problems)} 个问题，请修正后再运行：\n{lines}{more}")


def _split_cell(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [part.strip() for part in _CELL_SEPARATORS.split(str(value)) if part.strip()]


def _bool_cell(value: Any) -> bool | str:
    text = str(value).strip().lower() if value is not None else ""
    if text in ("", "true", "1", "是", "yes", "y", "可回答"):
        return True
    if text in ("false", "0", "否", "no", "n", "不可回答"):
        return False
    return text  # pydantic reports it


def _table_row(row: dict[str, Any]) -> dict[str, Any]:
    record = {k: row.get(k) for k in COLUMNS if row.get(k) not in (None, "")}
    record["gold_clauses"] = _split_cell(row.get("gold_clauses"))
    record["key_facts"] = _split_cell(row.get("key_facts"))
    record["answerable"] = _bool_cell(row.get("answerable"))
    for key in ("id", "question", "type", "note"):
        if key in record:
            record[key] = str(record[key]).strip()
    return record


def _rows(path: Path, data: bytes) -> list[tuple[int, dict[str, Any]]]:
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        rows, problems = [], []
        for number, line in enumerate(data.decode("utf-8-sig").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                problems.append(DatasetProblem(number, "?", f"不是合法的 JSON（{exc.msg}）"))
                continue
            if not isinstance(value, dict):
                problems.append(DatasetProblem(number, "?", "每行必须是一个 JSON 对象"))
                continue
            rows.append((number, value))
        if problems:
            # Report the syntax errors together with every row that fails validation.
            raise InvalidDataset(sorted(problems + _validate(path, rows)[1], key=lambda p: p.row))
        return rows
    if suffix == ".csv":
        text = data.decode("utf-8-sig")
        reader = csv.DictReader(io.StringIO(text))
        _check_columns(reader.fieldnames or [])
        return [(number, _table_row(row)) for number, row in enumerate(reader, start=2)]
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
        except Exception as exc:  # openpyxl raises many types for a broken file
            raise UserError("Excel 文件无法打开，请确认是 .xlsx 格式且没有损坏。") from exc
        values = list(sheet.iter_rows(values_only=True))
        if not values:
            raise UserError("Excel 文件是空的。")
        header = [str(h).strip() if h is not None else "" for h in values[0]]
        _check_columns(header)
        out = []
        for number, cells in enumerate(values[1:], start=2):
            if all(c in (None, "") for c in cells):
                continue
            out.append((number, _table_row(dict(zip(header, cells, strict=False)))))
        return out
    raise UserError(f"不支持的数据集格式“{suffix}”，请使用 .jsonl、.csv 或 .xlsx。")


def _check_columns(header: Sequence[str]) -> None:
    missing = [c for c in ("id", "question") if c not in header]
    if missing:
        raise UserError(f"表格缺少列：{'、'.join(missing)}。需要的列：{'、'.join(COLUMNS)}。")


def _validate(path: Path, rows: list[tuple[int, dict[str, Any]]]) -> tuple[Dataset, list[DatasetProblem]]:
    dataset = Dataset(name=path.stem)
    problems: list[DatasetProblem] = []
    for number, row in rows:
        model: type[BaseModel] = Conversation if "turns" in row else EvalItem
        try:
            parsed = model.model_validate(row)
        except ValidationError as exc:
            fields = "、".join(".".join(str(p) for p in e["loc"]) or "?" for e in exc.errors())
            problems.append(DatasetProblem(number, str(row.get("id", "?")).strip(), f"字段有误：{fields}"))
            continue
        if isinstance(parsed, Conversation):
            dataset.conversations.append(parsed)
            item_id = parsed.id
        else:
            assert isinstance(parsed, EvalItem)
            dataset.items.append(parsed)
            item_id = parsed.id
        if item_id in dataset.rows:
            problems.append(DatasetProblem(number, item_id, f"编号与第 {dataset.rows[item_id]} 行重复"))
        else:
            dataset.rows[item_id] = number
    return dataset, problems


def load_dataset(path: Path, data: bytes | None = None) -> Dataset:
    """Parse a dataset file; raises InvalidDataset listing every malformed row."""
    if data is None:
        if not path.is_file():
            raise UserError(f"找不到数据集文件：{path}")
        data = path.read_bytes()
    dataset, problems = _validate(path, _rows(path, data))
    if problems:
        raise InvalidDataset(problems)
    return dataset


def load_items(path: Path) -> list[EvalItem]:
    return load_dataset(path).items


def load_conversations(path: Path) -> list[Conversation]:
    return load_dataset(path).conversations


class DatasetMeta(BaseModel):
    """Sidecar `<dataset>.meta.json`: which corpus the dataset's gold refers to."""

    model_config = ConfigDict(extra="forbid")

    corpus: str | None = Field(None, description="Corpus folder, relative to the dataset file.")
    gate: bool = Field(False, description="CI gates on this dataset: unreviewed feedback drafts are refused.")
    description: str = ""
    source: str = ""


def meta_path(dataset_path: Path) -> Path:
    return dataset_path.with_name(dataset_path.stem + ".meta.json")


def dataset_meta(dataset_path: Path) -> DatasetMeta:
    path = meta_path(dataset_path)
    if not path.is_file():
        return DatasetMeta()
    try:
        return DatasetMeta.model_validate_json(path.read_text("utf-8"))
    except ValidationError as exc:
        raise UserError(f"数据集说明文件 {path.name} 格式不对，请检查其中的 corpus 字段。") from exc


def dataset_corpus(dataset_path: Path, override: Path | None = None) -> Path | None:
    """The corpus a dataset is checked and run against: the explicit folder, else its sidecar's, else None."""
    if override is not None:
        folder = override
    else:
        corpus = dataset_meta(dataset_path).corpus
        if corpus is None:
            return None
        folder = dataset_path.parent / corpus
    if not folder.is_dir():
        raise UserError(f"数据集对应的文档目录不存在：{folder}")
    return folder.resolve()


def qualify_gold(names: Sequence[str], clauses: Mapping[str, Clause]) -> list[str]:
    """Gold as doc_id#clause keys: a bare name (十六) is resolved when exactly one document has it."""
    keys = []
    for name in names:
        found = resolve_clause(name, clauses)
        keys.append(found[0].key if len(found) == 1 else name)
    return keys


def resolve_clause(name: str, clauses: Mapping[str, Clause]) -> list[Clause]:
    """A gold clause given as 十七 (any document) or doc_id#十七."""
    if "#" in name:
        found = clauses.get(name)
        return [found] if found else []
    return [c for c in clauses.values() if c.clause == name]


def check_dataset(dataset: Dataset, clauses: Mapping[str, Clause]) -> list[DatasetProblem]:
    """Every gold clause exists, every key fact stands verbatim in a gold clause, answerability is consistent."""
    problems: list[DatasetProblem] = []

    def check(row: int, item_id: str, answerable: bool, gold: list[str], facts: list[str]) -> None:
        if answerable and not gold:
            problems.append(DatasetProblem(row, item_id, "可回答的问题必须给出 gold_clauses"))
        if answerable and not facts:
            problems.append(DatasetProblem(row, item_id, "可回答的问题必须给出 key_facts"))
        if not answerable and (gold or facts):
            problems.append(DatasetProblem(row, item_id, "不可回答的问题不应有 gold_clauses 或 key_facts"))
        resolved: list[Clause] = []
        for name in gold:
            found = resolve_clause(name, clauses)
            if not found:
                problems.append(DatasetProblem(row, item_id, f"条款“{name}”在索引中不存在"))
            elif len(found) > 1:
                problems.append(DatasetProblem(row, item_id, f"条款“{name}”在多个文档中都有，请写成“文档编号#{name}”"))
            resolved += found
        texts = [match_key(c.text) for c in resolved]
        for fact in facts:
            if resolved and not any(match_key(fact) in text for text in texts):
                problems.append(DatasetProblem(row, item_id, f"要点“{fact}”没有逐字出现在所列条款中"))

    for item in dataset.items:
        check(dataset.rows[item.id], item.id, item.answerable, item.gold_clauses, item.key_facts)
    for conversation in dataset.conversations:
        for number, turn in enumerate(conversation.turns, start=1):
            check(
                dataset.rows[conversation.id],
                f"{conversation.id} 第{number}轮",
                bool(turn.gold_clauses or turn.key_facts),
                turn.gold_clauses,
                turn.key_facts,
            )
    return problems
