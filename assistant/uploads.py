"""Documents added and removed through the UI: type and size checks, safe file names, atomic writes."""

from __future__ import annotations

import logging
import re
import unicodedata
from pathlib import Path

from assistant.atomic import write_bytes_atomic
from assistant.errors import UserError
from assistant.index import PolicyIndex
from assistant.ingest import doc_id_for
from assistant.ingest.readers import SUPPORTED_FORMATS_ZH, SUPPORTED_SUFFIXES, ReadError, read_bytes
from assistant.ingest.structure import parse_structure

log = logging.getLogger(__name__)

_UNSAFE = re.compile(r"[^\w\-. ]+", re.UNICODE)
# Magic bytes of the binary formats; text formats must decode instead.
_SIGNATURES = {".docx": (b"PK\x03\x04",), ".pdf": (b"%PDF-",)}


def sanitize_filename(name: str) -> str:
    """Base name only, no path separators or control characters, no leading dots, at most 80 characters."""
    base = unicodedata.normalize("NFKC", name).replace("\\", "/").split("/")[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C")
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    stem = _UNSAFE.sub("_", stem).strip(" ._") or "document"
    suffix = re.sub(r"[^A-Za-z0-9]", "", suffix).lower()
    return f"{stem[:80]}.{suffix}" if suffix else stem[:80]


def save_upload(index: PolicyIndex, name: str, data: bytes) -> Path:
    """Check an uploaded file and store it with the organisation's documents; raises UserError in Chinese."""
    settings = index.settings
    safe = sanitize_filename(name)
    suffix = Path(safe).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        log.warning("upload rejected name=%r reason=suffix %r", name, suffix)
        raise UserError(f"“{safe}”的文件类型不受支持，请上传 {SUPPORTED_FORMATS_ZH} 文件。")
    limit = int(settings.ui.max_upload_mb * 1024 * 1024)
    if len(data) > limit:
        log.warning("upload rejected name=%r reason=size %d > %d", name, len(data), limit)
        raise UserError(f"“{safe}”超过大小上限（{settings.ui.max_upload_mb:g} MB），请拆分或压缩后再上传。")
    signatures = _SIGNATURES.get(suffix)
    if signatures and not data.startswith(signatures):
        log.warning("upload rejected name=%r reason=content does not match %s", name, suffix)
        raise UserError(f"“{safe}”的内容与扩展名 {suffix} 不符，请确认文件没有损坏。")
    try:
        text, _ = read_bytes(data, suffix)
    except ReadError as exc:
        log.warning("upload rejected name=%r reason=%s", name, exc.detail)
        raise UserError(f"“{safe}”无法读取：{exc.reason}") from exc
    if not parse_structure(text, fallback_title=Path(safe).stem).clauses:
        raise UserError(f"“{safe}”中没有可索引的正文。")
    doc_id = doc_id_for(Path(safe))
    shipped = {d.doc_id for d in index.headers if d.origin == "corpus"}
    if doc_id in shipped:
        raise UserError(f"“{safe}”与系统自带文档同名，请改名后再上传。")
    target = settings.upload_dir / safe
    write_bytes_atomic(target, data)
    log.info("upload stored name=%r path=%s bytes=%d", name, target, len(data))
    return target


def remove_uploaded(index: PolicyIndex, doc_id: str) -> None:
    """Delete an uploaded document's file and forget it in the index; shipped documents are read-only."""
    document = index.header(doc_id)
    if document is None:
        raise UserError("找不到该文档，可能已被删除。")
    if document.origin != "uploaded":
        raise UserError("系统自带的文档不能在此删除。")
    path = Path(document.path).resolve()
    if index.settings.upload_dir.resolve() not in path.parents:
        log.error("refusing to delete outside the upload folder: %s", path)
        raise UserError("该文档不在上传目录中，不能删除。")
    path.unlink(missing_ok=True)
    index.sync()  # the ordinary sync drops what is no longer in the folders, in Chroma and BM25 alike
    log.info("document removed doc_id=%s", doc_id)
