"""How an answer's text is shown: model Markdown kept, HTML and links disabled, unverified sentences marked.

The pure functions build Streamlit Markdown strings (testable without a running app); `render_answer_body`
and `thinking_status` draw them. Marks and badges come only from here, never from model or document text.
"""

from __future__ import annotations

import re

from assistant.grounding import UNVERIFIED_MARK
from assistant.llm import Thinking
from assistant.types import Answer

THINKING_TEXT = "大模型正在思考……"
RETRIEVING_TEXT = "正在检索原文……"
DRAFT_CAPTION = "正在生成，核实后显示最终回答。"
UNVERIFIED_BADGE = ":orange-badge[:material/warning: 未经原文核实]"
TRUNCATED_BADGE = ":orange-badge[回答被截断]"

# Everything that could make model text into HTML, a link, an image, a Streamlit directive (:red[…],
# :material/…:), maths or strikethrough; Markdown structure (#, *, lists, `code`) stays.
_UNSAFE = re.compile(r"([\\<>&\[\]:$~|])")
_AUTOLINK = re.compile(r"(?i)\bwww\.")
# Literal text: every Markdown special character escaped (document quotes, extractive answers).
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=^&])")


def literal_markdown(text: str) -> str:
    """Text shown exactly as written: no Markdown, no HTML."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text).replace("\n", "  \n")


def model_markdown(text: str) -> str:
    """Model text as Markdown (lists, bold, headings) with HTML, links, images and directives disabled."""
    escaped = _AUTOLINK.sub(r"www\\.", _UNSAFE.sub(r"\\\1", text))
    return escaped.replace("\n", "  \n")


def answer_markdown(answer: Answer) -> str:
    """The answer body: a model's Markdown with our mark after each unverified sentence, or literal extracts."""
    if answer.mode != "llm" or answer.refused:
        return literal_markdown(answer.answer)
    pieces = answer.answer.split(UNVERIFIED_MARK)
    body = f" {UNVERIFIED_BADGE}".join(model_markdown(p) for p in pieces)
    if answer.truncated:
        body += f"  \n{TRUNCATED_BADGE}"
    return body


def draft_markdown(streamed: str) -> str:
    """What streams in before verification: labelled as a draft, safe Markdown, with a cursor."""
    return f":gray[{DRAFT_CAPTION}]  \n{model_markdown(streamed)}▌"


def status_text(event: object) -> str | None:
    """The status line for a stream event (Thinking → 大模型正在思考……), or None for text."""
    return THINKING_TEXT if isinstance(event, Thinking) else None


def render_answer_body(answer: Answer) -> None:
    """Draw the answer text (the chat page calls this where it used to print the raw answer)."""
    import streamlit as st

    if answer.refused:
        st.warning(literal_markdown(answer.answer), icon=":material/search_off:")
    else:
        st.markdown(answer_markdown(answer))
        if answer.sources_seen is not None and answer.sources_seen < len(answer.hits):
            st.caption(f"大模型只读到了前 {answer.sources_seen} 条检索结果（上下文长度所限）。")
