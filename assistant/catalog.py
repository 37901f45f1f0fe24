"""The catalog of what is indexed: every document's header and clause outline, whole documents read on first use.

Decoding every parsed document at start-up took 2.3–2.8 s on a 1,500-document library; a search needs only the
documents of its hits and of the documents it names.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, ItemsView, Iterable, Iterator, Mapping, Sequence, ValuesView
from typing import overload

from assistant.types import Clause, ClauseOutline, Document, DocumentHeader

Loader = Callable[[list[str]], list[Document]]
"""Reads whole documents by id from where they are stored (the index state)."""

_READ_AT_ONCE = 256  # documents decoded per read when a whole-corpus consumer iterates


def text_digest(text: str) -> int:
    """64 bits of the text's SHA-256, never 0 (0 marks a clause whose text is unknown)."""
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "little") or 1


def header_of(document: Document) -> DocumentHeader:
    """The document without its text: its identity, version and clause outline."""
    fields = document.model_dump(exclude={"clauses", "source_text", "page_breaks"})
    outline = [
        ClauseOutline(
            doc_id=c.doc_id,
            clause=c.clause,
            part=c.part,
            order=c.order,
            number=c.number,
            kind=c.kind,
            digest=text_digest(c.text),
        )
        for c in document.clauses
    ]
    return DocumentHeader(**fields, clauses=outline)


class Catalog:
    """Headers and outlines of every indexed document, in corpus order; documents are decoded when first asked for.

    `documents` (a Sequence) and `clauses` (a Mapping by clause key) give everything when iterated, decoding
    what they have not decoded yet; lookups decode only the document asked for.
    """

    def __init__(
        self,
        model_id: str,
        corpus_dir: str,
        corpus_fingerprint: str,
        headers: list[DocumentHeader],
        load: Loader,
        documents: Iterable[Document] = (),
    ):
        self.model_id = model_id
        self.corpus_dir = corpus_dir
        self.corpus_fingerprint = corpus_fingerprint
        self.headers = headers
        self._headers = {h.doc_id: h for h in headers}
        self.outline: dict[str, ClauseOutline] = {c.key: c for h in headers for c in h.clauses}
        self._load = load
        self._lock = threading.Lock()
        self._documents: dict[str, Document] = {}
        self._clauses: dict[str, Clause] = {}
        self.decoded = 0  # documents read from storage since open (not those handed in by a sync)
        for document in documents:
            self._keep(document)
        self.documents = DocumentList(self)
        self.clauses = ClauseMap(self)

    @property
    def materialized(self) -> int:
        """How many whole documents are in memory."""
        return len(self._documents)

    def header(self, doc_id: str) -> DocumentHeader | None:
        return self._headers.get(doc_id)

    def loaded(self) -> dict[str, Document]:
        """The documents already in memory, by id."""
        return dict(self._documents)

    def held(self, doc_id: str) -> Document | None:
        """The document if it is in memory, without decoding it."""
        return self._documents.get(doc_id)

    def document(self, doc_id: str) -> Document | None:
        found = self._documents.get(doc_id)
        if found is None and doc_id in self._headers:
            self.materialize([doc_id])
            found = self._documents.get(doc_id)
        return found

    def clause(self, key: str) -> Clause | None:
        outline = self.outline.get(key)
        if outline is None:
            return None
        found = self._clauses.get(key)
        if found is None and outline.doc_id not in self._documents:
            self.materialize([outline.doc_id])
            found = self._clauses.get(key)
        return found

    def materialize(self, doc_ids: Iterable[str]) -> None:
        """Decode these documents (those not in memory yet) in a few reads."""
        missing = [i for i in dict.fromkeys(doc_ids) if i in self._headers and i not in self._documents]
        for start in range(0, len(missing), _READ_AT_ONCE):
            for document in self._load(missing[start : start + _READ_AT_ONCE]):
                self._keep(document)
                self.decoded += 1

    def materialize_all(self) -> None:
        if len(self._documents) < len(self.headers):
            self.materialize(h.doc_id for h in self.headers)

    def _keep(self, document: Document) -> None:
        with self._lock:
            self._documents[document.doc_id] = document
            self._clauses.update((c.key, c) for c in document.clauses)


class DocumentList(Sequence[Document]):
    """The indexed documents in corpus order; indexing or iterating decodes them."""

    def __init__(self, catalog: Catalog):
        self._catalog = catalog

    def __len__(self) -> int:
        return len(self._catalog.headers)

    @overload
    def __getitem__(self, index: int) -> Document: ...

    @overload
    def __getitem__(self, index: slice) -> list[Document]: ...

    def __getitem__(self, index: int | slice) -> Document | list[Document]:
        if isinstance(index, slice):
            wanted = [h.doc_id for h in self._catalog.headers[index]]
            self._catalog.materialize(wanted)
            return [d for d in map(self._catalog.document, wanted) if d is not None]
        found = self._catalog.document(self._catalog.headers[index].doc_id)
        if found is None:  # its record vanished: another process removed it since this catalog was read
            raise IndexError(index)
        return found

    def __iter__(self) -> Iterator[Document]:
        self._catalog.materialize_all()
        for header in self._catalog.headers:
            found = self._catalog.document(header.doc_id)
            if found is not None:
                yield found


class ClauseMap(Mapping[str, Clause]):
    """Clauses by key: membership and length from the outline, a clause's text decoded with its document."""

    def __init__(self, catalog: Catalog):
        self._catalog = catalog

    def __getitem__(self, key: str) -> Clause:
        found = self._catalog.clause(key)
        if found is None:
            raise KeyError(key)
        return found

    def __contains__(self, key: object) -> bool:
        return key in self._catalog.outline

    def __iter__(self) -> Iterator[str]:
        return iter(self._catalog.outline)

    def __len__(self) -> int:
        return len(self._catalog.outline)

    def values(self) -> ValuesView[Clause]:
        self._catalog.materialize_all()
        return _Values(self)

    def items(self) -> ItemsView[str, Clause]:
        self._catalog.materialize_all()
        return _Items(self)


class _Values(ValuesView[Clause]):
    _mapping: ClauseMap

    def __iter__(self) -> Iterator[Clause]:
        for key in self._mapping:
            found = self._mapping._catalog.clause(key)
            if found is not None:  # skipped: a document another process removed since the catalog was read
                yield found


class _Items(ItemsView[str, Clause]):
    _mapping: ClauseMap

    def __iter__(self) -> Iterator[tuple[str, Clause]]:
        for key in self._mapping:
            found = self._mapping._catalog.clause(key)
            if found is not None:
                yield key, found
