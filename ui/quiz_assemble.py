"""组卷 form of the 出题 page: a session's mode, window, attempts, items (picked or drawn at random), scoring and
the learners it is assigned to; and the table of sessions. The page calls assemble_form() in its tab."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import streamlit as st
from components import flash, get_assistant, local_time, safe_md

from assistant.accounts import Principal, account_store
from assistant.errors import UserError
from assistant.quiz.bank import ALL_LEARNERS, QuizBank
from assistant.quiz.draw import draw
from assistant.quiz.scoring import ScoringRules
from assistant.quiz.types import DIFFICULTIES, DIFFICULTY_LABELS, MODE_LABELS, QUESTION_TYPES, TYPE_LABELS, QuestionType
from assistant.types import Document


def utc_iso(day: date, moment: time) -> str:
    """A local wall-clock time (settings.ui.timezone) as the ISO 8601 UTC stamp the bank stores."""
    local = datetime.combine(day, moment, tzinfo=ZoneInfo(get_assistant().settings.ui.timezone))
    return local.astimezone(UTC).isoformat(timespec="seconds")


def window_inputs(label: str, key: str, default: datetime) -> str | None:
    """An optional local date and time; None when the trainer leaves it unset."""
    if not st.checkbox(label, key=f"{key}-on"):
        return None
    day_col, time_col = st.columns(2)
    day = day_col.date_input("日期", value=default.date(), key=f"{key}-date", format="YYYY-MM-DD")
    moment = time_col.time_input("时间", value=default.time().replace(second=0, microsecond=0), key=f"{key}-time")
    return utc_iso(day, moment)


def part_of_clauses(documents: list[Document]) -> tuple[dict[str, str], dict[str, str]]:
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
    users = account_store(get_assistant().settings).all()
    return {
        u.username: f"{u.display_name}（{u.username}）"
        if u.display_name and u.display_name != u.username
        else u.username
        for u in users
        if "learner" in u.roles and not u.disabled
    }


def assignee_text(bank: QuizBank, session_id: str, names: dict[str, str]) -> str:
    chosen = bank.assignees(session_id)
    if chosen == [ALL_LEARNERS]:
        return "全部学员"
    return "、".join(names.get(u, u) for u in chosen) or "未分配"


def assemble_form(bank: QuizBank, documents: list[Document], principal: Principal) -> None:
    """The 组卷 section: create a session and assign it; list the sessions."""
    settings = get_assistant().settings
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
            part_of, part_labels = part_of_clauses(documents)
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
                    f"分配给{assignee_text(bank, session.id, names)}。"
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
                    "分配给": assignee_text(bank, s.id, names),
                    "创建时间": local_time(s.created_at),
                    "编号": s.id,
                }
                for s in sessions
            ],
            hide_index=True,
            width="stretch",
        )
