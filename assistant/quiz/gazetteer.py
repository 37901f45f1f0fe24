"""The words the term finder relies on, read from data/gazetteer.toml: places with their regions,
institutions, the endings of named measures, opening verbs.

Plain word lists in a data file, so an organisation can extend them for its own documents.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"


def load_data(name: str) -> dict:
    """One quiz data file (data/<name>.toml) as a dict."""
    with (DATA_DIR / f"{name}.toml").open("rb") as handle:
        return tomllib.load(handle)


_DATA = load_data("gazetteer")
_WORDS: dict[str, str] = _DATA["words"]


def _words(name: str) -> frozenset[str]:
    return frozenset(_WORDS[name].split())


def _ordered(name: str) -> tuple[str, ...]:
    return tuple(_WORDS[name].split())


REGIONS: dict[str, str] = {p: region for region, places in _DATA["regions"].items() for p in places}
"""Province (or municipality) → its region: 西部, 中部, 东部, 东北, 港澳台."""
MUNICIPALITIES = frozenset(_DATA["municipalities"])
PROVINCES = frozenset(REGIONS) - MUNICIPALITIES
CITY_PROVINCE: dict[str, str] = dict(_DATA["cities"])
INSTITUTION_CLASSES: dict[str, tuple[str, ...]] = {k: tuple(v) for k, v in _DATA["institution_classes"].items()}
ORGAN = "机关"
CITIES = frozenset(CITY_PROVINCE)
CAPITALS = _words("capitals")
INSTITUTIONS = _words("institutions")
INSTITUTION_SUFFIXES = _ordered("institution_suffixes")
MEASURE_SUFFIXES = _ordered("measure_suffixes")
GENERIC_MEASURES = _words("generic_measures")
NOT_MEASURES = _words("not_measures")
NAME_PREFIXES = _ordered("name_prefixes")
LEADING_VERBS = _words("leading_verbs")
TERM_BREAKERS = _words("term_breakers")
COMPLEMENT_VERBS = _words("complement_verbs")
ORGAN_HEADS = _ordered("organ_heads")
LEADING_FUNCTION_CHARS = _words("leading_function_chars")
FUNCTION_CHAR_WORDS = _words("function_char_words")
PERIOD_LOCALIZERS = _words("period_localizers")
PERIOD_UNITS = _words("period_units")


def bare_place(word: str) -> str:
    """四川省 → 四川, 重庆市 → 重庆; other words unchanged."""
    return word[:-1] if len(word) > 2 and word[-1] in "省市" else word


def region_of(place: str) -> str | None:
    """The region of a province, municipality or known city; None for anything else."""
    name = bare_place(place)
    return REGIONS.get(name) or REGIONS.get(CITY_PROVINCE.get(name, ""))


def place_class(place: str) -> tuple[str | None, bool]:
    """What a place distractor must share with the key: its region, and whether it is a provincial capital."""
    name = bare_place(place)
    return region_of(name), name in CAPITALS or name in MUNICIPALITIES


def places_of_region(region: str, cities: bool) -> list[str]:
    """Every province (or city) of a region, in data-file order."""
    if cities:
        return [c for c, p in CITY_PROVINCE.items() if REGIONS.get(p) == region] + [
            m for m in sorted(MUNICIPALITIES) if REGIONS[m] == region
        ]
    return [p for p, r in REGIONS.items() if r == region]


def institution_class(name: str) -> str:
    """The class of an institution (机关, 资金, 银行 …) by how its name ends; an organ when nothing else fits."""
    return next((cls for cls, endings in INSTITUTION_CLASSES.items() if name.endswith(endings)), ORGAN)


def term_class(text: str, kind: str) -> str:
    """What options of one question share beyond their kind: a place's region, an institution's class, a named
    measure's ending (…制度 with …制度); empty when the kind has no finer class."""
    if kind in ("province", "city"):
        return region_of(text) or ""
    if kind == "institution":
        return institution_class(text)
    if kind == "measure":
        return next((suffix for suffix in MEASURE_SUFFIXES if text.endswith(suffix)), "")
    return ""


_ALIASES: dict[str, tuple[str, ...]] = {
    name: tuple(group) for group in load_data("aliases")["groups"] for name in group
}


def aliases_of(name: str) -> tuple[str, ...]:
    """The other names of the body `name` (国家发展改革委 → 国家发展和改革委员会, 发改委 …), from data/aliases.toml."""
    return tuple(a for a in _ALIASES.get(name, ()) if a != name)
