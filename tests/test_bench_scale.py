"""The scale benchmark runs end to end at a tiny size (CI runs it at 20 documents)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO, write_doc
from tests.test_index_faults import TOPICS, topic_law


def test_bench_scale_reports_every_figure_at_a_tiny_size(tmp_path: Path):
    root = tmp_path / "laws"
    for number, topic in enumerate(TOPICS[:3]):
        write_doc(root / "folder", f"{topic}-{number}.md", topic_law(topic))
    out = tmp_path / "scale.json"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    command = [sys.executable, str(REPO / "evals" / "bench_scale.py"), str(root), "--docs", "2"]
    done = subprocess.run(
        [*command, "--queries", "5", "--json", str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    figures = json.loads(out.read_text("utf-8"))

    assert figures["documents"] == 2
    assert figures["full_index"]["wall_s"] > 0 and figures["full_index"]["peak_rss_mb"] > 0
    assert figures["rebuild_from_cache"]["wall_s"] > 0
    assert figures["noop_sync"]["embedded_texts"] == 0 and figures["noop_sync"]["changed"] == []
    change = figures["one_article_change"]
    assert len(change["changed"]) == 1 and 0 < change["embedded_texts"] <= 3  # the article, its changed sentence
    assert len(figures["one_document_added"]["changed"]) == 1
    assert figures["one_document_deleted"]["embedded_texts"] == 0
    assert figures["warm_search_ms"]["p95"] >= figures["warm_search_ms"]["p50"] > 0
    assert figures["warm_search_unnamed_ms"]["p95"] >= figures["warm_search_unnamed_ms"]["p50"] > 0
    assert figures["warm_ask_ms"]["p95"] >= figures["warm_ask_ms"]["p50"] > 0
    assert "sentence vectors" in figures["embedding"]
