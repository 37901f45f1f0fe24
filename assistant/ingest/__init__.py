"""Read a folder of documents into parsed, citable clauses; one error per unreadable file."""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from assistant.ingest.readers import SUPPORTED_SUFFIXES, ReadError, read_document
from assistant.ingest.structure import parse_structure
from assistant.types import Document, IngestError

log = logging.getLogger(__name__)

__all__ = ["SUPPORTED_SUFFIXES", "IngestReport", "doc_id_for", "load_corpus", "load_document"]


@dataclass
class IngestReport:
    documents: list[Document] = field(default_factory=list)
    errors: list[IngestError] = field(default_factory=list)


def doc_id_for(path: Path) -> str:
    """A stable id from the file name: letters, digits, CJK, '-' and '_' only."""
    stem = unicodedata.normalize("NFKC", path.stem)
    cleaned = re.sub(r"[^\w\-]+", "-", stem, flags=re.UNICODE).strip("-_")
    return cleaned[:80] or "doc-" + hashlib.sha1(path.name.encode()).hexdigest()[:10]


def load_document(path: Path) -> Document:
    """Read and parse one file; raises ReadError with a Chinese reason."""
    data_hash = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""
    text, fmt = read_document(path)
    parsed = parse_structure(text, fallback_title=path.stem)
    doc_id = doc_id_for(path)
    clauses = [c.model_copy(update={"doc_id": doc_id}) for c in parsed.clauses]
    if not clauses:
        raise ReadError("文件中没有可索引的正文。", "parser produced no clauses")
    return Document(
        doc_id=doc_id,
        title=parsed.title,
        short_title=parsed.short_title,
        path=str(path),
        format=fmt,
        sha256=data_hash,
        source_text=text,
        clauses=clauses,
        page_breaks=parsed.page_breaks,
    )


def corpus_files(corpus_dir: Path) -> list[Path]:
    """Every document file in the folder (recursively), skipping READMEs and hidden files."""
    files = []
    for path in sorted(corpus_dir.rglob("*")):
        if not path.is_file() or any(part.startswith(".") for part in path.relative_to(corpus_dir).parts):
            continue
        if path.name.lower() in ("readme.md", "readme.txt"):
            continue
        files.append(path)
    return files


def load_corpus(corpus_dir: Path, uploads_dir: Path | None = None) -> IngestReport:
    """The shipped corpus plus, optionally, the folder of uploaded documents."""
    report = IngestReport()
    if not corpus_dir.is_dir():
        report.errors.append(
            IngestError(
                path=str(corpus_dir), reason="文档目录不存在，请检查设置中的文档目录。", detail="not a directory"
            )
        )
    sources = [(corpus_dir, "corpus")] if corpus_dir.is_dir() else []
    if uploads_dir is not None and uploads_dir.is_dir():
        sources.append((uploads_dir, "uploaded"))
    seen: dict[str, Path] = {}
    for path, origin in ((p, o) for folder, o in sources for p in corpus_files(folder)):
        try:
            document = load_document(path)
        except ReadError as exc:
            log.warning("ingest failed path=%s detail=%s", path, exc.detail)
            report.errors.append(IngestError(path=str(path), reason=exc.reason, detail=exc.detail))
            continue
        if document.doc_id in seen:
            reason = f"与文件“{seen[document.doc_id].name}”的文档编号相同，请重命名其中一个文件。"
            log.warning("ingest failed path=%s detail=duplicate doc_id %s", path, document.doc_id)
            report.errors.append(
                IngestError(path=str(path), reason=reason, detail=f"duplicate doc_id {document.doc_id}")
            )
            continue
        seen[document.doc_id] = path
        report.documents.append(document.model_copy(update={"origin": origin}))
    return report
