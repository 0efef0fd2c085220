"""Metrics without the Engine: ``pip install ignite-metrics`` is enough for this script.

It imports only ``torch`` and ``ignite.metrics``: a plain PyTorch training loop calls ``reset()``, ``update()`` and
``compute()`` by hand. No ``ignite.engine`` is needed (ignite-metrics does not depend on it); only
``Metric.attach(engine, name)`` would ask for it.

Run: ``uv run python examples/metrics_without_engine.py [--epochs 3]``
"""

from __future__ import annotations

import argparse

import torch
from torch import nn

from ignite.metrics import Accuracy, ConfusionMatrix, Loss, Precision, Recall


def main() -> None:
    parser = argparse.ArgumentParser(description="Ignite metrics in a plain PyTorch loop.")
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args()

    generator = torch.Generator().manual_seed(0)
    torch.manual_seed(0)
    # Three classes separated by the sign pattern of two features.
    x = torch.randn(1200, 2, generator=generator)
    y = (x[:, 0] > 0).long() + (x[:, 1] > 0).long()
    batches = [(x[i : i + 100], y[i : i + 100]) for i in range(0, len(x), 100)]

    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 3))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    criterion = nn.CrossEntropyLoss()

    accuracy, loss = Accuracy(), Loss(criterion)
    precision, recall = Precision(average=True), Recall(average=True)
    confusion = ConfusionMatrix(num_classes=3)
    metrics = (accuracy, loss, precision, recall, confusion)

    for epoch in range(1, args.epochs + 1):
        for metric in metrics:
            metric.reset()
        for inputs, targets in batches:
            optimizer.zero_grad()
            logits = model(inputs)
            criterion(logits, targets).backward()
            optimizer.step()
            for metric in metrics:
                # Every metric takes the (y_pred, y) pair the model produced.
                metric.update((logits.detach(), targets))
        print(
            f"epoch {epoch}: accuracy {accuracy.compute():.4f} loss {loss.compute():.4f} "
            f"precision {precision.compute():.4f} recall {recall.compute():.4f}"
        )
    print("confusion matrix of the last epoch:")
    print(confusion.compute().long())


if __name__ == "__main__":
    main()
