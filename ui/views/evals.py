"""评测: run a dataset, read the metrics per type and per item, compare runs, download reports."""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from auth import guard
from components import get_assistant, local_time, safe_md

from assistant.errors import UserError
from assistant.evals.compare import compare_runs
from assistant.evals.datasets import DATASET_SUFFIXES
from assistant.evals.report import CHART_METRICS, METRIC_NAMES, fmt
from assistant.evals.runs import RunStore, evaluate
from assistant.settings import REPO_ROOT

guard("views/evals.py")
assistant = get_assistant()
store = RunStore(assistant.settings)
shipped = sorted((REPO_ROOT / "evals" / "datasets").glob("*.jsonl"))

st.title("评测")
st.caption("用标注好的题目检验回答质量；每次运行都会记录在历史中，可与之前的运行对比。")

with st.form("run"):
    source = st.radio("数据集来源", ["系统自带", "上传文件"], horizontal=True)
    chosen = st.selectbox("系统自带数据集", shipped, format_func=lambda p: p.name)
    upload = st.file_uploader("上传数据集（.jsonl / .csv / .xlsx）", type=[s.lstrip(".") for s in DATASET_SUFFIXES])
    left, middle, right = st.columns(3)
    llm_ready = assistant.engine.llm is not None
    mode = left.selectbox(
        "回答方式",
        ["extractive", "llm"] if llm_ready else ["extractive"],
        format_func=lambda m: {"extractive": "离线摘录", "llm": "大模型"}[m],
    )
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
if not history:
    st.info("还没有评测记录。")
    st.stop()

ids = [r["run_id"] for r in history]
by_id = {r["run_id"]: r for r in history}


@st.cache_data(show_spinner=False)
def run_k(path: str, run_id: str) -> int | None:
    # k is only in the run's own file; read once per run, not on every rerun.
    try:
        return store.load(path).config.k
    except Exception:
        return None


def run_name(run_id: str) -> str:
    """A run as people tell them apart: date, dataset, answer mode and k (the id last, for reports)."""
    r = by_id[run_id]
    mode = {"extractive": "离线摘录", "llm": "大模型"}.get(r["mode"], r["mode"])
    k = run_k(r["path"], run_id)
    return f"{local_time(r['created_at'])} · {r['dataset']} · {mode} · k={k if k is not None else '?'} · {run_id}"


current = st.session_state.get("eval_run", ids[0])
selected = st.selectbox("查看运行", ids, index=ids.index(current) if current in ids else 0, format_func=run_name)
run = store.load(selected)
folder = Path(next(r["path"] for r in history if r["run_id"] == selected))

st.subheader("总体指标", anchor=False)
shown = [(k, v) for k, v in run.aggregates.items() if v is not None]
for row in range(0, len(shown), 4):
    for column, (key, value) in zip(st.columns(4), shown[row : row + 4], strict=False):
        column.metric(METRIC_NAMES.get(key, key), fmt(value))
st.caption("时延：" + "；".join(f"{k} {v:.1f} ms" for k, v in run.latency.items()))

st.subheader("按题型", anchor=False)
chart = {METRIC_NAMES[m]: {kind: values.get(m) or 0.0 for kind, values in run.by_type.items()} for m in CHART_METRICS}
st.bar_chart(chart, stack=False)

st.subheader("逐题明细", anchor=False)
types = sorted({i.type for i in run.items})
only_failed = st.toggle("只看未通过的题目", value=False)
type_filter = st.multiselect("题型", types, default=types, placeholder="请选择题型")
rows = [
    {
        "编号": i.id,
        "题型": i.type,
        "通过": not i.failed,
        "问题": i.question,
        "要点覆盖率": i.metrics.get("key_fact_coverage"),
        "标准条款引用率": i.metrics.get("gold_cited"),
        "遗漏要点": "；".join(i.missed_facts),
        "回答": i.answer,
        "引用": "；".join(f"[{c.n}]{c.label}{'' if c.verified else '（未核实）'}" for c in i.citations),
    }
    for i in sorted(run.items, key=lambda i: (not i.failed, i.id))
    if i.type in type_filter and (i.failed or not only_failed)
]
st.dataframe(rows, hide_index=True, width="stretch")

downloads = st.columns(4)
for column, (name, mime) in zip(
    downloads,
    [
        ("report.html", "text/html"),
        ("report.md", "text/markdown"),
        ("items.csv", "text/csv"),
        ("run.json", "application/json"),
    ],
    strict=True,
):
    path = folder / name
    if path.is_file():
        column.download_button(f"下载 {name}", path.read_bytes(), file_name=f"{run.run_id}-{name}", mime=mime)

st.subheader("对比两次运行", anchor=False)
if len(ids) < 2:
    st.caption("至少需要两次运行才能对比。")
else:
    a_col, b_col = st.columns(2)
    run_a = a_col.selectbox("运行 A（基线）", ids, index=1, format_func=run_name)
    run_b = b_col.selectbox("运行 B（新）", ids, index=0, format_func=run_name)
    if run_a != run_b:
        comparison = compare_runs(store.load(run_a), store.load(run_b))
        st.dataframe(
            [
                {
                    "指标": METRIC_NAMES.get(d.metric, d.metric),
                    "A": d.a,
                    "B": d.b,
                    "差值": d.delta,
                    "95% 区间": f"[{d.low:+.3f}, {d.high:+.3f}]",
                    "显著": d.significant,
                }
                for d in comparison.deltas
                if d.delta is not None
            ],
            hide_index=True,
            width="stretch",
        )
        st.markdown(f"变好 **{len(comparison.better)}** 题，变差 **{len(comparison.worse)}** 题。")
        for change in comparison.worse:
            st.caption(f"变差：{safe_md(change.id)} {safe_md(change.question)}（{change.a:.2f} → {change.b:.2f}）")
