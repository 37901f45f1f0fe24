"""Chinese text handling: numerals, sentence boundaries, matching normalisation, search tokens."""

from __future__ import annotations

import logging
import re
import sys
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from assistant.gc_pause import long_lived

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}
CN_NUMERAL = "[零〇一二两三四五六七八九十百千]+"

SENTENCE_END = "。！？!?；;"
CLOSERS = "”’」』）)】"
# A paragraph ending in one of these is complete; anything else was cut by a page break.
PARAGRAPH_END = SENTENCE_END + "…：:" + CLOSERS + '"'

_SENTENCE_RE = re.compile(rf"[^{SENTENCE_END}]*(?:[{SENTENCE_END}]+[{CLOSERS}]*|$)")
_CJK = r"\u3400-\u4dbf\u4e00-\u9fff"
_CJK_RUN = re.compile(rf"[{_CJK}]+")
_WORD_CHARS = re.compile(rf"[{_CJK}A-Za-z0-9]")


def cn_to_int(numeral: str) -> int:
    """十七 → 17, 三十六 → 36, 一百零五 → 105."""
    total, current = 0, 0
    for ch in numeral:
        if ch in _DIGITS:
            current = _DIGITS[ch]
        elif ch in _UNITS:
            total += (current or 1) * _UNITS[ch]
            current = 0
        else:
            raise ValueError(f"not a Chinese numeral: {numeral!r}")
    return total + current


def int_to_cn(value: int) -> str:
    """17 → 十七 (1–999), the inverse of cn_to_int for clause numbers."""
    if not 0 < value < 1000:
        raise ValueError(value)
    digits = "零一二三四五六七八九"
    hundreds, rest = divmod(value, 100)
    tens, ones = divmod(rest, 10)
    out = ""
    if hundreds:
        out += digits[hundreds] + "百"
        if rest and tens == 0:
            out += "零"
    if tens:
        out += ("" if tens == 1 and not hundreds else digits[tens]) + "十"
    if ones:
        out += digits[ones]
    return out


@dataclass(frozen=True)
class SentenceSpan:
    text: str
    start: int
    end: int


def split_sentences(text: str) -> list[SentenceSpan]:
    """Split at 。！？； keeping the terminator (and closing quotes) with its sentence."""
    spans = []
    for match in _SENTENCE_RE.finditer(text):
        raw = match.group()
        if not raw.strip():
            continue
        lead = len(raw) - len(raw.lstrip())
        body = raw.strip()
        start = match.start() + lead
        spans.append(SentenceSpan(body, start, start + len(body)))
    return spans


def ends_paragraph(text: str) -> bool:
    stripped = text.rstrip()
    return bool(stripped) and stripped[-1] in PARAGRAPH_END


@dataclass(frozen=True)
class Normalized:
    """Text normalised for matching, with a map from each normalised character to the original."""

    text: str
    origin: tuple[int, ...]

    def span_in_original(self, start: int, end: int) -> tuple[int, int]:
        return self.origin[start], self.origin[end - 1] + 1


def normalize_for_match(text: str) -> Normalized:
    """Width-fold (NFKC), drop whitespace, unify quotes and dashes; keep a map back to the original."""
    chars: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        for out in _fold(ch):
            chars.append(out)
            origin.append(i)
    return Normalized("".join(chars), tuple(origin))


_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "「": '"', "」": '"', "—": "-", "－": "-", "―": "-"})


@lru_cache(maxsize=4096)
def _fold(ch: str) -> str:
    if ch.isspace():
        return ""
    folded = unicodedata.normalize("NFKC", ch).translate(_QUOTES).lower()
    return "".join(c for c in folded if not c.isspace())


def match_key(text: str) -> str:
    return normalize_for_match(text).text


# --- search tokens ---------------------------------------------------------

_STOPWORDS = frozenset(
    [
        "的",
        "了",
        "和",
        "与",
        "及",
        "以及",
        "或",
        "等",
        "在",
        "对",
        "为",
        "是",
        "把",
        "将",
        "被",
        "由",
        "从",
        "向",
        "于",
        "以",
        "之",
        "其",
        "这",
        "那",
        "有",
        "中",
        "上",
        "下",
        "哪些",
        "什么",
        "怎么",
        "怎样",
        "如何",
        "是否",
        "吗",
        "呢",
        "啊",
        "吧",
        "请问",
        "方面",
        "关于",
        "有关",
        "相关",
        "要求",
        "提出",
        "文件",
        "意见",
    ]
)
BIGRAM_MARK = "§"


_JIEBA_LOCK = threading.Lock()


def warm_up() -> None:
    """Load jieba's dictionary (~0.4 s) in a thread now, for a process that opens an index and will tokenise."""
    if _jieba.cache_info().currsize == 0:
        threading.Thread(target=_jieba, name="load-jieba").start()


@lru_cache(maxsize=1)
def _jieba():
    with _JIEBA_LOCK, long_lived():  # the warm-up thread and a first query may both ask; its dictionary is kept
        return _load_jieba()


def _load_jieba():
    # jieba imports pkg_resources (~0.2 s, deprecated) only to open its own data files, and opens them by path
    # without it: hide it during the import, unless something already loaded it.
    hidden = "pkg_resources" not in sys.modules
    if hidden:
        sys.modules["pkg_resources"] = None  # type: ignore[assignment]
    try:
        import jieba
    finally:
        if hidden:
            del sys.modules["pkg_resources"]

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def word_frequency(word: str) -> int:
    """How often jieba's dictionary counts the word (0 for no word of it)."""
    return int(_jieba().dt.FREQ.get(word, 0) or 0)


def search_tokens(text: str) -> list[str]:
    """jieba search-mode words plus CJK character bigrams (robust to typos and unsegmented names)."""
    norm = unicodedata.normalize("NFKC", text).lower()
    words = [w for w in _jieba().cut_for_search(norm) if _WORD_CHARS.search(w) and w not in _STOPWORDS]
    bigrams = [BIGRAM_MARK + run[i : i + 2] for run in _CJK_RUN.findall(norm) for i in range(len(run) - 1)]
    return words + bigrams


def segment(text: str) -> list[str]:
    """jieba precise-mode segmentation of the text as given (every character kept)."""
    return _jieba().lcut(text)


def words(text: str) -> list[str]:
    """Content words (jieba precise mode) without stopwords and punctuation."""
    norm = unicodedata.normalize("NFKC", text).lower()
    return [w for w in _jieba().lcut(norm) if _WORD_CHARS.search(w) and w not in _STOPWORDS]


def char_bigrams(text: str) -> set[str]:
    norm = unicodedata.normalize("NFKC", text)
    return {run[i : i + 2] for run in _CJK_RUN.findall(norm) for i in range(len(run) - 1)}


def pos_tag(text: str) -> list[tuple[str, str]]:
    """(word, jieba part-of-speech flag) pairs, e.g. ns for place names, m for numerals, t for times."""
    _jieba()
    import jieba.posseg

    return [(pair.word, pair.flag) for pair in jieba.posseg.lcut(text)]
