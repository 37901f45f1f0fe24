"""Run reports: self-contained HTML (tables, per-type bar charts, per-item drill-down), Markdown and CSV."""

from __future__ import annotations

import csv
import io
import json
from html import escape
from typing import TYPE_CHECKING

from assistant.evals.runner import JUDGE_METRICS, RunResult

if TYPE_CHECKING:
    from assistant.evals.compare import Comparison, SideBySide
    from assistant.evals.review import ReviewedFigures

METRIC_NAMES = {
    "recall@k": "召回率@k",
    "hit@1": "首位命中率",
    "article_lookup_hit@1": "按条号查询首位命中率",
    "mrr": "MRR@k",
    "ndcg@k": "nDCG@k",
    "gold_cited": "标准条款引用率",
    "citation_precision": "引用精确率",
    "quotes_verified": "引文核实率（按回答）",
    "quotes_verified_all": "引文核实率（按引文）",
    "groundedness": "论断有据率（按回答）",
    "groundedness_all": "论断有据率（按论断）",
    "unsupported_claims": "无据论断数（每答）",
    "key_fact_coverage": "要点覆盖率",
    "token_f1": "词级 F1",
    "refusal_correct": "拒答准确率",
    "false_refusal": "误拒率",
    "fallback_rate": "降级回答比例",
    "judge_correctness": "评审：正确性",
    "judge_faithfulness": "评审：忠实度",
    "judge_failure_rate": "评审失败比例",
    "total_p50_ms": "总用时 p50（毫秒）",
    "total_p95_ms": "总用时 p95（毫秒）",
    "prompt_tokens_per_item": "每题输入 token",
    "completion_tokens_per_item": "每题输出 token",
}
NOTES = {
    "citation_precision": "未引用任何条款的回答按 0 计（ALCE 口径）",
    "fallback_rate": "降级回答（请求的模式未能作答）不计入本模式的各项指标",
}
CHART_METRICS = ("key_fact_coverage", "gold_cited", "citation_precision", "recall@k")


def fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def metric_label(key: str, k: int | None = None) -> str:
    """The Chinese name of a metric, with its actual cut-off: 召回率@5, MRR@5."""
    name = METRIC_NAMES.get(key, key)
    return name.replace("@k", f"@{k}") if k is not None else name


def summary_rows(run: RunResult) -> list[tuple[str, str]]:
    """(label, value) for every aggregate; judge figures carry n valid / n failed, withheld ones say why."""
    counts = run.counts
    judge_note = f"（有效 {counts.get('judge_valid', 0)}，失败 {counts.get('judge_failures', 0)}）"
    rows = []
    for key, value in run.aggregates.items():
        text = fmt(value)
        if key in ("judge_correctness", "judge_faithfulness") and run.config.judge:
            if value is None and counts.get("judge_failures"):
                text = "不报告：有效评审不足"
            text += judge_note
        if key == "fallback_rate":
            text += f"（{counts.get('fallbacks', 0)} / {counts.get('items', 0)} 题）"
        if key in NOTES:
            text += f"；{NOTES[key]}"
        rows.append((metric_label(key, run.config.k), text))
    return rows


def _bars(run: RunResult, metric: str) -> str:
    """An inline SVG bar chart of one metric per question type (no scripts, no external assets)."""
    rows = [(t, value) for t, v in sorted(run.by_type.items()) if (value := v.get(metric)) is not None]
    if not rows:
        return ""
    height = 26 * len(rows) + 10
    parts = [f'<svg role="img" width="420" height="{height}" aria-label="{escape(METRIC_NAMES[metric])}">']
    for n, (kind, value) in enumerate(rows):
        y = 5 + n * 26
        width = int(260 * value)
        parts.append(f'<text x="0" y="{y + 15}" font-size="12">{escape(kind)}</text>')
        parts.append(f'<rect x="110" y="{y}" width="{width}" height="18" fill="#b71c1c"></rect>')
        parts.append(f'<text x="{115 + width}" y="{y + 14}" font-size="12">{value:.2f}</text>')
    parts.append("</svg>")
    return "".join(parts)


def render_html(run: RunResult) -> str:
    c = run.config
    head = f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>评测报告 {escape(run.run_id)}</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:1100px}}table{{border-collapse:collapse;margin:1em 0}}
td,th{{border:1px solid #ccc;padding:4px 8px;font-size:13px;text-align:left}}th{{background:#f5f5f5}}
.fail{{background:#fff3f3}}details{{margin:4px 0}}.charts{{display:flex;flex-wrap:wrap;gap:2em}}
.ok{{color:#1b5e20}}.bad{{color:#b71c1c}}</style></head><body>"""
    body = [
        head,
        f"<h1>评测报告</h1><p>运行 {escape(run.run_id)} · 数据集 {escape(c.dataset)} · 模式 {escape(c.mode)} · "
        f"k={c.k} · 重复 {c.repeat} 次 · {escape(run.created_at)} · 代码版本 {escape(str(run.environment.get('git_revision')))}</p>",
        "<h2>总体指标</h2><table><tr><th>指标</th><th>数值</th></tr>",
    ]
    for label, text in summary_rows(run):
        body.append(f"<tr><td>{escape(label)}</td><td>{escape(text)}</td></tr>")
    body.append("</table><h2>时延</h2><table><tr><th>阶段</th><th>毫秒</th></tr>")
    for key, value in run.latency.items():
        body.append(f"<tr><td>{escape(key)}</td><td>{value:.1f}</td></tr>")
    body.append("</table><h2>按题型</h2><div class='charts'>")
    for metric in CHART_METRICS:
        chart = _bars(run, metric)
        if chart:
            body.append(f"<div><h3>{escape(METRIC_NAMES[metric])}</h3>{chart}</div>")
    body.append("</div><table><tr><th>题型</th>")
    body += [f"<th>{escape(METRIC_NAMES[m])}</th>" for m in METRIC_NAMES]
    body.append("</tr>")
    for kind, values in sorted(run.by_type.items()):
        body.append(
            f"<tr><td>{escape(kind)}</td>" + "".join(f"<td>{fmt(values.get(m))}</td>" for m in METRIC_NAMES) + "</tr>"
        )
    body.append("</table><h2>逐题明细（未通过的在前）</h2>")
    for item in sorted(run.items, key=lambda i: (not i.failed, i.id)):
        status = "<span class='bad'>未通过</span>" if item.failed else "<span class='ok'>通过</span>"
        body.append(
            f"<details class='{'fail' if item.failed else ''}'><summary>{status} {escape(item.id)} "
            f"[{escape(item.type)}] {escape(item.question)}</summary>"
        )
        if item.standalone_question != item.question:
            body.append(f"<p>检索问题：{escape(item.standalone_question)}</p>")
        body.append(
            f"<p><b>回答</b>（{'拒答' if item.refused else escape(item.mode)}{'，降级' if item.fallback else ''}）：</p><pre style='white-space:pre-wrap'>{escape(item.answer)}</pre>"
        )
        if item.notice:
            body.append(f"<p>提示：{escape(item.notice)}</p>")
        body.append(
            f"<p>标准条款：{escape('、'.join(item.gold_clauses) or '—')}；检索到：{escape('、'.join(item.retrieved))}</p>"
        )
        if item.citations:
            body.append(
                "<ul>"
                + "".join(
                    f"<li>[{cit.n}] {escape(cit.label)} {'✔' if cit.verified else '✘ 未核实'}：“{escape(cit.quote)}”</li>"
                    for cit in item.citations
                )
                + "</ul>"
            )
        if item.judge_reasons:
            body.append(f"<p>评审理由：{escape('；'.join(item.judge_reasons))}</p>")
        if item.missed_facts:
            body.append(f"<p class='bad'>遗漏要点：{escape('；'.join(item.missed_facts))}</p>")
        metrics = "；".join(
            f"{escape(METRIC_NAMES.get(k, k))} {fmt(v)}" for k, v in item.metrics.items() if v is not None
        )
        body.append(f"<p>{metrics}</p></details>")
    body.append("</body></html>")
    return "\n".join(body)


def render_markdown(run: RunResult) -> str:
    c = run.config
    lines = [
        f"# 评测报告 {run.run_id}",
        "",
        f"数据集 {c.dataset}，模式 {c.mode}，k={c.k}，重复 {c.repeat} 次，代码版本 {run.environment.get('git_revision')}。",
        "",
        "| 指标 | 数值 |",
        "|---|---|",
    ]
    lines += [f"| {label} | {text} |" for label, text in summary_rows(run)]
    lines += ["", "| 时延 | 毫秒 |", "|---|---|"] + [f"| {k} | {v:.1f} |" for k, v in run.latency.items()]
    lines += ["", "## 按题型", "", "| 题型 | " + " | ".join(METRIC_NAMES[m] for m in CHART_METRICS) + " |"]
    lines.append("|---|" + "---|" * len(CHART_METRICS))
    for kind, values in sorted(run.by_type.items()):
        lines.append(f"| {kind} | " + " | ".join(fmt(values.get(m)) for m in CHART_METRICS) + " |")
    failed = [i for i in run.items if i.failed]
    lines += ["", f"## 未通过的题目（{len(failed)}）", ""]
    for item in failed:
        missed = "；".join(item.missed_facts) or ("应拒答" if not item.answerable else "—")
        lines.append(f"- {item.id} [{item.type}] {item.question} — 遗漏：{missed}")
    return "\n".join(lines) + "\n"


def render_csv(run: RunResult) -> str:
    buffer = io.StringIO()
    metric_keys = list(METRIC_NAMES)
    writer = csv.writer(buffer)
    writer.writerow(
        [
            "id",
            "type",
            "question",
            "answerable",
            "refused",
            "failed",
            *metric_keys,
            "missed_facts",
            "citations",
            "total_ms",
        ]
    )
    for item in run.items:
        writer.writerow(
            [item.id, item.type, item.question, item.answerable, item.refused, item.failed]
            + [fmt(item.metrics.get(k)) for k in metric_keys]
            + [
                "；".join(item.missed_facts),
                json.dumps([c.model_dump() for c in item.citations], ensure_ascii=False),
                f"{item.latency_ms.get('total_ms', 0):.1f}",
            ]
        )
    return buffer.getvalue()


TYPE_NAMES = {
    "lookup": "一般查询",
    "article_lookup": "按条号查询",
    "named_document": "指名文件",
    "number_date": "数字与日期",
    "list": "列举",
    "paraphrase": "换种说法",
    "multi_clause": "跨条款",
    "unanswerable": "不可回答",
    "multi_turn": "多轮追问",
}
PASS_RATE = "通过率"


def type_name(kind: str) -> str:
    """A question type in Chinese; an unknown type is shown as given."""
    return TYPE_NAMES.get(kind, kind)


def reviewed_rows(run: RunResult, figures: ReviewedFigures) -> list[tuple[str, str, str]]:
    """(label, raw, reviewed) for the pass rate and every aggregate.

    The raw column is summary_rows' text (judge n valid / n failed, fallback count, notes); the reviewed
    judge figures carry the counts after review, where a human verdict counts as a valid one.
    """
    judge_note = f"（有效 {figures.judge_valid}，失败 {figures.judge_failures}）"
    rows = [(PASS_RATE, fmt(figures.raw.get("pass_rate")), fmt(figures.reviewed.get("pass_rate")))]
    for (label, raw), key in zip(summary_rows(run), run.aggregates, strict=True):
        reviewed = fmt(figures.reviewed.get(key))
        if key in ("judge_correctness", "judge_faithfulness") and run.config.judge:
            if figures.reviewed.get(key) is None and figures.judge_failures:
                reviewed = "不报告：有效评审不足"
            reviewed += judge_note
        rows.append((label, raw, reviewed))
    return rows


def latency_rows(runs: list[RunResult]) -> list[dict[str, str]]:
    """Per item, its total latency in each run (ms); "—" where a run lacks the item."""
    order = list(dict.fromkeys(i.id for r in runs for i in r.items))
    by_run = [{i.id: i.latency_ms.get("total_ms") for i in r.items} for r in runs]
    rows = []
    for item_id in order:
        row = {"编号": item_id}
        for n, latencies in enumerate(by_run, start=1):
            value = latencies.get(item_id)
            row[f"[{n}] 毫秒"] = "—" if value is None else f"{value:.0f}"
        rows.append(row)
    return rows


def judge_counts(run: RunResult) -> str:
    """n valid / n failed of a run's judge, to stand beside every judge figure."""
    return f"（有效 {run.counts.get('judge_valid', 0)}，失败 {run.counts.get('judge_failures', 0)}）"


def _judged(metric: str, run: RunResult | None) -> str:
    return judge_counts(run) if run is not None and run.config.judge and metric in JUDGE_METRICS else ""


def delta_rows(
    comparison: Comparison, k: int | None, a: RunResult | None = None, b: RunResult | None = None
) -> list[dict[str, str]]:
    """The per-metric comparison table: A, B, difference, interval, p-value, n; "—" where there is nothing."""
    return [
        {
            "指标": metric_label(d.metric, k),
            "A": fmt(d.a) + _judged(d.metric, a),
            "B": fmt(d.b) + _judged(d.metric, b),
            "差值": fmt(d.delta),
            "95% 区间": "—" if d.low is None or d.high is None else f"[{d.low:+.3f}, {d.high:+.3f}]",
            "p 值": fmt(d.p_value),
            "题数": str(d.n),
            "显著": "是" if d.significant else ("题数不足" if d.n < d.min_n else "否"),
        }
        for d in comparison.deltas
    ]


def change_rows(comparison: Comparison, k: int | None) -> list[dict[str, str]]:
    """Every metric that changed on every shared item, by item then metric."""
    changes = [(c, "变好") for c in comparison.better] + [(c, "变差") for c in comparison.worse]
    return [
        {
            "编号": c.id,
            "问题": c.question,
            "指标": metric_label(c.metric, k),
            "A": fmt(c.a),
            "B": fmt(c.b),
            "变化": word,
        }
        for c, word in sorted(changes, key=lambda p: (p[0].id, p[0].metric))
    ]


BEST = " ★"


def side_by_side_rows(table: SideBySide, k: int | None, runs: list[RunResult] | None = None) -> list[dict[str, str]]:
    """One row per metric, one column [n] per run; the best value(s) of each metric end with ★."""
    return [
        {"指标": metric_label(metric, k)}
        | {
            f"[{n}]": fmt(v)
            + _judged(metric, runs[n - 1] if runs else None)
            + (BEST if n - 1 in table.best[metric] else "")
            for n, v in enumerate(values, 1)
        }
        for metric, values in table.rows.items()
    ]
