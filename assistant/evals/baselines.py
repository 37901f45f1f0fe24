"""Retrieval baselines that the hybrid retriever must beat."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from assistant.chinese import char_bigrams
from assistant.embeddings import Embedder
from assistant.types import Clause, Document

Ranker = Callable[[str, int], list[str]]
"""ranker(question, k) -> clause keys, best first."""


def bigram_overlap_ranker(clauses: list[Clause]) -> Ranker:
    """Whole clauses ranked by how many of the question's character bigrams they contain."""
    grams = [char_bigrams(c.text) for c in clauses]

    def rank(question: str, k: int) -> list[str]:
        query = char_bigrams(question)
        scores = [len(query & g) / (len(query) or 1) for g in grams]
        order = sorted(range(len(clauses)), key=lambda i: (-scores[i], clauses[i].order))
        return [clauses[i].key for i in order[:k]]

    return rank


def naive_chunk_ranker(documents: list[Document], embedder: Embedder, chunk_size: int = 500) -> Ranker:
    """LangChain RecursiveCharacterTextSplitter chunks of the raw text, same embeddings, in Chroma."""
    import chromadb
    from chromadb.config import Settings as ChromaConfig
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(chunk_size=chunk_size, chunk_overlap=50, add_start_index=True)
    texts, owners = [], []
    for document in documents:
        for piece in splitter.create_documents([document.source_text]):
            start = int(piece.metadata["start_index"])
            end = start + len(piece.page_content)
            overlaps = [(min(end, c.end) - max(start, c.start), c) for c in document.clauses]
            best = max(overlaps, key=lambda item: item[0])[1]
            texts.append(piece.page_content)
            owners.append(best.key)
    client = chromadb.EphemeralClient(settings=ChromaConfig(anonymized_telemetry=False))
    collection = client.get_or_create_collection(
        "naive-baseline", embedding_function=None, metadata={"hnsw:space": "cosine"}
    )
    collection.add(
        ids=[str(i) for i in range(len(texts))],
        embeddings=embedder.embed_passages(texts),
        metadatas=[{"clause_key": owner} for owner in owners],
    )

    def rank(question: str, k: int) -> list[str]:
        result = collection.query(
            query_embeddings=[np.asarray(embedder.embed_query(question))],
            n_results=min(len(texts), k * 4),
            include=["metadatas"],
        )
        keys: list[str] = []
        for meta in (result["metadatas"] or [[]])[0]:
            key = str(meta["clause_key"])
            if key not in keys:
                keys.append(key)
        return keys[:k]

    return rank
