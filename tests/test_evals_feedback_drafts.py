"""Each 👎 reason maps to the right draft, and a draft stays out of gate datasets until it is reviewed."""

from __future__ import annotations

import json
import shutil

from click.testing import CliRunner

from assistant.cli import cli
from assistant.evals.feedback_export import NEEDS_REVIEW, feedback_draft, feedback_drafts
from assistant.feedback import FeedbackRecord
from tests.conftest import REPO

YELLOW = "黄河保护法-2022-10-30"
CITED = [{"doc_id": YELLOW, "clause": "第八条"}, {"doc_id": YELLOW, "clause": "第九条"}]


def record(
    reasons: list[str], refused: bool = False, standalone: str = "黄河保护法第八条讲什么？", **extra
) -> FeedbackRecord:
    values = {
        "answer_id": "0123456789abcdef",
        "created_at": "2026-11-27T07:00:00+00:00",
        "rating": "down",
        "reasons": reasons,
        "comment": "",
        "question": "黄河保护法第八条讲什么？",
        "standalone_question": standalone,
        "answer": "……",
        "refused": refused,
        "mode": "extractive",
        "citations": [] if refused else CITED,
        "settings_hash": "s",
    }
    values.update(extra)
    return FeedbackRecord.model_validate(values)


def test_a_thumbs_down_on_a_refusal_is_a_false_refusal_and_answerable():
    draft = feedback_draft(record(["不准确"], refused=True))
    assert draft["answerable"] is True
    assert draft["gold_clauses"] == []
    assert "不该拒答" in draft["note"]


def test_wrong_citations_are_never_prefilled_as_gold():
    draft = feedback_draft(record(["引用错误"]))
    assert draft["gold_clauses"] == []
    assert f"{YELLOW}#第八条" in draft["note"] and "有误" in draft["note"]


def test_incomplete_alone_keeps_the_cited_clauses_as_gold_keys():
    draft = feedback_draft(record(["不完整"]))
    assert draft["gold_clauses"] == [f"{YELLOW}#第八条", f"{YELLOW}#第九条"]


def test_inaccurate_puts_the_citations_in_the_note_only():
    draft = feedback_draft(record(["不准确"]))
    assert draft["gold_clauses"] == []
    assert "未必正确" in draft["note"]


def test_a_follow_up_is_exported_with_its_standalone_question():
    draft = feedback_draft(record(["不完整"], question="那第九条呢？", standalone="黄河保护法第九条讲什么？"))
    assert draft["question"] == "黄河保护法第九条讲什么？"
    assert "那第九条呢？" in draft["note"]


def test_every_draft_is_marked_for_review_and_thumbs_up_is_skipped():
    drafts = feedback_drafts([record(["其他"]), record([], rating="up")])
    assert len(drafts) == 1
    assert drafts[0]["note"].startswith(NEEDS_REVIEW)


def test_eval_check_refuses_an_unreviewed_draft_in_a_gate_dataset(tmp_path, monkeypatch):
    corpus = tmp_path / "laws"
    corpus.mkdir()
    shutil.copy2(REPO / "evals" / "corpora" / "laws" / "黄河保护法(2022-10-30).md", corpus)
    draft = feedback_draft(record(["不完整"]))
    draft["key_facts"] = ["国家在黄河流域实行水资源刚性约束制度"]
    dataset = tmp_path / "gate.jsonl"
    dataset.write_text(json.dumps(draft, ensure_ascii=False) + "\n", encoding="utf-8")
    runner = CliRunner()
    plain = runner.invoke(cli, ["eval", "check", str(dataset), "--corpus", str(corpus)])
    assert plain.exit_code == 0, plain.output
    gated = runner.invoke(cli, ["eval", "check", str(dataset), "--corpus", str(corpus), "--gate"])
    assert gated.exit_code == 1
    assert "尚未复核" in gated.output
    (tmp_path / "gate.meta.json").write_text('{"corpus": "laws", "gate": true}', encoding="utf-8")
    by_sidecar = runner.invoke(cli, ["eval", "check", str(dataset)])
    assert by_sidecar.exit_code == 1 and "尚未复核" in by_sidecar.output
