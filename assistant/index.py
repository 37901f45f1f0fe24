"""The index: parsed clauses (catalog), vectors in Chroma, BM25 beside it; incremental and crash-safe."""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import sqlite3
import threading
import time
import zlib
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from pydantic import BaseModel, Field

from assistant.atomic import write_text_atomic
from assistant.catalog import Catalog, header_of
from assistant.chinese import warm_up
from assistant.chunking import chunk_clause
from assistant.embeddings import Embedder
from assistant.errors import UserError
from assistant.gc_pause import frozen_while, long_lived
from assistant.heap import return_freed_memory
from assistant.index_repair import open_client_repairing, write_failure
from assistant.index_state import IndexedDocument, IndexState
from assistant.ingest import IngestReport, corpus_files, load_corpus
from assistant.ingest.cache import ParseCache, parser_version
from assistant.jobs import JobWriter
from assistant.lexical import LexicalIndex
from assistant.oplog import SHOWN_TO_USER
from assistant.passage_vectors import document_vectors
from assistant.read_only import WriteBlock, low_space, snapshot_store, unwritable
from assistant.settings import Settings
from assistant.store import SCHEMA_VERSION, VectorStore, collection_name, open_client
from assistant.types import Chunk, Clause, ClauseOutline, Document, DocumentHeader, IngestError
from assistant.vector_cache import CachedEmbedder, VectorCache

log = logging.getLogger(__name__)

LEXICAL_VERSION = 3  # bump when the BM25 tokens or what the lexical index stores change
_TOKEN_BATCH = 64  # documents whose stored BM25 tokens are read at once while the lexical index updates

Progress = Callable[[str, int, int], None]
"""progress(stage, done, total): stage is Chinese, for a progress bar."""


class SyncReport(BaseModel):
    added: list[str] = Field(default_factory=list)
    updated: list[str] = Field(default_factory=list)
    removed: list[str] = Field(default_factory=list)
    unchanged: list[str] = Field(default_factory=list)
    errors: list[IngestError] = Field(default_factory=list)
    documents: int = 0
    clauses: int = 0
    embedded_texts: int = Field(0, description="Texts sent to the embedding model (cache hits excluded).")
    reused_texts: int = Field(0, description="Texts whose vectors came from the vector cache.")
    parsed_files: int = Field(0, description="Files read and parsed (the parse cache had no current entry).")
    repaired: list[str] = Field(default_factory=list, description="Documents whose vectors were missing.")
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
                # fsencode: a file name that is not valid UTF-8 (a GBK zip unpacked on Linux) must not stop indexing.
                digest.update(os.fsencode(path.relative_to(folder)))
                digest.update(f"\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


class PolicyIndex:
    def __init__(self, settings: Settings, embedder: Embedder, repair: bool = False):
        """`repair` (for `index --rebuild`): a damaged local store is moved aside and built anew."""
        self.settings = settings
        self.embedder = embedder
        self.directory = settings.index_dir
        # Decided once, before anything is opened: an index that cannot be written is read as it is.
        block = unwritable(self.directory)
        self.read_only = block if block is not None and block.cause == "permission" else None
        self.notice: str | None = None  # a Chinese warning while the index cannot be updated
        if self.read_only is not None:
            self.notice = self.read_only.notice
            log.warning(
                "index is read-only; answering from it as it is, no updates path=%s",
                self.read_only.path,
                extra=SHOWN_TO_USER,
            )
        else:
            self.directory.mkdir(parents=True, exist_ok=True)
        local = settings.chroma.host is None
        self.store = VectorStore(
            self._open_client(repair),
            settings.chroma.collection_prefix,
            embedder.model_id,
            self._read_generation(),
            on_missing=self._reopen,
            where=None if local else f"{settings.chroma.host}:{settings.chroma.port}",
            local_path=self.directory / "chroma" if local else None,
            hnsw=settings.chroma.hnsw_metadata,
        )
        # Not for a rebuild (`repair`): it writes a new generation and would only hold the old one in memory.
        self._warming = None if repair else self._start_warming()
        warm_up()  # jieba, for the first query's BM25 tokens
        # The cache outlives rebuilds and collections: keyed by model and text, never by document.
        cache = VectorCache(self.directory / "vectors.sqlite3", read_only=self.read_only is not None)
        self.passages = CachedEmbedder(embedder, cache)
        self.state = self._open_state(self.store)
        self.catalog: Catalog | None = None
        self.lexical: LexicalIndex | None = None
        self._parse_cache: ParseCache | None = None
        self._loaded_version = -1
        self._load()

    # --- state on disk -----------------------------------------------------

    def _open_client(self, repair: bool) -> Any:
        if self.read_only is None or self.settings.chroma.host:
            return open_client_repairing(self.settings, repair)
        return open_client(self.settings, snapshot_store(self.directory / "chroma"))

    def _start_warming(self) -> threading.Thread | None:
        """Load the local vector indexes in a thread while start-up goes on (the integrity check and the first
        query wait for it); a Chroma server keeps its own loaded."""
        if self.store.where is not None:
            return None
        thread = threading.Thread(target=self._warm, name="warm-vector-store", daemon=True)
        thread.start()
        return thread

    def _warm(self) -> None:
        try:
            self.store.warm(self.embedder.dim)
        except Exception as exc:  # the check or the query that follows reports it, with its retries
            log.debug("vector store warm-up failed: %s", exc)

    def _warmed(self) -> None:
        if self._warming is not None:
            self._warming.join()
            self._warming = None

    def _open_state(self, store: VectorStore) -> IndexState:
        path = self.directory / f"state-{store.chunks.name}.sqlite3"
        return IndexState(path, read_only=self.read_only is not None)

    @property
    def _generation_path(self) -> Path:
        return self.directory / collection_name(
            self.settings.chroma.collection_prefix, "generation", self.embedder.model_id
        )

    def _read_generation(self) -> int:
        try:
            return int(self._generation_path.read_text("utf-8").strip() or 0)
        except (OSError, ValueError):
            return 0

    def _reopen(self) -> bool:
        """Another process swapped in a rebuilt index: follow it (called when our collections vanished)."""
        generation = self._read_generation()
        if generation == self.store.generation:
            return False
        self.store.open(generation)
        self.state.close()
        self.state = self._open_state(self.store)
        self.catalog = None
        self._load(save_lexical=False)
        return True

    @property
    def _lexical_path(self) -> Path:
        return self.directory / "lexical"

    @property
    def _corpus_memory_path(self) -> Path:
        return self.directory / "corpus.json"

    def _load(self, save_lexical: bool = True) -> None:
        with long_lived():  # the catalog and the BM25 vocabulary: millions of objects, kept
            self._load_catalog(save_lexical)

    def _load_catalog(self, save_lexical: bool) -> None:
        corpus_dir = self.state.get_meta("corpus_dir")
        if corpus_dir is None:
            return
        # Headers and clause outlines only: whole documents are decoded when a search or a caller needs them.
        by_id = {h.doc_id: h for h in self.state.headers()}
        order = json.loads(self.state.get_meta("order") or "[]")
        headers = [by_id.pop(i) for i in order if i in by_id] + list(by_id.values())
        catalog = Catalog(
            self.embedder.model_id,
            corpus_dir,
            self.state.get_meta("corpus_fingerprint") or "",
            headers,
            self._read_records,
        )
        self._install(catalog, save_lexical)

    def _read_records(self, doc_ids: list[str]) -> list[Document]:
        return self.state.records(doc_ids)  # the state of the live generation (a rebuild swaps it)

    def _install(self, catalog: Catalog, save_lexical: bool = True) -> None:
        keys = list(catalog.outline)
        digests = np.array([c.digest for c in catalog.outline.values()], dtype=np.uint64)
        fingerprint = self._clauses_fingerprint(keys, digests)
        lexical = self.lexical if self.lexical and self.lexical.fingerprint == fingerprint else None
        lexical = lexical or self.lexical or LexicalIndex.load(self._lexical_path)
        if lexical is None or lexical.fingerprint != fingerprint:
            # Only clauses whose text the lexical index has not seen are tokenised (or read from the state).
            stale = [k for k, d in zip(keys, digests.tolist()) if lexical is None or lexical.digest(k) != d]
            tokens = self._clause_tokens(catalog, set(stale))
            lexical = (lexical or LexicalIndex.empty()).update(keys, tokens, digests, fingerprint)
            if save_lexical and self.read_only is None:
                lexical.save(self._lexical_path)
        elif lexical is not self.lexical and not lexical.mapped and save_lexical and self.read_only is None:
            lexical.save(self._lexical_path)  # saved before its postings were mapped files: once, mapped next time
        self.lexical = lexical
        self.catalog = catalog

    def _clause_tokens(self, catalog: Catalog, keys: set[str]) -> Iterator[tuple[str, list[str]]]:
        """BM25 tokens of these clauses: stored per document in the index state, else tokenised now.

        Read a few documents at a time: the whole library's tokens as strings would take over a gigabyte.
        """
        doc_ids = {catalog.outline[k].doc_id for k in keys}
        wanted = [h for h in catalog.headers if h.doc_id in doc_ids]
        for start in range(0, len(wanted), _TOKEN_BATCH):
            batch = wanted[start : start + _TOKEN_BATCH]
            stored = self.state.tokens([h.doc_id for h in batch])
            for header in batch:  # the outline lists the clauses in the order their tokens were stored
                mine = stored.get(header.doc_id)
                if mine is None or len(mine) != len(header.clauses):  # not stored (an old state): decode, tokenise
                    document = catalog.document(header.doc_id)
                    if document is None:
                        continue
                    mine = LexicalIndex.tokenize([c.text for c in document.clauses])
                yield from ((c.key, t) for c, t in zip(header.clauses, mine) if c.key in keys)

    @staticmethod
    def _clauses_fingerprint(keys: list[str], digests: np.ndarray) -> str:
        digest = hashlib.sha256(f"lexical-v{LEXICAL_VERSION}".encode())
        digest.update("\0".join(keys).encode())
        digest.update(digests.tobytes())
        return digest.hexdigest()

    @property
    def ready(self) -> bool:
        return self.catalog is not None and self.lexical is not None

    @property
    def documents(self) -> list[Document]:
        """Every indexed document in corpus order, all decoded (the first call on a large library takes seconds:
        `headers` are enough for names, versions and outlines, `document()` decodes one)."""
        return list(self.catalog.documents) if self.catalog else []

    @property
    def clauses(self) -> Mapping[str, Clause]:
        """Every indexed clause by key; a lookup decodes its document, iterating values decodes them all."""
        return self.catalog.clauses if self.catalog else {}

    @property
    def outline(self) -> Mapping[str, ClauseOutline]:
        """Every indexed clause's outline (no text) by key: membership, document, part, number, order."""
        return self.catalog.outline if self.catalog else {}

    @property
    def headers(self) -> list[DocumentHeader]:
        """Every indexed document without its text (title, version, status, clause outline), in corpus order."""
        return self.catalog.headers if self.catalog else []

    def header(self, doc_id: str) -> DocumentHeader | None:
        return self.catalog.header(doc_id) if self.catalog else None

    def document(self, doc_id: str) -> Document | None:
        return self.catalog.document(doc_id) if self.catalog else None

    @property
    def materialized(self) -> int:
        """How many whole documents are decoded in memory (start-up decodes none)."""
        return self.catalog.materialized if self.catalog else 0

    def corpus_dir(self, corpus_dir: Path | None = None) -> Path:
        """The folder to index: the one given, else the one last indexed with `index --corpus`, else the setting."""
        if corpus_dir is not None:
            return corpus_dir.resolve()
        configured = self.settings.corpus_dir.resolve()
        try:
            memory = json.loads(self._corpus_memory_path.read_text("utf-8"))
        except (OSError, ValueError):
            return configured
        chosen = Path(str(memory.get("corpus_dir", "")))
        # A changed setting wins over the remembered choice; a vanished folder is not remembered.
        if memory.get("configured") == str(configured) and chosen.is_dir():
            return chosen
        return configured

    def _remember_corpus(self, corpus: Path) -> None:
        configured = str(self.settings.corpus_dir.resolve())
        if str(corpus) == configured:
            self._corpus_memory_path.unlink(missing_ok=True)
            return
        write_text_atomic(
            self._corpus_memory_path,
            json.dumps({"corpus_dir": str(corpus), "configured": configured}, ensure_ascii=False),
        )

    def is_stale(self, corpus_dir: Path | None = None) -> bool:
        corpus = self.corpus_dir(corpus_dir)
        if self.catalog is None:
            return True
        fingerprint = corpus_fingerprint(corpus, self.settings.upload_dir)
        return (
            self.catalog.corpus_dir != str(corpus)
            or self.catalog.corpus_fingerprint != fingerprint
            or self.state.get_meta("sentence_vectors") != self._sentence_vectors
        )

    def ensure_ready(self, progress: Progress | None = None) -> SyncReport | None:
        """Build or refresh the index when it is missing or the corpus changed; None when nothing ran.

        While another process is updating the index, answer from what it has indexed so far instead of waiting.
        """
        if self.read_only is not None:
            self._read_as_is(self.read_only)
            return None
        if self.ready and not self.is_stale() and self.vectors_intact():
            return None
        # A full disk is seen before the corpus is read and parsed for an update that cannot be stored.
        full = low_space(self.directory, self.settings.index.min_free_mb) if self.ready else None
        if full is not None:
            self._read_as_is(full)
            return None
        self.notice = None
        try:
            with self._lock(wait=False) as locked:
                if locked:
                    return self._sync_locked(self.corpus_dir(), False, progress)
        except UserError as exc:
            if not self.ready or not str(exc).startswith(("磁盘空间不足", "没有写入权限")):
                raise
            # Reads still work from the intact index; the update waits for space or permission.
            log.warning("index not updated, answering from the existing index: %s", exc)
            self._load(save_lexical=False)
            return None
        version = self.state.data_version()
        if not self.ready or version != self._loaded_version:  # reload only what the writer has committed since
            self._loaded_version = version
            self._load(save_lexical=False)
        if not self.ready:  # nothing indexed yet by the other process: wait for it
            return self.sync(progress=progress)
        log.info("index is being updated by another process; answering from %d documents", len(self.headers))
        return None

    def _read_as_is(self, block: WriteBlock) -> None:
        """Answer from the index as it is, which cannot be updated now; the warning is set (and logged) once."""
        if not self.ready:
            raise block.cannot_build()
        if self.notice != block.notice:
            self.notice = block.notice
            log.warning(
                "index not updated, answering from it as it is cause=%s path=%s",
                block.cause,
                block.path,
                extra=SHOWN_TO_USER,
            )

    def vectors_intact(self) -> bool:
        """The vector store holds as many chunks and sentences as the index state says (two counts, no scan)."""
        self._warmed()
        counts = self.store.counts()  # may follow a swapped-in rebuild, which replaces self.state
        intact = self.state.totals() == counts
        if not intact:
            log.warning("vector store and index state disagree on counts; the next sync repairs it")
        return intact

    # --- building ----------------------------------------------------------

    @contextmanager
    def _lock(self, wait: bool = True) -> Iterator[bool]:
        # One writer at a time across processes (CLI, UI replicas on one machine).
        try:
            handle = open(self.directory / ".lock", "w")  # noqa: SIM115 (closed below)
        except OSError as exc:
            raise (write_failure(exc, self.directory) or exc) from exc
        with handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def sync(
        self, corpus_dir: Path | None = None, rebuild: bool = False, progress: Progress | None = None
    ) -> SyncReport:
        block = self.read_only or low_space(self.directory, self.settings.index.min_free_mb)
        if block is not None:  # said before any file is read
            log.error("index update refused cause=%s path=%s", block.cause, block.path, extra=SHOWN_TO_USER)
            raise block.error()
        corpus = self.corpus_dir(corpus_dir)
        # Reading and parsing happen outside the lock: a slow or hostile file never holds up other writers.
        fingerprint = corpus_fingerprint(corpus, self.settings.upload_dir)
        loaded = self._read_corpus(corpus, rebuild)
        with self._lock():
            return self._sync_locked(corpus, rebuild, progress, (fingerprint, loaded))

    def _sync_locked(
        self, corpus: Path, rebuild: bool, progress: Progress | None, read: tuple[str, IngestReport] | None = None
    ) -> SyncReport:
        started = time.perf_counter()
        job = JobWriter(self.directory, progress)
        try:
            with frozen_while():
                report = self._run_sync(corpus, rebuild, job, read)
        except BaseException as exc:
            job.finish(error=type(exc).__name__)
            failure = write_failure(exc, self.directory) if isinstance(exc, (OSError, sqlite3.Error)) else None
            if failure is None and type(exc).__module__.startswith("chromadb"):
                failure = write_failure(exc, self.directory)
            if failure is not None:
                log.error("index update failed path=%s error=%s", self.directory, exc)
                raise failure from exc
            raise
        report.seconds = time.perf_counter() - started
        job.finish()
        log.info(
            "index sync added=%s updated=%s removed=%s repaired=%s unchanged=%d errors=%d embedded=%d reused=%d "
            "seconds=%.2f",
            report.added,
            report.updated,
            report.removed,
            report.repaired,
            len(report.unchanged),
            len(report.errors),
            report.embedded_texts,
            report.reused_texts,
            report.seconds,
        )
        return report

    def _run_sync(
        self, corpus: Path, rebuild: bool, job: JobWriter, read: tuple[str, IngestReport] | None = None
    ) -> SyncReport:
        self._warmed()  # its queries are not left running beside the writes
        store, state = self.store, self.state
        if rebuild:
            # Build beside the live index and swap at the end: readers keep answering from the old one meanwhile.
            store = VectorStore(
                self.store.client,
                self.store.prefix,
                self.store.model_id,
                self.store.generation + 1,
                where=self.store.where,
                local_path=self.store.local_path,
                hnsw=self.store.hnsw,
            )
            store.drop()  # leftovers of an interrupted rebuild
            store.open(store.generation)
            state_path = self._open_state(store).path
            for leftover in state_path.parent.glob(state_path.name + "*"):
                leftover.unlink()
            state = self._open_state(store)
        job.update("正在读取文档", 0, 0)
        if read is None:
            read = (corpus_fingerprint(corpus, self.settings.upload_dir), self._read_corpus(corpus, rebuild))
        fingerprint, loaded = read
        report = SyncReport(errors=loaded.errors, parsed_files=loaded.parsed)
        states = state.states()
        damaged, orphans = self._check_vectors(states, store, state)
        if orphans:
            # Vectors without a state row: an index from before the state database, or a crash before the row
            # was written. Their texts are in the store, so the cache takes them and re-indexing embeds nothing.
            self.passages.seed(store.stored_vectors(sorted(orphans), sentences=not self._pooled))
        wanted = {d.doc_id: d for d in loaded.documents}
        for doc_id in sorted((set(states) | orphans) - set(wanted)):
            store.delete_document(doc_id)
            state.delete(doc_id)
            report.removed.append(doc_id)
        todo: list[Document] = []
        for document in loaded.documents:
            known = states.get(document.doc_id)
            if known and document.doc_id not in damaged and self._current(known, document):
                report.unchanged.append(document.doc_id)
                self._refresh_record(document, state)
                continue
            todo.append(document)
            if document.doc_id in damaged:
                report.repaired.append(document.doc_id)
            (report.updated if known or document.doc_id in orphans else report.added).append(document.doc_id)
        embedded_before, reused_before = self.passages.embedded, self.passages.reused
        # A document's vectors are computed while the one before is written: the model's threads run outside
        # the GIL while Chroma, BM25 tokens and the state are written (a one-thread-at-a-time build used 1.4 of
        # 2 cores). Writes stay in corpus order, one at a time; a failed write stops the build at the next one.
        with ThreadPoolExecutor(1, thread_name_prefix="index-writer") as writer:
            written: Future[None] | None = None
            for number, document in enumerate(todo, start=1):
                embedded = self._embed_document(document, number, len(todo), job)
                if written is not None:
                    written.result()
                written = writer.submit(self._write_document, embedded, store, state)
            if written is not None:
                written.result()
        report.embedded_texts = self.passages.embedded - embedded_before
        report.reused_texts = self.passages.reused - reused_before
        state.set_meta(
            {
                "corpus_dir": str(corpus),
                "corpus_fingerprint": fingerprint,
                "order": json.dumps([d.doc_id for d in loaded.documents]),
                "sentence_vectors": self._sentence_vectors,
            }
        )
        if rebuild:
            self._swap(store, state)
        self._remember_corpus(corpus)
        job.update("正在更新关键词索引", 0, 0)
        with long_lived():
            headers = [header_of(d) for d in loaded.documents]
            # The new catalog keeps only what the old one had decoded and is still current; the rest is decoded
            # on first use. The parsed library is let go here, before the lexical index (the largest allocation
            # of a build) is made: a full library's documents take about 360 MB.
            decoded = self.catalog.loaded() if self.catalog else {}
            kept = [d for d in loaded.documents if decoded.get(d.doc_id) is d]
            del decoded, todo, wanted
            loaded.documents = []
            return_freed_memory()
            catalog = Catalog(self.embedder.model_id, str(corpus), fingerprint, headers, self._read_records, kept)
            del kept
            self._install(catalog)
        report.documents = len(headers)
        report.clauses = len(self.clauses)
        return report

    @property
    def _sentence_vectors(self) -> str:
        """How sentence vectors are made here: pooled only when asked for and the embedder can."""
        pooled = self.settings.embedding.pooled_sentences and self.passages.pools_spans
        return self.settings.embedding.sentence_vector_mode if pooled else "separate"

    @property
    def _pooled(self) -> bool:
        return self._sentence_vectors != "separate"

    def _read_corpus(self, corpus: Path, refresh: bool) -> IngestReport:
        """Parse only new and changed files (`refresh`, for a rebuild: all); the rest come from memory or the cache."""
        if self._parse_cache is None:
            version = parser_version(SCHEMA_VERSION, self.settings.ingest)
            self._parse_cache = ParseCache(self.directory / "parsed.sqlite3", version)
        return load_corpus(
            corpus,
            self.settings.upload_dir,
            limits=self.settings.ingest,
            cache=self._parse_cache,
            known=self.catalog.loaded() if self.catalog else None,
            refresh=refresh,
        )

    def _swap(self, store: VectorStore, state: IndexState) -> None:
        """Make the rebuilt generation the live one, then retire the old one."""
        old_store = VectorStore(self.store.client, self.store.prefix, self.store.model_id, self.store.generation)
        old_state = self.state
        write_text_atomic(self._generation_path, str(store.generation))
        self.store.open(store.generation)
        self.state = state
        old_store.drop()
        old_state.close()
        for leftover in old_state.path.parent.glob(old_state.path.name + "*"):
            leftover.unlink(missing_ok=True)

    @property
    def _document_schema(self) -> int:
        """The schema a document's vectors were made under: the store's, and how sentence vectors are made
        (vectors made another way are not mixed; such a document is re-embedded)."""
        if self._sentence_vectors == "separate":
            return SCHEMA_VERSION
        return zlib.crc32(f"{SCHEMA_VERSION}:{self._sentence_vectors}".encode())

    def _current(self, state: IndexedDocument, document: Document) -> bool:
        return state.sha256 == document.sha256 and state.schema == self._document_schema

    def _refresh_record(self, document: Document, state: IndexState) -> None:
        """Keep cross-document metadata (e.g. which version is in force) current without re-indexing."""
        if self.catalog is not None and self.catalog.held(document.doc_id) is document:
            return
        old = self.header(document.doc_id) if state is self.state else None
        skip = {"clauses", "source_text", "page_breaks"}
        if old is None or old.model_dump(exclude={"clauses"}) != document.model_dump(exclude=skip):
            state.update_record(document)

    def _check_vectors(
        self, states: dict[str, IndexedDocument], store: VectorStore, state: IndexState
    ) -> tuple[set[str], set[str]]:
        """Documents whose vectors are missing from the store, and documents the store holds but the state lacks.

        Two counts when all is well; the per-document scan only runs when the totals disagree.
        """
        if state.totals() == store.counts():
            return set(), set()
        log.warning("vector store and index state disagree on counts; checking each document")
        found = store.doc_states()
        damaged = {
            doc_id
            for doc_id, state in states.items()
            if doc_id not in found or (found[doc_id].chunks, found[doc_id].sentences) != (state.chunks, state.sentences)
        }
        return damaged, set(found) - set(states)

    def _embed_document(self, document: Document, number: int, total: int, job: JobWriter) -> _EmbeddedDocument:
        pieces = [
            (clause, chunk_clause(clause, self.settings.embedding.max_tokens, self.embedder.count_tokens))
            for clause in document.clauses
        ]
        stage = f"正在建立索引（{number}/{total}）：{document.title}"
        chunk_vectors, sentence_vectors = document_vectors(
            pieces,
            self.passages,
            self.settings.embedding.pool_limits if self._pooled else None,
            lambda done, of: job.update(stage, done, of, number - 1, total),
        )
        chunks = [(clause, chunk) for clause, part in pieces for chunk in part]
        return _EmbeddedDocument(document, chunks, chunk_vectors, sentence_vectors)

    def _write_document(self, embedded: _EmbeddedDocument, store: VectorStore, state: IndexState) -> None:
        document = embedded.document
        # Upsert, then drop what the new version no longer has: readers never see the document missing.
        store.replace_document(document, embedded.chunks, embedded.chunk_vectors, embedded.sentence_vectors)
        tokens = LexicalIndex.tokenize([c.text for c in document.clauses])
        schema = self._document_schema
        state.put(document, schema, len(embedded.chunks), len(embedded.sentence_vectors), tokens)


class _EmbeddedDocument(NamedTuple):
    """A document with its vectors, between embedding and writing."""

    document: Document
    chunks: list[tuple[Clause, Chunk]]
    chunk_vectors: np.ndarray
    sentence_vectors: np.ndarray
