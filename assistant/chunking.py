"""Split clauses into embedding-sized chunks at sentence boundaries."""

from __future__ import annotations

from collections.abc import Callable

from assistant.tokens import count_tokens as tiktoken_count
from assistant.types import Chunk, Clause


def chunk_clause(clause: Clause, max_tokens: int, count_tokens: Callable[[str], int] = tiktoken_count) -> list[Chunk]:
    """One chunk per clause while it fits; longer clauses split between sentences.

    `count_tokens` should be the tokenizer of the model that reads the chunk.
    """
    pieces: list[str] = []
    if count_tokens(clause.text) <= max_tokens:
        pieces = [clause.text]
    else:
        current = ""
        for sentence in clause.sentences:
            candidate = current + sentence.text
            if current and count_tokens(candidate) > max_tokens:
                pieces.append(current)
                candidate = sentence.text
            while count_tokens(candidate) > max_tokens:
                # A single sentence longer than the budget: cut it by characters.
                cut = _longest_prefix(candidate, max_tokens, count_tokens)
                pieces.append(candidate[:cut])
                candidate = candidate[cut:]
            current = candidate
        if current:
            pieces.append(current)
    return [Chunk(id=f"{clause.key}:{i}", clause_key=clause.key, piece=i, text=text) for i, text in enumerate(pieces)]


def _longest_prefix(text: str, max_tokens: int, count_tokens: Callable[[str], int]) -> int:
    low, high = 1, len(text)
    while low < high:
        mid = (low + high + 1) // 2
        if count_tokens(text[:mid]) <= max_tokens:
            low = mid
        else:
            high = mid - 1
    return low


def sentence_places(clause: Clause, chunks: list[Chunk]) -> list[tuple[int, int, int] | None]:
    """Where each sentence of the clause stands: (chunk number, start, end) inside that chunk's text.

    None for a sentence no chunk holds whole (one longer than the budget, cut by characters).
    """
    places: list[tuple[int, int, int] | None] = []
    piece, cursor = 0, 0
    for sentence in clause.sentences:
        place = None
        for candidate in range(piece, min(piece + 2, len(chunks))):
            found = chunks[candidate].text.find(sentence.text, cursor if candidate == piece else 0)
            if found >= 0 and sentence.text:
                place = (candidate, found, found + len(sentence.text))
                piece, cursor = candidate, found + len(sentence.text)
                break
        places.append(place)
    return places
