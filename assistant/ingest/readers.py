"""Turn a file of any supported format into plain text, one paragraph per line."""

from __future__ import annotations

import io
import re
from pathlib import Path

SUPPORTED_SUFFIXES = (".txt", ".md", ".docx", ".pdf", ".html", ".htm")
SUPPORTED_FORMATS_ZH = "txt、md、docx、pdf、html"


class ReadError(Exception):
    """A file that cannot be read; `reason` is Chinese for the user, `detail` is for the log."""

    def __init__(self, reason: str, detail: str):
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def read_document(path: Path) -> tuple[str, str]:
    """Return (text, format) or raise ReadError."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise ReadError(
            f"不支持的文件类型“{suffix or '无扩展名'}”，请转换为 {SUPPORTED_FORMATS_ZH} 后再添加。",
            f"unsupported suffix {suffix!r}",
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ReadError("无法读取该文件，请检查文件是否存在以及访问权限。", repr(exc)) from exc
    return read_bytes(data, suffix)


def read_bytes(data: bytes, suffix: str) -> tuple[str, str]:
    suffix = suffix.lower()
    if not data:
        raise ReadError("文件内容为空。", "zero bytes")
    if suffix in (".txt", ".md"):
        text, fmt = decode_text(data), suffix[1:]
    elif suffix == ".docx":
        text, fmt = _read_docx(data), "docx"
    elif suffix == ".pdf":
        text, fmt = _read_pdf(data), "pdf"
    elif suffix in (".html", ".htm"):
        text, fmt = _read_html(decode_text(data)), "html"
    else:
        raise ReadError(f"不支持的文件类型“{suffix}”，请转换为 {SUPPORTED_FORMATS_ZH} 后再添加。", suffix)
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


def _read_docx(data: bytes) -> str:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, OSError) as exc:
        raise ReadError("Word 文件已损坏或不是有效的 .docx 文件。", repr(exc)) from exc
    except Exception as exc:  # zipfile.BadZipFile and lxml errors surface here
        raise ReadError("Word 文件已损坏或不是有效的 .docx 文件。", repr(exc)) from exc
    paragraphs = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            paragraphs.append("\t".join(cell.text for cell in row.cells))
    return "\n".join(p for p in paragraphs if p.strip())


def _read_pdf(data: bytes) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise ReadError("PDF 文件已加密，请先解除密码保护。", "encrypted pdf")
        pages = [page.extract_text() or "" for page in reader.pages]
    except ReadError:
        raise
    except (PdfReadError, ValueError, KeyError, OSError) as exc:
        raise ReadError("PDF 文件已损坏，无法读取。", repr(exc)) from exc
    if not any(p.strip() for p in pages):
        raise ReadError("PDF 没有文字层（可能是扫描件），请先进行文字识别（OCR）。", "pdf without text layer")
    # Each page break becomes a paragraph boundary; the parser rejoins split sentences.
    return "\n\n".join(p.strip("\n") for p in pages)


_BLOCK_TAGS = ("p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "section", "article", "td", "pre")


def _read_html(markup: str) -> str:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(markup, "html.parser")
    title = soup.title.get_text(strip=True) if soup.title else ""
    for tag in soup(["script", "style", "noscript", "template", "head"]):
        tag.decompose()
    lines = []
    for element in soup.find_all(_BLOCK_TAGS):
        if element.find(_BLOCK_TAGS):
            continue  # only leaf blocks, so text is not repeated
        for line in element.get_text("\n").splitlines():
            line = re.sub(r"[ \t\r\f\v]+", " ", line).strip()
            if line:
                lines.append(line)
    if not lines:
        lines = [ln.strip() for ln in soup.get_text("\n").splitlines() if ln.strip()]
    if title and (not lines or lines[0] != title):
        lines.insert(0, title)
    return "\n".join(lines)
