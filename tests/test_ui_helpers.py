"""Small UI helpers without a running app: local times, citation marker links, Chinese widget labels."""

from __future__ import annotations

import sys

import pytest
import streamlit as st

from tests.conftest import REPO

sys.path.insert(0, str(REPO / "ui"))
import components  # the pages import it the same way, from the ui folder


@pytest.fixture(autouse=True)
def fresh_assistant():
    st.cache_resource.clear()  # get_assistant() is a process-wide cache built from the current environment
    yield
    st.cache_resource.clear()


def test_stored_utc_times_are_shown_in_shanghai_time_by_default():
    assert components.local_time("2026-11-27T16:30:00+00:00") == "2026-11-28 00:30"
    assert components.local_time("2026-11-27T16:30:05", with_seconds=True) == "2026-11-28 00:30:05"
    assert components.local_time(None) == "—"
    assert components.local_time("not a time") == "not a time"


def test_time_zone_is_a_setting(monkeypatch):
    monkeypatch.setenv("POLICY_ASSISTANT_UI__TIMEZONE", "Europe/Berlin")

    assert components.local_time("2026-07-01T10:00:00+00:00") == "2026-07-01 12:00"


def test_only_escaped_citation_markers_become_links_to_their_cards():
    text = components.safe_md("见“原文。”[1][2]，另见 [x] 和 [12]")

    linked = components.linked_markers(text, "abc")

    assert linked == (
        "见“原文。”[\\[1\\]](#cite-abc-1)[\\[2\\]](#cite-abc-2)，另见 \\[x\\] 和 [\\[12\\]](#cite-abc-12)"
    )


def test_marker_ids_keep_only_safe_characters():
    assert components.marker_id("a\"b'<c>-1", 3) == "cite-abc-1-3"


def test_uploader_limit_text_is_the_smaller_of_both_limits(monkeypatch):
    monkeypatch.setenv("POLICY_ASSISTANT_UI__MAX_UPLOAD_MB", "5")

    assert components.upload_limit_mb() == 5
    assert "单个文件不超过 5 MB" in components.chinese_widget_css(components.upload_limit_mb())


def test_compact_answer_cuts_long_cited_quotes_and_keeps_markers_and_short_ones():
    long_quote = "加快构建以居家为基础、社区为依托、机构为补充、医养相结合的养老服务体系。"
    text = f"《指导意见》（二十五）提出：“{long_quote}”[1]；另有“短句。”[2]，以及未引用的“{long_quote}”。"

    compact = components.compact_quotes(text)

    assert compact == (
        f"《指导意见》（二十五）提出：“{long_quote[:24]}……”[1]；另有“短句。”[2]，以及未引用的“{long_quote}”。"
    )
