"""Check a dataset's gold against a corpus folder without an index: through the project's parser, and
independently through the raw text of every 第N条 paragraph, so a parser bug cannot hide a wrong gold."""

from __future__ import annotations

import re
from pathlib import Path

from assistant.chinese import match_key
from assistant.evals.datasets import Dataset, DatasetProblem, check_dataset
from assistant.ingest import corpus_files, doc_id_for, load_corpus
from assistant.ingest.readers import ReadError, read_document
from assistant.types import Clause

# A law article starts a line: 第十六条, 第一百零二条, 第二十条之一, then a space.
_ARTICLE = re.compile(r"^(第[一二三四五六七八九十百千零〇]+条(?:之[一二三四五六七八九十]+)?)[\s\u3000]")


def raw_articles(text: str) -> dict[str, str]:
    """第N条 → the article's text as written, from its line up to the next article or heading."""
    articles: dict[str, str] = {}
    current: str | None = None
    for line in text.splitlines():
        match = _ARTICLE.match(line)
        if match:
            current = match.group(1)
            articles[current] = line
        elif line.startswith("#") or line.startswith("<!--"):
            current = None
        elif current and line.strip():
            articles[current] += "\n" + line
    return articles


def parsed_clauses(corpus_dir: Path) -> dict[str, Clause]:
    """Every clause of the folder as the project's parser sees it, keyed doc_id#clause."""
    report = load_corpus(corpus_dir)
    return {c.key: c for d in report.documents for c in d.clauses}


def raw_corpus_articles(corpus_dir: Path) -> dict[str, str]:
    """doc_id#第N条 → raw article text for every file of the folder."""
    found: dict[str, str] = {}
    for path in corpus_files(corpus_dir):
        try:
            text, _ = read_document(path)
        except ReadError:
            continue
        doc_id = doc_id_for(path)
        found.update({f"{doc_id}#{name}": body for name, body in raw_articles(text).items()})
    return found


def check_raw(dataset: Dataset, corpus_dir: Path) -> list[DatasetProblem]:
    """Every 第N条 gold key exists in the raw files and every key fact stands verbatim in a gold article."""
    articles = raw_corpus_articles(corpus_dir)
    problems: list[DatasetProblem] = []
    for item in dataset.items:
        row = dataset.rows[item.id]
        keys = [g for g in item.gold_clauses if "#" in g and _ARTICLE.match(g.split("#", 1)[1] + " ")]
        if len(keys) < len(item.gold_clauses):
            continue  # not law articles (directive-style clauses): the parser check covers them
        missing = [k for k in keys if k not in articles]
        for key in missing:
            problems.append(DatasetProblem(row, item.id, f"原文中找不到条文“{key}”"))
        texts = [match_key(articles[k]) for k in keys if k in articles]
        for fact in item.key_facts:
            if texts and not any(match_key(fact) in t for t in texts):
                problems.append(DatasetProblem(row, item.id, f"要点“{fact}”没有逐字出现在所列条文的原文中"))
    return problems


def check_against_corpus(dataset: Dataset, corpus_dir: Path) -> list[DatasetProblem]:
    """Both checks: the parser's clauses (what the assistant will cite) and the raw article text."""
    problems = check_dataset(dataset, parsed_clauses(corpus_dir)) + check_raw(dataset, corpus_dir)
    unique = {(p.row, p.item_id, p.message): p for p in problems}
    return sorted(unique.values(), key=lambda p: p.row)
