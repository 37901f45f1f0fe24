"""Saved conversations: per user, reopened with their answers, renamed, deleted, searched."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.conversations import ConversationStore
from assistant.errors import UserError
from assistant.service import PolicyAssistant

ELDERLY = "西部地区在养老服务方面有哪些安排？"
EDUCATION = "国家对西部地区的教育有什么支持？"


@pytest.fixture
def store(tmp_path: Path) -> ConversationStore:
    return ConversationStore(tmp_path / "conversations.sqlite3")


def test_conversation_is_reopened_with_its_answers_after_a_new_store_is_opened(
    tmp_path: Path, directive_assistant: PolicyAssistant
):
    first = ConversationStore(tmp_path / "c.sqlite3")
    answer = directive_assistant.ask(ELDERLY)
    conversation = first.create("zhang", ELDERLY)
    first.append("zhang", conversation, "turn-1", ELDERLY, answer)

    reopened = ConversationStore(tmp_path / "c.sqlite3")  # a restart
    turns = reopened.turns("zhang", conversation)

    assert [(t.id, t.question) for t in turns] == [("turn-1", ELDERLY)]
    assert turns[0].answer == answer
    assert [(s.title, s.turns) for s in reopened.list("zhang")] == [(ELDERLY, 1)]


def test_users_never_see_each_others_conversations(store, directive_assistant: PolicyAssistant):
    mine = store.create("zhang", ELDERLY)
    store.append("zhang", mine, "t1", ELDERLY, directive_assistant.ask(ELDERLY))

    assert store.list("li") == []
    for action in (
        lambda: store.turns("li", mine),
        lambda: store.rename("li", mine, "偷看"),
        lambda: store.delete("li", mine),
        lambda: store.append("li", mine, "t2", ELDERLY, directive_assistant.ask(ELDERLY)),
    ):
        with pytest.raises(UserError, match="找不到这段对话"):
            action()
    assert [t.id for t in store.turns("zhang", mine)] == ["t1"]


def test_search_finds_titles_questions_and_answer_text(store, directive_assistant: PolicyAssistant):
    elderly = store.create("zhang", ELDERLY)
    store.append("zhang", elderly, "t1", ELDERLY, directive_assistant.ask(ELDERLY))
    education = store.create("zhang", EDUCATION)
    store.append("zhang", education, "t2", EDUCATION, directive_assistant.ask(EDUCATION))
    store.rename("zhang", education, "教育问题汇总")

    assert [s.id for s in store.list("zhang")] == [education, elderly]
    assert [s.id for s in store.list("zhang", "汇总")] == [education]
    assert [s.id for s in store.list("zhang", "养老")] == [elderly]
    assert [s.id for s in store.list("zhang", "医养相结合")] == [elderly]  # only in the answer text
    assert store.list("zhang", "%") == []  # LIKE wildcards are literal
    assert store.list("zhang", "不存在的词") == []


def test_rename_and_delete(store):
    conversation = store.create("zhang", "  一个  很长的问题" * 10)
    assert store.list("zhang")[0].title.endswith("…")

    with pytest.raises(UserError, match="不能为空"):
        store.rename("zhang", conversation, "   ")
    store.rename("zhang", conversation, "养老  政策")
    assert store.list("zhang")[0].title == "养老 政策"

    store.delete("zhang", conversation)
    assert store.list("zhang") == []
    with pytest.raises(UserError):
        store.turns("zhang", conversation)
