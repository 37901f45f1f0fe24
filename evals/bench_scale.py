"""Scale benchmark: index N real documents and measure what a ministry's library costs on this machine.

Usage: nice .venv/bin/python evals/bench_scale.py /work/shared/corpora/lawrefbook --docs 20 [--naive] [--json out.json]

Documents are taken evenly spaced over the sorted file list (all folders, deterministic). Figures:
full index (wall, CPU, peak RSS, disk) in a fresh process; rebuild from the vector cache; warm search and ask
p50/p95;
cold CLI search; no-op sync; one-article change; one document added; one deleted; with --naive, a naive
LangChain + Chroma pipeline (500-character chunks, same model, no cache) on the same documents, as ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
ARTICLE = re.compile(r"^(第[一二三四五六七八九十百千零]+条)(\s*)", re.MULTILINE)


def pick(root: Path, count: int) -> list[Path]:
    files = sorted(p for p in root.rglob("*.md") if p.name != "_index.md" and p.name.lower() != "readme.md")
    if count >= len(files):
        return files
    step = len(files) / count
    return [files[int(i * step)] for i in range(count)]


def run_timed(command: list[str], env: dict[str, str]) -> dict[str, Any]:
    """Wall time, CPU seconds and peak RSS of one child process (its own rusage, from wait4)."""
    with tempfile.TemporaryFile() as errors, tempfile.TemporaryFile() as output:
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=output, stderr=errors)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            errors.seek(0)
            raise RuntimeError(f"{command[3:]} failed: {errors.read().decode()[-2000:]}")
        output.seek(0)
        printed = output.read().decode()
    figures: dict[str, Any] = {
        "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "peak_rss_mb": usage.ru_maxrss / 1024,
    }
    if command[3] == "index":  # the sync report: what was embedded and what came from the cache
        report = json.loads(printed)
        figures.update({k: report[k] for k in ("clauses", "embedded_texts", "reused_texts")})
    return figures


def disk_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def questions_for(index: Any, count: int, named: bool = True) -> list[str]:
    """Questions from the indexed text itself: words of one article, after its document's short title (named)."""
    out = []
    documents = index.documents
    for i in range(count):
        document = documents[i % len(documents)]
        clause = document.clauses[(i * 7) % len(document.clauses)]
        out.append(f"{document.short_title if named else ''}{clause.text[:24]}")
    return out


def timed_searches(searcher: Any, questions: list[str]) -> dict[str, float]:
    """p50 and p95, in ms, of searching each question once (top 5)."""
    times = []
    for question in questions:
        started = time.perf_counter()
        searcher.search(question, 5)
        times.append((time.perf_counter() - started) * 1000)
    return {"p50": percentile(times, 50), "p95": percentile(times, 95)}


def edit_one_article(path: Path) -> bool:
    text = path.read_text("utf-8")
    match = ARTICLE.search(text)
    if not match:
        return False
    path.write_text(text[: match.end()] + "（本条经基准测试修改）" + text[match.end() :], "utf-8")
    return True


def naive_pipeline(files: list[Path], workdir: Path) -> dict[str, float]:
    """What a tutorial would build: 500-character chunks, one Chroma collection, embedded without a cache."""
    import chromadb
    from chromadb.config import Settings as ChromaConfig
    from langchain_core.documents import Document
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from assistant.embeddings import make_embedder
    from assistant.settings import Settings

    started, cpu = time.perf_counter(), time.process_time()
    settings = Settings()
    embedder = make_embedder(settings.embedding, settings.data_dir / "models")  # the product's model and runtime
    splitter = RecursiveCharacterTextSplitter(chunk_size=500, chunk_overlap=50)
    docs = [Document(page_content=f.read_text("utf-8"), metadata={"source": f.name}) for f in files]
    chunks = splitter.split_documents(docs)
    client = chromadb.PersistentClient(path=str(workdir / "naive"), settings=ChromaConfig(anonymized_telemetry=False))
    collection = client.get_or_create_collection("naive", embedding_function=None, metadata={"hnsw:space": "cosine"})
    for start in range(0, len(chunks), 64):
        part = chunks[start : start + 64]
        vectors = embedder.embed_passages([c.page_content for c in part])
        collection.add(
            ids=[f"c{start + i}" for i in range(len(part))],
            embeddings=vectors,
            documents=[c.page_content for c in part],
            metadatas=[c.metadata for c in part],
        )
    build, cpu = time.perf_counter() - started, time.process_time() - cpu
    query = embedder.embed_query("防汛工作的方针")
    times = []
    for _ in range(20):
        t0 = time.perf_counter()
        embedder.embed_query("防汛工作的方针是什么")
        collection.query(query_embeddings=[query], n_results=5)
        times.append((time.perf_counter() - t0) * 1000)
    return {"index_s": build, "index_cpu_s": cpu, "chunks": len(chunks), "search_p50_ms": percentile(times, 50)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus_root", type=Path)
    parser.add_argument("--docs", type=int, default=20)
    parser.add_argument("--queries", type=int, default=40)
    parser.add_argument("--naive", action="store_true", help="also build the naive LangChain + Chroma pipeline")
    parser.add_argument("--json", type=Path, help="write the figures here too")
    parser.add_argument(
        "--workdir",
        type=Path,
        help="keep the corpus copy and index here; when it already holds a built index, skip the full build "
        "(to measure updates again after a change, without re-embedding the library)",
    )
    args = parser.parse_args()

    files = pick(args.corpus_root, args.docs + 1)
    extra, files = files[-1], files[:-1]
    from assistant.settings import Settings

    embedding = Settings().embedding
    figures: dict[str, Any] = {
        "documents": len(files),
        "cores": os.cpu_count(),
        "load_average_at_start": os.getloadavg()[0],  # other work on a shared machine stretches wall times
        "embedding": f"{embedding.provider}/{embedding.runtime}, sentence vectors {embedding.sentence_vector_mode}",
    }

    def save() -> None:  # after every phase, so a long run that is stopped still reports what it measured
        if args.json:
            args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=2) + "\n", "utf-8")

    with tempfile.TemporaryDirectory() as tmp:
        work = args.workdir or Path(tmp)
        corpus, data = work / "corpus", work / "data"
        built = (data / "index").is_dir()
        if corpus.is_dir():
            shutil.rmtree(corpus)  # the same files as the build, undoing edits of an earlier run
        for number, source in enumerate(files):
            target = corpus / f"{number:04d}-{source.name}"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
        env = {
            **os.environ,
            "PYTHONPATH": str(REPO),
            "POLICY_ASSISTANT_DATA_DIR": str(data),
            "POLICY_ASSISTANT_CORPUS_DIR": str(corpus),
        }
        cli = [sys.executable, "-m", "assistant.cli"]
        if built:
            figures["full_index"] = "skipped: --workdir already held a built index"
            figures["catch_up_sync"] = run_timed([*cli, "index", "--json"], env)  # the restored files
        else:
            figures["full_index"] = run_timed([*cli, "index", "--json"], env)
            figures["full_index"]["disk_mb"] = disk_mb(data)
        save()
        figures["rebuild_from_cache"] = run_timed([*cli, "index", "--rebuild", "--json"], env)
        cold = [run_timed([*cli, "search", "防汛工作的方针是什么", "--json"], env)["wall_s"] for _ in range(3)]
        figures["cold_cli_search_s"] = {"min": min(cold), "median": sorted(cold)[1]}
        save()

        os.environ.update({"POLICY_ASSISTANT_DATA_DIR": str(data), "POLICY_ASSISTANT_CORPUS_DIR": str(corpus)})
        from assistant.service import PolicyAssistant

        assistant = PolicyAssistant(Settings())
        index = assistant.index
        figures["clauses"] = len(index.clauses)
        searcher = assistant.searcher
        questions = questions_for(index, args.queries)
        for question in questions[:5]:
            searcher.search(question, 5)
        # Each named question names another document: its vectors are fetched, not yet kept.
        figures["warm_search_ms"] = timed_searches(searcher, questions)
        figures["warm_search_unnamed_ms"] = timed_searches(searcher, questions_for(index, args.queries, named=False))
        times = []
        for question in questions:
            started = time.perf_counter()
            assistant.ask(question)
            times.append((time.perf_counter() - started) * 1000)
        figures["warm_ask_ms"] = {"p50": percentile(times, 50), "p95": percentile(times, 95)}
        save()

        def timed_sync() -> dict[str, Any]:
            started = time.perf_counter()
            report = index.sync()
            return {
                "seconds": time.perf_counter() - started,
                "embedded_texts": report.embedded_texts,
                "changed": report.added + report.updated + report.removed,
            }

        started = time.perf_counter()
        stale = index.is_stale()
        figures["noop_check_s"] = time.perf_counter() - started
        assert not stale, "the index should be current"
        figures["noop_sync"] = timed_sync()
        edited = sorted(corpus.iterdir())[len(files) // 2]
        if edit_one_article(edited):
            figures["one_article_change"] = timed_sync()
        added = corpus / f"9999-{extra.name}"
        shutil.copyfile(extra, added)
        figures["one_document_added"] = timed_sync()
        added.unlink()
        figures["one_document_deleted"] = timed_sync()

        if args.naive:
            naive = naive_pipeline(files, work)
            figures["naive"] = naive
            figures["ratios"] = {
                "index_time_ours_over_naive": figures["full_index"]["wall_s"] / naive["index_s"],
                "index_cpu_ours_over_naive": figures["full_index"]["cpu_s"] / naive["index_cpu_s"],
                "search_p50_ours_over_naive": figures["warm_search_ms"]["p50"] / naive["search_p50_ms"],
            }
    figures["load_average_at_end"] = os.getloadavg()[0]
    save()
    print(json.dumps(figures, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
