"""policy-assistant eval: check, run, compare, gate, history, feedback export."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from assistant.atomic import write_text_atomic
from assistant.errors import UserError
from assistant.evals.compare import compare_runs
from assistant.evals.datasets import Dataset, check_dataset, dataset_corpus, dataset_meta, load_dataset
from assistant.evals.feedback_export import NEEDS_REVIEW, feedback_drafts
from assistant.evals.goldcheck import check_against_corpus
from assistant.evals.report import fmt, metric_label, summary_rows
from assistant.evals.runs import RunStore, evaluate, gate, gate_against_baseline, parse_thresholds
from assistant.feedback import feedback_store
from assistant.service import PolicyAssistant

if TYPE_CHECKING:
    from assistant.cli import Context


@click.group("eval")
def eval_group() -> None:
    """评测：数据集校验、运行、对比、门禁。"""


_CORPUS_HELP = "数据集对应的文档目录（默认取数据集旁 .meta.json 中的 corpus，否则用已建索引）。"


def _gate_dataset_problems(parsed: Dataset) -> list[str]:
    """Feedback drafts carry a needs-review note until an evaluator has checked them."""
    return [
        f"第 {parsed.rows[i.id]} 行（{i.id}）：反馈草稿尚未复核，请核对后删去备注中的“{NEEDS_REVIEW}”"
        for i in parsed.items
        if NEEDS_REVIEW in i.note
    ]


@eval_group.command("check")
@click.argument("dataset", type=click.Path(path_type=Path))
@click.option("--corpus", type=click.Path(path_type=Path), help=_CORPUS_HELP)
@click.option("--gate", "for_gate", is_flag=True, help="门禁用数据集：未复核的反馈草稿也算问题。")
@click.pass_obj
def check(context: Context, dataset: Path, corpus: Path | None, for_gate: bool) -> None:
    """校验数据集：标准条款存在、要点逐字出现在条款中、编号唯一。"""
    parsed = load_dataset(dataset)
    folder = dataset_corpus(dataset, corpus)
    if folder is not None:
        problems = check_against_corpus(parsed, folder)  # parse the folder; no index needed
    else:
        problems = check_dataset(parsed, context.ready().index.clauses)
    for_gate = for_gate or dataset_meta(dataset).gate
    messages = [str(p) for p in problems] + (_gate_dataset_problems(parsed) if for_gate else [])
    if messages:
        for message in messages:
            click.echo(message)
        raise SystemExit(1)
    click.echo(
        f"数据集有效：{len(parsed)} 道题（{len(parsed.items)} 道单题，{len(parsed.conversations)} 组多轮对话）。"
    )


def _assistant_for(context: Context, dataset: Path, corpus: Path | None) -> PolicyAssistant:
    """The assistant over the dataset's own corpus, indexed in its own folder so the user's index is untouched."""
    from assistant.cli import print_sync_report, progress_bar

    folder = dataset_corpus(dataset, corpus)
    if folder is None:
        return context.ready()
    slug = hashlib.sha256(str(folder).encode()).hexdigest()[:12]
    settings = context.settings.model_copy(
        update={"corpus_dir": folder, "data_dir": context.settings.data_dir / "eval-index" / f"{folder.name}-{slug}"}
    )
    assistant = PolicyAssistant(settings)
    with progress_bar() as update:
        report = assistant.ensure_index(update)  # type: ignore[arg-type]
    if report is not None:
        print_sync_report(report)
    return assistant


@eval_group.command("run")
@click.argument("dataset", type=click.Path(path_type=Path))
@click.option("--mode", type=click.Choice(["extractive", "llm"]), default="extractive", help="回答方式。")
@click.option("--k", "k", type=click.IntRange(1, 50), default=5, help="检索条款数。")
@click.option("--repeat", type=click.IntRange(1, 20), default=1, help="每题重复次数（大模型或评审有随机性时）。")
@click.option("--judge", is_flag=True, help="同时用已配置的大模型做评审（可选）。")
@click.option("--out", type=click.Path(path_type=Path), help="运行目录（默认在数据目录的 runs/ 下）。")
@click.option("--corpus", type=click.Path(path_type=Path), help=_CORPUS_HELP)
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出汇总。")
@click.pass_obj
def run(
    context: Context,
    dataset: Path,
    mode: str,
    k: int,
    repeat: int,
    judge: bool,
    out: Path | None,
    corpus: Path | None,
    as_json: bool,
) -> None:
    """运行评测，写出运行目录（配置、逐题结果、汇总、环境、报告）并记入历史。"""
    from rich.progress import Progress as Bar

    from assistant.cli import err

    assistant = _assistant_for(context, dataset, corpus)
    with Bar(console=err, transient=True) as bar:
        task = bar.add_task("评测中", total=None)
        result, folder = evaluate(
            assistant,
            dataset,
            mode,  # type: ignore[arg-type]
            k,
            repeat,
            judge,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
            out=out,
            store_settings=context.settings,
        )
    if as_json:
        click.echo(
            json.dumps(
                {
                    "run_id": result.run_id,
                    "folder": str(folder),
                    "aggregates": result.aggregates,
                    "latency": result.latency,
                    "counts": result.counts,
                },
                ensure_ascii=False,
            )
        )
        return
    click.echo(f"运行 {result.run_id}，结果在 {folder}")
    for label, text in summary_rows(result):
        click.echo(f"  {label:<14} {text}")
    for key, value in result.latency.items():
        click.echo(f"  {key:<16} {value:.1f} ms")
    counts = result.counts
    click.echo(
        f"  未通过 {counts['failed']} / {counts['items']} 题；降级回答 {counts.get('fallbacks', 0)} 题；"
        f"未核实引文 {counts.get('unverified_quotes', 0)} 条；无据论断 {counts.get('unsupported_claims', 0)} 条；"
        f"报告：{folder / 'report.html'}"
    )


@eval_group.command("compare")
@click.argument("run_a")
@click.argument("run_b")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.pass_obj
def compare(context: Context, run_a: str, run_b: str, as_json: bool) -> None:
    """对比两次运行：各指标差值（配对 bootstrap 95% 区间）及变好、变差的题目。"""
    store = RunStore(context.settings)
    first, second = store.load(run_a), store.load(run_b)
    result = compare_runs(first, second, context.settings.evals.min_items_for_significance)
    if as_json:
        click.echo(result.model_dump_json())
        return
    for warning in result.warnings:
        click.echo(f"注意：{warning}")
    click.echo(f"{'指标':<12}{'A':>8}{'B':>8}{'差值':>9}  95% 区间  p 值  n")
    for d in result.deltas:
        if d.delta is None:
            continue
        mark = " *" if d.significant else ""
        label = metric_label(d.metric, first.config.k if first.config.k == second.config.k else None)
        click.echo(
            f"{label:<12}{fmt(d.a):>8}{fmt(d.b):>8}{d.delta:>+9.3f}  [{d.low:+.3f}, {d.high:+.3f}]"
            f"  {fmt(d.p_value)}  {d.n}{mark}"
        )
    click.echo(f"* 表示 95% 区间不含 0 且配对题目不少于 {context.settings.evals.min_items_for_significance} 道。")
    for title, changes in (("变好", result.better), ("变差", result.worse)):
        ids = {c.id for c in changes}
        click.echo(f"{title}：{len(ids)} 题，{len(changes)} 项指标")
        for change in changes:
            click.echo(
                f"  {change.id} {change.question}（{metric_label(change.metric)} {change.a:.2f} → {change.b:.2f}）"
            )


@eval_group.command("gate")
@click.argument("run_ref")
@click.option("--min", "minimums", multiple=True, help="下限，如 key_fact_coverage=0.85（可重复）。")
@click.option("--max", "maximums", multiple=True, help="上限，如 false_refusal=0.05、fallback_rate=0（可重复）。")
@click.option("--baseline", help="基线运行（编号或目录），与 --max-drop 一起使用。")
@click.option(
    "--max-drop", "max_drops", multiple=True, help="相对基线的最大回退，如 key_fact_coverage=0.02（可重复）。"
)
@click.pass_obj
def gate_command(
    context: Context,
    run_ref: str,
    minimums: tuple[str, ...],
    maximums: tuple[str, ...],
    baseline: str | None,
    max_drops: tuple[str, ...],
) -> None:
    """门禁：任一阈值或回退上限不满足时以非零状态退出（供 CI 使用）。"""
    store = RunStore(context.settings)
    run_result = store.load(run_ref)
    if max_drops and not baseline:
        raise UserError("--max-drop 需要同时给出 --baseline 基线运行。")
    failures = gate(run_result, parse_thresholds(minimums), parse_thresholds(maximums))
    if baseline:
        failures += gate_against_baseline(run_result, store.load(baseline), parse_thresholds(max_drops))
    if failures:
        for failure in failures:
            click.echo(f"未通过：{failure}")
        sys.exit(1)
    click.echo(f"通过：{run_result.run_id} 满足全部 {len(minimums) + len(maximums) + len(max_drops)} 个条件。")


@eval_group.command("history")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.pass_obj
def history(context: Context, as_json: bool) -> None:
    """列出评测运行历史。"""
    rows = RunStore(context.settings).history()
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    for row in rows:
        coverage = row["aggregates"].get("key_fact_coverage")
        config = row.get("config") or {}
        judge = "有评审" if config.get("judge") else "无评审"
        click.echo(
            f"{row['run_id']}  {row['dataset']}  {row['mode']}  k={config.get('k', '?')}  重复 {config.get('repeat', '?')}"
            f"  {judge}  要点覆盖率 {fmt(coverage)}  {row['git_revision'][:12]}"
        )


@eval_group.command("export-feedback")
@click.option("--out", type=click.Path(path_type=Path), required=True, help="输出的 JSONL 文件。")
@click.pass_obj
def export_feedback(context: Context, out: Path) -> None:
    """把“有问题”的反馈导出为待完善的评测题（JSONL）。"""
    drafts = feedback_drafts(feedback_store(context.settings).all())
    if not drafts:
        raise UserError("还没有“有问题”的反馈可导出。")
    write_text_atomic(out, "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in drafts))
    click.echo(
        f"已导出 {len(drafts)} 条草稿到 {out}；草稿都标为“{NEEDS_REVIEW}”，请补全 key_facts、核对 gold_clauses "
        f"并删去该标记后用 eval check 校验。"
    )
