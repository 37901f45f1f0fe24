"""Token truncation keeps whole characters, and whole sentences when asked."""

from __future__ import annotations

import pytest

from assistant.tokens import count_tokens, truncate_to_tokens

FIRST = "加快构建以居家为基础、社区为依托。"
SECOND = "全面放开养老服务市场。"
TEXT = FIRST + SECOND + "探索建立长期照护保障体系。"


@pytest.mark.parametrize("limit", range(1, count_tokens(TEXT) + 1))
def test_truncation_never_cuts_inside_a_character(limit):
    cut = truncate_to_tokens(TEXT, limit)

    assert "\ufffd" not in cut
    assert TEXT.startswith(cut)
    assert count_tokens(cut) <= limit


def test_truncation_ends_at_the_last_whole_sentence_that_fits():
    assert truncate_to_tokens(TEXT, count_tokens(FIRST) + 2, whole_sentences=True) == FIRST
    assert truncate_to_tokens(TEXT, count_tokens(FIRST + SECOND), whole_sentences=True) == FIRST + SECOND


def test_text_within_the_limit_is_unchanged():
    assert truncate_to_tokens(TEXT, 10_000, whole_sentences=True) == TEXT


def test_no_whole_sentence_fits_keeps_whole_characters():
    cut = truncate_to_tokens(TEXT, 3, whole_sentences=True)

    assert cut and FIRST.startswith(cut)
