"""评测: run a dataset, read and review the results, compare two or more runs, download reports."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st
from auth import guard
from components import get_assistant, local_time, safe_md
from pydantic import ValidationError

from assistant.errors import UserError
from assistant.evals.compare import compare_runs, side_by_side
from assistant.evals.datasets import DATASET_SUFFIXES
from assistant.evals.feedback_export import NEEDS_REVIEW, feedback_drafts
from assistant.evals.report import (
    BEST,
    CHART_METRICS,
    METRIC_NAMES,
    TYPE_NAMES,
    change_rows,
    delta_rows,
    fmt,
    latency_rows,
    reviewed_rows,
    side_by_side_rows,
    type_name,
)
from assistant.evals.review import (
    FEEDBACK,
    Review,
    ReviewStore,
    review_queue,
    reviewed_dataset_path,
    reviewed_figures,
    save_reviewed_drafts,
    split_keys,
)
from assistant.evals.runner import RunResult
from assistant.evals.runs import RunStore, evaluate
from assistant.feedback import feedback_store
from assistant.settings import REPO_ROOT

principal = guard("views/evals.py")
assistant = get_assistant()
store = RunStore(assistant.settings)
reviews = ReviewStore(assistant.settings)
shipped = sorted((REPO_ROOT / "evals" / "datasets").glob("*.jsonl"))
MODES = {"extractive": "离线摘录", "llm": "大模型"}
VERDICTS = {"确认原判": None, "改判为通过": "pass", "改判为未通过": "fail"}

st.title("评测")
st.caption("用标注好的题目检验回答质量；每次运行都会记录在历史中，可复核、可与之前的运行对比。")

with st.form("run"):
    source = st.radio("数据集来源", ["系统自带", "上传文件"], horizontal=True)
    chosen = st.selectbox("系统自带数据集", shipped, format_func=lambda p: p.name)
    upload = st.file_uploader("上传数据集（.jsonl / .csv / .xlsx）", type=[s.lstrip(".") for s in DATASET_SUFFIXES])
    left, middle, right = st.columns(3)
    llm_ready = assistant.engine.llm is not None
    mode = left.selectbox("回答方式", ["extractive", "llm"] if llm_ready else ["extractive"], format_func=MODES.get)
    k = middle.number_input("检索条款数 k", min_value=1, max_value=20, value=assistant.settings.retrieval.k)
    repeat = right.number_input("每题重复次数", min_value=1, max_value=10, value=1)
    judge = st.checkbox("同时使用大模型评审（需配置大模型）", disabled=not llm_ready)
    submitted = st.form_submit_button("开始评测", type="primary")

if submitted:
    bar = st.progress(0.0, text="评测中……")
    try:
        if source == "上传文件":
            if upload is None:
                raise UserError("请先选择要上传的数据集文件。")
            path, data = Path(upload.name), upload.getvalue()
        else:
            path, data = chosen, None
        run, folder = evaluate(
            assistant,
            path,
            mode,
            int(k),
            int(repeat),
            judge,
            progress=lambda done, total: bar.progress(done / total, text=f"评测中：{done}/{total}"),
            data=data,
        )
        st.session_state["eval_run"] = run.run_id
        st.success(f"评测完成：{run.run_id}")
    except UserError as exc:
        st.error(safe_md(str(exc)))
    bar.empty()

history = store.history()
ids = [r["run_id"] for r in history]
by_id = {r["run_id"]: r for r in history}


def run_name(run_id: str) -> str:
    """A run as people tell them apart: date, dataset, answer mode and k (the id last, for reports)."""
    r = by_id[run_id]
    k = (r.get("config") or {}).get("k", "?")
    return f"{local_time(r['created_at'])} · {r['dataset']} · {MODES.get(r['mode'], r['mode'])} · k={k} · {run_id}"


def item_detail(item) -> None:
    """What a reviewer needs to judge one item: question, answer, gold, retrieval, misses and the judge's reasons."""
    st.markdown(f"**问题**：{safe_md(item.question)}")
    if item.standalone_question != item.question:
        st.markdown(f"检索问题：{safe_md(item.standalone_question)}")
    st.markdown(f"**回答**（{'拒答' if item.refused else MODES.get(item.mode, item.mode)}）：")
    st.text(item.answer)
    st.markdown(f"标准条款：{safe_md('；'.join(item.gold_clauses) or '—')}")
    st.markdown(f"检索到：{safe_md('；'.join(item.retrieved) or '—')}")
    st.markdown(
        f"要点：{safe_md('；'.join(item.key_facts) or '—')}；遗漏：{safe_md('；'.join(item.missed_facts) or '—')}"
    )
    for c in item.citations:
        st.markdown(f"\\[{c.n}\\] {safe_md(c.label)}{'' if c.verified else '（未核实）'}：“{safe_md(c.quote)}”")
    if item.judge_valid or item.judge_failures:
        st.markdown(
            f"评审：正确性 {fmt(item.metrics.get('judge_correctness'))}，忠实度 "
            f"{fmt(item.metrics.get('judge_faithfulness'))}（有效 {item.judge_valid}，失败 {item.judge_failures}）"
        )
        for reason in item.judge_reasons:
            st.caption(f"评审理由：{safe_md(reason)}")


def review_form(run: RunResult) -> None:
    flash("review_flash")
    queue = review_queue(run)
    if not queue:
        st.caption("本次运行没有需要复核的题目（无未通过题目、无评审结果）。")
        return
    latest = reviews.latest(run.run_id)

    def label(item_id: str) -> str:
        item = next(i for i in queue if i.id == item_id)
        return f"{item_id} · {type_name(item.type)} · {'未通过' if item.failed else '有评审'}"

    chosen = st.selectbox("待复核题目", [i.id for i in queue], format_func=label, key="review_item")
    item = next(i for i in queue if i.id == chosen)
    if done := latest.get(item.id):
        when = local_time(done.created_at, with_seconds=True)
        st.info(safe_md(f"本题已复核：{done.reviewer}，{when}，{'；'.join(done.changes)}"), icon=":material/task_alt:")
    item_detail(item)
    with st.form(f"review-{run.run_id}-{item.id}"):
        verdict = st.radio("判定", list(VERDICTS), horizontal=True, key=f"review_verdict-{item.id}")
        judged = item.judge_valid or item.judge_failures
        left, right = st.columns(2)
        correctness = left.number_input("人工评审：正确性（留空沿用）", 0.0, 1.0, None, 0.5, disabled=not judged)
        faithfulness = right.number_input("人工评审：忠实度（留空沿用）", 0.0, 1.0, None, 0.5, disabled=not judged)
        gold = st.text_area("标准条款（文档编号#条款，每行一个）", "\n".join(item.gold_clauses))
        facts = st.text_area("要点（每行一个）", "\n".join(item.key_facts))
        note = st.text_input("备注")
        if st.form_submit_button("保存复核", type="primary"):
            gold_keys, fact_list = split_keys(gold), split_keys(facts)
            try:
                saved = reviews.record(
                    Review(
                        run_id=run.run_id,
                        item_id=item.id,
                        reviewer=principal.user_id,
                        verdict=VERDICTS[verdict],
                        judge_correctness=correctness if judged else None,
                        judge_faithfulness=faithfulness if judged else None,
                        gold_clauses=gold_keys if gold_keys != item.gold_clauses else None,
                        key_facts=fact_list if fact_list != item.key_facts else None,
                        note=note,
                    )
                )
                # The figures above were drawn before this form: rerun so they count the new review.
                st.session_state["review_flash"] = f"已记录复核：{item.id}，{'；'.join(saved.changes)}"
                st.rerun()
            except ValidationError as exc:
                st.error(
                    safe_md(
                        "复核未保存：" + "；".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
                    )
                )
            except UserError as exc:
                st.error(safe_md(str(exc)))


def review_log(run_id: str) -> None:
    done = reviews.history(run_id)
    if done:
        st.markdown("**复核记录**")
        rows = [
            {
                "编号": r.item_id,
                "复核人": r.reviewer,
                "时间": local_time(r.created_at, with_seconds=True),
                "改动": "；".join(r.changes),
                "备注": r.note or "—",
            }
            for r in reversed(done)
        ]
        st.dataframe(rows, hide_index=True, width="stretch", key=f"log-{run_id}")


def flash(key: str) -> None:
    """The confirmation of a review saved in the previous run of the script."""
    if message := st.session_state.pop(key, None):
        st.success(safe_md(message))


def drafts_section() -> None:
    flash("draft_flash")
    drafts = feedback_drafts(feedback_store(assistant.settings).all())
    if not drafts:
        st.caption("还没有“有问题”的用户反馈。")
        return
    latest = reviews.latest(FEEDBACK)
    st.dataframe(
        [
            {
                "编号": d["id"],
                "问题": d["question"],
                "状态": f"已复核（{latest[d['id']].reviewer}）" if d["id"] in latest else NEEDS_REVIEW,
                "备注": d["note"] or "—",
            }
            for d in drafts
        ],
        hide_index=True,
        width="stretch",
    )
    chosen = st.selectbox("复核草稿", [d["id"] for d in drafts], key="draft_item")
    draft = next(d for d in drafts if d["id"] == chosen)
    with st.form(f"draft-{chosen}"):
        question = st.text_input("问题", draft["question"])
        answerable = st.checkbox("可以从文件中回答", value=draft["answerable"])
        kinds = list(TYPE_NAMES)
        kind = st.selectbox("题型", kinds, index=kinds.index(draft["type"]), format_func=type_name)
        gold = st.text_area(
            "标准条款（文档编号#条款，每行一个）", "\n".join(draft["gold_clauses"]), key=f"draft-gold-{chosen}"
        )
        facts = st.text_area(
            "要点（须逐字出现在标准条款中，每行一个）", "\n".join(draft["key_facts"]), key=f"draft-facts-{chosen}"
        )
        note = st.text_input("备注")
        if st.form_submit_button("保存草稿复核"):
            try:
                reviews.record(
                    Review(
                        run_id=FEEDBACK,
                        item_id=draft["id"],
                        reviewer=principal.user_id,
                        question=question.strip() or None,
                        answerable=answerable,
                        type=kind,
                        gold_clauses=split_keys(gold),
                        key_facts=split_keys(facts),
                        note=note,
                    )
                )
                st.session_state["draft_flash"] = f"已记录草稿复核：{draft['id']}"
                st.rerun()
            except ValidationError as exc:
                st.error(
                    safe_md(
                        "复核未保存：" + "；".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
                    )
                )
    target = reviewed_dataset_path(assistant.settings)
    if st.button("把已复核的草稿保存到数据集"):
        try:
            saved = save_reviewed_drafts(drafts, reviews.latest(FEEDBACK), assistant.index.clauses, target)
            st.success(f"已保存 {len(saved)} 道题到 {target.name}（不含“{NEEDS_REVIEW}”标记）。")
        except UserError as exc:
            st.error(safe_md(str(exc)))
    if target.is_file():
        st.download_button(f"下载 {target.name}", target.read_bytes(), file_name=target.name, mime="application/jsonl")
    review_log(FEEDBACK)


if not history:
    st.info("还没有评测记录。")
    with st.expander("用户反馈草稿", expanded=True):
        drafts_section()
    st.stop()

st.subheader("运行记录", anchor=False)
st.dataframe(
    [
        {
            "运行": r["run_id"],
            "时间": local_time(r["created_at"]),
            "数据集": r["dataset"],
            "回答方式": MODES.get(r["mode"], r["mode"]),
            "k": str((r.get("config") or {}).get("k", "—")),
            "重复": str((r.get("config") or {}).get("repeat", "—")),
            "评审": "有" if (r.get("config") or {}).get("judge") else "无",
            "要点覆盖率": fmt(r["aggregates"].get("key_fact_coverage")),
        }
        for r in history
    ],
    hide_index=True,
    width="stretch",
)

current = st.session_state.get("eval_run", ids[0])
selected = st.selectbox("查看运行", ids, index=ids.index(current) if current in ids else 0, format_func=run_name)
run = store.load(selected)
folder = Path(by_id[selected]["path"])
figures = reviewed_figures(run, reviews.latest(run.run_id))

st.subheader("总体指标", anchor=False)
c = run.counts
st.markdown(
    f"题目 {c.get('items', len(run.items))} 道，未通过 {figures.raw_failed} 道（复核后 {figures.reviewed_failed} 道）；"
    f"降级回答 {c.get('fallbacks', 0)} 道；未核实引文 {c.get('unverified_quotes', 0)} 处；"
    f"无据论断 {c.get('unsupported_claims', 0)} 句"
    + (f"；评审有效 {c.get('judge_valid', 0)} 次，失败 {c.get('judge_failures', 0)} 次" if run.config.judge else "")
    + f"；已复核 {figures.reviewed_items} 道，改判 {figures.overridden} 道。"
)
st.dataframe(
    [{"指标": label, "原始": raw, "复核后": reviewed} for label, raw, reviewed in reviewed_rows(run, figures)],
    hide_index=True,
    width="stretch",
    key="figures",
)
st.caption("时延：" + ("；".join(f"{k} {v:.1f} ms" for k, v in run.latency.items()) or "—"))

st.subheader("按题型", anchor=False)
chart = {
    METRIC_NAMES[m]: {type_name(kind): values.get(m) or 0.0 for kind, values in run.by_type.items()}
    for m in CHART_METRICS
}
st.bar_chart(chart, stack=False)

# A keyed, tracked tab bar: after a review is saved and the page reruns, the reviewer stays on the queue.
details, queue_tab, drafts_tab, pair_tab, many_tab = st.tabs(
    ["逐题明细", "复核队列", "反馈草稿", "对比两次运行", "多次运行并排"], key="eval_tab", on_change="rerun"
)

with details:
    types = sorted({i.type for i in run.items})
    only_failed = st.toggle("只看未通过的题目", value=False)
    type_filter = st.multiselect("题型", types, default=types, format_func=type_name, placeholder="请选择题型")
    rows = [
        {
            "编号": i.id,
            "题型": type_name(i.type),
            "通过": "否" if i.failed else "是",
            "问题": i.question,
            "要点覆盖率": fmt(i.metrics.get("key_fact_coverage")),
            "标准条款引用率": fmt(i.metrics.get("gold_cited")),
            "论断有据率": fmt(i.metrics.get("groundedness")),
            "无据论断": str(i.claims - i.claims_ok),
            "降级": "是" if i.fallback else "否",
            "遗漏要点": "；".join(i.missed_facts) or "—",
            "回答": i.answer or "—",
            "引用": "；".join(f"[{c.n}]{c.label}{'' if c.verified else '（未核实）'}" for c in i.citations) or "—",
            "时延（毫秒）": f"{i.latency_ms.get('total_ms', 0):.0f}",
        }
        for i in sorted(run.items, key=lambda i: (not i.failed, i.id))
        if i.type in type_filter and (i.failed or not only_failed)
    ]
    st.dataframe(rows, hide_index=True, width="stretch")
    downloads = st.columns(4)
    names = [
        ("report.html", "text/html"),
        ("report.md", "text/markdown"),
        ("items.csv", "text/csv"),
        ("run.json", "application/json"),
    ]
    for column, (name, mime) in zip(downloads, names, strict=True):
        path = folder / name
        if path.is_file():
            column.download_button(f"下载 {name}", path.read_bytes(), file_name=f"{run.run_id}-{name}", mime=mime)

with queue_tab:
    st.caption("未通过的题目和有评审结果的题目：确认或改判，修正标准条款与要点；改动计入“复核后”指标，原始指标不变。")
    review_form(run)
    review_log(run.run_id)

with drafts_tab:
    drafts_section()

with pair_tab:
    if len(ids) < 2:
        st.caption("至少需要两次运行才能对比。")
    else:
        a_col, b_col = st.columns(2)
        run_a = a_col.selectbox("运行 A（基线）", ids, index=1, format_func=run_name)
        run_b = b_col.selectbox("运行 B（新）", ids, index=0, format_func=run_name)
        if run_a != run_b:
            one, two = store.load(run_a), store.load(run_b)
            comparison = compare_runs(one, two)
            for warning in comparison.warnings:
                st.warning(safe_md(warning), icon=":material/warning:")
            k_label = one.config.k if one.config.k == two.config.k else None
            st.dataframe(delta_rows(comparison, k_label, one, two), hide_index=True, width="stretch")
            better = {c.id for c in comparison.better}
            worse = {c.id for c in comparison.worse}
            st.markdown(f"有指标变好的题 **{len(better)}** 道，有指标变差的题 **{len(worse)}** 道。")
            if changed := change_rows(comparison, k_label):
                st.dataframe(changed, hide_index=True, width="stretch", key="changes")
            else:
                st.caption("共同题目的各项指标都没有变化。")

with many_tab:
    picked = st.multiselect("选择要并排比较的运行", ids, default=ids[: min(3, len(ids))], format_func=run_name)
    if len(picked) < 2:
        st.caption("请至少选择两次运行。")
    else:
        runs = [store.load(r) for r in picked]
        table = side_by_side(runs)
        for warning in table.warnings:
            st.warning(safe_md(warning), icon=":material/warning:")
        for n, (run_id, label) in enumerate(zip(table.runs, table.labels, strict=True), start=1):
            st.caption(f"[{n}] {safe_md(label)} · {safe_md(run_name(run_id))}")
        ks = {r.config.k for r in runs}
        shared_k = next(iter(ks)) if len(ks) == 1 else None
        grid = pd.DataFrame(side_by_side_rows(table, shared_k, runs))
        st.dataframe(
            grid.style.map(lambda v: "background-color: #fdecc8; font-weight: bold" if str(v).endswith(BEST) else ""),
            hide_index=True,
            width="stretch",
            key="side_by_side",
        )
        st.caption("★ 为该项指标最好的运行（时延、降级比例、误拒率、无据论断数以低为好）。")
        st.markdown("**逐题时延**")
        st.dataframe(latency_rows(runs), hide_index=True, width="stretch")
