"""`eval run` on a dataset that names its own corpus indexes that folder in its own index, records it in
the run's config, and leaves the user's index alone."""

from __future__ import annotations

import json
import shutil

from click.testing import CliRunner

from assistant.cli import cli
from assistant.evals.runs import RunStore
from assistant.settings import Settings
from tests.conftest import REPO

TAX = "资源税法-2019-08-26"


def test_eval_run_indexes_the_dataset_corpus_and_records_it(tmp_path, isolated_environment):
    corpus = tmp_path / "sets" / "laws"
    corpus.mkdir(parents=True)
    shutil.copy2(REPO / "evals" / "corpora" / "laws" / "资源税法(2019-08-26).md", corpus)
    rows = [
        {
            "id": "t-1",
            "question": "资源税法第十四条是关于什么的？",
            "gold_clauses": [f"{TAX}#第十四条"],
            "key_facts": ["试点征收水资源税"],
            "type": "article_lookup",
        },
        {
            "id": "t-2",
            "question": "资源税法规定煤炭的税率表在哪一年修订？",
            "answerable": False,
            "type": "unanswerable",
        },
    ]
    dataset = tmp_path / "sets" / "tax.jsonl"
    dataset.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    (tmp_path / "sets" / "tax.meta.json").write_text('{"corpus": "laws"}', encoding="utf-8")

    result = CliRunner().invoke(cli, ["eval", "run", str(dataset), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output.strip().splitlines()[-1])
    assert summary["counts"]["items"] == 2
    run = RunStore(Settings()).load(summary["run_id"])
    assert run.config.corpus == str(corpus.resolve())
    assert run.config.items == 2 and len(run.config.dataset_sha256) == 64
    assert run.config.index_fingerprint
    assert run.config.details["k"] == 5
    assert run.items[0].gold_clauses == [f"{TAX}#第十四条"]
    assert all("#" in key for key in run.items[0].retrieved)
    assert not (isolated_environment / "index").exists()  # the user's own index was never built or touched
