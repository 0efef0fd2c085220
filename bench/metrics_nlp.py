"""Throughput of the text metrics of ignite-metrics: sentences/s of ``update`` on every batch plus one ``compute``.

Prints JSON. Cases: Bleu (4-grams) macro and micro on ``--sentences`` generated sentences with 1 to 4 references
each, and CharacterErrorRate on as many generated strings. Each case is the best of ``--repeats`` runs, on CPU with
one thread.

Anchors, in the same run: torchmetrics when importable (``uv run --with torchmetrics python bench/metrics_nlp.py``):
``BLEUScore`` is corpus BLEU (our ``average="micro"``; it has no sentence average) and ``CharErrorRate``; and
PyTorch-Ignite through ``--anchor-python PATH`` (see tools/anchor), whose venv runs this script with
``--only-ignite``. Ratios above 1 mean we are faster than the anchor.

Usage: ``uv run python bench/metrics_nlp.py [--sentences N] [--batch-size B] [--repeats R] [--anchor-python PATH]``
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import platform
import random
import subprocess
import time
from collections.abc import Callable
from typing import Any

import torch

from ignite.metrics.nlp import Bleu, CharacterErrorRate


def _best(fn: Callable[[], Any], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def _run_metric(make: Callable[[], Any], batches: list[Any]) -> Callable[[], Any]:
    def run() -> Any:
        metric = make()
        for batch in batches:
            metric.update(batch)
        return metric.compute()

    return run


def _data(n_sentences: int, batch_size: int, seed: int = 0) -> dict[str, list[Any]]:
    rng = random.Random(seed)
    # A Zipf-like vocabulary: frequent words make n-gram matches of every order, as in real text.
    vocabulary = [f"w{i}" for i in range(2000)]
    weights = [1.0 / (rank + 1) for rank in range(len(vocabulary))]

    def sentence() -> list[str]:
        return rng.choices(vocabulary, weights, k=rng.randint(5, 30))

    def noisy(tokens: list[str]) -> list[str]:
        return [t if rng.random() < 0.7 else rng.choices(vocabulary, weights)[0] for t in tokens]

    tokens, chars = [], []
    for start in range(0, n_sentences, batch_size):
        size = min(batch_size, n_sentences - start)
        references = [[sentence() for _ in range(rng.randint(1, 4))] for _ in range(size)]
        candidates = [noisy(refs[0]) for refs in references]
        tokens.append((candidates, references))
        chars.append(([" ".join(c) for c in candidates], [" ".join(refs[0]) for refs in references]))
    return {"tokens": tokens, "chars": chars}


class _TorchmetricsText:
    """torchmetrics' text metrics take strings: join the tokens once, outside the timed loop."""

    def __init__(self, metric: Any) -> None:
        self.metric = metric

    def update(self, batch: Any) -> None:
        self.metric.update(*batch)

    def compute(self) -> Any:
        return self.metric.compute()


def _as_strings(batches: list[Any]) -> list[Any]:
    return [
        ([" ".join(c) for c in cands], [[" ".join(r) for r in refs] for refs in all_refs])
        for cands, all_refs in batches
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sentences", type=int, default=10_000)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--anchor-python", help="python of a venv with pytorch-ignite, measured in the same run")
    parser.add_argument("--only-ignite", action="store_true", help="measure only the ignite.metrics classes")
    args = parser.parse_args()
    torch.set_num_threads(1)
    data = _data(args.sentences, args.batch_size)
    cases: list[tuple[str, str, Callable[[], Any]]] = [
        ("Bleu(4, macro)", "tokens", lambda: Bleu(ngram=4, average="macro")),
        ("Bleu(4, micro)", "tokens", lambda: Bleu(ngram=4, average="micro")),
        ("Bleu(4, smooth1, macro)", "tokens", lambda: Bleu(ngram=4, smooth="smooth1", average="macro")),
        ("CharacterErrorRate", "chars", CharacterErrorRate),
    ]
    if args.only_ignite:
        print(
            json.dumps(
                {name: args.sentences / _best(_run_metric(make, data[k]), args.repeats) for name, k, make in cases}
            )
        )
        return

    torchmetrics: dict[str, tuple[Callable[[], Any], list[Any]]] = {}
    has_torchmetrics = importlib.util.find_spec("torchmetrics") is not None
    if has_torchmetrics:
        from torchmetrics import text

        torchmetrics["Bleu(4, micro)"] = (
            lambda: _TorchmetricsText(text.BLEUScore(n_gram=4)),
            _as_strings(data["tokens"]),
        )
        torchmetrics["CharacterErrorRate"] = (lambda: _TorchmetricsText(text.CharErrorRate()), data["chars"])
    anchor: dict[str, float] = {}
    if args.anchor_python:
        command = [args.anchor_python, __file__, "--only-ignite", "--sentences", str(args.sentences)]
        command += ["--batch-size", str(args.batch_size), "--repeats", str(args.repeats)]
        anchor = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)

    results = []
    for name, kind, make in cases:
        ours = args.sentences / _best(_run_metric(make, data[kind]), args.repeats)
        row: dict[str, Any] = {
            "metric": name,
            "sentences": args.sentences,
            "ignite_metrics_sentences_per_s": round(ours),
        }
        if name in torchmetrics:
            tm_make, tm_batches = torchmetrics[name]
            theirs = args.sentences / _best(_run_metric(tm_make, tm_batches), args.repeats)
            row["torchmetrics_sentences_per_s"] = round(theirs)
            row["speedup_vs_torchmetrics"] = round(ours / theirs, 3)
            row["torchmetrics_value"] = float(_run_metric(tm_make, tm_batches)())
        if name in anchor:
            row["pytorch_ignite_sentences_per_s"] = round(anchor[name])
            row["speedup_vs_pytorch_ignite"] = round(ours / anchor[name], 3)
        row["value"] = float(_run_metric(make, data[kind])())
        results.append(row)
    report = {
        "benchmark": "metrics_nlp",
        "sentences": args.sentences,
        "batch_size": args.batch_size,
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "python": platform.python_version(),
        "torchmetrics": "measured" if has_torchmetrics else "not installed",
        "pytorch_ignite": "measured" if anchor else "not given (--anchor-python)",
        "results": results,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
