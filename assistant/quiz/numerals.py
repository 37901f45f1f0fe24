"""Numbers as statutes write them: Arabic (45日) or Chinese (三十日, 六个月), read to a value and written back in
the key's own script, so a period's distractors read like the law (十五日, 六十日 beside 三十日)."""

from __future__ import annotations

import re
from functools import cache

from assistant.quiz.gazetteer import load_data

CHINESE_DIGITS = "零〇一二两三四五六七八九"
CHINESE_NUMERAL_CHARS = CHINESE_DIGITS + "十百千"
_VALUES = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}
_ARABIC = re.compile(r"\d+(?:\.\d+)?")


def chinese_value(text: str) -> int | None:
    """一 … 九千九百九十九 (十五, 三十, 一百零五); None when text is not such a numeral."""
    if not text or any(ch not in CHINESE_NUMERAL_CHARS for ch in text):
        return None
    total, digit = 0, None
    for ch in text:
        if ch in "零〇" and total:
            continue  # 一百零五: the zero only marks the empty tens
        if ch in _VALUES:
            if digit is not None:
                return None  # 二三: digits in a row are no count
            digit = _VALUES[ch]
        else:
            total += (1 if digit is None else digit) * _UNITS[ch]
            digit = None
    return total + (digit or 0)


def chinese_numeral(value: int) -> str:
    """1 … 9999 written as a statute writes a count (十五, 三十, 一百零五, 两千 is 二千)."""
    if value <= 0 or value > 9999:
        raise ValueError(value)
    parts: list[str] = []
    digits = "零一二三四五六七八九"
    gap = False
    for unit, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit, value = divmod(value, unit)
        if digit:
            if gap and parts:
                parts.append("零")
            parts.append(("" if name == "十" and not parts and digit == 1 else digits[digit]) + name)
            gap = False
        else:
            gap = bool(parts)
    return "".join(parts)


def number_value(text: str) -> float | None:
    """The value of an Arabic or Chinese count; None for anything else."""
    text = text.strip()
    if _ARABIC.fullmatch(text):
        return float(text)
    value = chinese_value(text)
    return float(value) if value is not None else None


def written_like(value: float, like: str) -> str | None:
    """value in the script of `like` (Chinese for 三十, Arabic for 45); None when Chinese cannot write it."""
    if chinese_value(like.strip()) is not None:
        return chinese_numeral(int(value)) if value.is_integer() and 0 < value <= 9999 else None
    return str(int(value)) if value.is_integer() else f"{value:g}"


@cache
def _bound() -> tuple[frozenset[float], tuple[str, ...]]:
    data = load_data("numbers")["bound"]
    return frozenset(float(v) for v in data["values"]), tuple(data["prefixes"])


def bound_numeral(text: str, start: int, end: int) -> bool:
    """text[start:end] is a Chinese numeral bound into a word (上一年度, 下一年, 同一): no count to ask or change
    (data: numbers.toml [bound])."""
    number = text[start:end]
    if chinese_value(number) is None:
        return False
    values, prefixes = _bound()
    return number_value(number) in values and text[:start].endswith(prefixes)


def same_script(option: str, answer: str) -> bool:
    """Both numbers are written alike: both Arabic or both Chinese (no 5 among 两｜六｜一)."""
    return (chinese_value(option.strip()) is None) == (chinese_value(answer.strip()) is None)
