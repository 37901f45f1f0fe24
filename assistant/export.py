"""Answers in the forms people paste elsewhere: official citation text, Markdown and Word."""

from __future__ import annotations

import io
from datetime import datetime

from assistant.cite import clause_reference, short_title
from assistant.types import Answer


def official_citation(answer: Answer) -> str:
    """根据《…》第（十七）条，“…”。 — one sentence per verified quote, as an official document cites."""
    titles = {hit.doc_id: hit.doc_title for hit in answer.hits}
    sentences = []
    for citation in answer.citations:
        if not citation.verified:
            continue
        reference = clause_reference(titles.get(citation.doc_id, short_title(citation.label)), citation.clause)
        quote = citation.quote.rstrip("。；;")
        sentences.append(f"根据{reference}，“{quote}”。")
    return "".join(sentences)


def conversation_markdown(turns: list[Answer], title: str = "政策问答记录") -> str:
    lines = [f"# {title}", "", f"导出时间：{datetime.now().strftime('%Y-%m-%d %H:%M')}", ""]
    for number, answer in enumerate(turns, start=1):
        lines += [f"## {number}. {answer.question}", ""]
        if answer.standalone_question != answer.question:
            lines += [f"（检索问题：{answer.standalone_question}）", ""]
        lines += [answer.answer, ""]
        if answer.notice:
            lines += [f"> 提示：{answer.notice}", ""]
        if answer.citations:
            lines.append("引用：")
            for citation in answer.citations:
                badge = "已核实" if citation.verified else "未核实"
                lines.append(f"- [{citation.n}] {citation.label}（{badge}）：“{citation.quote}”")
            lines.append("")
    return "\n".join(lines)


def conversation_docx(turns: list[Answer], title: str = "政策问答记录") -> bytes:
    import docx

    document = docx.Document()
    document.add_heading(title, level=1)
    document.add_paragraph(f"导出时间：{datetime.now().strftime('%Y-%m-%d %H:%M')}")
    for number, answer in enumerate(turns, start=1):
        document.add_heading(f"{number}. {answer.question}", level=2)
        if answer.standalone_question != answer.question:
            document.add_paragraph(f"（检索问题：{answer.standalone_question}）")
        for line in answer.answer.splitlines():
            document.add_paragraph(line)
        if answer.notice:
            document.add_paragraph(f"提示：{answer.notice}")
        for citation in answer.citations:
            badge = "已核实" if citation.verified else "未核实"
            document.add_paragraph(
                f"[{citation.n}] {citation.label}（{badge}）：“{citation.quote}”", style="List Bullet"
            )
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
