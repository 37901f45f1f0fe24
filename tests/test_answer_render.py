"""Answer rendering: model Markdown kept, HTML/links/directives disabled, unverified sentences carry our badge."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from assistant.grounding import UNVERIFIED_MARK
from assistant.llm import Thinking
from assistant.service import PolicyAssistant
from assistant.types import Answer
from tests.conftest import REPO
from tests.fake_llm import FakeLLM, RecordedRequest

sys.path.insert(0, str(REPO / "ui"))
from answer_render import (
    DRAFT_CAPTION,
    THINKING_TEXT,
    UNVERIFIED_BADGE,
    answer_markdown,
    draft_markdown,
    model_markdown,
    status_text,
)

APP = REPO / "ui" / "app.py"


def llm_answer(text: str, **extra: object) -> Answer:
    fields = {"question": "问", "standalone_question": "问", "answer": text, "refused": False, "mode": "llm"}
    return Answer.model_validate(fields | {"citations": [], "hits": []} | extra)


@pytest.mark.parametrize(
    ("model_text", "markdown"),
    [
        ("**要点**：全面放开", "**要点**：全面放开"),
        ("### 标题\n- 第一\n- 第二", "### 标题  \n- 第一  \n- 第二"),
        ("<script>alert(1)</script>", "\\<script\\>alert(1)\\</script\\>"),
        ("[点这里](http://evil.example)", "\\[点这里\\](http\\://evil.example)"),
        ("![图](x.png)", "!\\[图\\](x.png)"),
        (":red[假的已核实] :material/verified:", "\\:red\\[假的已核实\\] \\:material/verified\\:"),
        ("2023~2025年", "2023\\~2025年"),
        ("见 www.example.com", "见 www\\.example.com"),
        ("$x$ 与 &amp;", "\\$x\\$ 与 \\&amp;"),
    ],
)
def test_model_markdown_keeps_structure_and_disables_html_links_and_directives(model_text, markdown):
    assert model_markdown(model_text) == markdown


def test_unverified_sentences_get_our_badge_and_nothing_else_does():
    answer = llm_answer(f"要“全面放开养老服务市场”[1]。专项资金500亿元。{UNVERIFIED_MARK}")

    body = answer_markdown(answer)

    assert body == f"要“全面放开养老服务市场”\\[1\\]。专项资金500亿元。 {UNVERIFIED_BADGE}"


def test_extractive_answers_are_shown_literally():
    answer = llm_answer("《指导意见》提出：“# 不是标题*”[1]", mode="extractive")

    assert answer_markdown(answer) == "《指导意见》提出：“\\# 不是标题\\*”\\[1\\]"


def test_truncated_answer_says_so():
    assert "截断" in answer_markdown(llm_answer("要“全面放开”[1]。", truncated=True))


def test_the_streaming_draft_says_it_is_not_yet_verified():
    draft = draft_markdown("**要点**<i>")

    assert draft.startswith(f":gray[{DRAFT_CAPTION}]")
    assert draft.endswith("**要点**\\<i\\>▌")


def test_thinking_event_has_a_status_line_and_text_has_none():
    assert status_text(Thinking()) == THINKING_TEXT
    assert status_text("文本") is None


@pytest.fixture
def llm_app(directive_assistant: PolicyAssistant, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeLLM]:
    with FakeLLM() as server:
        monkeypatch.setenv("POLICY_ASSISTANT_DATA_DIR", str(directive_assistant.settings.data_dir))
        monkeypatch.setenv("POLICY_ASSISTANT_LLM__BASE_URL", server.url + "/v1")
        monkeypatch.setenv("POLICY_ASSISTANT_LLM__MAX_RETRIES", "0")
        # Anonymous chat: the page answers without an account and writes nothing to the shared data dir.
        monkeypatch.setenv("POLICY_ASSISTANT_ACCOUNTS__ANONYMOUS_CHAT", "true")
        yield server
    st.cache_resource.clear()


def test_chat_page_marks_the_unverified_sentence_of_a_model_answer(llm_app: FakeLLM):
    def write(request: RecordedRequest) -> str:
        n, (_, text) = next((n, c) for n, c in request.clauses().items() if "（二十五）" in c[0])
        quote = text.split("。")[1]
        return f"**结论**：西部地区要“{quote}”[{n}]。\n中央财政安排专项资金500亿元。<b>粗体</b>"

    llm_app.enqueue_scripted(write, reasoning="先想一想")
    st.cache_resource.clear()
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.run()

    at.chat_input[0].set_value("西部地区在养老服务方面有哪些安排？").run()

    assert not at.exception, at.exception
    body = at.chat_message[1].markdown[0].value
    assert body.startswith("**结论**：西部地区要“加快构建")
    assert f"500亿元。 {UNVERIFIED_BADGE}\\<b\\>粗体\\</b\\> {UNVERIFIED_BADGE}" in body
    assert "先想一想" not in "".join(m.value for m in at.main.markdown)
