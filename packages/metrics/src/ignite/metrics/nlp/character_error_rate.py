"""Character error rate: Levenshtein edits per reference character, over a whole corpus."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch

from ignite.exceptions import NotComputableError
from ignite.metrics.metric import _CPU, Metric, _identity

__all__ = ["CharacterErrorRate"]


def edit_distance(reference: str, prediction: str) -> int:
    """Levenshtein distance: the fewest single-character insertions, deletions and substitutions that turn
    ``prediction`` into ``reference``.

    >>> edit_distance("kitten", "sitting")
    3
    """
    if not reference:
        return len(prediction)
    if not prediction:
        return len(reference)
    # Bit-parallel dynamic programming (Myers 1999, Hyyro 2001): one column of the edit-distance table is held as
    # two bit vectors of +1 / -1 vertical steps, so a column costs a handful of integer operations instead of
    # len(reference) Python steps. Python ints give vectors of any length.
    length = len(reference)
    matches: dict[str, int] = {}
    for i, char in enumerate(reference):
        matches[char] = matches.get(char, 0) | (1 << i)
    full = (1 << length) - 1
    top = 1 << (length - 1)
    plus, minus, distance = full, 0, length
    for char in prediction:
        eq = matches.get(char, 0)
        vertical = eq | minus
        horizontal = ((((eq & plus) + plus) & full) ^ plus) | eq
        h_plus = (minus | ~(horizontal | plus)) & full
        h_minus = plus & horizontal
        if h_plus & top:
            distance += 1
        elif h_minus & top:
            distance -= 1
        # The first row of the table grows by one per column: shift a +1 step in at the bottom.
        h_plus = (h_plus << 1) | 1
        h_minus <<= 1
        plus = (h_minus | ~(vertical | h_plus)) & full
        minus = h_plus & vertical & full
    return distance


def _as_batch(name: str, value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Sequence) and all(isinstance(v, str) for v in value):
        return list(value)
    raise TypeError(f"Argument {name} should be a str or a list of str, got {type(value).__name__}")


class CharacterErrorRate(Metric):
    """Character error rate ``(S + D + I) / N``: the Levenshtein edits (substitutions, deletions, insertions)
    between predictions and references, over the ``N`` characters of the references, summed over the corpus.

    Args:
        output_transform, device, skip_unrolling: see :class:`~ignite.metrics.metric.Metric`.

    ``update((y_pred, y))`` takes predicted and reference strings: two lists of the same length, or two strings.
    ``compute()`` returns a float; when the references hold no character at all it is 0.0 without errors and 1.0
    with some.

    >>> m = CharacterErrorRate()
    >>> m.update((["the cat sat on the mat", "hello world"], ["the cat sat on mat", "hello world"]))
    >>> round(m.compute(), 4)
    0.1379
    """

    _num_errors: torch.Tensor
    _num_ref_chars: torch.Tensor
    _num_examples: torch.Tensor

    def __init__(
        self,
        output_transform: Callable[..., Any] = _identity,
        device: str | torch.device = _CPU,
        skip_unrolling: bool = False,
    ) -> None:
        super().__init__(output_transform=output_transform, device=device, skip_unrolling=skip_unrolling)
        self.add_state("_num_errors", torch.tensor(0, dtype=torch.int64), "sum")
        self.add_state("_num_ref_chars", torch.tensor(0, dtype=torch.int64), "sum")
        self.add_state("_num_examples", torch.tensor(0, dtype=torch.int64), "sum")

    def update(self, output: Any) -> None:
        if not isinstance(output, (tuple, list)) or len(output) != 2:
            raise TypeError(f"Argument output should be a pair (y_pred, y), got {type(output).__name__}")
        if isinstance(output[0], str) != isinstance(output[1], str):
            raise TypeError(
                "Arguments y_pred and y should both be a str or both a list of str, "
                f"got {type(output[0]).__name__} and {type(output[1]).__name__}"
            )
        y_pred, y = _as_batch("y_pred", output[0]), _as_batch("y", output[1])
        if len(y_pred) != len(y):
            raise ValueError(f"Arguments y_pred and y should have the same length, got {len(y_pred)} and {len(y)}")
        self._num_errors += sum(edit_distance(ref, pred) for pred, ref in zip(y_pred, y, strict=True))
        self._num_ref_chars += sum(len(ref) for ref in y)
        self._num_examples += len(y)

    def compute(self) -> float:
        if int(self._num_examples) == 0:
            raise NotComputableError("CharacterErrorRate must have at least one example before it can be computed.")
        errors, chars = int(self._num_errors), int(self._num_ref_chars)
        if chars == 0:
            return 0.0 if errors == 0 else 1.0
        return errors / chars
