"""policy-assistant eval: check, run, compare, gate, history, feedback export."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from assistant.atomic import write_text_atomic
from assistant.errors import UserError
from assistant.evals.compare import compare_runs
from assistant.evals.datasets import check_dataset, load_dataset
from assistant.evals.report import METRIC_NAMES, fmt
from assistant.evals.runs import RunStore, evaluate, gate, parse_thresholds
from assistant.feedback import feedback_store

if TYPE_CHECKING:
    from assistant.cli.context import Context


@click.group("eval")
def eval_group() -> None:
    """评测：数据集校验、运行、对比、门禁。"""


@eval_group.command("check")
@click.argument("dataset", type=click.Path(path_type=Path))
@click.pass_obj
def check(context: Context, dataset: Path) -> None:
    """校验数据集：标准条款存在、要点逐字出现在条款中、编号唯一。"""
    assistant = context.ready()
    parsed = load_dataset(dataset)
    problems = check_dataset(parsed, assistant.index.clauses)
    if problems:
        for problem in problems:
            click.echo(str(problem))
        raise SystemExit(1)
    click.echo(
        f"数据集有效：{len(parsed)} 道题（{len(parsed.items)} 道单题，{len(parsed.conversations)} 组多轮对话）。"
    )


@eval_group.command("run")
@click.argument("dataset", type=click.Path(path_type=Path))
@click.option("--mode", type=click.Choice(["extractive", "llm"]), default="extractive", help="回答方式。")
@click.option("--k", "k", type=click.IntRange(1, 50), default=5, help="检索条款数。")
@click.option("--repeat", type=click.IntRange(1, 20), default=1, help="每题重复次数（大模型或评审有随机性时）。")
@click.option("--judge", is_flag=True, help="同时用已配置的大模型做评审（可选）。")
@click.option("--out", type=click.Path(path_type=Path), help="运行目录（默认在数据目录的 runs/ 下）。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出汇总。")
@click.pass_obj
def run(
    context: Context, dataset: Path, mode: str, k: int, repeat: int, judge: bool, out: Path | None, as_json: bool
) -> None:
    """运行评测，写出运行目录（配置、逐题结果、汇总、环境、报告）并记入历史。"""
    from rich.progress import Progress as Bar

    from assistant.cli.context import err

    assistant = context.ready()
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
    for key, value in result.aggregates.items():
        click.echo(f"  {METRIC_NAMES.get(key, key):<10} {fmt(value)}")
    for key, value in result.latency.items():
        click.echo(f"  {key:<16} {value:.1f} ms")
    click.echo(f"  未通过 {result.counts['failed']} / {result.counts['items']} 题；报告：{folder / 'report.html'}")


@eval_group.command("compare")
@click.argument("run_a")
@click.argument("run_b")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.pass_obj
def compare(context: Context, run_a: str, run_b: str, as_json: bool) -> None:
    """对比两次运行：各指标差值（配对 bootstrap 95% 区间）及变好、变差的题目。"""
    store = RunStore(context.settings)
    result = compare_runs(store.load(run_a), store.load(run_b))
    if as_json:
        click.echo(result.model_dump_json())
        return
    click.echo(f"{'指标':<12}{'A':>8}{'B':>8}{'差值':>9}  95% 区间")
    for d in result.deltas:
        if d.delta is None:
            continue
        mark = " *" if d.significant else ""
        click.echo(
            f"{METRIC_NAMES.get(d.metric, d.metric):<12}{fmt(d.a):>8}{fmt(d.b):>8}{d.delta:>+9.3f}  [{d.low:+.3f}, {d.high:+.3f}]{mark}"
        )
    for title, changes in (("变好", result.better), ("变差", result.worse)):
        click.echo(f"{title}：{len(changes)} 题")
        for change in changes:
            click.echo(f"  {change.id} {change.question}（{change.metric} {change.a:.2f} → {change.b:.2f}）")


@eval_group.command("gate")
@click.argument("run_ref")
@click.option("--min", "minimums", multiple=True, help="下限，如 key_fact_coverage=0.85（可重复）。")
@click.option("--max", "maximums", multiple=True, help="上限，如 false_refusal=0.05（可重复）。")
@click.pass_obj
def gate_command(context: Context, run_ref: str, minimums: tuple[str, ...], maximums: tuple[str, ...]) -> None:
    """门禁：任一阈值不满足时以非零状态退出（供 CI 使用）。"""
    run_result = RunStore(context.settings).load(run_ref)
    failures = gate(run_result, parse_thresholds(minimums), parse_thresholds(maximums))
    if failures:
        for failure in failures:
            click.echo(f"未通过：{failure}")
        sys.exit(1)
    click.echo(f"通过：{run_result.run_id} 满足全部 {len(minimums) + len(maximums)} 个阈值。")


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
        click.echo(
            f"{row['run_id']}  {row['dataset']}  {row['mode']}  要点覆盖率 {fmt(coverage)}  {row['git_revision'][:12]}"
        )


@eval_group.command("export-feedback")
@click.option("--out", type=click.Path(path_type=Path), required=True, help="输出的 JSONL 文件。")
@click.pass_obj
def export_feedback(context: Context, out: Path) -> None:
    """把“有问题”的反馈导出为待完善的评测题（JSONL）。"""
    records = [r for r in feedback_store(context.settings).all() if r.rating == "down"]
    if not records:
        raise UserError("还没有“有问题”的反馈可导出。")
    lines = []
    for record in records:
        draft = {
            "id": f"fb-{record.answer_id[:12]}",
            "question": record.question,
            "answerable": not record.refused,
            "gold_clauses": list(dict.fromkeys(str(c["clause"]) for c in record.citations)),
            "key_facts": [],
            "type": "lookup",
            "note": f"来自用户反馈：{'、'.join(record.reasons) or '未选原因'}；{record.comment}".rstrip("；"),
        }
        lines.append(json.dumps(draft, ensure_ascii=False))
    write_text_atomic(out, "\n".join(lines) + "\n")
    click.echo(f"已导出 {len(lines)} 条草稿到 {out}；请补全 key_facts 并核对 gold_clauses 后用 eval check 校验。")


def register(cli: click.Group) -> None:
    cli.add_command(eval_group)
