"""Moodle XML, the richest Moodle import: categories (title / document / part / type), marks per question,
partial credit for multiple choice, several accepted fill-in answers, and the source as general feedback."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from assistant.quiz.scoring import ScoringRules
from assistant.quiz.types import BLANK, TRUE, TYPE_LABELS, QuizItem


def _weight(count: int) -> str:
    """Moodle's fraction for one of `count` right answers (50, 33.33333, 25, 20 …)."""
    return f"{100 / count:.5f}".rstrip("0").rstrip(".")


def _text(parent: ET.Element, tag: str, value: str, fmt: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, tag, {"format": fmt} if fmt else {})
    ET.SubElement(element, "text").text = value
    return element


def _answer(parent: ET.Element, fraction: str, text: str, feedback: str = "") -> None:
    answer = ET.SubElement(parent, "answer", {"fraction": fraction, "format": "plain_text"})
    ET.SubElement(answer, "text").text = text
    _text(answer, "feedback", feedback, "plain_text")


def category_path(item: QuizItem, title: str) -> str:
    """$course$/测验标题/《文件》/题型: one Moodle category per document and question type."""
    document = item.label.split("》", 1)[0].lstrip("《") if item.label.startswith("《") else item.doc_id
    parts = [title, f"《{document}》", TYPE_LABELS[item.type]]
    return "$course$/" + "/".join(p.replace("/", "／") for p in parts)


def to_moodle_xml(items: list[QuizItem], title: str, rules: ScoringRules | None = None) -> str:
    rules = rules or ScoringRules()
    quiz = ET.Element("quiz")
    current = None
    for number, item in sorted(enumerate(items, start=1), key=lambda pair: category_path(pair[1], title)):
        path = category_path(item, title)
        if path != current:
            category = ET.SubElement(quiz, "question", {"type": "category"})
            _text(category, "category", path)
            current = path
        kind = {"single": "multichoice", "multi": "multichoice", "tf": "truefalse", "blank": "shortanswer"}[item.type]
        question = ET.SubElement(quiz, "question", {"type": kind})
        _text(question, "name", f"{number:03d} {TYPE_LABELS[item.type]} {item.label}")
        _text(question, "questiontext", item.stem, "plain_text")
        source = item.explanation or f"依据{item.label}：“{item.answer_span}”。"
        _text(question, "generalfeedback", source, "plain_text")
        ET.SubElement(question, "defaultgrade").text = f"{rules.marks.get(item.type, 1.0):g}"
        ET.SubElement(question, "penalty").text = "0"
        ET.SubElement(question, "hidden").text = "0"
        if item.type in ("single", "multi"):
            ET.SubElement(question, "single").text = "true" if item.type == "single" else "false"
            ET.SubElement(question, "shuffleanswers").text = "true"
            ET.SubElement(question, "answernumbering").text = "ABCD"
            right = _weight(len(item.answer)) if item.type == "multi" else "100"
            wrong = "-100" if item.type == "multi" else "0"
            for option in item.options:
                _answer(question, right if option in item.answer else wrong, option)
        elif item.type == "tf":
            _answer(question, "100" if item.answer == [TRUE] else "0", "true")
            _answer(question, "0" if item.answer == [TRUE] else "100", "false")
        else:
            ET.SubElement(question, "usecase").text = "0"
            for accepted in dict.fromkeys([*item.answer[:1], *item.accepted]):
                _answer(question, "100", accepted)
            if BLANK not in item.stem:
                question.find("questiontext/text").text = f"{item.stem} {BLANK}"  # type: ignore[union-attr]
    ET.indent(quiz)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(quiz, encoding="unicode") + "\n"
