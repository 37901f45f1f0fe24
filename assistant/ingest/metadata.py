"""A document's front matter: the lines before `<!-- INFO END -->` (dates, 发布机关, 文号) are metadata, never text.

LawRefBook-style Markdown puts `# 标题`, then one line per event (通过, 公布, 修正, 施行), then the marker.
Other formats have no marker; their 文号 may stand on a line of its own just below the title.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

INFO_END = "<!-- INFO END -->"

_DATE = re.compile(r"(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日")
_FILE_DATE = re.compile(r"\((?P<date>\d{4}-\d{2}-\d{2})\)")
_NUMERAL = r"[零〇一二三四五六七八九十百千\d]+"
# 国务院令第306号, 国家工商行政管理总局令第73号, 国发〔2020〕12号
_DECREE = re.compile(rf"(?P<org>[\u4e00-\u9fff、]{{2,40}}?)令第(?P<n>{_NUMERAL})号")
_DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,12}[〔［\[(（]\d{4}[〕］\])）]\s*第?\d{1,4}\s*号")
_CONGRESS = re.compile(rf"(?:第{_NUMERAL}届)?(?P<org>全国人民代表大会(?:常务委员会)?)第{_NUMERAL}次会议")
_COMMITTEE = re.compile(rf"(?P<org>[\u4e00-\u9fff]{{2,20}}?)(?:第{_NUMERAL}届)?(?:审判|检察)委员会")
_STATE_COUNCIL_MEETING = re.compile(rf"(?P<org>国务院)第{_NUMERAL}次常务会议")
_PLAIN_ISSUER = re.compile(r"^(?P<org>[\u4e00-\u9fff、]{2,40}?)(?:公告)?(?:公布|发布|批准|印发)")
_ADOPTION = ("通过", "公布", "发布", "批准", "印发")
_PRC = "中华人民共和国"


@dataclass
class FrontMatter:
    """The title line and metadata lines before the marker; body_start is where the document text begins."""

    title: str | None
    lines: list[str] = field(default_factory=list)
    body_start: int = 0
    # A second "# …" line: the part of the titled work this file holds (民法典 split into 合同编.md, 物权编.md …).
    volume: str | None = None


@dataclass
class Metadata:
    issuer: str = ""
    promulgated: str | None = None
    effective: str | None = None
    doc_number: str | None = None
    version_date: str | None = None


_YAML = re.compile(r"\A\ufeff?---[ \t]*\r?\n(?P<body>.*?)^---[ \t]*$\r?\n?", re.S | re.M)


def split_front_matter(source: str) -> FrontMatter:
    """Title and metadata lines of a LawRefBook-style file (or YAML front matter); else no front matter."""
    yaml = _YAML.match(source)
    if yaml:
        keys = [ln.strip() for ln in yaml["body"].splitlines() if ln.strip()]
        named = next((ln.split(":", 1)[1].strip().strip("\"'") for ln in keys if ln.startswith("title:")), None)
        return FrontMatter(title=named or None, lines=keys, body_start=yaml.end())
    marker = source.find(INFO_END)
    if marker < 0:
        return FrontMatter(title=None)
    title: str | None = None
    volume: str | None = None
    lines: list[str] = []
    for line in source[:marker].splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if title is None and stripped.startswith("# "):
            title = stripped[2:].strip()
        elif title is not None and volume is None and not lines and stripped.startswith("# "):
            volume = stripped[2:].strip() or None
        else:
            lines.append(stripped)
    return FrontMatter(title=title, lines=_rejoin_lines(lines), body_start=marker + len(INFO_END), volume=volume)


def _rejoin_lines(lines: list[str]) -> list[str]:
    """A metadata line cut inside 《…》 or <…> continues on the next line (文物保护法 1991 修正)."""
    joined: list[str] = []
    for line in lines:
        if joined and _unbalanced(joined[-1]):
            joined[-1] += line
        else:
            joined.append(line)
    return joined


def _unbalanced(text: str) -> bool:
    return any(text.count(a) > text.count(b) for a, b in ("《》", "<>", "（）", "()", "〈〉"))


def iso_date(match: re.Match[str]) -> str:
    return f"{int(match['y']):04d}-{int(match['m']):02d}-{int(match['d']):02d}"


def file_date(path: Path | str) -> str | None:
    """The version date LawRefBook puts in file names: 企业所得税法(2018-12-29).md → 2018-12-29."""
    match = _FILE_DATE.search(Path(path).name)
    return match.group("date") if match else None


def read_metadata(lines: list[str], path: Path | str | None = None) -> Metadata:
    """Issuer, dates and 文号 from metadata lines; the version date from the file name, else the latest date."""
    meta = Metadata()
    dates: list[str] = []
    for line in lines:
        match = _DATE.search(line)
        date = iso_date(match) if match else None
        if date:
            dates.append(date)
        rest = line[match.end() :].strip() if match else line
        if meta.doc_number is None:
            meta.doc_number = _doc_number(rest)
        if date and ("施行" in rest or "生效" in rest) and not any(v in rest for v in ("通过", "修正", "修订")):
            meta.effective = date
            continue
        if meta.promulgated is None and date and any(v in rest for v in _ADOPTION) and not rest.startswith("《"):
            meta.promulgated = date
            meta.issuer = meta.issuer or issuer_of(rest)
    if not meta.issuer:
        meta.issuer = next((found for found in (issuer_of(ln) for ln in lines) if found), "")
    meta.version_date = (file_date(path) if path is not None else None) or (max(dates) if dates else None)
    return meta


def _doc_number(text: str) -> str | None:
    decree = _DECREE.search(text)
    if decree:
        return f"{_without_prc(decree['org'])}令第{decree['n']}号"
    number = _DOC_NUMBER.search(text)
    return number.group().replace(" ", "") if number else None


def issuer_of(text: str) -> str:
    """发布机关 named in one metadata line, e.g. 全国人民代表大会常务委员会, 国务院, 最高人民法院、最高人民检察院."""
    text = _DATE.sub("", text)
    found: list[str] = []
    for pattern in (_DECREE, _CONGRESS, _STATE_COUNCIL_MEETING, _COMMITTEE):
        for match in pattern.finditer(text):
            found.extend(_without_prc(org) for org in match["org"].split("、"))
    if not found:
        plain = _PLAIN_ISSUER.match(text.strip())
        if plain:
            found.extend(_without_prc(org) for org in plain["org"].split("、"))
    orgs = [org.removeprefix("由") for org in dict.fromkeys(found) if org]
    return "、".join(org for org in orgs if len(org) >= 2)


_TITLE_ISSUER = re.compile(r"^(?P<org>[\u4e00-\u9fff、]{2,40}?(?:院|部|委员会|国务院|中央|总局|局|署|办公厅|银行))关于")


def issuer_in_title(title: str) -> str:
    """最高人民法院、最高人民检察院关于… → 最高人民法院、最高人民检察院; empty when the title names no body."""
    match = _TITLE_ISSUER.match(title)
    return "、".join(_without_prc(org) for org in match["org"].split("、")) if match else ""


def _without_prc(org: str) -> str:
    return org.removeprefix(_PRC) or org


def doc_number_in(paragraphs: list[str]) -> str | None:
    """A 文号 standing alone on one of the first lines of a document without front matter."""
    for text in paragraphs[:4]:
        stripped = text.strip("（）() ")
        match = _DOC_NUMBER.fullmatch(stripped)
        if match:
            return match.group().replace(" ", "")
    return None
