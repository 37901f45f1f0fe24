"""出题: build questions from a scope, review them (edit, approve, reject, bulk approve), assemble a session."""

from __future__ import annotations

import logging
import re
from datetime import UTC, date, datetime, time, timedelta
from typing import cast
from zoneinfo import ZoneInfo

import streamlit as st
from auth import guard
from components import clause_for, flash, get_assistant, highlighted, local_time, safe_md, show_flashes

from assistant.accounts import account_store
from assistant.audit import audit_log
from assistant.chinese import CN_NUMERAL
from assistant.cite import highlight_spans, make_citation
from assistant.errors import UserError
from assistant.quiz.bank import ALL_LEARNERS, quiz_bank
from assistant.quiz.build import build_quiz, checker_for
from assistant.quiz.draw import draw
from assistant.quiz.export import FORMATS, render
from assistant.quiz.gates import Checker
from assistant.quiz.review import ApprovalReport, approve, edit, problems_in_words, reject
from assistant.quiz.scope import part_titles
from assistant.quiz.scoring import ScoringRules
from assistant.quiz.types import (
    DIFFICULTIES,
    DIFFICULTY_LABELS,
    GATE_LABELS,
    GATES,
    LETTERS,
    MODE_LABELS,
    QUESTION_TYPES,
    STATUS_LABELS,
    TYPE_LABELS,
    BuildRequest,
    BuildResult,
    GeneratorChoice,
    ItemStatus,
    QuestionType,
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


def utc_iso(day: date, moment: time) -> str:
    """A local wall-clock time (settings.ui.timezone) as the ISO 8601 UTC stamp the bank stores."""
    local = datetime.combine(day, moment, tzinfo=ZoneInfo(settings.ui.timezone))
    return local.astimezone(UTC).isoformat(timespec="seconds")


def window_inputs(label: str, key: str, default: datetime) -> str | None:
    """An optional local date and time; None when the trainer leaves it unset."""
    if not st.checkbox(label, key=f"{key}-on"):
        return None
    day_col, time_col = st.columns(2)
    day = day_col.date_input("日期", value=default.date(), key=f"{key}-date", format="YYYY-MM-DD")
    moment = time_col.time_input("时间", value=default.time().replace(second=0, microsecond=0), key=f"{key}-time")
    return utc_iso(day, moment)


def part_of_clauses() -> tuple[dict[str, str], dict[str, str]]:
    """Clause key → part id, and part id → what the trainer sees, for drawing by part."""
    part_of: dict[str, str] = {}
    labels: dict[str, str] = {}
    for document in documents:
        for clause in document.clauses:
            if clause.part:
                part_id = f"{document.doc_id}:{clause.part}"
                part_of[clause.key] = part_id
                labels.setdefault(part_id, f"{document.title} · {clause.part}" if len(documents) > 1 else clause.part)
    return part_of, labels


def learner_accounts() -> dict[str, str]:
    """Learner id → name shown, for active accounts holding the learner role."""
    users = account_store(settings).all()
    return {
        u.username: f"{u.display_name}（{u.username}）"
        if u.display_name and u.display_name != u.username
        else u.username
        for u in users
        if "learner" in u.roles and not u.disabled
    }


def assignee_text(session_id: str, names: dict[str, str]) -> str:
    chosen = bank.assignees(session_id)
    if chosen == [ALL_LEARNERS]:
        return "全部学员"
    return "、".join(names.get(u, u) for u in chosen) or "未分配"


with session_tab:
    approved = bank.items("approved")
    st.subheader("组卷", anchor=False)
    if not approved:
        st.info("还没有通过审核的题目。请先在“审核”中通过题目。")
    else:
        by_id = {i.id: i for i in approved}
        title = st.text_input("测验名称", value="政策学习测验", max_chars=60, key="qb-session-title")
        mode = st.radio(
            "模式", options=list(MODE_LABELS), format_func=lambda m: MODE_LABELS[m], horizontal=True, key="qb-mode"
        )
        how = st.radio(
            "选题方式",
            options=["pick", "draw"],
            horizontal=True,
            key="qb-how",
            format_func=lambda h: {"pick": "手动选题", "draw": "随机组卷"}[h],
        )
        picked: list[str] = []
        wanted: dict[QuestionType, int] = {}
        if how == "pick":
            picked = st.multiselect(
                "选择题目（不选为全部已通过的题目）",
                options=list(by_id),
                format_func=lambda i: f"{TYPE_LABELS[by_id[i].type]}｜{by_id[i].stem.split('：', 1)[-1][:30]}",
                key="qb-session-items",
            )
        else:
            available = {t: sum(1 for i in approved if i.type == t) for t in QUESTION_TYPES}
            st.caption("各题型抽取数量（题库中已通过的题目数见括号）：")
            for column, kind in zip(st.columns(len(QUESTION_TYPES)), QUESTION_TYPES, strict=True):
                wanted[kind] = int(
                    column.number_input(
                        f"{TYPE_LABELS[kind]}（{available[kind]}）",
                        min_value=0,
                        max_value=max(available[kind], 0),
                        value=0,
                        key=f"qb-draw-{kind}",
                    )
                )
            part_of, part_labels = part_of_clauses()
            draw_parts = st.multiselect(
                "抽题范围（不选为全部）",
                options=list(part_labels),
                format_func=lambda p: part_labels[p],
                placeholder="全部",
                key="qb-draw-parts",
            )
            draw_levels = st.multiselect(
                "难度（不选为全部）",
                options=DIFFICULTIES,
                format_func=lambda d: DIFFICULTY_LABELS[d],
                placeholder="全部",
                key="qb-draw-levels",
            )
        left, middle, right = st.columns(3)
        limit = left.number_input("答题时限（分钟，0 为不限时）", min_value=0, max_value=600, value=0, key="qb-limit")
        tries = middle.number_input("每人作答次数（0 为不限）", min_value=0, max_value=100, value=0, key="qb-tries")
        shuffle = right.toggle("选项乱序", value=True, key="qb-shuffle", help="每位学员看到的选项顺序各不相同。")
        now_local = datetime.now(ZoneInfo(settings.ui.timezone))
        st.caption(f"开放时间按 {settings.ui.timezone} 本地时间填写。")
        opens_at = window_inputs("设置开始时间", "qb-opens", now_local)
        closes_at = window_inputs("设置截止时间", "qb-closes", now_local + timedelta(days=7))
        defaults = ScoringRules()
        with st.expander("计分规则", expanded=False):
            mark_cols = st.columns(len(QUESTION_TYPES))
            marks = {
                kind: float(
                    column.number_input(
                        f"{TYPE_LABELS[kind]}每题分值",
                        min_value=0.0,
                        max_value=100.0,
                        value=defaults.marks.get(kind, 1.0),
                        step=0.5,
                        key=f"qb-marks-{kind}",
                    )
                )
                for column, kind in zip(mark_cols, QUESTION_TYPES, strict=True)
            }
            pass_percent = st.number_input(
                "及格线（百分制）", min_value=0.0, max_value=100.0, value=defaults.pass_percent, key="qb-pass"
            )
            partial = st.toggle("多选题少选得部分分", value=defaults.multi_partial > 0, key="qb-partial")
            share = defaults.multi_partial or 0.5
            if partial:
                share = st.slider("少选得分比例", 0.1, 0.9, value=share, step=0.1, key="qb-partial-share")
            hinted_earns = st.toggle(
                "看过提示的答案仍计分（仅练习模式）", value=defaults.hinted_earns, key="qb-hinted-earns"
            )
        names = learner_accounts()
        everyone = st.checkbox("分配给全部学员", value=False, key="qb-assign-all")
        assigned: list[str] = (
            [ALL_LEARNERS]
            if everyone
            else st.multiselect(
                "分配给学员",
                options=list(names),
                format_func=lambda u: names[u],
                placeholder="选择学员",
                key="qb-assign",
                disabled=everyone,
            )
        )
        if st.button("创建测验", type="primary", key="qb-create-session"):
            try:
                if not assigned:
                    raise UserError("请选择参加测验的学员，或勾选“分配给全部学员”。")
                if opens_at and closes_at and closes_at <= opens_at:
                    raise UserError("截止时间应晚于开始时间。")
                if how == "draw":
                    if not any(wanted.values()):
                        raise UserError("请填写至少一种题型的抽题数量。")
                    chosen_ids = [
                        i.id
                        for i in draw(
                            bank, wanted, parts=draw_parts or None, difficulties=draw_levels or None, clauses=part_of
                        )
                    ]
                else:
                    chosen_ids = picked or list(by_id)
                scoring = ScoringRules(
                    marks=marks,
                    pass_percent=pass_percent,
                    multi_partial=share if partial else 0.0,
                    hinted_earns=hinted_earns,
                )
                session = bank.create_session(
                    title,
                    chosen_ids,
                    int(limit) or None,
                    author=principal.user_id,
                    mode=mode,
                    max_attempts=int(tries) or None,
                    opens_at=opens_at,
                    closes_at=closes_at,
                    shuffle_options=shuffle,
                    scoring=scoring.model_dump(),
                )
                bank.assign(session.id, assigned)
                flash(
                    f"已创建{MODE_LABELS[session.mode]}“{session.title}”（{len(session.item_ids)} 题），"
                    f"分配给{assignee_text(session.id, names)}。"
                )
                st.rerun()
            except UserError as exc:
                st.error(safe_md(str(exc)))
    sessions = bank.sessions()
    if sessions:
        names = learner_accounts()
        st.dataframe(
            [
                {
                    "测验": s.title,
                    "模式": MODE_LABELS[s.mode],
                    "题数": len(s.item_ids),
                    "时限": f"{s.time_limit_minutes} 分钟" if s.time_limit_minutes else "不限时",
                    "作答次数": f"{s.max_attempts} 次" if s.max_attempts else "不限",
                    "开始时间": local_time(s.opens_at) if s.opens_at else "随时",
                    "截止时间": local_time(s.closes_at) if s.closes_at else "不限",
                    "分配给": assignee_text(s.id, names),
                    "创建时间": local_time(s.created_at),
                    "编号": s.id,
                }
                for s in sessions
            ],
            hide_index=True,
            width="stretch",
        )
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
