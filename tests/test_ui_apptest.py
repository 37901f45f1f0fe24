"""The Streamlit pages run headless through AppTest: answers, source cards, feedback, original text, management."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from urllib.parse import parse_qs

import pytest
import streamlit as st
from google.protobuf import text_format
from streamlit.testing.v1 import AppTest

from assistant.accounts import account_store
from assistant.answer.refusal import NOT_FOUND
from assistant.audit import audit_log
from assistant.feedback import FeedbackStore
from assistant.service import PolicyAssistant
from assistant.settings import load_settings
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
PASSWORD = "correct-horse-7291"
# "2023~2025 … 2026~2030" is how Chinese titles write year ranges; unescaped, GFM strikes through the text between.
FLOOD_TITLE = "关于2023~2025年防汛规划和2026~2030年展望的通知"
FLOOD = f"""{FLOOD_TITLE}

（一）压实防汛责任。各级政府要落实防汛抗旱行政首长负责制。

（二）储备防汛物资。各地要提前储备沙袋和冲锋舟。
"""
# A source card's title is "**[1] label**" (escaped); related clauses have no number.
MARKER_LINK = re.compile(r"\[\[(\d+)\]\]\(#(cite-[0-9a-f]+-\d+)\)")
CARD_TITLE = re.compile(r"^\*\*\\\[\d+\\\]( \\\[\d+\\\])*")


@pytest.fixture
def shared_data(directive_assistant: PolicyAssistant, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The app reads the session index in place; only for tests that write nothing (anonymous chat, no saving)."""
    data_dir = directive_assistant.settings.data_dir
    monkeypatch.setenv("POLICY_ASSISTANT_DATA_DIR", str(data_dir))
    monkeypatch.setenv("POLICY_ASSISTANT_ACCOUNTS__ANONYMOUS_CHAT", "true")
    return data_dir


@pytest.fixture
def own_data(directive_assistant: PolicyAssistant, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A copy of the session index the test may write to (feedback, accounts, conversations, management)."""
    data_dir = tmp_path / "app-data"
    shutil.copytree(directive_assistant.settings.data_dir, data_dir)
    monkeypatch.setenv("POLICY_ASSISTANT_DATA_DIR", str(data_dir))
    monkeypatch.setenv("POLICY_ASSISTANT_ACCOUNTS__ANONYMOUS_CHAT", "true")
    return data_dir


def start_app(user: str | None = None, roles: tuple[str, ...] = ()) -> AppTest:
    """A fresh session of the app whose assistant is built from the current environment, signed in as `user`."""
    # The assistant is a process-wide cache_resource; without clearing, a test would inherit another's settings.
    st.cache_resource.clear()
    at = AppTest.from_file(str(APP), default_timeout=120)
    if user is not None:
        store = account_store(load_settings())
        if store.get(user) is None:
            store.add(user, PASSWORD, roles, actor="test")
        at.session_state["session_token"] = store.start_session(user)
    at.run()
    assert not at.exception, at.exception
    return at


def ask(at: AppTest, question: str) -> AppTest:
    at.chat_input[0].set_value(question).run()
    assert not at.exception, at.exception
    return at


def plain(markdown: str) -> str:
    """Rendered Markdown minus the escaping backslashes safe_md adds and the links of citation markers."""
    return MARKER_LINK.sub(lambda m: f"[{m[1]}]", markdown.replace("\\", ""))


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
    markers = MARKER_LINK.findall(assistant.markdown[0].value.replace("\\", ""))
    assert answer == expected.answer.replace("\n", "  \n")
    # Each marker links to the anchor at the top of its own source card.
    assert [n for n, _ in markers] == ["1"]
    anchors = [h.proto.body for h in assistant.get("html")]
    assert anchors == [f'<div id="{markers[0][1]}" class="citation-anchor"></div>']
    assert card_titles(at) == [f"**[1] {ELDERLY_LABEL}**"]
    assert any(m.startswith(":green-badge[") and "已核实" in m for m in markdowns(at))
    highlighted = [m for m in markdowns(at) if ":orange-background[" in m]
    assert len(highlighted) == 1
    assert plain(expected.citations[0].quote[:40]) in plain(highlighted[0])
    card_link = assistant.get("page_link")[0]
    assert card_link.value == "在原文中查看"
    assert card_link.proto.page == "documents"
    query = parse_qs(card_link.proto.query_string)
    assert query.keys() == {"doc", "clause", "hl"}
    assert (query["doc"], query["clause"]) == ([DIRECTIVE_ID], ["二十五"])
    start, end = map(int, query["hl"][0].split("-"))  # the quoted span, highlighted on the 原文 page
    clause = directive_assistant.index.clauses[f"{DIRECTIVE_ID}#二十五"]
    assert clause.text[start:end] == expected.citations[0].quote
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


def test_management_page_asks_a_visitor_to_sign_in(own_data):
    at = start_app()

    at.switch_page("views/manage.py").run()

    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["登录"]
    assert not at.get("file_uploader")
    assert "重新索引全部文档" not in [b.label for b in at.button]


def test_management_page_refuses_a_trainer(own_data):
    at = start_app("wang", ("trainer",))

    at.switch_page("views/manage.py").run()

    assert not at.exception, at.exception
    assert [e.value for e in at.error] == ["您的账号（培训管理员）无权使用此页面。如需使用，请联系系统管理员。"]
    assert not at.get("file_uploader")


def sign_in(at: AppTest, username: str, password: str) -> AppTest:
    next(t for t in at.text_input if t.label == "用户名").input(username)
    next(t for t in at.text_input if t.label == "密码").input(password)
    button(at, "登录").click().run()
    assert not at.exception, at.exception
    return at


def test_sign_in_with_the_right_password_opens_the_page_and_never_shows_the_password(own_data):
    account_store(load_settings()).add("root", PASSWORD, ["admin"], actor="test")
    at = start_app()
    at.switch_page("views/manage.py").run()

    sign_in(at, "root", PASSWORD)

    assert not at.error
    assert len(at.get("file_uploader")) == 1
    assert "重新索引全部文档" in [b.label for b in at.button]
    assert not [t for t in element_texts(at) if PASSWORD in t]
    assert "退出登录" in [b.label for b in at.sidebar.button]


def test_wrong_passwords_are_refused_then_lock_the_account(own_data, monkeypatch):
    monkeypatch.setenv("POLICY_ASSISTANT_ACCOUNTS__MAX_FAILED_LOGINS", "3")
    account_store(load_settings()).add("root", PASSWORD, ["admin"], actor="test")
    at = start_app()
    at.switch_page("views/manage.py").run()

    for _ in range(2):
        sign_in(at, "root", "wrong-password")
        assert [e.value for e in at.error] == ["用户名或密码不正确。"]
    sign_in(at, "root", "wrong-password")
    assert [e.value for e in at.error] == ["密码连续错误 3 次，账号已锁定 15 分钟。"]
    sign_in(at, "root", PASSWORD)

    assert next(e.value for e in at.error).startswith("账号已锁定")
    assert not at.get("file_uploader")
    assert next((e.action, e.target) for e in audit_log(load_settings()).entries()) == ("account_lock", "root")


def test_sign_out_ends_the_session(own_data):
    at = start_app("root", ("admin",))
    at.switch_page("views/manage.py").run()
    assert at.get("file_uploader")
    token = at.session_state["session_token"]

    next(b for b in at.sidebar.button if b.label == "退出登录").click().run()

    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["登录"]
    assert account_store(load_settings()).session_user(token) is None


def test_admin_uploads_a_document_then_removes_it_and_both_are_audited(own_data):
    at = start_app("root", ("admin",))
    at.switch_page("views/manage.py").run()

    at.get("file_uploader")[0].set_value(("flood.txt", FLOOD.encode(), "text/plain")).run()
    button(at, "保存并重新索引").click().run()

    assert not at.exception, at.exception
    assert [m.value for m in at.success] == ["已保存 1 个文件；新增 1 个、更新 0 个文档。"]
    assert (own_data / "documents" / "flood.txt").read_text("utf-8") == FLOOD
    assert list(at.dataframe[0].value["编号"]) == [DIRECTIVE_ID, "flood"]
    at.run()
    assert not at.success  # a flash is shown once

    remove = next(s for s in at.selectbox if s.label == "选择要删除的文档")
    assert remove.options == [FLOOD_TITLE]
    assert button(at, "删除").disabled
    at.checkbox[0].check().run()
    button(at, "删除").click().run()

    assert not at.exception, at.exception
    assert not (own_data / "documents" / "flood.txt").exists()
    assert list(at.dataframe[0].value["编号"]) == [DIRECTIVE_ID]
    assert [m.value for m in at.success] == ["已删除。"]
    assert any(c.value.startswith("没有可删除的上传文档") for c in at.caption)
    entries = audit_log(load_settings()).entries()
    assert [(e.actor, e.action, e.target) for e in entries[:2]] == [
        ("root", "delete_document", "flood"),
        ("root", "upload", "flood.txt"),
    ]


def test_admin_upload_of_an_unsupported_file_is_refused_in_chinese(own_data):
    at = start_app("root", ("admin",))
    at.switch_page("views/manage.py").run()

    at.get("file_uploader")[0].set_value(("fake.pdf", b"not a pdf at all", "application/pdf")).run()
    button(at, "保存并重新索引").click().run()

    assert not at.exception, at.exception
    assert [plain(e.value) for e in at.error] == ["“fake.pdf”的内容与扩展名 .pdf 不符，请确认文件没有损坏。"]
    assert not at.success
    assert not (own_data / "documents").exists() or not list((own_data / "documents").iterdir())
    assert "upload" not in [e.action for e in audit_log(load_settings()).entries()]


# --- roles on every page -----------------------------------------------------

REFUSAL = re.compile(r"^您的账号（.+）无权使用此页面")
TRAINER_PAGES = ["views/quiz_build.py", "views/quiz_results.py"]
ADMIN_PAGES = ["views/manage.py", "views/accounts.py"]


def refused(at: AppTest) -> bool:
    return any(REFUSAL.match(e.value) for e in at.error)


# 成绩 is open to learners, who see only their own record there (tests/test_quiz_ui.py).
@pytest.mark.parametrize("page", ["views/quiz_build.py", *ADMIN_PAGES, "views/evals.py"])
def test_learner_is_refused_by_page_and_by_query_parameter(own_data, page):
    at = start_app("li", ("learner",))
    at.switch_page(page)
    at.query_params["session"] = "1"
    at.query_params["admin"] = "1"
    at.query_params["status"] = "approved"

    at.run()

    assert not at.exception, at.exception
    assert refused(at)
    # Nothing of the page itself: no answer keys, no review buttons, no tables, no uploads.
    assert not at.dataframe
    assert not at.get("file_uploader")
    assert not [t for t in element_texts(at) if "正确答案" in t]
    assert {b.label for b in at.button} <= {"退出登录"}
    links = [link.value for link in at.get("page_link")]
    assert "答题" in links and "出题" not in links


def test_learner_starts_at_their_own_page_not_at_a_refusal(own_data):
    at = start_app("li", ("learner",))

    assert not at.exception, at.exception
    assert not refused(at)
    assert not at.chat_input


@pytest.mark.parametrize("page", TRAINER_PAGES)
def test_trainer_opens_the_quiz_pages(own_data, page):
    at = start_app("wang", ("trainer",))

    at.switch_page(page).run()

    assert not at.exception, at.exception
    assert not refused(at)
    assert at.session_state["user"] == "wang"


def test_evaluation_page_needs_the_evaluator_role(own_data):
    at = start_app()
    at.switch_page("views/evals.py").run()
    assert [t.value for t in at.title] == ["登录"]

    at = start_app("zhao", ("evaluator",))
    at.switch_page("views/evals.py").run()

    assert not at.exception, at.exception
    assert not refused(at)
    assert "开始评测" in [b.label for b in at.button]


def test_admin_creates_an_account_and_it_is_audited(own_data):
    at = start_app("root", ("admin",))
    at.switch_page("views/accounts.py").run()

    next(t for t in at.text_input if t.label == "用户名").input("li")
    next(m for m in at.multiselect if m.label == "角色").set_value(["learner"])
    next(t for t in at.text_input if t.label.startswith("初始密码")).input(PASSWORD)
    button(at, "新建").click().run()

    assert not at.exception, at.exception
    assert [m.value for m in at.success] == ["已新建账号 li。"]
    assert account_store(load_settings()).authenticate("li", PASSWORD).roles == ("learner",)
    assert next((e.actor, e.action, e.target) for e in audit_log(load_settings()).entries()) == (
        "root",
        "account_add",
        "li",
    )


def test_chat_asks_for_sign_in_when_anonymous_chat_is_off(own_data, monkeypatch):
    monkeypatch.setenv("POLICY_ASSISTANT_ACCOUNTS__ANONYMOUS_CHAT", "false")

    at = start_app()

    assert [t.value for t in at.title] == ["登录"]
    assert not at.chat_input


# --- saved conversations -------------------------------------------------------


def test_conversation_is_saved_and_reopened_in_a_new_session_from_its_address(own_data):
    at = start_app("zhang", ("civil_servant",))
    ask(at, ELDERLY)
    conversation = at.query_params["c"][0] if isinstance(at.query_params["c"], list) else at.query_params["c"]
    history = [b.label for b in at.sidebar.button if (b.key or "").startswith("conv-")]
    assert history == [ELDERLY]

    reloaded = AppTest.from_file(str(APP), default_timeout=120)  # a reload: new session, same address and cookie
    reloaded.session_state["session_token"] = at.session_state["session_token"]
    reloaded.query_params["c"] = conversation
    reloaded.run()

    assert not reloaded.exception, reloaded.exception
    assert [m.name for m in reloaded.chat_message] == ["user", "assistant"]
    assert reloaded.chat_message[0].markdown[0].value == ELDERLY
    assert card_titles(reloaded) == [f"**[1] {ELDERLY_LABEL}**"]
    assert [d.label for d in reloaded.get("download_button")] == ["导出 Markdown", "导出 Word"]


def test_another_user_cannot_open_a_conversation_by_its_address(own_data):
    at = start_app("zhang", ("civil_servant",))
    ask(at, ELDERLY)
    conversation = at.session_state["conversation_id"]

    other = start_app("li", ("civil_servant",))
    other.query_params["c"] = conversation
    other.run()

    assert not other.exception, other.exception
    assert not other.chat_message
    assert [w.value for w in other.warning] == ["找不到这段对话，可能已被删除。"]


def test_history_is_searched_renamed_and_deleted_from_the_sidebar(own_data):
    at = start_app("zhang", ("civil_servant",))
    ask(at, ELDERLY)
    button(at, "新对话").click().run()
    ask(at, "国家对西部地区的医疗有什么支持？")

    def history() -> list[str]:
        return [b.label for b in at.sidebar.button if (b.key or "").startswith("conv-")]

    assert history() == ["国家对西部地区的医疗有什么支持？", ELDERLY]
    at.sidebar.text_input(key="history_search").input("养老").run()
    assert history() == [ELDERLY]
    at.sidebar.text_input(key="history_search").input("").run()

    next(b for b in at.sidebar.button if b.label == ELDERLY).click().run()
    assert at.chat_message[0].markdown[0].value == ELDERLY
    current = at.session_state["conversation_id"]
    at.sidebar.text_input(key=f"rename-{current}").input("养老服务").run()
    button(at, "保存名称").click().run()
    assert history() == ["国家对西部地区的医疗有什么支持？", "养老服务"]

    button(at, "删除对话").click().run()
    assert not at.exception, at.exception
    assert history() == ["国家对西部地区的医疗有什么支持？"]
    assert not at.chat_message


# --- 原文 page from a citation ------------------------------------------------


def test_documents_page_highlights_the_quoted_span_of_the_linked_clause(shared_data, directive_assistant):
    clause = directive_assistant.index.clauses[f"{DIRECTIVE_ID}#二十五"]
    quote = "实施养老服务业专业人才培养工程。"
    start = clause.text.index(quote)
    at = start_app()
    at.switch_page("views/documents.py")
    at.query_params["doc"] = DIRECTIVE_ID
    at.query_params["clause"] = "二十五"
    at.query_params["hl"] = f"{start}-{start + len(quote)},5-99999,x-y"

    at.run()

    assert not at.exception, at.exception
    highlighted = [plain(m) for m in markdowns(at) if ":orange-background[" in m]
    assert len(highlighted) == 2  # in the focus box and in the full text
    assert all(f":orange-background[**{quote}**]" in h for h in highlighted)
    assert all(h.count(":orange-background[") == 1 for h in highlighted)  # out-of-range span ignored


def test_user_changes_their_password_and_signs_in_again_with_it(own_data):
    at = start_app("zhang", ("civil_servant",))
    at.switch_page("views/profile.py").run()
    fields = {t.label: t for t in at.text_input}

    fields["原密码"].input(PASSWORD)
    next(t for t in at.text_input if t.label.startswith("新密码")).input("a-brand-new-password")
    fields["再次输入新密码"].input("a-brand-new-password")
    button(at, "修改密码").click().run()

    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["登录"]  # every session of the account ended, this one too
    assert [m.value for m in at.success] == ["密码已修改，请用新密码重新登录。"]
    sign_in(at, "zhang", "a-brand-new-password")
    assert [t.value for t in at.title] == ["我的账号"]


def test_single_sign_on_button_follows_the_settings_and_fails_in_chinese_without_a_provider(own_data, monkeypatch):
    monkeypatch.setenv("POLICY_ASSISTANT_ACCOUNTS__ANONYMOUS_CHAT", "false")
    assert "使用单位统一身份认证登录" not in [b.label for b in start_app().button]
    monkeypatch.setenv("POLICY_ASSISTANT_ACCOUNTS__OIDC__PROVIDER", "org")
    at = start_app()

    button(at, "使用单位统一身份认证登录").click().run()

    assert not at.exception, at.exception
    # No [auth.org] in .streamlit/secrets.toml here: st.login refuses, the user reads one Chinese sentence.
    assert [e.value for e in at.error] == ["统一身份认证暂不可用，请稍后再试或使用本地账号登录。"]


# --- evaluation page: review queue ------------------------------------------

REVIEW_SET = [
    # Gold and key fact belong to 河长制, the question to railways: the item fails and enters the queue.
    {
        "id": "x-rail",
        "question": "意见提出加快规划建设哪些重大铁路工程？",
        "gold_clauses": ["十六"],
        "key_facts": ["全面推进河长制、湖长制"],
        "type": "list",
    },
    {
        "id": "x-none",
        "question": "西部地区鼓励类产业企业所得税优惠税率是多少？",
        "answerable": False,
        "type": "unanswerable",
    },
]


def stored_run(directive_assistant: PolicyAssistant, tmp_path: Path):
    """A real extractive run of REVIEW_SET, stored in the app's data dir."""
    from assistant.evals.runs import evaluate

    dataset = tmp_path / "review.jsonl"
    dataset.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in REVIEW_SET), "utf-8")
    run, _ = evaluate(directive_assistant, dataset, "extractive", 5, store_settings=load_settings())
    return run


def figure_table(at: AppTest) -> dict[str, tuple[str, str]]:
    table = next(d.value for d in at.dataframe if list(d.value.columns) == ["指标", "原始", "复核后"])
    return {row["指标"]: (row["原始"], row["复核后"]) for _, row in table.iterrows()}


def test_evaluator_overrides_a_failed_item_and_only_the_reviewed_figure_changes(
    own_data, directive_assistant, tmp_path
):
    from assistant.evals.review import ReviewStore
    from assistant.evals.runs import RunStore

    run = stored_run(directive_assistant, tmp_path)
    failing = next(i for i in run.items if i.id == "x-rail")
    assert failing.failed
    passed = sum(1 for i in run.items if not i.failed)
    n = len(run.items)
    at = start_app("zhao", ("evaluator",))
    at.switch_page("views/evals.py").run()
    assert not at.exception, at.exception
    before = figure_table(at)["通过率"]
    assert before == (f"{passed / n:.3f}", f"{passed / n:.3f}")

    at.selectbox(key="review_item").set_value("x-rail").run()
    at.radio(key="review_verdict-x-rail").set_value("改判为通过")
    button(at, "保存复核").click().run()

    assert not at.exception, at.exception
    assert any("已记录复核：x-rail，改判为通过" in plain(s.value) for s in at.success)
    assert figure_table(at)["通过率"] == (f"{passed / n:.3f}", f"{(passed + 1) / n:.3f}")
    assert all("None" not in raw + reviewed for raw, reviewed in figure_table(at).values())
    [review] = ReviewStore(load_settings()).history(run.run_id)
    assert (review.item_id, review.reviewer, review.verdict) == ("x-rail", "zhao", "pass")
    log = next(d.value for d in at.dataframe if "复核人" in d.value.columns)
    assert list(log["复核人"]) == ["zhao"] and list(log["改动"]) == ["改判为通过"]
    # The run folder is untouched: the stored item still failed, the raw figures are what the run computed.
    stored = RunStore(load_settings()).load(run.run_id)
    assert next(i for i in stored.items if i.id == "x-rail").failed
    assert stored.aggregates == run.aggregates


def test_civil_servant_cannot_reach_the_review_queue(own_data, directive_assistant, tmp_path):
    stored_run(directive_assistant, tmp_path)
    at = start_app("zhang", ("civil_servant",))
    at.switch_page("views/evals.py").run()

    assert not at.exception, at.exception
    assert refused(at)
    assert not at.dataframe
    assert "保存复核" not in [b.label for b in at.button]


def test_evaluator_compares_runs_side_by_side_and_saves_a_reviewed_feedback_draft(
    own_data, directive_assistant, tmp_path
):
    from assistant.evals.datasets import load_items
    from assistant.evals.feedback_export import NEEDS_REVIEW

    dataset = tmp_path / "review.jsonl"
    # Two gold clauses: a run with k=1 can find at most one, so recall@k moves between the runs.
    two_gold = {
        "id": "x-multi",
        "question": "意见在远程教育和远程医疗方面分别有什么支持？",
        "gold_clauses": ["二十二", "二十三"],
        "key_facts": ["开展远程教育,促进优质教学资源共享", "探索利用人工智能、互联网等开展远程医疗"],
        "type": "multi_clause",
    }
    dataset.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in [*REVIEW_SET, two_gold]), "utf-8")
    settings = load_settings()
    evaluate_run(directive_assistant, dataset, 1, settings)
    evaluate_run(directive_assistant, dataset, 8, settings)
    answer = directive_assistant.ask("国家对西部地区的医疗有什么支持？")
    FeedbackStore(settings.data_dir / "feedback.sqlite3").record("f" * 32, answer, "down", settings, ["不完整"])
    at = start_app("zhao", ("evaluator",))
    at.switch_page("views/evals.py").run()
    assert not at.exception, at.exception

    # Two runs with different k: the comparison says so, and the multi-run grid stars the best per metric.
    # Runs made within the same instant may list in either order.
    assert any("k 不同（8 与 1）" in w.value or "k 不同（1 与 8）" in w.value for w in at.warning)
    changes = next(d.value for d in at.dataframe if "变化" in d.value.columns)
    assert list(changes.columns) == ["编号", "问题", "指标", "A", "B", "变化"]
    assert set(changes["变化"]) <= {"变好", "变差"}
    assert "召回率@k" in set(changes[changes["编号"] == "x-multi"]["指标"])
    grid = next(d.value for d in at.dataframe if "[2]" in d.value.columns)
    assert any(str(v).endswith("★") for v in grid.to_numpy().ravel())
    latency = next(d.value for d in at.dataframe if "[1] 毫秒" in d.value.columns)
    assert list(latency["编号"]) == ["x-rail", "x-none", "x-multi"]
    for frame in at.dataframe:
        cells = [str(v) for v in frame.value.to_numpy().ravel()]
        assert "None" not in cells and "nan" not in cells, frame.value

    # The 👎 draft: the evaluator fills gold and key facts, then saves it into a dataset without the mark.
    draft_id = "fb-" + "f" * 12
    at.text_area(key=f"draft-gold-{draft_id}").set_value(f"{DIRECTIVE_ID}#二十三")
    at.text_area(key=f"draft-facts-{draft_id}").set_value("支持在西部地区建立若干区域医疗中心")
    button(at, "保存草稿复核").click().run()
    assert not at.exception, at.exception
    button(at, "把已复核的草稿保存到数据集").click().run()

    assert not at.exception, at.exception
    assert any("已保存 1 道题" in plain(s.value) for s in at.success), [s.value for s in at.error]
    [saved] = load_items(own_data / "datasets" / "feedback-reviewed.jsonl")
    assert saved.id == draft_id and NEEDS_REVIEW not in saved.note and saved.note.startswith("已复核（zhao，")
    assert saved.gold_clauses == [f"{DIRECTIVE_ID}#二十三"]


def evaluate_run(assistant: PolicyAssistant, dataset: Path, k: int, settings):
    from assistant.evals.runs import evaluate

    return evaluate(assistant, dataset, "extractive", k, store_settings=settings)
