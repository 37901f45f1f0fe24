"""What the user sees for answers written the way real models write them, through the real client over HTTP.

Every scripted answer is built from the clause text the product actually sent, so a correct quote is
verbatim by construction and a wrong one is wrong by a known edit. Each row states what must be shown,
what must never be shown, and which sentences must carry the 未经原文核实 mark.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest

from assistant.answer.refusal import NOT_FOUND
from assistant.cite import locate_quote
from assistant.grounding import UNVERIFIED_MARK
from assistant.service import PolicyAssistant
from assistant.settings import Settings
from assistant.types import Answer, Clause
from tests.conftest import clean_environment
from tests.fake_llm import FakeLLM, RecordedRequest

ELDER = "西部地区养老服务有哪些安排？"
AIR = "西部地区大气污染防治有哪些要求？"
FAKE = "国家为每位西部老人每月发放一千元养老补贴"
THINKING = "用户在问养老，我先编一个“国家补贴两千元”[1]试试"


@dataclass(frozen=True)
class Sent:
    """The clauses of one request, as the model saw them."""

    request: RecordedRequest
    by_number: dict[int, tuple[str, str]]

    def number(self, clause_tag: str) -> int:
        return next(n for n, (label, _) in self.by_number.items() if clause_tag in label)

    def sentences(self, clause_tag: str) -> list[str]:
        text = self.by_number[self.number(clause_tag)][1]
        return [s for s in re.split(r"(?<=。)", text) if s]

    def text(self, n: int) -> str:
        return self.by_number[n][1]


def elder_quotes(sent: Sent) -> tuple[int, str, str]:
    """Clause 二十五's number and two verbatim pieces: its second sentence, and a phrase of its third."""
    n = sent.number("（二十五）")
    sentences = sent.sentences("（二十五）")
    first = sentences[1].rstrip("。")
    second = sentences[2].split(",")[1]
    return n, first, second


Writer = Callable[[Sent], str]


@dataclass(frozen=True)
class Row:
    name: str
    write: Writer
    question: str = ELDER
    mode: str = "llm"
    refused: bool = False
    truncated: bool = False
    shown: Callable[[Sent], list[str]] = lambda s: []
    hidden: Callable[[Sent], list[str]] = lambda s: []
    marked: Callable[[Sent], list[str]] = lambda s: []  # pieces of sentences shown with the unverified mark
    notice: str | None = None  # a phrase the notice must contain; None: no notice at all
    reasoning: str = ""
    finish: str = "stop"
    extra: dict[str, object] = field(default_factory=dict)


def q1(s: Sent) -> str:
    return elder_quotes(s)[1]


def q2(s: Sent) -> str:
    return elder_quotes(s)[2]


def n1(s: Sent) -> int:
    return elder_quotes(s)[0]


def other(s: Sent) -> int:
    return next(n for n in s.by_number if n != n1(s))


def good(s: Sent) -> str:
    return f"西部地区要“{q1(s)}”[{n1(s)}]。"


CORRECT = {"shown": lambda s: [q1(s)]}

ROWS: list[Row] = [
    # --- correct answers in every marker style: kept, verified ---------------------------------
    Row("plain markers", lambda s: f"西部地区要“{q1(s)}”[{n1(s)}]。同时“{q2(s)}”[{n1(s)}]。", **CORRECT),
    Row("two markers", lambda s: f"西部地区要“{q1(s)}”[{n1(s)}][{other(s)}]。", **CORRECT),
    Row("comma list", lambda s: f"西部地区要“{q1(s)}”[{n1(s)}, {other(s)}]。", **CORRECT),
    Row("range", lambda s: f"西部地区要“{q1(s)}”[1-{max(n1(s), 2)}]。", **CORRECT),
    Row("full-width brackets", lambda s: f"西部地区要“{q1(s)}”【{n1(s)}】。", **CORRECT),
    Row(
        "footnotes",
        lambda s: f"西部地区要“{q1(s)}”[^{n1(s)}]。\n\n[^{n1(s)}]: {s.by_number[n1(s)][0]}",
        shown=lambda s: [q1(s)],
        hidden=lambda s: ["[^"],
    ),
    Row("source in parentheses", lambda s: f"西部地区要“{q1(s)}”（来源：[{n1(s)}]）。", **CORRECT),
    Row("markers closing a paragraph", lambda s: f"西部地区要“{q1(s)}”。同时“{q2(s)}”。[{n1(s)}]", **CORRECT),
    Row("full stop inside the quote", lambda s: f"西部地区要“{q1(s)}。”[{n1(s)}]此外“{q2(s)}”[{n1(s)}]。", **CORRECT),
    Row("marker inside the quote", lambda s: f"西部地区要“{q1(s)}[{n1(s)}]”。", **CORRECT),
    Row("full-width square brackets", lambda s: f"西部地区要“{q1(s)}”［{n1(s)}］。", **CORRECT),
    Row("bold marker", lambda s: f"西部地区要“{q1(s)}”**[{n1(s)}]**。", **CORRECT),
    Row("labelled bracket", lambda s: f"西部地区要“{q1(s)}”[条款{n1(s)}]。", **CORRECT),
    Row("corner brackets", lambda s: f"西部地区要「{q1(s)}」[{n1(s)}]。", **CORRECT),
    Row("clause label", lambda s: f"根据第（二十五）条，西部地区要“{q1(s)}”。", **CORRECT),
    Row("title and clause number", lambda s: f"《指导意见》第二十五条提出“{q1(s)}”。", **CORRECT),
    Row(
        "markdown list",
        lambda s: f"### 养老服务\n\n主要安排如下：\n\n1. **居家社区**：“{q1(s)}”[{n1(s)}]\n2. 还要“{q2(s)}”[{n1(s)}]",
        shown=lambda s: [q1(s), q2(s), "### 养老服务"],
    ),
    Row(
        "blockquote and bold heading",
        lambda s: f"**答案：**\n> “{q1(s)}”[{n1(s)}]\n\n此外还要“{q2(s)}”[{n1(s)}]。",
        shown=lambda s: [q1(s), q2(s)],
    ),
    Row(
        "two consecutive sentences in one quote",
        lambda s: f"文件写道：“{''.join(s.sentences('（二十五）')[1:3])}”[{n1(s)}]",
        shown=lambda s: [q1(s)],
    ),
    Row(
        "circled enumeration",
        lambda s: f"主要有两点：①“{q1(s)}”[{n1(s)}]；②“{q2(s)}”[{n1(s)}]。",
        shown=lambda s: [q1(s), q2(s)],
    ),
    Row("own words, cited", lambda s: f"文件要求{q2(s)}[{n1(s)}]。", shown=lambda s: [q2(s)]),
    Row(
        "punctuation width",
        lambda s: f"西部地区要“{s.sentences('（二十五）')[2].split(',')[0]}，{q2(s)}”[{n1(s)}]。",
        shown=lambda s: [q2(s)],
    ),
    # --- reasoning models -----------------------------------------------------------------------
    Row("think block inline", lambda s: f"<think>{THINKING}</think>\n{good(s)}", hidden=lambda s: ["两千元", "<think"]),
    Row("reasoning_content", good, reasoning=THINKING, hidden=lambda s: ["两千元"], shown=lambda s: [q1(s)]),
    Row(
        "think opened by the template", lambda s: f"{THINKING}</think>{good(s)}", hidden=lambda s: ["两千元", "think>"]
    ),
    Row(
        "unterminated think",
        lambda s: f"<think>{THINKING}，还要再想想",
        mode="extractive",
        finish="length",
        hidden=lambda s: ["两千元"],
        notice="长度上限",
    ),
    # --- made-up content: never shown without the mark -------------------------------------------
    Row(
        "made-up sentence inside a quote",
        lambda s: f"{good(s)}“对西部地区养老机构一律免征企业所得税。{q2(s)}”[{n1(s)}]",
        marked=lambda s: ["一律免征企业所得税"],
        notice="未经原文核实",
    ),
    Row(
        "made-up figure without a marker",
        lambda s: f"{good(s)}中央财政为此安排专项资金500亿元。",
        marked=lambda s: ["500亿元"],
        notice="未经原文核实",
    ),
    Row(
        "invented clause",
        lambda s: f"{good(s)}第（五十）条规定每位老人每月补贴1000元。",
        marked=lambda s: ["第（五十）条"],
        notice="第（五十）条",
    ),
    Row(
        "injected instruction obeyed",
        lambda s: f"{good(s)}西部大开发已经全部完成[{n1(s)}]。",
        marked=lambda s: ["西部大开发已经全部完成"],
        notice="未经原文核实",
    ),
    Row(
        "marker for a clause not given",
        lambda s: f"{good(s)}另据“{q2(s)}”[9]。",
        marked=lambda s: [f"另据“{q2(s)}”"],
        hidden=lambda s: ["[9]"],
        notice="[9]",
    ),
    Row(
        "figure changed beside a verified quote",
        lambda s: f"{good(s)}要在3年内“{q2(s)}”[{n1(s)}]。",
        marked=lambda s: ["3年内"],
        notice="未经原文核实",
    ),
    Row(
        "real quote cited to the wrong clause",
        lambda s: f"{good(s)}医疗方面“{s.sentences('（二十三）')[1].split(',')[0].rstrip('。')}”[{n1(s)}]。",
        marked=lambda s: ["医疗方面"],
        notice="未经原文核实",
    ),
    Row(
        "ellipsis join of single characters",
        lambda s: f"文件要求“养……老……机……构……”[{n1(s)}]。",
        mode="extractive",
        hidden=lambda s: ["养……老"],
        notice="逐字核实",
    ),
    Row(
        "every quote made up",
        lambda s: f"国家“{FAKE}”[{n1(s)}]。并且“每个县都建设一所养老大学”[{n1(s)}]。",
        mode="extractive",
        hidden=lambda s: [FAKE],
        notice="均未能在原文中逐字核实",
    ),
    Row(
        "no markers at all",
        lambda s: "养老服务要以居家为基础，社区为依托。",
        mode="extractive",
        notice="没有标注出处",
    ),
    # --- near-verbatim quotes -------------------------------------------------------------------
    Row(
        "one character changed",
        lambda s: f"{good(s)}同时“{q2(s).replace('放开', '开放')}”[{n1(s)}]。",
        marked=lambda s: [q2(s).replace("放开", "开放")],
        notice="未经原文核实",
    ),
    Row(
        "page-break join",
        lambda s: f"要“{_around(s.text(s.number('（十五）')), '乌鲁齐')}”[{s.number('（十五）')}]。",
        question=AIR,
        shown=lambda s: ["乌鲁齐"],
    ),
    Row(
        "typo corrected",
        lambda s: (
            f"要“{s.sentences('（十五）')[1].rstrip('。')}”[{s.number('（十五）')}]。"
            f"重点是“{_around(s.text(s.number('（十五）')), '乌鲁齐').replace('乌鲁齐', '乌鲁木齐')}”[{s.number('（十五）')}]。"
        ),
        question=AIR,
        marked=lambda s: ["乌鲁木齐"],
        notice="未经原文核实",
    ),
    Row(
        "quote spanning two clauses",
        lambda s: f"{good(s)}“{s.text(n1(s))[-8:]}{s.text(other(s))[:8]}”[{n1(s)}][{other(s)}]。",
        marked=lambda s: [s.text(n1(s))[-8:]],
        notice="未经原文核实",
    ),
    # --- refusals -------------------------------------------------------------------------------
    Row(
        "refusal in the prompt's words",
        lambda s: f"{NOT_FOUND}关于养老补贴具体金额的规定。",
        refused=True,
        shown=lambda s: [NOT_FOUND],
    ),
    Row("refusal worded differently", lambda s: "文件中没有相关规定。", refused=True, shown=lambda s: ["没有相关规定"]),
    Row(
        "refusal followed by a made-up quote",
        lambda s: f"{NOT_FOUND}具体金额。另据“{FAKE}”[{n1(s)}]。",
        refused=True,
        hidden=lambda s: [FAKE, "[1]"],
    ),
    # --- empty, English, cut off ------------------------------------------------------------------
    Row("empty answer", lambda s: "", mode="extractive", notice="没有返回内容"),
    Row(
        "English answer",
        lambda s: f"The guideline asks to fully open the elderly care market [{n1(s)}].",
        mode="extractive",
        hidden=lambda s: ["guideline"],
        notice="已改用原文摘录回答",
    ),
    Row(
        "cut off mid-quote",
        lambda s: f"{good(s)}同时“{q2(s)[:5]}",
        finish="length",
        truncated=True,
        marked=lambda s: [f"同时“{q2(s)[:5]}"],
        notice="截断",
    ),
    Row(
        "cut off after a whole sentence",
        good,
        finish="length",
        truncated=True,
        shown=lambda s: [q1(s)],
        notice="截断",
    ),
]


def _around(text: str, word: str) -> str:
    at = text.index(word)
    return text[max(0, at - 6) : at + len(word) + 5]


@pytest.fixture(scope="module")
def server() -> Iterator[FakeLLM]:
    with FakeLLM() as fake:
        yield fake


@pytest.fixture(scope="module")
def assistant(server: FakeLLM, directive_assistant: PolicyAssistant, embedder) -> PolicyAssistant:
    data_dir = directive_assistant.settings.data_dir
    config = {"base_url": server.url + "/v1", "api_key": "sk-test", "model": "fake-model", "timeout": 5}
    with pytest.MonkeyPatch.context() as monkeypatch:
        clean_environment(monkeypatch, data_dir, data_dir.parent)
        settings = Settings(data_dir=data_dir, llm=config | {"max_retries": 0})
    return PolicyAssistant(settings, embedder=embedder)


def test_the_table_covers_at_least_thirty_styles():
    assert len(ROWS) >= 30
    assert len({r.name for r in ROWS}) == len(ROWS)


@pytest.mark.parametrize("row", ROWS, ids=[r.name for r in ROWS])
def test_what_the_user_sees(row: Row, server: FakeLLM, assistant: PolicyAssistant, directive_assistant):
    server.reset()
    seen: list[Sent] = []

    def write(request: RecordedRequest) -> str:
        sent = Sent(request, request.clauses())
        seen.append(sent)
        return row.write(sent)

    server.enqueue_scripted(write, reasoning=row.reasoning, finish_reason=row.finish)

    answer = assistant.ask(row.question)

    (sent,) = seen
    assert (answer.mode, answer.refused, answer.truncated) == (row.mode, row.refused, row.truncated), answer.notice
    for piece in row.shown(sent):
        assert piece in answer.answer
    for piece in row.hidden(sent):
        assert piece not in answer.answer
        assert all(piece not in c.text for c in answer.claims)
    if row.notice is None:
        assert answer.notice is None
    else:
        assert answer.notice is not None and row.notice in answer.notice
    for piece in row.marked(sent):
        assert_marked(answer, piece)
    assert_every_unverified_sentence_is_marked(answer)
    assert_shown_quotes_are_verbatim(answer, directive_assistant.index.clauses)
    assert "<think" not in answer.answer and "reasoning" not in answer.answer
    if row.name == "page-break join":
        (citation,) = answer.citations
        clause = directive_assistant.index.clauses[f"{citation.doc_id}#{citation.clause}"]
        assert any(citation.start < join < citation.end for join in clause.joins)  # the quote spans the break
    if row.mode == "llm" and not row.refused:
        assert answer.sources_seen == len(sent.by_number)
        assert any(c.supported and c.citations for c in answer.claims)


def assert_marked(answer: Answer, piece: str) -> None:
    claims = [c for c in answer.claims if piece in c.text]
    assert claims, f"no claim holds {piece!r}"
    assert all(not c.supported and c.reason for c in claims)
    line = next(line for line in answer.answer.splitlines() if piece in line)
    assert UNVERIFIED_MARK in line[line.index(piece) :]


def assert_every_unverified_sentence_is_marked(answer: Answer) -> None:
    """No claim that failed its check is shown without the mark (refusals are shown as refusals)."""
    if answer.refused:
        return
    for claim in answer.claims:
        if not claim.supported:
            assert claim.text + UNVERIFIED_MARK in re.sub(r"\[\d+\]", "", answer.answer), claim


def assert_shown_quotes_are_verbatim(answer: Answer, clauses: dict[str, Clause]) -> None:
    for citation in answer.citations:
        if citation.verified:
            clause = clauses[f"{citation.doc_id}#{citation.clause}"]
            match = locate_quote(citation.quote, clause.text)
            assert match is not None
            assert (match.start, match.end) == (citation.start, citation.end)
