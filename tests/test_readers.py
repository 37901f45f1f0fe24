"""Every supported format, written by the test itself, reads into the same clauses; bad files get a Chinese reason."""

from __future__ import annotations

import random
from pathlib import Path

import docx
import pytest
from pypdf import PdfReader
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from assistant.ingest import load_corpus, load_document
from assistant.types import Document
from tests.conftest import write_doc

TITLE = "关于加强社区养老服务工作的通知"
LINES = [
    TITLE,
    "一、总体目标",
    "（一）完善服务网络。各地要建设社区养老服务中心。",
    "（二）加强人才培养。开展护理人员职业技能培训，提高服务质量。",
    "二、保障措施",
    "（三）落实资金保障。财政资金向农村地区倾斜。",
]
TEXT = "\n\n".join(LINES) + "\n"
EXPECTED = [
    ("一", "一、总体目标", "《通知》一、（一）完善服务网络", "（一）完善服务网络。各地要建设社区养老服务中心。"),
    (
        "二",
        "一、总体目标",
        "《通知》一、（二）加强人才培养",
        "（二）加强人才培养。开展护理人员职业技能培训，提高服务质量。",
    ),
    ("三", "二、保障措施", "《通知》二、（三）落实资金保障", "（三）落实资金保障。财政资金向农村地区倾斜。"),
]


def summary(document: Document) -> list[tuple[str, str, str, str]]:
    return [(c.clause, c.part, c.label, c.text) for c in document.clauses]


def test_utf8_text_parses_into_the_expected_clauses(tmp_path):
    document = load_document(write_doc(tmp_path, "care.txt", TEXT))
    assert document.title == TITLE
    assert summary(document) == EXPECTED


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig"])
def test_legacy_encodings_parse_like_utf8(tmp_path, encoding):
    utf8 = load_document(write_doc(tmp_path / "utf8", "care.txt", TEXT))
    other = load_document(write_doc(tmp_path / encoding, "care.txt", TEXT, encoding=encoding))
    assert (tmp_path / encoding / "care.txt").read_bytes() != TEXT.encode("utf-8")
    assert other.title == TITLE
    assert summary(other) == summary(utf8) == EXPECTED
    assert other.source_text == utf8.source_text


def test_gb18030_keeps_characters_outside_gbk(tmp_path):
    text = TEXT.replace("财政资金", "𠮷䶮财政资金")
    with pytest.raises(UnicodeEncodeError):
        text.encode("gbk")
    document = load_document(write_doc(tmp_path, "care.txt", text, encoding="gb18030"))
    assert document.clauses[-1].text == "（三）落实资金保障。𠮷䶮财政资金向农村地区倾斜。"


def test_utf8_bom_is_not_part_of_the_title(tmp_path):
    document = load_document(write_doc(tmp_path, "care.md", TEXT, encoding="utf-8-sig"))
    assert document.title == TITLE
    assert not document.source_text.startswith("\ufeff")


def test_docx_paragraphs_parse_into_clauses(tmp_path):
    word = docx.Document()
    for line in LINES:
        word.add_paragraph(line)
    path = tmp_path / "care.docx"
    word.save(str(path))
    document = load_document(path)
    assert document.format == "docx"
    assert document.title == TITLE
    assert summary(document) == EXPECTED


def _pdf_with_page_break(path: Path) -> None:
    """Two pages; clause （二） is cut mid-sentence at the bottom of page one."""
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    pages = [[*LINES[:3], "（二）加强人才培养。开展护理人员职业技能"], ["培训，提高服务质量。", *LINES[4:]]]
    pdf = canvas.Canvas(str(path), pagesize=A4)
    for lines in pages:
        pdf.setFont("STSong-Light", 12)
        y = 800
        for line in lines:
            pdf.drawString(72, y, line)
            y -= 24
        pdf.showPage()
    pdf.save()


def test_pypdf_extracts_chinese_from_a_cid_font_pdf(tmp_path):
    path = tmp_path / "care.pdf"
    _pdf_with_page_break(path)
    pages = [page.extract_text() for page in PdfReader(str(path)).pages]
    assert len(pages) == 2
    assert "开展护理人员职业技能" in pages[0]
    assert pages[1].startswith("培训，提高服务质量。")


def test_pdf_sentence_split_across_pages_is_rejoined(tmp_path):
    path = tmp_path / "care.pdf"
    _pdf_with_page_break(path)
    document = load_document(path)
    assert document.format == "pdf"
    assert document.title == TITLE
    assert summary(document) == EXPECTED
    assert len(document.page_breaks) == 1
    assert document.source_text[document.page_breaks[0] :].startswith("培训，提高服务质量。")
    assert document.clauses[1].joins == [len("（二）加强人才培养。开展护理人员职业技能")]


HTML = f"""<!doctype html>
<html><head><meta charset="utf-8"><title>{TITLE}</title>
<script>var tracker = "统计脚本不应出现";</script><style>p {{ color: red; }}</style></head>
<body>
<h1>{TITLE}</h1>
<h2>一、总体目标</h2>
<p>（一）完善服务网络。各地要建设社区养老服务中心。</p>
<p>（二）加强人才培养。开展护理人员职业技能培训，提高服务质量。</p>
<h2>二、保障措施</h2>
<p>（三）落实资金保障。财政资金向农村地区倾斜。</p>
<script>document.write("另一段脚本");</script>
</body></html>
"""


def test_html_headings_and_paragraphs_parse_without_scripts(tmp_path):
    document = load_document(write_doc(tmp_path, "care.html", HTML))
    assert document.format == "html"
    assert document.title == TITLE
    assert summary(document) == EXPECTED
    for leaked in ("统计脚本", "另一段脚本", "tracker", "color"):
        assert leaked not in document.source_text


# --- files that cannot be read -------------------------------------------------

UNSUPPORTED = "不支持的文件类型“{suffix}”，请转换为 txt、md、docx、pdf、html 后再添加。"


def _pdf_without_text(path: Path) -> None:
    pdf = canvas.Canvas(str(path), pagesize=A4)
    pdf.rect(100, 100, 200, 200, fill=1)
    pdf.showPage()
    pdf.save()


def test_bad_files_get_one_chinese_reason_each_and_good_files_still_load(tmp_path):
    corpus = tmp_path / "corpus"
    write_doc(corpus, "good.txt", TEXT)
    write_doc(corpus, "good-gbk.txt", TEXT, encoding="gbk")
    (corpus / "sheet.xls").write_bytes(b"\xd0\xcf\x11\xe0 not really a workbook")
    (corpus / "setup.exe").write_bytes(b"MZ\x90\x00")
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "broken.docx").write_bytes(random.Random(7).randbytes(512))
    _pdf_without_text(corpus / "scan.pdf")

    report = load_corpus(corpus)

    assert sorted(d.doc_id for d in report.documents) == ["good", "good-gbk"]
    assert all(summary(d) == EXPECTED for d in report.documents)
    reasons = {Path(e.path).name: e.reason for e in report.errors}
    assert reasons == {
        "sheet.xls": UNSUPPORTED.format(suffix=".xls"),
        "setup.exe": UNSUPPORTED.format(suffix=".exe"),
        "empty.txt": "文件内容为空。",
        "broken.docx": "Word 文件已损坏或不是有效的 .docx 文件。",
        "scan.pdf": "PDF 没有文字层（可能是扫描件），请先进行文字识别（OCR）。",
    }
    assert len(report.errors) == 5
    assert all(e.detail for e in report.errors)


def test_corrupt_pdf_is_reported_as_damaged(tmp_path):
    corpus = tmp_path / "corpus"
    (corpus).mkdir()
    (corpus / "torn.pdf").write_bytes(b"%PDF-1.4\n1 0 obj\n<<")
    report = load_corpus(corpus)
    assert report.documents == []
    assert [e.reason for e in report.errors] == ["PDF 文件已损坏，无法读取。"]


def test_whitespace_only_file_has_no_readable_text(tmp_path):
    corpus = tmp_path / "corpus"
    write_doc(corpus, "blank.txt", " \n\n\u3000\n")
    report = load_corpus(corpus)
    assert [e.reason for e in report.errors] == ["文件中没有可读取的文字。"]


def test_missing_corpus_folder_is_one_error(tmp_path):
    report = load_corpus(tmp_path / "nowhere")
    assert report.documents == []
    assert [e.reason for e in report.errors] == ["文档目录不存在，请检查设置中的文档目录。"]


def test_readme_and_hidden_files_are_not_documents(tmp_path):
    corpus = tmp_path / "corpus"
    write_doc(corpus, "README.md", "# 说明\n\n这里存放文档。\n")
    write_doc(corpus, ".draft.txt", TEXT)
    write_doc(corpus / ".git", "notes.txt", TEXT)
    write_doc(corpus / "sub", "care.txt", TEXT)
    report = load_corpus(corpus)
    assert [d.doc_id for d in report.documents] == ["care"]
    # A hidden file of a document type is named, so that it is never lost silently.
    assert [(Path(e.path).name, e.reason) for e in report.errors] == [
        (".draft.txt", "文件名以“.”开头，被视为隐藏文件，未建立索引；如需索引，请去掉文件名开头的“.”。")
    ]


def test_two_files_with_the_same_doc_id_keep_the_first(tmp_path):
    corpus = tmp_path / "corpus"
    write_doc(corpus, "care.md", TEXT)
    write_doc(corpus, "care.txt", TEXT)
    report = load_corpus(corpus)
    assert [Path(d.path).name for d in report.documents] == ["care.md"]
    assert [(Path(e.path).name, e.reason) for e in report.errors] == [
        ("care.txt", "与文件“care.md”的文档编号相同，请重命名其中一个文件。")
    ]
