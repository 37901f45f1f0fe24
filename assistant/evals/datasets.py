"""Evaluation datasets: single questions and multi-turn conversations (JSON Lines)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assistant.errors import UserError

QuestionType = Literal["lookup", "number_date", "list", "paraphrase", "multi_clause", "unanswerable"]


class EvalItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    question: str
    answerable: bool = True
    gold_clauses: list[str] = Field(default_factory=list)
    key_facts: list[str] = Field(default_factory=list)
    type: QuestionType = "lookup"


class Turn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str
    gold_clauses: list[str] = Field(default_factory=list)
    key_facts: list[str] = Field(default_factory=list)


class Conversation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    turns: list[Turn]


def _read_lines(path: Path) -> list[tuple[int, dict]]:
    if not path.is_file():
        raise UserError(f"找不到数据集文件：{path}")
    rows = []
    for number, line in enumerate(path.read_text("utf-8-sig").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rows.append((number, json.loads(line)))
        except json.JSONDecodeError as exc:
            raise UserError(f"数据集第 {number} 行不是合法的 JSON：{exc.msg}") from exc
    return rows


def load_items(path: Path) -> list[EvalItem]:
    items = []
    for number, row in _read_lines(path):
        try:
            items.append(EvalItem.model_validate(row))
        except ValidationError as exc:
            fields = "、".join(".".join(str(p) for p in e["loc"]) for e in exc.errors())
            raise UserError(f"数据集第 {number} 行字段有误：{fields}") from exc
    return items


def load_conversations(path: Path) -> list[Conversation]:
    conversations = []
    for number, row in _read_lines(path):
        try:
            conversations.append(Conversation.model_validate(row))
        except ValidationError as exc:
            fields = "、".join(".".join(str(p) for p in e["loc"]) for e in exc.errors())
            raise UserError(f"对话数据集第 {number} 行字段有误：{fields}") from exc
    return conversations
