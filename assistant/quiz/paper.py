"""A print-ready Word paper: a score table, marks per question, compact options, and A/B versions (questions
and options in another order, each version with its own answer key in a section of its own)."""

from __future__ import annotations

import io
import random

from assistant.quiz.scoring import ScoringRules
from assistant.quiz.types import BLANK, LETTERS, QUESTION_TYPES, TRUE, TYPE_LABELS, QuizItem

_CN_ORDER = "一二三四五六七八九十"
_INSTRUCTIONS = {
    "single": "每题只有一个正确答案",
    "multi": "每题有两个或两个以上正确答案",
    "tf": "正确的打“√”，错误的打“×”",
    "blank": "将答案填在横线上",
}
COMPACT_CHARS = 36
"""Options whose texts together stay under this many characters print on one line; otherwise two per line."""
_GAP = "　　"


def version_items(items: list[QuizItem], version: str) -> list[QuizItem]:
    """Version A is the paper as given; another version orders questions within each type, and the options of
    each question, by a shuffle seeded with the version's name (the same every time)."""
    if version == "A":
        return list(items)
    rng = random.Random(f"paper-{version}")
    out = []
    for kind in QUESTION_TYPES:
        group = [i for i in items if i.type == kind]
        rng.shuffle(group)
        for item in group:
            if item.type in ("single", "multi"):
                options = list(item.options)
                rng.shuffle(options)
                item = item.model_copy(update={"options": options})
            out.append(item)
    return out


def _option_lines(options: list[str]) -> list[str]:
    labelled = [f"{LETTERS[i]}. {o}" for i, o in enumerate(options)]
    if sum(len(o) for o in labelled) <= COMPACT_CHARS:
        return [_GAP.join(labelled)]
    return [_GAP.join(labelled[i : i + 2]) for i in range(0, len(labelled), 2)]


def _key(item: QuizItem) -> str:
    if item.type in ("single", "multi"):
        return "".join(LETTERS[item.options.index(a)] for a in item.options if a in item.answer)
    if item.type == "tf":
        return "√" if item.answer == [TRUE] else "×"
    return "；".join([*item.answer, *item.accepted])


def to_docx(items: list[QuizItem], title: str, rules: ScoringRules | None = None, version: str = "A") -> bytes:
    """The paper, then its answer key with explanations and sources in a section of its own (new page)."""
    import docx
    from docx.enum.section import WD_SECTION
    from docx.shared import Cm

    rules = rules or ScoringRules()
    items = version_items(items, version)
    groups = [(k, [i for i in items if i.type == k]) for k in QUESTION_TYPES]
    groups = [(k, members) for k, members in groups if members]
    document = docx.Document()
    document.add_heading(title if version == "A" else f"{title}（{version} 卷）", level=1)
    document.add_paragraph("姓名：＿＿＿＿＿＿　　单位：＿＿＿＿＿＿　　考号：＿＿＿＿＿＿")
    table = document.add_table(rows=3, cols=len(groups) + 2)
    table.style = "Table Grid"
    total = sum(rules.marks.get(k, 1.0) * len(m) for k, m in groups)
    header = ["题型", *[f"{_CN_ORDER[n]}、{TYPE_LABELS[k]}" for n, (k, _) in enumerate(groups)], "总分"]
    full = ["满分", *[f"{rules.marks.get(k, 1.0) * len(m):g}" for k, m in groups], f"{total:g}"]
    for row, cells in enumerate([header, full, ["得分", *[""] * (len(groups) + 1)]]):
        for column, text in enumerate(cells):
            table.cell(row, column).text = text
    numbered: list[tuple[int, QuizItem]] = []
    for group, (kind, members) in enumerate(groups):
        marks = rules.marks.get(kind, 1.0)
        document.add_heading(
            f"{_CN_ORDER[group]}、{TYPE_LABELS[kind]}（共 {len(members)} 题，每题 {marks:g} 分，"
            f"共 {marks * len(members):g} 分；{_INSTRUCTIONS[kind]}）",
            level=2,
        )
        for item in members:
            number = len(numbered) + 1
            numbered.append((number, item))
            stem = item.stem.replace(BLANK, "＿＿＿＿＿＿")
            document.add_paragraph(f"{number}. {stem}" + ("（　　）" if item.type != "blank" else ""))
            if item.type in ("single", "multi"):
                for line in _option_lines(item.options):
                    document.add_paragraph(line).paragraph_format.left_indent = Cm(1)
    document.add_section(WD_SECTION.NEW_PAGE)
    document.add_heading("参考答案与解析" if version == "A" else f"参考答案与解析（{version} 卷）", level=1)
    for number, item in numbered:
        document.add_paragraph(f"{number}. 答案：{_key(item)}（{rules.marks.get(item.type, 1.0):g} 分）")
        if item.explanation:
            document.add_paragraph(f"解析：{item.explanation}").paragraph_format.left_indent = Cm(1)
        document.add_paragraph(f"出处：{item.label}").paragraph_format.left_indent = Cm(1)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
