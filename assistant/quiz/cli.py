"""policy-assistant quiz: build questions from clauses, export them (GIFT, Aiken, Excel, Word, JSON), import them."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, cast

import click
from rich.console import Console

from assistant.atomic import write_bytes_atomic
from assistant.errors import UserError
from assistant.quiz.bank import quiz_bank
from assistant.quiz.build import build_quiz, checker_for
from assistant.quiz.export import FORMATS, ExportFormat, read_items, render, to_aiken, write
from assistant.quiz.gates import summary
from assistant.quiz.types import (
    DIFFICULTIES,
    DIFFICULTY_LABELS,
    LETTERS,
    QUESTION_TYPES,
    TYPE_LABELS,
    BuildRequest,
    BuildResult,
    Difficulty,
    GeneratorChoice,
    ItemStatus,
    QuestionType,
    QuizItem,
)

if TYPE_CHECKING:
    from assistant.cli.context import Context

err = Console(stderr=True, soft_wrap=True)  # long Chinese lines stay whole for logs and tests
_TYPE_NAMES: dict[str, QuestionType] = {
    **{t: t for t in QUESTION_TYPES},
    **{label: t for t, label in TYPE_LABELS.items()},
    **{label[:2]: t for t, label in TYPE_LABELS.items()},
    "judge": "tf",
    "truefalse": "tf",
}
_SUFFIX_FORMATS: dict[str, ExportFormat] = {
    ".gift": "gift",
    ".xml": "moodle",
    ".txt": "gift",
    ".aiken": "aiken",
    ".xlsx": "xlsx",
    ".docx": "docx",
    ".json": "json",
    ".jsonl": "eval",
}


def _context() -> Context:
    return cast("Context", click.get_current_context().find_root().obj)


def parse_count(text: str) -> int:
    if not text.strip().isdigit() or not 1 <= int(text) <= 200:
        raise UserError(f"题目数量“{text}”无效，请填写 1 到 200 之间的整数。")
    return int(text)


def parse_types(text: str) -> list[QuestionType]:
    names = [t.strip().lower() for t in re.split(r"[,，、\s]+", text) if t.strip()]
    unknown = [n for n in names if n not in _TYPE_NAMES]
    if unknown or not names:
        raise UserError(
            f"未知题型“{'、'.join(unknown) or text}”，可选：single（单选）、multi（多选）、tf（判断）、blank（填空）。"
        )
    return list(dict.fromkeys(_TYPE_NAMES[n] for n in names))


def parse_seed(text: str | None) -> int | None:
    if text is None:
        return None
    if not re.fullmatch(r"\d{1,12}", text.strip()):
        raise UserError(f"随机种子“{text}”无效，请填写非负整数。")
    return int(text)


def parse_difficulty(text: str) -> Difficulty:
    for code in DIFFICULTIES:
        if text in (code, DIFFICULTY_LABELS[code]):
            return code
    raise UserError(f"难度“{text}”无效，可选：easy（简单）、medium（中等）、hard（困难）。")


def format_for(path: Path) -> ExportFormat:
    fmt = _SUFFIX_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise UserError(f"无法从文件名“{path.name}”判断导出格式，请使用 .json、.xlsx、.docx、.xml、.gift 或 .txt。")
    return fmt


def print_item(number: int, item: QuizItem) -> None:
    click.echo(f"{number}. [{TYPE_LABELS[item.type]}] {item.stem}")
    for i, option in enumerate(item.options if item.type in ("single", "multi") else []):
        click.echo(f"   {LETTERS[i]}. {option}")
    if item.type in ("single", "multi"):
        answer = "".join(LETTERS[item.options.index(a)] for a in item.answer)
    else:
        answer = "；".join(item.answer)
    click.echo(f"   答案：{answer}")
    click.echo(f"   出处：{item.label}（原文：“{item.answer_span}”）")


def print_build(result: BuildResult) -> None:
    counts = "、".join(f"{TYPE_LABELS[t]} {c} 道" for t, c in result.counts().items() if c)
    generator = "大模型" if result.generator == "llm" else "离线"
    err.print(f"范围：{result.scope}；{generator}出题，随机种子 {result.seed}。", highlight=False)
    err.print(f"质量把关：{summary(result.report)}", highlight=False)
    err.print(f"共 {len(result.items)} 道：{counts or '无'}。", highlight=False)
    for notice in result.notices:
        err.print(f"[yellow]提示：[/yellow]{notice}", highlight=False)


@click.group()
def quiz() -> None:
    """培训出题：从条款生成题目，审核后导出到 Moodle、Excel、Word 或导入题库。"""


@quiz.command()
@click.option(
    "--scope",
    default="",
    help=(
        "出题范围，多个用逗号分隔：留空为全文；文档标题或简称（如 优化营商环境条例）；"
        "部分（如 二）；章（如 第二章）；条款（如 第三条、十七，（二）表示第（二）条）；"
        "范围（如 第三条至第五条）；可在前面加书名号标题限定文档（如 《优化营商环境条例》第三条）。"
    ),
)
@click.option(
    "--doc",
    multiple=True,
    help="只从指定文档出题，可重复；写文档编号（语料文件名去掉扩展名）、标题或简称。",
)
@click.option("--n", "count", default="20", show_default=True, help="题目数量（1–200）。")
@click.option("--types", default="single,multi,tf,blank", show_default=True, help="题型：single,multi,tf,blank。")
@click.option("--difficulty", default="medium", show_default=True, help="难度：easy、medium、hard。")
@click.option("--seed", default=None, help="随机种子：相同种子生成相同的题目。")
@click.option("--generator", default="auto", show_default=True, help="出题方式：auto、offline、llm。")
@click.option("--author", default="", help="出题人。")
@click.option("--out", type=click.Path(path_type=Path), help="把题目写入文件（.json、.xlsx、.docx、.gift）。")
@click.option("--save", is_flag=True, help="把题目存入题库，等待审核。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出生成结果。")
def build(
    scope: str,
    doc: tuple[str, ...],
    count: str,
    types: str,
    difficulty: str,
    seed: str | None,
    generator: str,
    author: str,
    out: Path | None,
    save: bool,
    as_json: bool,
) -> None:
    """从条款原文生成题目，每道题都与原文逐字核对。"""
    if generator not in ("auto", "offline", "llm"):
        raise UserError(f"出题方式“{generator}”无效，可选：auto、offline、llm。")
    request = BuildRequest(
        scope=scope,
        doc_ids=list(doc),
        n=parse_count(count),
        types=parse_types(types),
        difficulty=parse_difficulty(difficulty),
        seed=parse_seed(seed),
        generator=cast(GeneratorChoice, generator),
        author=author,
    )
    fmt = format_for(out) if out is not None else None
    context = _context()
    bank = quiz_bank(context.settings) if save else None
    result = build_quiz(context.ready(), request, known=bank.stem_keys() if bank is not None else None)
    if not as_json:
        print_build(result)
    if out is not None and fmt is not None and result.items:
        write(result.items, fmt, out)
        err.print(f"已写入 {out}", highlight=False)
    if bank is not None and result.items:
        added = bank.add(result.items, author=author)
        kept = len(result.items) - len(added)
        err.print(f"已存入题库 {len(added)} 道（待审核）；题库中已有相同题干的 {kept} 道未重复存入。", highlight=False)
    if as_json:
        click.echo(result.model_dump_json())
        return
    for number, item in enumerate(result.items, start=1):
        print_item(number, item)


@quiz.command(name="export")
@click.argument("file", required=False, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    default=None,
    help="格式：moodle（Moodle XML，带分类）、gift、aiken、xlsx、docx、json、eval（评测数据集）。",
)
@click.option("--out", type=click.Path(path_type=Path), help="输出文件（默认与输入同名、换扩展名）。")
@click.option("--bank", "from_bank", is_flag=True, help="从题库导出，而不是从文件。")
@click.option(
    "--status", default="approved", show_default=True, help="从题库导出时的题目状态：approved、draft、rejected、all。"
)
@click.option("--title", default="政策学习测验", show_default=True, help="试卷或题库的标题。")
@click.option("--versions", default="A", show_default=True, help="Word 试卷的卷别，如 AB 同时导出 A 卷和 B 卷。")
def export_command(
    file: Path | None, fmt: str | None, out: Path | None, from_bank: bool, status: str, title: str, versions: str
) -> None:
    """把题目导出为 Moodle XML（带分类）、Moodle GIFT、Aiken、Excel、Word 试卷、JSON 或评测数据集。"""
    if fmt not in FORMATS:
        raise UserError(f"导出格式“{fmt or ''}”无效，可选：{'、'.join(FORMATS)}。")
    export_format = cast(ExportFormat, fmt)
    if from_bank == (file is not None):
        raise UserError("请给出要导出的题目文件（.json 或 .xlsx），或用 --bank 从题库导出（二者选一）。")
    if file is not None:
        items = read_items(file)
        target = out or file.with_name(file.name.split(".")[0] + FORMATS[export_format])
    else:
        if status not in ("approved", "draft", "rejected", "all"):
            raise UserError(f"题目状态“{status}”无效，可选：approved、draft、rejected、all。")
        bank = quiz_bank(_context().settings)
        items = bank.items(None if status == "all" else cast(ItemStatus, status))
        target = out or Path.cwd() / f"quiz-{status}{FORMATS[export_format]}"
    if target.exists() and file is not None and target.resolve() == file.resolve():
        raise UserError("输出文件与输入文件相同，请用 --out 指定另一个文件。")
    if export_format == "docx" and versions.upper() != "A":
        from assistant.quiz.export import to_docx

        for version in dict.fromkeys(versions.upper()):
            if version not in LETTERS:
                raise UserError(f"卷别“{version}”无效，请用 A 到 F 的字母，如 AB。")
            path = target.with_name(target.name.removesuffix(".docx") + f"-{version}.docx")
            write_bytes_atomic(path, to_docx(items, title, version=version))
            err.print(f"已导出 {version} 卷 {len(items)} 道题到 {path}", highlight=False)
        return
    write_bytes_atomic(target, render(items, export_format, title))
    written = len(items)
    if export_format == "aiken":
        _, skipped = to_aiken(items)
        written -= skipped
        if skipped:
            err.print(
                f"[yellow]提示：[/yellow]Aiken 只支持单选题（判断题按两个选项的单选题导出），已略过多选题和填空题 {skipped} 道。",
                highlight=False,
            )
    if export_format == "eval":
        approved = sum(1 for i in items if i.status == "approved")
        if approved < len(items):
            err.print(
                f"[yellow]提示：[/yellow]评测数据集只收录已通过审核的题目，已略过 {len(items) - approved} 道。",
                highlight=False,
            )
        written = approved
    err.print(f"已导出 {written} 道题到 {target}", highlight=False)


@quiz.command(name="import")
@click.argument("file", type=click.Path(path_type=Path))
def import_command(file: Path) -> None:
    """把 JSON 或 Excel 题目文件导入题库；未能通过原文核对的题目退回待审核。"""
    items = read_items(file)
    if not items:
        raise UserError(f"文件“{file.name}”中没有题目。")
    context = _context()
    assistant = context.ready()
    checker = checker_for(assistant.index.documents)
    checked, demoted = [], 0
    for item in items:
        problems = checker.problems(item)
        if problems and item.status == "approved":
            item = item.model_copy(update={"status": "draft"})
            demoted += 1
        checked.append(checker.verified(item))
    added, updated = quiz_bank(context.settings).upsert(checked)
    err.print(f"已导入 {len(checked)} 道题：新增 {added} 道，更新 {updated} 道。", highlight=False)
    if demoted:
        err.print(f"[yellow]提示：[/yellow]{demoted} 道已通过的题目未能通过原文核对，已退回待审核。", highlight=False)


def register(cli: click.Group) -> None:
    cli.add_command(quiz)
