"""出题: build questions from a scope, review them (edit, approve, reject, bulk approve), assemble a session."""

from __future__ import annotations

import logging
import re
from typing import cast

import streamlit as st
from auth import guard
from components import clause_for, flash, get_assistant, highlighted, local_time, safe_md, show_flashes
from quiz_assemble import assemble_form

from assistant.audit import audit_log
from assistant.chinese import CN_NUMERAL
from assistant.cite import highlight_spans, make_citation
from assistant.errors import UserError
from assistant.quiz.bank import quiz_bank
from assistant.quiz.build import build_quiz, checker_for
from assistant.quiz.export import FORMATS, render
from assistant.quiz.gates import Checker
from assistant.quiz.review import ApprovalReport, approve, edit, problems_in_words, reject
from assistant.quiz.scope import part_titles
from assistant.quiz.types import (
    DIFFICULTIES,
    DIFFICULTY_LABELS,
    GATE_LABELS,
    GATES,
    LETTERS,
    QUESTION_TYPES,
    STATUS_LABELS,
    TYPE_LABELS,
    BuildRequest,
    BuildResult,
    GeneratorChoice,
    ItemStatus,
    QuizItem,
)

log = logging.getLogger("assistant.ui.quiz")
principal = guard("views/quiz_build.py")
assistant = get_assistant()
settings = assistant.settings
bank = quiz_bank(settings)
state = st.session_state
PAGE_SIZE = 20
FORMAT_LABELS = {
    "moodle": "Moodle XML（带分类）",
    "gift": "Moodle GIFT",
    "aiken": "Aiken（单选和判断）",
    "xlsx": "Excel",
    "docx": "Word 试卷（含答案）",
    "json": "JSON",
    "eval": "评测数据集（JSONL）",
}


documents = assistant.index.documents
if not documents:
    st.info("还没有索引任何文档，无法出题。")
    st.stop()


@st.cache_resource(show_spinner="正在分析条款中的术语……")
def cached_checker(fingerprint: tuple[str, ...]) -> Checker:
    # Keyed by the documents' hashes: a re-indexed corpus gets a fresh lexicon.
    return checker_for(get_assistant().index.documents)


checker = cached_checker(tuple(f"{d.doc_id}:{d.sha256}" for d in documents))


def scope_options(doc_ids: list[str]) -> dict[str, str]:
    """Scope token → what the trainer sees: parts first, then clauses."""
    options: dict[str, str] = {}
    for document in (d for d in documents if d.doc_id in doc_ids):
        for number, title in part_titles(document).items():
            options[f"第{number}部分"] = f"第{number}部分 {title.split('、', 1)[-1]}"
        for clause in document.clauses:
            token = f"（{clause.clause}）" if re.fullmatch(CN_NUMERAL, clause.clause) else clause.clause
            options[token] = clause.label.split("》", 1)[-1]
    return options


def source_block(item: QuizItem) -> None:
    clause = clause_for(assistant, item.doc_id, item.clause)
    st.caption(safe_md(f"出处：{item.label}"))
    if clause is not None:
        spans = highlight_spans(clause, [make_citation(1, clause, item.answer_span)])
        st.markdown(highlighted(clause.text, spans))


def show_item(item: QuizItem) -> None:
    st.markdown(safe_md(item.stem))
    if item.type in ("single", "multi"):
        lines = [
            safe_md(f"{LETTERS[i]}. {o}") + (" :green[**（正确答案）**]" if o in item.answer else "")
            for i, o in enumerate(item.options)
        ]
        st.markdown("  \n".join(lines))
    else:
        st.markdown(safe_md(f"答案：{'；'.join(item.answer)}"))
    if item.explanation:
        st.caption(safe_md(f"解析：{item.explanation}"))


def report_table(result: BuildResult) -> None:
    gates = [g for g in GATES if g != "invalid" or result.generator == "llm"]
    rows = [{"质量关卡": GATE_LABELS[g], "剔除题数": result.report.removed.get(g, 0)} for g in gates]
    st.dataframe(rows, hide_index=True, width="stretch")
    st.caption(f"通过全部关卡 {result.report.passed} 道，按题型与条款均衡选用 {result.report.selected} 道。")


def approve_and_record(ids: list[str]) -> ApprovalReport:
    """Approve what passes the gates and write one audit row per item approved."""
    before = {i.id: i.status for i in bank.items(ids=ids)}
    outcome = approve(bank, ids, checker)
    log_book = audit_log(settings)
    for item_id in ids:
        if item_id not in outcome.skipped and before.get(item_id) != "approved":
            log_book.record(principal.user_id, "approve", item_id)
    return outcome


st.title("出题与审核")
show_flashes()
build_tab, review_tab, session_tab = st.tabs(["出题", "审核", "组卷与导出"])

with build_tab:
    titles = {d.doc_id: d.title for d in documents}
    doc_ids = list(titles)
    if len(titles) > 1:
        doc_ids = st.multiselect(
            "文档", options=list(titles), default=list(titles)[:1], format_func=lambda d: titles[d], key="qb-docs"
        )
    scopes = scope_options(doc_ids)
    chosen = st.multiselect(
        "出题范围（不选为全文）",
        options=list(scopes),
        format_func=lambda t: scopes[t],
        placeholder="全文",
        key="qb-scope",
    )
    left, middle, right = st.columns(3)
    count = left.number_input("题目数量", min_value=1, max_value=200, value=20, step=1, key="qb-n")
    difficulty = middle.selectbox(
        "难度", options=DIFFICULTIES, index=1, format_func=lambda d: DIFFICULTY_LABELS[d], key="qb-difficulty"
    )
    seed_text = right.text_input("随机种子（可选）", key="qb-seed", help="相同的种子和设置会生成相同的题目。")
    types = st.multiselect(
        "题型",
        options=QUESTION_TYPES,
        default=list(QUESTION_TYPES),
        format_func=lambda t: TYPE_LABELS[t],
        key="qb-types",
    )
    generator: GeneratorChoice = "offline"
    if settings.llm.configured:
        labels = {"auto": "自动（优先大模型）", "offline": "离线（依据原文）", "llm": "大模型"}
        generator = st.radio(
            "出题方式", options=list(labels), format_func=lambda g: labels[g], horizontal=True, key="qb-generator"
        )
    author = st.text_input("出题人", max_chars=40, key="qb-author")
    if st.button("生成题目", type="primary", key="qb-build"):
        try:
            if not types:
                raise UserError("请至少选择一种题型。")
            if seed_text.strip() and not seed_text.strip().isdigit():
                raise UserError("随机种子应为非负整数。")
            request = BuildRequest(
                scope=",".join(chosen),
                doc_ids=doc_ids,
                n=int(count),
                types=types,
                difficulty=difficulty,
                seed=int(seed_text) if seed_text.strip() else None,
                generator=generator,
                author=author.strip(),
            )
            with st.spinner("正在出题并逐题核对原文……"):
                result = build_quiz(assistant, request, known=bank.stem_keys())
            added = bank.add(result.items, author=author.strip())
            state["qb-result"] = result
            state["qb-added"] = len(added)
        except UserError as exc:
            st.error(safe_md(str(exc)))
    result = state.get("qb-result")
    if result is not None:
        counts = "、".join(f"{TYPE_LABELS[t]} {c} 道" for t, c in result.counts().items() if c)
        st.success(
            safe_md(
                f"{result.scope}：生成 {len(result.items)} 道（{counts or '无'}），"
                f"新存入题库 {state.get('qb-added', 0)} 道待审核；随机种子 {result.seed}。"
            )
        )
        for notice in result.notices:
            st.info(safe_md(notice))
        st.markdown(f"**质量把关**：候选 {result.report.candidates} 道，各关卡剔除数量：")
        report_table(result)
        if result.rejected:
            with st.expander(f"查看被剔除的候选题（{len(result.rejected)} 道）"):
                st.dataframe(
                    [
                        {"剔除原因": r.reason, "题型": TYPE_LABELS[r.item.type], "题干": r.item.stem}
                        for r in result.rejected
                    ],
                    hide_index=True,
                    width="stretch",
                )

with review_tab:
    counts = bank.counts()
    status_labels: dict[str, str] = {**STATUS_LABELS, "all": "全部"}
    status = st.segmented_control(
        "状态",
        options=list(status_labels),
        default="draft",
        format_func=lambda s: f"{status_labels[s]}（{counts.get(s, 0) if s != 'all' else sum(counts.values())}）",
        key="qb-status",
    )
    items = bank.items(cast(ItemStatus, status)) if status in STATUS_LABELS else bank.items()
    if not items:
        st.info("没有这一状态的题目。")
    else:
        pages = (len(items) - 1) // PAGE_SIZE + 1
        page = st.number_input("页码", min_value=1, max_value=pages, value=1, key="qb-page") if pages > 1 else 1
        shown = items[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        drafts = [i.id for i in shown if i.status == "draft"]
        if drafts and st.button(f"本页 {len(drafts)} 道待审核题目全部通过", key="qb-bulk"):
            outcome = approve_and_record(drafts)
            flash(f"已通过 {outcome.approved} 道。")
            if outcome.skipped:
                flash(f"{len(outcome.skipped)} 道未能通过质量检查，仍为待审核，请修改后再审。", "warning")
            st.rerun()
        for item in shown:
            label = f"{STATUS_LABELS[item.status]} · {TYPE_LABELS[item.type]} · {item.stem.split('：', 1)[-1][:40]}"
            with st.expander(safe_md(label)):
                show_item(item)
                problems = problems_in_words(item, checker)
                for problem in problems:
                    st.warning(problem, icon=":material/error:")
                source_block(item)
                created = local_time(item.created_at)
                st.caption(
                    safe_md(f"{DIFFICULTY_LABELS[item.difficulty]} · 出题人 {item.author or '未署名'} · {created}")
                )
                a, r, _ = st.columns([1, 1, 4])
                if item.status != "approved" and a.button("通过", key=f"qb-approve-{item.id}", disabled=bool(problems)):
                    approve_and_record([item.id])
                    flash("已通过 1 道。")
                    st.rerun()
                if item.status != "rejected" and r.button("驳回", key=f"qb-reject-{item.id}"):
                    reject(bank, [item.id])
                    audit_log(settings).record(principal.user_id, "reject", item.id)
                    flash("已驳回 1 道。", "info")
                    st.rerun()
                if not st.toggle("编辑", key=f"qb-editing-{item.id}"):
                    continue
                with st.form(f"qb-edit-{item.id}"):
                    stem = st.text_area("题干", value=item.stem)
                    options_text = st.text_area(
                        "选项（每行一个）", value="\n".join(item.options), disabled=item.type in ("tf", "blank")
                    )
                    answer_text = st.text_area("答案（每行一个，须与选项一字不差）", value="\n".join(item.answer))
                    span = st.text_area("原文依据（须逐字摘自原文）", value=item.answer_span)
                    explanation = st.text_area("解析", value=item.explanation)
                    if st.form_submit_button("保存修改"):
                        try:
                            _, now_failing = edit(
                                bank,
                                item,
                                stem=stem,
                                options=options_text.splitlines(),
                                answer=answer_text.splitlines(),
                                explanation=explanation,
                                answer_span=span,
                                checker=checker,
                            )
                            state["qb-saved"] = (item.id, now_failing)
                            st.rerun()
                        except UserError as exc:
                            st.error(safe_md(str(exc)))
                saved = state.get("qb-saved")
                if saved and saved[0] == item.id:
                    st.success("已保存，题目回到待审核。" if not saved[1] else "已保存，但仍有问题需要修改。")


with session_tab:
    assemble_form(bank, documents, principal)
    st.subheader("导出", anchor=False)
    export_status = st.selectbox(
        "导出哪些题目",
        options=["approved", "draft", "all"],
        format_func=lambda s: {"approved": "已通过", "draft": "待审核", "all": "全部"}[s],
        key="qb-export-status",
    )
    export_items = bank.items() if export_status == "all" else bank.items(export_status)
    fmt = st.selectbox("格式", options=list(FORMAT_LABELS), format_func=lambda f: FORMAT_LABELS[f], key="qb-format")
    if export_items:
        try:
            data = render(export_items, fmt)
            st.download_button(
                f"下载（{len(export_items)} 道）",
                data,
                file_name=f"政策学习测验{FORMATS[fmt]}",
                key="qb-download",
            )
        except UserError as exc:
            st.info(safe_md(str(exc)))
    else:
        st.caption("没有可导出的题目。")
