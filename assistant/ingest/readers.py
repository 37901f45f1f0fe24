"""Turn a file of any supported format into plain text, one paragraph per line."""

from __future__ import annotations

import io
import re
import time
import zipfile
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from assistant.settings import IngestSettings

SUPPORTED_SUFFIXES = (".txt", ".md", ".docx", ".pdf", ".html", ".htm")
SUPPORTED_FORMATS_ZH = "txt、md、docx、pdf、html"


class ReadError(Exception):
    """A file that cannot be read; `reason` is Chinese for the user, `detail` is for the log.

    `transient`: the next attempt may succeed (permissions, machine load), so the parse cache does not keep it.
    """

    def __init__(self, reason: str, detail: str, transient: bool = False):
        super().__init__(detail)
        self.reason = reason
        self.detail = detail
        self.transient = transient


@dataclass
class Budget:
    """The limits on one file and the deadline of its time budget (checked between steps, never mid-call)."""

    limits: IngestSettings
    deadline: float

    @classmethod
    def start(cls, limits: IngestSettings | None = None) -> Budget:
        limits = limits or IngestSettings()
        return cls(limits, time.monotonic() + limits.time_budget_seconds)

    def check_time(self, step: str) -> None:
        if time.monotonic() > self.deadline:
            seconds = f"{self.limits.time_budget_seconds:g}"
            raise ReadError(
                f"处理该文件超过了 {seconds} 秒的时间上限，已跳过。", f"time budget exceeded at {step}", transient=True
            )

    def check_chars(self, text: str) -> None:
        if len(text) > self.limits.max_chars:
            raise ReadError(
                f"文件文字超过 {self.limits.max_chars} 个字符的上限，请拆分后再添加。",
                f"{len(text)} characters > max_chars {self.limits.max_chars}",
            )


def read_document(path: Path, budget: Budget | None = None) -> tuple[str, str]:
    """Return (text, format) or raise ReadError."""
    budget = budget or Budget.start()
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise ReadError(
            f"不支持的文件类型“{suffix or '无扩展名'}”，请转换为 {SUPPORTED_FORMATS_ZH} 后再添加。",
            f"unsupported suffix {suffix!r}",
        )
    try:
        size = path.stat().st_size
        limit = int(budget.limits.max_file_mb * 1024 * 1024)
        if size > limit:
            raise ReadError(
                f"文件大小超过 {budget.limits.max_file_mb:g} MB 的上限，请拆分后再添加。", f"{size} bytes > {limit}"
            )
        data = path.read_bytes()
    except OSError as exc:
        raise ReadError("无法读取该文件，请检查文件是否存在以及访问权限。", repr(exc), transient=True) from exc
    return read_bytes(data, suffix, budget)


def read_bytes(data: bytes, suffix: str, budget: Budget | None = None) -> tuple[str, str]:
    budget = budget or Budget.start()
    suffix = suffix.lower()
    if not data:
        raise ReadError("文件内容为空。", "zero bytes")
    if suffix in (".txt", ".md"):
        text, fmt = decode_text(data), suffix[1:]
    elif suffix == ".docx":
        text, fmt = _read_docx(data, budget), "docx"
    elif suffix == ".pdf":
        text, fmt = _read_pdf(data, budget), "pdf"
    elif suffix in (".html", ".htm"):
        text, fmt = _read_html(decode_text(data), budget), "html"
    else:
        raise ReadError(f"不支持的文件类型“{suffix}”，请转换为 {SUPPORTED_FORMATS_ZH} 后再添加。", suffix)
    budget.check_chars(text)
    budget.check_time(f"{fmt} read")
    if not text.strip():
        raise ReadError("文件中没有可读取的文字。", f"{fmt}: no text after extraction")
    return text, fmt


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), then GB18030 (a superset of GBK/GB2312), then a detector's guess."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise ReadError("无法识别文件的文字编码，请另存为 UTF-8 编码后再添加。", "no encoding matched")
    return str(best)


def _read_docx(data: bytes, budget: Budget) -> str:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    _check_inflated_size(data, budget)
    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, OSError) as exc:
        raise ReadError("Word 文件已损坏或不是有效的 .docx 文件。", repr(exc)) from exc
    except Exception as exc:  # zipfile.BadZipFile and lxml errors surface here
        raise ReadError("Word 文件已损坏或不是有效的 .docx 文件。", repr(exc)) from exc
    budget.check_time("docx open")
    paragraphs = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            paragraphs.append("\t".join(cell.text for cell in row.cells))
    return "\n".join(p for p in paragraphs if p.strip())


def _check_inflated_size(data: bytes, budget: Budget) -> None:
    """A zip bomb renamed .docx: refuse before inflating (zipfile never inflates past the declared sizes)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            inflated = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise ReadError("Word 文件已损坏或不是有效的 .docx 文件。", repr(exc)) from exc
    limit = int(budget.limits.max_inflated_mb * 1024 * 1024)
    if inflated > limit:
        raise ReadError(
            f"Word 文件解压后超过 {budget.limits.max_inflated_mb:g} MB 的上限（可能是压缩炸弹），已跳过。",
            f"docx inflates to {inflated} bytes > {limit}",
        )


def _read_pdf(data: bytes, budget: Budget) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise ReadError("PDF 文件已加密，请先解除密码保护。", "encrypted pdf")
        pages = []
        for number, page in enumerate(reader.pages):
            budget.check_time(f"pdf page {number}")
            pages.append(page.extract_text() or "")
            budget.check_chars("".join(pages))
    except ReadError:
        raise
    except (PdfReadError, ValueError, KeyError, OSError) as exc:
        raise ReadError("PDF 文件已损坏，无法读取。", repr(exc)) from exc
    if not any(p.strip() for p in pages):
        raise ReadError("PDF 没有文字层（可能是扫描件），请先进行文字识别（OCR）。", "pdf without text layer")
    # Each page break becomes a paragraph boundary; the parser rejoins split sentences.
    return "\n\n".join(p.strip("\n") for p in pages)


_BLOCK_TAGS = frozenset(
    ("p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "section", "article", "td", "th", "pre", "br")
)
_SKIPPED_TAGS = frozenset(("script", "style", "noscript", "template", "head"))
_VOID_TAGS = frozenset(
    ("area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr")
)
# Tags whose end tag may be left out: a new <p> closes an open <p>.
_SELF_CLOSING_SIBLINGS = frozenset(("p", "li", "tr", "td", "th", "dt", "dd", "option"))
_FEED_CHARS = 65536


class _TextExtractor(HTMLParser):
    """One pass over the markup, linear in its length: block tags break lines; scripts, styles and head are dropped."""

    def __init__(self, max_depth: int):
        super().__init__(convert_charrefs=True)
        self.max_depth = max_depth
        self.stack: list[str] = []
        self.parts: list[str] = []
        self.title: list[str] = []
        self.skipping = 0
        self.in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")
        if tag == "title":
            self.in_title = True
        if tag in _VOID_TAGS:
            return
        if tag in _SELF_CLOSING_SIBLINGS and self.stack and self.stack[-1] == tag:
            self._close(tag)
        self.stack.append(tag)
        if tag in _SKIPPED_TAGS:
            self.skipping += 1
        if len(self.stack) > self.max_depth:
            raise ReadError(
                f"网页的标签嵌套超过 {self.max_depth} 层，可能是恶意构造的文件，已跳过。",
                f"html nesting depth > {self.max_depth}",
            )

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")
        if tag == "title":
            self.in_title = False
        if tag in self.stack:
            self._close(tag)

    def _close(self, tag: str) -> None:
        while self.stack:
            top = self.stack.pop()
            if top in _SKIPPED_TAGS:
                self.skipping -= 1
            if top == tag:
                return

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title.append(data)
        elif not self.skipping:
            self.parts.append(data)


def _read_html(markup: str, budget: Budget) -> str:
    parser = _TextExtractor(budget.limits.max_html_depth)
    for start in range(0, len(markup), _FEED_CHARS):
        parser.feed(markup[start : start + _FEED_CHARS])
        budget.check_time("html parse")
    parser.close()
    title = re.sub(r"\s+", " ", "".join(parser.title)).strip()
    lines = []
    for line in "".join(parser.parts).splitlines():
        line = re.sub(r"[ \t\r\f\v\u00a0]+", " ", line).strip()
        if line:
            lines.append(line)
    if title and (not lines or lines[0] != title):
        lines.insert(0, title)
    return "\n".join(lines)
