"""The MCP server (official `mcp` SDK): clause search, clause text, verified answers and the document list for agents."""

from __future__ import annotations

from typing import Any

from mcp.server.mcpserver import MCPServer

from assistant.errors import UserError
from assistant.retrieve import SearchFilter
from assistant.service import PolicyAssistant

INSTRUCTIONS = (
    "政策问答助手：检索政策文件条款并回答问题，引用均逐字核验。引用时请使用结果中的 label（条款标签），"
    "并只引用 verified 为 true 的原文。"
    " Policy QA assistant: searches policy clauses and answers with verbatim-verified citations. Quote with each"
    " result's `label`, and only quote text whose `verified` flag is true."
)


def build_server(assistant: PolicyAssistant) -> MCPServer:
    """An MCP server whose tools call the assistant; the caller chooses the transport."""
    server = MCPServer("policy-assistant", instructions=INSTRUCTIONS)

    @server.tool(
        description=(
            "检索与问题最相关的政策条款原文，返回条款标签、原文和得分；doc 可限定文档编号。"
            " Search policy clauses relevant to a query; returns clause label, verbatim text and scores."
            " `doc` restricts the search to one document id; `k` is the number of clauses (1-20)."
        )
    )
    def search_clauses(query: str, k: int = 5, doc: str | None = None) -> dict[str, Any]:
        where = SearchFilter(doc_ids=(doc,)) if doc else None
        try:
            result = assistant.search(query, max(1, min(k, 20)), where)
        except UserError as exc:
            return {"error": str(exc)}
        return {
            "query": result.query,
            "clauses": [
                {
                    "label": h.label,
                    "doc_id": h.doc_id,
                    "clause": h.clause,
                    "text": h.text,
                    "score": h.score,
                    # The text is the clause itself, copied from the index: quoting it is always verified.
                    "verified": True,
                }
                for h in result.hits
            ],
        }

    @server.tool(
        description=(
            "按文档编号和条款编号（如 十七）取条款原文、标签、版本和效力状态。"
            " Get one clause's verbatim text, label, version and status by document id and clause name (e.g. 十七)."
        )
    )
    def get_clause(doc: str, clause: str) -> dict[str, Any]:
        try:
            view = assistant.clause(doc, clause)
        except UserError as exc:
            return {"error": str(exc)}
        return view.model_dump() | {"verified": True}

    @server.tool(
        description=(
            "回答政策问题，返回答案及其引用；每条引用带条款标签和是否逐字核验通过（verified）。"
            " Answer a policy question; returns the answer with citations, each with its clause label and whether"
            " the quote was verified verbatim (`verified`). `refused` is true when the documents do not answer it."
        )
    )
    def ask_policy(question: str) -> dict[str, Any]:
        try:
            answer = assistant.ask(question)
        except UserError as exc:
            return {"error": str(exc)}
        return {
            "question": answer.question,
            "answer": answer.answer,
            "refused": answer.refused,
            "verified": bool(answer.citations) and all(c.verified for c in answer.citations),
            "citations": [
                {
                    "n": c.n,
                    "label": c.label,
                    "doc_id": c.doc_id,
                    "clause": c.clause,
                    "quote": c.quote,
                    "verified": c.verified,
                }
                for c in answer.citations
            ],
            "notice": answer.notice,
        }

    @server.tool(
        description=(
            "列出已索引的政策文件：编号、标题、类型、版本日期、是否现行有效、条款数。"
            " List the indexed policy documents: id, title, kind, version date, in force, clause count."
        )
    )
    def list_documents() -> dict[str, Any]:
        return {"documents": [d.model_dump() for d in assistant.documents()]}

    return server
