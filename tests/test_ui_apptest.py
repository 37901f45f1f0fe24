"""The Streamlit pages run headless through AppTest: answers, source cards, feedback, original text, management."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from urllib.parse import parse_qs

import pytest
import streamlit as st
from google.protobuf import text_format
from streamlit.testing.v1 import AppTest

from assistant.answer.refusal import NOT_FOUND
from assistant.feedback import FeedbackStore
from assistant.service import PolicyAssistant
from tests.conftest import DIRECTIVE_ID, REPO, write_doc

APP = REPO / "ui" / "app.py"
STARTERS = [
    "西部地区在养老服务方面有哪些安排？",
    "到2035年西部地区的发展目标是什么？",
    "支持哪些城市建设国际门户枢纽城市？",
    "对西部地区有哪些财税支持政策？",
]
ELDERLY = "西部地区在养老服务方面有哪些安排？"
ELDERLY_LABEL = "《指导意见》六、（二十五）健全养老服务体系"
NO_NUMBER_IN_TEXT = "西部地区鼓励类产业企业所得税优惠税率是多少？"
ADMIN_PASSWORD = "correct-horse-7291"
# "2023~2025 … 2026~2030" is how Chinese titles write year ranges; unescaped, GFM strikes through the text between.
FLOOD_TITLE = "关于2023~2025年防汛规划和2026~2030年展望的通知"
FLOOD = f"""{FLOOD_TITLE}

（一）压实防汛责任。各级政府要落实防汛抗旱行政首长负责制。

（二）储备防汛物资。各地要提前储备沙袋和冲锋舟。
"""
# A source card's title is "**[1] label**" (escaped); related clauses have no number.
CARD_TITLE = re.compile(r"^\*\*\\\[\d+\\\]( \\\[\d+\\\])*")


@pytest.fixture
def shared_data(directive_assistant: PolicyAssistant, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The app reads the session index in place; only for tests that write nothing (no feedback, no admin)."""
    data_dir = directive_assistant.settings.data_dir
    monkeypatch.setenv("POLICY_ASSISTANT_DATA_DIR", str(data_dir))
    return data_dir


@pytest.fixture
def own_data(directive_assistant: PolicyAssistant, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A copy of the session index the test may write to (feedback database, management page)."""
    data_dir = tmp_path / "app-data"
    shutil.copytree(directive_assistant.settings.data_dir, data_dir)
    monkeypatch.setenv("POLICY_ASSISTANT_DATA_DIR", str(data_dir))
    return data_dir


def start_app() -> AppTest:
    """A fresh session of the app whose assistant is built from the current environment."""
    # The assistant is a process-wide cache_resource; without clearing, a test would inherit another's settings.
    st.cache_resource.clear()
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    return at


def ask(at: AppTest, question: str) -> AppTest:
    at.chat_input[0].set_value(question).run()
    assert not at.exception, at.exception
    return at


def plain(markdown: str) -> str:
    """Rendered Markdown minus the escaping backslashes safe_md adds."""
    return markdown.replace("\\", "")


def markdowns(at: AppTest) -> list[str]:
    return [m.value for m in at.main.markdown]


def card_titles(at: AppTest) -> list[str]:
    return [plain(m) for m in markdowns(at) if CARD_TITLE.match(m)]


def element_texts(at: AppTest) -> list[str]:
    """Every element and block of the page and the sidebar: its protobuf (labels, help, options) and its value."""
    texts: list[str] = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            texts.append(text_format.MessageToString(proto, as_utf8=True))
        try:
            value = node.value  # widgets keep what the user typed in session state, not in the proto
        except Exception:
            value = None
        if value is not None:
            texts.append(str(value))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at.main)
    walk(at.sidebar)
    return texts


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def buttons_with_key_prefix(at: AppTest, prefix: str) -> list:
    return [b for b in at.button if (b.key or "").startswith(prefix)]


# --- chat page --------------------------------------------------------------


def test_first_load_offers_the_starter_questions_and_says_answers_are_offline_excerpts(shared_data):
    at = start_app()

    labels = [b.label for b in at.button]
    assert all(starter in labels for starter in STARTERS)
    assert "可以这样问" in plain(" ".join(markdowns(at)))
    assert any("离线摘录" in m.value for m in at.sidebar.markdown)
    assert not at.chat_message


def test_starter_button_asks_its_question(shared_data):
    at = start_app()

    button(at, STARTERS[0]).click().run()

    assert not at.exception, at.exception
    assert at.chat_message[0].markdown[0].value == ELDERLY
    assert any(title.endswith(f"{ELDERLY_LABEL}**") for title in card_titles(at))


def test_question_gets_the_library_answer_with_a_verified_highlighted_source_card(
    shared_data, directive_assistant: PolicyAssistant
):
    expected = directive_assistant.ask(ELDERLY)
    at = start_app()

    ask(at, ELDERLY)

    user, assistant = at.chat_message
    assert user.name == "user" and assistant.name == "assistant"
    answer = plain(assistant.markdown[0].value)
    assert answer.startswith(ELDERLY_LABEL)
    assert answer == expected.answer.replace("\n", "  \n")
    assert card_titles(at) == [f"**[1] {ELDERLY_LABEL}**"]
    assert any(m.startswith(":green-badge[") and "已核实" in m for m in markdowns(at))
    highlighted = [m for m in markdowns(at) if ":orange-background[" in m]
    assert len(highlighted) == 1
    assert plain(expected.citations[0].quote[:40]) in plain(highlighted[0])
    card_link = assistant.get("page_link")[0]
    assert card_link.value == "在原文中查看"
    assert card_link.proto.page == "documents"
    assert parse_qs(card_link.proto.query_string) == {"doc": [DIRECTIVE_ID], "clause": ["二十五"]}
    assert [e.label for e in assistant.expander] == ["相关条款（供参考，未作为引用）", "复制引用（公文格式）"]
    assert not any(starter in [b.label for b in at.button] for starter in STARTERS)


def test_question_the_text_cannot_answer_is_refused_with_the_closest_clauses(shared_data):
    at = start_app()

    ask(at, NO_NUMBER_IN_TEXT)

    assert len(at.warning) == 1
    assert at.warning[0].value.startswith(NOT_FOUND)
    assert card_titles(at) == []
    closest = [e for e in at.expander if e.label == "最接近的条款（供参考）"]
    assert len(closest) == 1
    assert any("（三十）财税支持" in m.value for m in closest[0].markdown)
    assert "复制引用（公文格式）" not in [e.label for e in at.expander]


def test_follow_up_question_is_searched_as_a_full_question(shared_data):
    at = start_app()

    ask(at, "国家对西部地区的医疗有什么支持？")
    ask(at, "那教育方面呢？")

    captions = [plain(c.value) for c in at.chat_message[-1].caption]
    assert "已按“国家对西部地区的教育有什么支持？”检索" in captions
    follow_up = at.chat_message[-1]
    titles = [plain(m.value) for m in follow_up.markdown if CARD_TITLE.match(m.value)]
    assert any("（二十二）支持教育高质量发展" in t for t in titles)


def test_negative_feedback_with_reasons_and_comment_is_stored_in_sqlite(own_data):
    at = start_app()
    ask(at, ELDERLY)
    answer_text = plain(at.chat_message[-1].markdown[0].value)
    down = buttons_with_key_prefix(at, "down-")
    assert len(down) == 1
    answer_id = down[0].key.removeprefix("down-")

    down[0].click().run()
    at.multiselect(key=f"reasons-{answer_id}").set_value(["不准确", "引用错误"])
    at.text_area(key=f"comment-{answer_id}").input("第二句没有引全。")
    button(at, "提交反馈").click().run()

    assert not at.exception, at.exception
    records = FeedbackStore(own_data / "feedback.sqlite3").all()
    assert len(records) == 1
    record = records[0]
    assert record.answer_id == answer_id
    assert record.rating == "down"
    assert record.reasons == ["不准确", "引用错误"]
    assert record.comment == "第二句没有引全。"
    assert record.question == ELDERLY
    assert record.answer.replace("\n", "  \n") == answer_text
    assert [c["clause"] for c in record.citations] == ["二十五"]
    assert any(c.value.startswith("已收到您的反馈") for c in at.caption)
    assert not buttons_with_key_prefix(at, "down-")
    assert "提交反馈" not in [b.label for b in at.button]


def test_positive_feedback_is_stored_in_sqlite(own_data):
    at = start_app()
    ask(at, ELDERLY)
    up = buttons_with_key_prefix(at, "up-")
    assert len(up) == 1

    up[0].click().run()

    assert not at.exception, at.exception
    records = FeedbackStore(own_data / "feedback.sqlite3").all()
    assert [(r.answer_id, r.rating, r.reasons, r.question) for r in records] == [
        (up[0].key.removeprefix("up-"), "up", [], ELDERLY)
    ]
    assert any(c.value.startswith("已收到您的反馈") for c in at.caption)


def test_new_conversation_clears_the_messages_and_brings_back_the_starters(shared_data):
    at = start_app()
    ask(at, ELDERLY)
    assert at.chat_message

    button(at, "新对话").click().run()

    assert not at.exception, at.exception
    assert not at.chat_message
    assert all(starter in [b.label for b in at.button] for starter in STARTERS)
    assert not at.get("download_button")


def test_answered_conversation_offers_markdown_and_word_export(shared_data):
    at = start_app()
    assert not at.get("download_button")

    ask(at, ELDERLY)

    assert [d.label for d in at.get("download_button")] == ["导出 Markdown", "导出 Word"]


def test_user_text_is_shown_escaped_never_as_html(shared_data):
    at = start_app()

    ask(at, "<script>alert(1)</script>西部地区养老")

    assert at.chat_message[0].markdown[0].value.startswith(r"\<script\>alert\(1\)\</script\>")
    assert not [t for t in element_texts(at) if "<script>" in t]
    assert card_titles(at)


def test_too_long_question_is_answered_with_a_chinese_error_and_not_kept(shared_data):
    at = start_app()

    ask(at, "西部地区" * 126)

    assert [e.value for e in at.error] == [r"问题过长（504 字），请精简到 500 字以内。"]
    at.run()
    assert not at.chat_message
    assert all(starter in [b.label for b in at.button] for starter in STARTERS)


def test_blank_question_asks_for_something_to_search(shared_data):
    at = start_app()

    ask(at, "   ")

    assert [e.value for e in at.error] == ["问题为空，请输入要查询的内容。"]


# --- documents page ---------------------------------------------------------


def test_documents_page_shows_every_clause_and_flags_the_numbering_gap(shared_data):
    at = start_app()

    at.switch_page("views/documents.py").run()

    assert not at.exception, at.exception
    assert any("（二十七）" in w.value for w in at.warning)
    subheaders = [s.value for s in at.subheader]
    assert "二、（三）推动形成现代化产业体系" in subheaders
    assert "六、（二十五）健全养老服务体系" in subheaders
    assert not any("当前查看" in m for m in markdowns(at))


def test_documents_page_focuses_the_clause_named_in_the_link(shared_data):
    at = start_app()
    at.switch_page("views/documents.py")
    at.query_params["doc"] = DIRECTIVE_ID
    at.query_params["clause"] = "十五"

    at.run()

    assert not at.exception, at.exception
    focused = [plain(m) for m in markdowns(at) if "当前查看" in m]
    assert focused == ["**当前查看：《指导意见》四、（十五）稳步开展重点区域综合治理**"]


def test_documents_page_warns_when_the_linked_clause_does_not_exist(shared_data):
    at = start_app()
    at.switch_page("views/documents.py")
    at.query_params["doc"] = DIRECTIVE_ID
    at.query_params["clause"] = "九十九"

    at.run()

    assert not at.exception, at.exception
    assert any(w.value.startswith("该条款在当前文档中不存在") for w in at.warning)
    assert not any("当前查看" in m for m in markdowns(at))


def test_documents_page_shows_an_uploaded_title_literally(own_data):
    write_doc(own_data / "documents", "flood.txt", FLOOD)
    at = start_app()  # the upload folder changed, so the app re-indexes on start
    at.switch_page("views/documents.py")
    at.query_params["doc"] = "flood"

    at.run()

    assert not at.exception, at.exception
    title = at.title[0].value
    assert plain(title) == FLOOD_TITLE
    assert not re.search(r"(?<!\\)~", title), f"title rendered as Markdown: {title!r}"


# --- management page --------------------------------------------------------


def test_management_page_is_locked_when_no_admin_password_is_set(shared_data):
    at = start_app()

    at.switch_page("views/manage.py").run()

    assert not at.exception, at.exception
    assert any("POLICY_ASSISTANT_UI" in plain(w.value) for w in at.warning)
    assert not at.get("file_uploader")
    assert not at.text_input


def log_in(monkeypatch: pytest.MonkeyPatch, typed: str) -> AppTest:
    monkeypatch.setenv("POLICY_ASSISTANT_UI__ADMIN_PASSWORD", ADMIN_PASSWORD)
    at = start_app()
    at.switch_page("views/manage.py").run()
    assert not at.get("file_uploader")
    at.text_input[0].input(typed)
    button(at, "登录").click().run()
    assert not at.exception, at.exception
    return at


def test_management_page_refuses_a_wrong_password(own_data, monkeypatch):
    at = log_in(monkeypatch, "wrong-password")

    assert [e.value for e in at.error] == ["密码不正确。"]
    assert not at.get("file_uploader")
    assert [t for t in element_texts(at) if "wrong-password" in t]  # the scan below does see typed values
    assert not [t for t in element_texts(at) if ADMIN_PASSWORD in t]


def test_management_page_opens_with_the_right_password_and_never_shows_it(own_data, monkeypatch):
    at = log_in(monkeypatch, ADMIN_PASSWORD)

    assert not at.error
    assert len(at.get("file_uploader")) == 1
    assert "重新索引全部文档" in [b.label for b in at.button]
    assert not at.text_input
    assert not [t for t in element_texts(at) if ADMIN_PASSWORD in t]


def test_admin_uploads_a_document_then_removes_it(own_data, monkeypatch):
    at = log_in(monkeypatch, ADMIN_PASSWORD)

    at.get("file_uploader")[0].set_value(("flood.txt", FLOOD.encode(), "text/plain")).run()
    button(at, "保存并重新索引").click().run()

    assert not at.exception, at.exception
    assert [m.value for m in at.success] == ["已保存 1 个文件；新增 1 个、更新 0 个文档。"]
    assert (own_data / "documents" / "flood.txt").read_text("utf-8") == FLOOD
    at.run()
    assert list(at.dataframe[0].value["编号"]) == [DIRECTIVE_ID, "flood"]

    remove = next(s for s in at.selectbox if s.label == "选择要删除的文档")
    assert remove.options == [FLOOD_TITLE]
    assert button(at, "删除").disabled
    at.checkbox[0].check().run()
    button(at, "删除").click().run()

    assert not at.exception, at.exception
    assert not (own_data / "documents" / "flood.txt").exists()
    assert list(at.dataframe[0].value["编号"]) == [DIRECTIVE_ID]
    assert any(c.value.startswith("没有可删除的上传文档") for c in at.caption)


def test_admin_upload_of_an_unsupported_file_is_refused_in_chinese(own_data, monkeypatch):
    at = log_in(monkeypatch, ADMIN_PASSWORD)

    at.get("file_uploader")[0].set_value(("fake.pdf", b"not a pdf at all", "application/pdf")).run()
    button(at, "保存并重新索引").click().run()

    assert not at.exception, at.exception
    assert [plain(e.value) for e in at.error] == ["“fake.pdf”的内容与扩展名 .pdf 不符，请确认文件没有损坏。"]
    assert not at.success
    assert not (own_data / "documents").exists() or not list((own_data / "documents").iterdir())
