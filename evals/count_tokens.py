"""How many tokens indexing a library will embed, under the current settings: what a full build costs.

Usage: nice .venv/bin/python evals/count_tokens.py ../shared/corpora/lawrefbook
Counts each distinct text once (the vector cache embeds nothing twice), as the index chunks it; a sentence
costs nothing when it is its chunk's whole text or when its chunk's sentences are pooled (settings.embedding).
Divide by the embedding rate of evals/bench_embed.py for the build time.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from assistant.chunking import chunk_clause
from assistant.embeddings import NumpyE5Embedder
from assistant.ingest import load_corpus
from assistant.passage_vectors import sentence_sources
from assistant.settings import Settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    args = parser.parse_args()
    settings = Settings().embedding
    limits = settings.pool_limits if settings.pooled_sentences else None
    counter = NumpyE5Embedder(threads=1)
    seen: set[str] = set()
    counts = {"chunk_tokens": 0, "sentence_tokens": 0, "pooled_sentences": 0, "embedded_sentences": 0}

    def cost(text: str) -> int:
        if text in seen:
            return 0
        seen.add(text)
        return counter.count_tokens(text)

    loaded = load_corpus(args.corpus, None)
    for document in loaded.documents:
        for clause in document.clauses:
            chunks = chunk_clause(clause, settings.max_tokens, counter.count_tokens)
            counts["chunk_tokens"] += sum(cost(c.text) for c in chunks)
            for sentence, (how, _) in zip(clause.sentences, sentence_sources(clause, chunks, limits, counter)):
                if how == "span":
                    counts["pooled_sentences"] += 1
                elif how == "own":
                    counts["embedded_sentences"] += 1
                    counts["sentence_tokens"] += cost(sentence.text)
    counts["documents"] = len(loaded.documents)
    counts["total_tokens"] = counts["chunk_tokens"] + counts["sentence_tokens"]
    counts["sentence_vectors"] = settings.sentence_vector_mode if settings.pooled_sentences else "separate"
    print(json.dumps(counts, indent=2))


if __name__ == "__main__":
    main()
