"""Counting helpers shared by the NLP metrics: n-grams, longest common subsequence, BLEU's clipped precision.

Tokens may be any hashable items (usually strings). These are plain-Python functions: the text metrics spend their
time in hashing and counting, which tensors do not speed up.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

__all__ = ["lcs", "modified_precision", "ngrams"]


def ngrams(sequence: Sequence[Any], n: int) -> Counter[tuple[Any, ...]]:
    """Count the n-grams (tuples of ``n`` consecutive items) of ``sequence``.

    >>> sorted(ngrams(["a", "b", "a", "b"], 2).items())
    [(('a', 'b'), 2), (('b', 'a'), 1)]
    >>> ngrams(["a"], 2)
    Counter()
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"Argument n should be a positive int, got {n!r}")
    return _count_ngrams(sequence, n)


def _count_ngrams(sequence: Sequence[Any], n: int) -> Counter[tuple[Any, ...]]:
    # zip over shifted views stops at the shortest one: exactly the len - n + 1 windows, none when too short.
    return Counter(zip(*(sequence[i:] for i in range(n)), strict=False))


def lcs(seq_a: Sequence[Any], seq_b: Sequence[Any]) -> int:
    """Length of the longest common subsequence of ``seq_a`` and ``seq_b`` (items compared with ``==``).

    >>> lcs("the cat sat".split(), "the black cat sat down".split())
    3
    """
    if len(seq_b) > len(seq_a):
        seq_a, seq_b = seq_b, seq_a
    # One row of the dynamic-programming table over the shorter sequence is enough.
    row = [0] * (len(seq_b) + 1)
    for item in seq_a:
        diagonal = 0
        for j, other in enumerate(seq_b, start=1):
            above = row[j]
            if item == other:
                row[j] = diagonal + 1
            elif row[j - 1] > above:
                row[j] = row[j - 1]
            diagonal = above
    return row[-1]


def modified_precision(references: Sequence[Sequence[Any]], candidate: Sequence[Any], n: int) -> tuple[int, int]:
    """BLEU's clipped n-gram counts of ``candidate`` against ``references``: ``(matches, total)``.

    ``matches`` counts each n-gram of the candidate at most as often as it occurs in any single reference;
    ``total`` is the number of n-grams of the candidate (0 when it is shorter than ``n``). The modified precision
    ``p_n`` is ``matches / total``.

    >>> modified_precision([["the", "cat", "is", "on", "the", "mat"]], ["the"] * 7, 1)
    (2, 7)
    """
    counts = _count_ngrams(candidate, n)
    if len(references) == 1:
        limits: dict[tuple[Any, ...], int] = _count_ngrams(references[0], n)
    else:
        limits = {}
        for reference in references:
            for gram, count in _count_ngrams(reference, n).items():
                if gram in counts and count > limits.get(gram, 0):
                    limits[gram] = count
    matches = 0
    for gram, count in counts.items():
        limit = limits.get(gram, 0)
        matches += count if count < limit else limit
    return matches, sum(counts.values())


def _check_corpus(output: Any) -> tuple[Sequence[Sequence[Any]], Sequence[Sequence[Sequence[Any]]]]:
    """Validate ``(y_pred, y)``: candidates as token sequences, each with a non-empty list of token references."""
    if not isinstance(output, (tuple, list)) or len(output) != 2:
        raise TypeError(f"Argument output should be a pair (y_pred, y), got {type(output).__name__}")
    y_pred, y = output
    for name, value, expected in (
        ("y_pred", y_pred, "a list of candidates, each a list of tokens"),
        ("y", y, "a list of reference lists, each a list of token lists"),
    ):
        if isinstance(value, str) or not isinstance(value, Sequence):
            raise TypeError(f"Argument {name} should be {expected}, got {type(value).__name__}")
    if len(y_pred) != len(y):
        raise ValueError(
            f"Arguments y_pred and y should hold as many candidates as reference lists, got {len(y_pred)} and {len(y)}"
        )
    return y_pred, y


def _check_sentence(index: int, candidate: Any, references: Any) -> None:
    # Called per sentence: a str where a token list is expected would silently be scored character by character.
    if isinstance(candidate, str) or not isinstance(candidate, Sequence):
        raise TypeError(
            f"Argument y_pred[{index}] should be a list of tokens (split the sentence first), "
            f"got {type(candidate).__name__}"
        )
    if isinstance(references, str) or not isinstance(references, Sequence):
        raise TypeError(
            f"Argument y[{index}] should be a list of references (token lists), got {type(references).__name__}"
        )
    if len(references) == 0:
        raise ValueError(f"Argument y[{index}] should hold at least one reference, got an empty list")
    for reference in references:
        if isinstance(reference, str) or not isinstance(reference, Sequence):
            raise TypeError(
                f"Argument y[{index}] should hold references as lists of tokens, got a {type(reference).__name__}"
            )
