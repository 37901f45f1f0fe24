"""The index: parsed clauses (catalog), vectors in Chroma, BM25 beside it; incremental and crash-safe."""

from __future__ import annotations

import fcntl
import hashlib
import logging
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from pydantic import BaseModel, Field

from assistant.atomic import write_text_atomic
from assistant.chunking import chunk_clause
from assistant.embeddings import Embedder
from assistant.ingest import corpus_files, load_corpus
from assistant.lexical import LexicalIndex
from assistant.settings import Settings
from assistant.store import SCHEMA_VERSION, VectorStore, open_client
from assistant.types import Chunk, Clause, Document, IngestError

log = logging.getLogger(__name__)

LEXICAL_VERSION = 2  # bump when the BM25 tokens or what the lexical index stores change

Progress = Callable[[str, int, int], None]
"""progress(stage, done, total): stage is Chinese, for a progress bar."""


class Catalog(BaseModel):
    schema_version: int = SCHEMA_VERSION
    model_id: str
    corpus_dir: str
    corpus_fingerprint: str
    documents: list[Document] = Field(default_factory=list)


class SyncReport(BaseModel):
    added: list[str] = Field(default_factory=list)
    updated: list[str] = Field(default_factory=list)
    removed: list[str] = Field(default_factory=list)
    unchanged: list[str] = Field(default_factory=list)
    errors: list[IngestError] = Field(default_factory=list)
    documents: int = 0
    clauses: int = 0
    embedded_texts: int = 0
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)


def corpus_fingerprint(*folders: Path) -> str:
    """Cheap change detector: names, sizes and modification times of the corpus files."""
    digest = hashlib.sha256()
    for number, folder in enumerate(folders):
        # Position, not absolute path: a copied or moved data directory is not a changed corpus.
        digest.update(f"folder {number}\n".encode())
        if folder.is_dir():
            for path in corpus_files(folder):
                stat = path.stat()
                digest.update(f"{path.relative_to(folder)}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


class PolicyIndex:
    def __init__(self, settings: Settings, embedder: Embedder):
        self.settings = settings
        self.embedder = embedder
        self.directory = settings.index_dir
        self.directory.mkdir(parents=True, exist_ok=True)
        self.store = VectorStore(open_client(settings), settings.chroma.collection_prefix, embedder.model_id)
        self.catalog: Catalog | None = None
        self.lexical: LexicalIndex | None = None
        self.clauses: dict[str, Clause] = {}
        self._load()

    # --- state on disk -----------------------------------------------------

    @property
    def _catalog_path(self) -> Path:
        slug = self.store.chunks.name
        return self.directory / f"catalog-{slug}.json"

    @property
    def _lexical_path(self) -> Path:
        return self.directory / "lexical"

    def _load(self) -> None:
        try:
            catalog = Catalog.model_validate_json(self._catalog_path.read_text("utf-8"))
        except FileNotFoundError:
            return
        except ValueError as exc:
            log.warning("catalog unreadable, the next sync rebuilds it: %s", exc)
            return
        if catalog.schema_version != SCHEMA_VERSION:
            return
        self._install(catalog)

    def _install(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.clauses = {c.key: c for d in catalog.documents for c in d.clauses}
        fingerprint = self._clauses_fingerprint()
        lexical = LexicalIndex.load(self._lexical_path)
        if lexical is None or lexical.fingerprint != fingerprint:
            keys = list(self.clauses)
            lexical = LexicalIndex.build(keys, [self.clauses[k].text for k in keys], fingerprint)
            lexical.save(self._lexical_path)
        self.lexical = lexical

    def _clauses_fingerprint(self) -> str:
        digest = hashlib.sha256(f"lexical-v{LEXICAL_VERSION}".encode())
        for key, clause in self.clauses.items():
            digest.update(key.encode())
            digest.update(hashlib.sha256(clause.text.encode()).digest())
        return digest.hexdigest()

    @property
    def ready(self) -> bool:
        return self.catalog is not None and self.lexical is not None

    @property
    def documents(self) -> list[Document]:
        return self.catalog.documents if self.catalog else []

    def document(self, doc_id: str) -> Document | None:
        return next((d for d in self.documents if d.doc_id == doc_id), None)

    def is_stale(self, corpus_dir: Path | None = None) -> bool:
        corpus = (corpus_dir or self.settings.corpus_dir).resolve()
        if self.catalog is None:
            return True
        fingerprint = corpus_fingerprint(corpus, self.settings.upload_dir)
        return self.catalog.corpus_dir != str(corpus) or self.catalog.corpus_fingerprint != fingerprint

    def ensure_ready(self, progress: Progress | None = None) -> SyncReport | None:
        """Build or refresh the index when it is missing or the corpus changed; None when nothing ran."""
        if self.ready and not self.is_stale():
            return None
        return self.sync(progress=progress)

    # --- building ----------------------------------------------------------

    @contextmanager
    def _lock(self) -> Iterator[None]:
        # One writer at a time across processes (CLI, UI replicas on one machine).
        with open(self.directory / ".lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def sync(
        self, corpus_dir: Path | None = None, rebuild: bool = False, progress: Progress | None = None
    ) -> SyncReport:
        corpus = (corpus_dir or self.settings.corpus_dir).resolve()
        started = time.perf_counter()
        with self._lock():
            if rebuild:
                self._drop_everything()
            fingerprint = corpus_fingerprint(corpus, self.settings.upload_dir)
            loaded = load_corpus(corpus, self.settings.upload_dir)
            report = SyncReport(errors=loaded.errors)
            states = self.store.doc_states()
            wanted = {d.doc_id: d for d in loaded.documents}
            for doc_id in sorted(set(states) - set(wanted)):
                self.store.delete_document(doc_id)
                report.removed.append(doc_id)
            todo: list[Document] = []
            for document in loaded.documents:
                state = states.get(document.doc_id)
                if state and state.sha256 == document.sha256 and state.schema == SCHEMA_VERSION and state.complete:
                    report.unchanged.append(document.doc_id)
                else:
                    todo.append(document)
                    (report.updated if state else report.added).append(document.doc_id)
            for number, document in enumerate(todo, start=1):
                report.embedded_texts += self._index_document(document, number, len(todo), progress)
            catalog = Catalog(
                model_id=self.embedder.model_id,
                corpus_dir=str(corpus),
                corpus_fingerprint=fingerprint,
                documents=loaded.documents,
            )
            write_text_atomic(self._catalog_path, catalog.model_dump_json())
            self._install(catalog)
        report.documents = len(loaded.documents)
        report.clauses = len(self.clauses)
        report.seconds = time.perf_counter() - started
        log.info(
            "index sync added=%s updated=%s removed=%s unchanged=%d errors=%d seconds=%.2f",
            report.added,
            report.updated,
            report.removed,
            len(report.unchanged),
            len(report.errors),
            report.seconds,
        )
        return report

    def _index_document(self, document: Document, number: int, total: int, progress: Progress | None) -> int:
        chunks: list[tuple[Clause, Chunk]] = [
            (clause, chunk)
            for clause in document.clauses
            for chunk in chunk_clause(clause, self.settings.embedding.max_tokens, self.embedder.count_tokens)
        ]
        sentences = [s.text for c in document.clauses for s in c.sentences]
        texts = [chunk.text for _, chunk in chunks] + sentences
        stage = f"正在建立索引（{number}/{total}）：{document.title}"
        vectors = []
        batch = 32
        for start in range(0, len(texts), batch):
            if progress:
                progress(stage, start, len(texts))
            vectors.append(self.embedder.embed_passages(texts[start : start + batch]))
        if progress:
            progress(stage, len(texts), len(texts))
        import numpy as np

        matrix = np.vstack(vectors) if vectors else np.zeros((0, self.embedder.dim), dtype=np.float32)
        # Replace, never mix: stale chunks of an older version of the document go first.
        self.store.delete_document(document.doc_id)
        self.store.add_document(document, chunks, matrix[: len(chunks)], matrix[len(chunks) :])
        return len(texts)

    def _drop_everything(self) -> None:
        for collection in (self.store.chunks, self.store.sentences):
            self.store.client.delete_collection(collection.name)
        self.store = VectorStore(self.store.client, self.settings.chroma.collection_prefix, self.embedder.model_id)
        self._catalog_path.unlink(missing_ok=True)
        shutil.rmtree(self._lexical_path, ignore_errors=True)
        self.catalog, self.lexical, self.clauses = None, None, {}
