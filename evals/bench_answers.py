"""Answer quality and latency on a dataset, extractive mode by default.

Usage: .venv/bin/python evals/bench_answers.py [DATASET] [--mode extractive|llm] [--misses] [--no-multiturn]
A dataset whose .meta.json names a corpus (laws_dev.jsonl) is measured on that corpus.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from statistics import mean

from bench_corpus import assistant_for, corpus_of

from assistant.answer.condense import Exchange
from assistant.evals.datasets import load_conversations, load_items
from assistant.evals.metrics import citation_precision, gold_cited, key_fact_coverage, percentile
from assistant.types import clause_key

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("dataset", nargs="?", default=str(HERE / "datasets" / "dev.jsonl"))
    parser.add_argument("--mode", default="extractive", choices=["extractive", "llm"])
    parser.add_argument("--misses", action="store_true", help="print the items that miss")
    parser.add_argument(
        "--multiturn", action=argparse.BooleanOptionalAction, default=None, help="also run multiturn.jsonl"
    )
    args = parser.parse_args()
    if args.multiturn is None:  # the dialogues are about the shipped corpus
        args.multiturn = corpus_of(Path(args.dataset)) is None
    assistant = assistant_for(Path(args.dataset))
    assistant.ask("预热")  # load models before timing
    coverage, cited, precision, verified, latency = [], [], [], [], []
    refused_unanswerable, refused_answerable = [], []
    for item in load_items(Path(args.dataset)):
        answer = assistant.ask(item.question, mode=args.mode)
        latency.append(answer.timings["total_ms"])
        verified += [c.verified for c in answer.citations]
        if not item.answerable:
            refused_unanswerable.append(answer.refused)
            if args.misses and not answer.refused:
                print(f"MISS(should refuse) {item.id} {item.question}\n  {answer.answer[:160]}")
            continue
        refused_answerable.append(answer.refused)
        keys = [clause_key(c.doc_id, c.clause) for c in answer.citations]
        coverage.append(0.0 if answer.refused else key_fact_coverage(answer.answer, item.key_facts))
        cited.append(gold_cited(keys, item.gold_clauses))
        p = citation_precision(keys, item.gold_clauses)
        if p is not None:
            precision.append(p)
        if args.misses and (coverage[-1] < 1 or cited[-1] < 1):
            print(f"MISS {item.id} [{item.type}] {item.question} gold={item.gold_clauses} cov={coverage[-1]:.2f}")
            print(f"  facts={item.key_facts}\n  answer={answer.answer[:300]}")
    print(f"dataset: {Path(args.dataset).name}, mode: {args.mode}")
    print(f"key-fact coverage        {mean(coverage):.3f}  ({len(coverage)} answerable)")
    print(f"gold clause cited        {mean(cited):.3f}")
    print(f"citation precision       {mean(precision):.3f}")
    print(f"quotes verified          {mean(verified) if verified else float('nan'):.3f}  ({len(verified)} quotes)")
    if refused_unanswerable:
        print(f"refusal accuracy         {mean(refused_unanswerable):.3f}  ({len(refused_unanswerable)} unanswerable)")
    print(f"false refusals           {mean(refused_answerable):.3f}")
    print(f"answer latency           p50 {percentile(latency, 50):.1f} ms, p95 {percentile(latency, 95):.1f} ms")

    turns_coverage, turns_cited = [], []
    conversations = load_conversations(HERE / "datasets" / "multiturn.jsonl") if args.multiturn else []
    for conversation in conversations:
        history: list[Exchange] = []
        for turn in conversation.turns:
            answer = assistant.ask(turn.question, history=history, mode=args.mode)
            history.append(Exchange(turn.question, answer.standalone_question, answer.answer))
            turns_coverage.append(0.0 if answer.refused else key_fact_coverage(answer.answer, turn.key_facts))
            turns_cited.append(
                gold_cited([clause_key(c.doc_id, c.clause) for c in answer.citations], turn.gold_clauses)
            )
            if args.misses and turns_cited[-1] < 1:
                print(
                    f"MT-MISS {conversation.id} {turn.question} -> {answer.standalone_question} gold={turn.gold_clauses}"
                )
    if not turns_cited:
        return
    print(
        f"multi-turn: key-fact coverage {mean(turns_coverage):.3f}, gold clause cited {mean(turns_cited):.3f} ({len(turns_cited)} turns)"
    )


if __name__ == "__main__":
    main()
