"""The assistant a benchmark dataset is measured on: its meta file may name its own corpus folder.

evals/datasets/laws_dev.meta.json holds {"corpus": "../corpora/laws"}; such a corpus is indexed under
.data/bench/<folder name>, so the default index of the shipped corpus is left alone.
"""

from __future__ import annotations

import json
from pathlib import Path

from assistant.service import PolicyAssistant
from assistant.settings import Settings


def corpus_of(dataset: Path) -> Path | None:
    meta = dataset.with_name(dataset.name.removesuffix(".jsonl") + ".meta.json")
    if not meta.is_file():
        return None
    corpus = json.loads(meta.read_text(encoding="utf-8")).get("corpus")
    return (meta.parent / corpus).resolve() if corpus else None


def assistant_for(dataset: Path) -> PolicyAssistant:
    """Indexed and ready: the dataset's own corpus when its meta names one, else the configured corpus."""
    settings = Settings()
    corpus = corpus_of(dataset)
    if corpus is not None:
        settings = settings.model_copy(
            update={"corpus_dir": corpus, "data_dir": settings.data_dir / "bench" / corpus.name}
        )
    assistant = PolicyAssistant(settings)
    assistant.ensure_index()
    return assistant
