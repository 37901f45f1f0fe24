"""Hostile and odd files: each is refused with one Chinese reason, quickly, and the good files are read anyway."""

from __future__ import annotations

import io
import json
import os
import time
import zipfile
from pathlib import Path

import pytest

from assistant.ingest import corpus_files, doc_id_for, load_corpus, load_document
from assistant.lint import lint_corpus
from assistant.settings import IngestSettings, Settings
from tests.conftest import write_doc

GOOD = "关于加强社区养老服务工作的通知\n\n一、总体目标\n\n（一）完善服务网络。各地要建设社区养老服务中心。\n"


def corpus_with_good_file(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    write_doc(corpus, "good.txt", GOOD)
    return corpus


def reasons(report) -> dict[str, str]:
    return {Path(e.path).name: e.reason for e in report.errors}


def test_ingest_limits_are_settings_with_descriptions():
    settings = Settings()
    assert isinstance(settings.ingest, IngestSettings)
    for name, field in IngestSettings.model_fields.items():
        assert field.description, name


def test_non_utf8_file_name_is_indexed_under_its_gb18030_name(tmp_path):
    corpus = corpus_with_good_file(tmp_path)
    raw = os.path.join(os.fsencode(corpus), "养老通知".encode("gbk") + b".txt")
    with open(raw, "wb") as handle:
        handle.write(GOOD.encode("utf-8"))
    report = load_corpus(corpus)
    assert report.errors == []
    assert sorted(d.doc_id for d in report.documents) == ["good", "养老通知"]
    # Every record serialises: no lone surrogates reach JSON or the log.
    for document in report.documents:
        json.loads(document.model_dump_json())


def test_undecodable_file_name_does_not_stop_indexing(tmp_path):
    corpus = corpus_with_good_file(tmp_path)
    raw = os.path.join(os.fsencode(corpus), b"badname-\xff\xfe.txt")
    with open(raw, "wb") as handle:
        handle.write(GOOD.encode("utf-8"))
    paths = corpus_files(corpus)
    assert len(paths) == 2
    report = load_corpus(corpus)
    assert len(report.documents) == 2
    odd = next(d for d in report.documents if d.doc_id != "good")
    assert odd.doc_id == doc_id_for(next(p for p in paths if p.name != "good.txt"))
    json.loads(odd.model_dump_json())
    assert "\\xff" in odd.path


def test_index_sync_with_an_undecodable_file_name_indexes_every_file(tmp_path, embedder):
    from assistant.index import corpus_fingerprint
    from assistant.service import PolicyAssistant

    corpus = corpus_with_good_file(tmp_path)
    with open(os.path.join(os.fsencode(corpus), b"badname-\xff\xfe.txt"), "wb") as handle:
        handle.write(GOOD.replace("社区养老", "居家养老").encode("utf-8"))
    assert len(corpus_fingerprint(corpus)) == 64
    assistant = PolicyAssistant(Settings(data_dir=tmp_path / "data", corpus_dir=corpus), embedder=embedder)
    report = assistant.index.sync()
    assert report.errors == [] and report.documents == 2
    assert any("居家养老" in h.text for h in assistant.search("居家养老服务中心", k=2).hits)


def test_dotted_file_name_is_reported_not_silently_skipped(tmp_path):
    corpus = corpus_with_good_file(tmp_path)
    write_doc(corpus, "..dots..txt", GOOD)
    (corpus / ".DS_Store").write_bytes(b"\x00\x01")
    report = load_corpus(corpus)
    assert [d.doc_id for d in report.documents] == ["good"]
    assert list(reasons(report)) == ["..dots..txt"]
    assert "隐藏文件" in reasons(report)["..dots..txt"]


def test_file_over_the_size_limit_is_refused(tmp_path):
    corpus = corpus_with_good_file(tmp_path)
    write_doc(corpus, "huge.txt", GOOD + "各地要建设社区养老服务中心。" * 2000)
    report = load_corpus(corpus, limits=IngestSettings(max_file_mb=0.01))
    assert [d.doc_id for d in report.documents] == ["good"]
    assert reasons(report) == {"huge.txt": "文件大小超过 0.01 MB 的上限，请拆分后再添加。"}


def test_zip_bomb_renamed_docx_is_refused_before_inflating(tmp_path):
    corpus = corpus_with_good_file(tmp_path)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"\0" * (20 * 1024 * 1024))
    (corpus / "bomb.docx").write_bytes(buffer.getvalue())
    assert len(buffer.getvalue()) < 100_000
    report = load_corpus(corpus, limits=IngestSettings(max_inflated_mb=5))
    assert [d.doc_id for d in report.documents] == ["good"]
    assert reasons(report) == {"bomb.docx": "Word 文件解压后超过 5 MB 的上限（可能是压缩炸弹），已跳过。"}


def test_deeply_nested_html_is_refused_in_linear_time(tmp_path):
    corpus = corpus_with_good_file(tmp_path)
    depth = 100_000
    (corpus / "deep.html").write_text("<div>" * depth + "养老" + "</div>" * depth, "utf-8")
    started = time.perf_counter()
    report = load_corpus(corpus)
    assert time.perf_counter() - started < 10
    assert [d.doc_id for d in report.documents] == ["good"]
    assert reasons(report) == {"deep.html": "网页的标签嵌套超过 200 层，可能是恶意构造的文件，已跳过。"}


def test_html_nested_within_the_limit_and_unclosed_paragraphs_still_read(tmp_path):
    body = "<div>" * 150 + "<p>（一）完善服务网络。各地要建设社区养老服务中心。" + "</div>" * 150
    paragraphs = "".join(f"<p>（{n}）第{n}项工作。各地要落实。" for n in "二三四五六七八九十")
    html = f"<html><body><h1>关于加强社区养老服务工作的通知</h1>{body}{paragraphs * 40}</body></html>"
    document = load_document(write_doc(tmp_path, "ok.html", html))
    assert document.title == "关于加强社区养老服务工作的通知"
    assert document.clauses[0].text == "（一）完善服务网络。各地要建设社区养老服务中心。"


def test_document_over_the_character_limit_is_refused(tmp_path):
    corpus = corpus_with_good_file(tmp_path)
    write_doc(corpus, "long.md", GOOD + "各地要建设社区养老服务中心。" * 200)
    report = load_corpus(corpus, limits=IngestSettings(max_chars=2000))
    assert [d.doc_id for d in report.documents] == ["good"]
    assert reasons(report) == {"long.md": "文件文字超过 2000 个字符的上限，请拆分后再添加。"}


def test_file_over_the_time_budget_is_refused(tmp_path):
    corpus = tmp_path / "corpus"
    write_doc(corpus, "slow.txt", GOOD)
    report = load_corpus(corpus, limits=IngestSettings(time_budget_seconds=1e-9))
    assert report.documents == []
    assert reasons(report) == {"slow.txt": "处理该文件超过了 1e-09 秒的时间上限，已跳过。"}


@pytest.mark.parametrize("same", ["bytes", "text"])
def test_same_document_under_two_names_is_reported_by_lint(tmp_path, same):
    corpus = corpus_with_good_file(tmp_path)
    if same == "bytes":
        write_doc(corpus, "copy.txt", GOOD)
    else:
        write_doc(corpus, "copy.md", GOOD.replace("\n\n", "\r\n\r\n"))
    documents = load_corpus(corpus).documents
    findings = lint_corpus(documents)
    duplicates = [f for items in findings.values() for f in items if f.kind == "duplicate_document"]
    assert len(duplicates) == 1
    assert duplicates[0].doc_id == "good"  # sorted file order: copy.* is read first
    assert duplicates[0].message.startswith("与“copy.")
    assert "同一文档被索引了两次" in duplicates[0].message


def test_distinct_documents_are_not_duplicates(tmp_path):
    corpus = corpus_with_good_file(tmp_path)
    write_doc(corpus, "other.txt", GOOD.replace("养老", "托育"))
    findings = lint_corpus(load_corpus(corpus).documents)
    assert not [f for items in findings.values() for f in items if f.kind == "duplicate_document"]
