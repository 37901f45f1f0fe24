"""Read a folder of documents into parsed, citable clauses; one error per unreadable file."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.ingest.kinds import classify
from assistant.ingest.labels import aliases_of, relabel, short_title_of, unique_short_titles
from assistant.ingest.metadata import doc_number_in, issuer_in_title, read_metadata
from assistant.ingest.readers import SUPPORTED_SUFFIXES, Budget, ReadError, read_document
from assistant.ingest.structure import parse_structure
from assistant.ingest.versions import mark_versions
from assistant.settings import IngestSettings
from assistant.types import Document, IngestError

if TYPE_CHECKING:
    from assistant.ingest.cache import ParseCache

log = logging.getLogger(__name__)

__all__ = [
    "SUPPORTED_SUFFIXES",
    "IngestReport",
    "corpus_files",
    "display_name",
    "doc_id_for",
    "load_corpus",
    "load_document",
    "printable_path",
    "scan_corpus",
]

NO_BODY = "文件只有标题或元数据（如目录说明），没有正文，已跳过。"
HIDDEN = "文件名以“.”开头，被视为隐藏文件，未建立索引；如需索引，请去掉文件名开头的“.”。"


@dataclass
class IngestReport:
    documents: list[Document] = field(default_factory=list)
    errors: list[IngestError] = field(default_factory=list)
    parsed: int = 0  # files read and parsed (with a parse cache: its misses)


def display_name(path: Path) -> str:
    """The file name as text: UTF-8, else GB18030 (names from a GBK zip unpacked on Linux), else escaped bytes."""
    raw = os.fsencode(path.name)
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", errors="backslashreplace")


def printable_path(path: Path) -> str:
    """str(path) when it is valid Unicode, else the folder plus display_name (JSON and logs cannot hold surrogates)."""
    text = str(path)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return str(path.parent / display_name(path))
    return text


def doc_id_for(path: Path) -> str:
    """A stable id from the file name: letters, digits, CJK, '-' and '_' only."""
    name = display_name(path)
    stem = unicodedata.normalize("NFKC", name.rsplit(".", 1)[0] if "." in name.lstrip(".") else name)
    cleaned = re.sub(r"[^\w\-]+", "-", stem, flags=re.UNICODE).strip("-_")
    return cleaned[:80] or "doc-" + hashlib.sha1(os.fsencode(path.name)).hexdigest()[:10]


def load_document(path: Path, limits: IngestSettings | None = None) -> Document:
    """Read and parse one file; raises ReadError with a Chinese reason."""
    budget = Budget.start(limits)
    text, fmt = read_document(path, budget)
    data_hash = hashlib.sha256(path.read_bytes()).hexdigest()
    name = display_name(path)
    parsed = parse_structure(text, fallback_title=name.rsplit(".", 1)[0] if "." in name else name)
    budget.check_time("parse")
    if not parsed.clauses:
        if parsed.front.title is not None or text.lstrip().startswith("---"):
            raise ReadError(NO_BODY, "front matter only, no body")
        raise ReadError("文件中没有可索引的正文。", "parser produced no clauses")
    meta = read_metadata(parsed.front.lines, path)
    meta.issuer = meta.issuer or issuer_in_title(parsed.title)
    kind = classify(parsed.title, meta.issuer, tuple(path.parent.parts[-2:]))
    doc_id = doc_id_for(path)
    clauses = [c.model_copy(update={"doc_id": doc_id}) for c in parsed.clauses]
    document = Document(
        doc_id=doc_id,
        title=parsed.title,
        short_title=parsed.short_title,
        kind=kind,
        issuer=meta.issuer,
        promulgated=meta.promulgated,
        effective=meta.effective,
        doc_number=meta.doc_number or doc_number_in(parsed.lead),
        version_date=meta.version_date,
        path=printable_path(path),
        format=fmt,
        sha256=data_hash,
        source_text=text,
        clauses=clauses,
        page_breaks=parsed.page_breaks,
    )
    short = short_title_of(parsed.title, kind)
    document.aliases = aliases_of(parsed.title, short)
    return relabel(document, short)


def scan_corpus(corpus_dir: Path) -> tuple[list[Path], list[IngestError]]:
    """Document files in the folder (recursively) and notes on files passed over that a user may have meant.

    READMEs, hidden folders and hidden files of unsupported types are passed over silently.
    """
    files: list[Path] = []
    notes: list[IngestError] = []
    for path in sorted(corpus_dir.rglob("*")):
        parts = path.relative_to(corpus_dir).parts
        if not path.is_file() or any(part.startswith(".") for part in parts[:-1]):
            continue
        if path.name.lower() in ("readme.md", "readme.txt"):
            continue
        if path.name.startswith("."):
            if path.suffix.lower() in SUPPORTED_SUFFIXES:
                notes.append(IngestError(path=printable_path(path), reason=HIDDEN, detail="hidden file skipped"))
            continue
        files.append(path)
    return files, notes


def corpus_files(corpus_dir: Path) -> list[Path]:
    """Every document file in the folder (recursively), skipping READMEs and hidden files."""
    return scan_corpus(corpus_dir)[0]


def load_corpus(
    corpus_dir: Path,
    uploads_dir: Path | None = None,
    limits: IngestSettings | None = None,
    cache: ParseCache | None = None,
    known: Mapping[str, Document] | None = None,
    refresh: bool = False,
) -> IngestReport:
    """The shipped corpus plus, optionally, the folder of uploaded documents.

    With a parse cache only new and changed files are parsed (`refresh`: all of them); `known` are documents
    already in memory, reused for unchanged files. Cross-document steps always see every document.
    """
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
    parsed_before = cache.parsed if cache is not None else 0
    for folder, origin in sources:
        files, notes = scan_corpus(folder)
        report.errors.extend(notes)
        for path in files:
            shown = printable_path(path)
            try:
                if cache is None:
                    report.parsed += 1
                    document = load_document(path, limits)
                else:
                    document = cache.load(path, partial(load_document, path, limits), known, refresh)
            except ReadError as exc:
                log.warning("ingest failed path=%r detail=%s", shown, exc.detail)
                report.errors.append(IngestError(path=shown, reason=exc.reason, detail=exc.detail))
                continue
            except OSError as exc:
                log.warning("ingest failed path=%r detail=%r", shown, exc)
                reason = "无法读取该文件，请检查文件是否存在以及访问权限。"
                report.errors.append(IngestError(path=shown, reason=reason, detail=repr(exc)))
                continue
            if document.doc_id in seen:
                reason = f"与文件“{display_name(seen[document.doc_id])}”的文档编号相同，请重命名其中一个文件。"
                log.warning("ingest failed path=%r detail=duplicate doc_id %s", shown, document.doc_id)
                report.errors.append(
                    IngestError(path=shown, reason=reason, detail=f"duplicate doc_id {document.doc_id}")
                )
                continue
            seen[document.doc_id] = path
            kept = document if document.origin == origin else document.model_copy(update={"origin": origin})
            report.documents.append(kept)
    if cache is not None:
        cache.flush(prune=True)
        report.parsed = cache.parsed - parsed_before
    report.documents = mark_versions(unique_short_titles(report.documents))
    return report
