"""ROUGE-N and ROUGE-L (Lin 2004): n-gram and longest-common-subsequence overlap, averaged over candidates."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import torch

from ignite.exceptions import NotComputableError
from ignite.metrics.metric import _CPU, Metric, _identity
from ignite.metrics.nlp.utils import _check_corpus, _check_sentence, lcs, ngrams

__all__ = ["Rouge", "RougeL", "RougeN"]

_MULTIREFS = ("average", "best")
_MAX_N = 9


class Score(NamedTuple):
    """Overlap counts of one candidate with one reference: ``match`` items in common out of ``candidate`` and
    ``reference`` items (n-grams for ROUGE-N, tokens for ROUGE-L)."""

    match: int
    candidate: int
    reference: int

    def precision(self) -> float:
        return self.match / self.candidate if self.candidate > 0 else 0.0

    def recall(self) -> float:
        return self.match / self.reference if self.reference > 0 else 0.0


def compute_ngram_scores(candidate: Sequence[Any], reference: Sequence[Any], n: int = 4) -> Score:
    """Clipped co-occurrences of the n-grams of ``candidate`` and ``reference``.

    >>> compute_ngram_scores("the cat is not there".split(), "the cat is on the mat".split(), n=2)
    Score(match=2, candidate=4, reference=5)
    """
    candidate_counts, reference_counts = ngrams(candidate, n), ngrams(reference, n)
    match = sum(
        min(count, reference_counts[gram]) for gram, count in candidate_counts.items() if gram in reference_counts
    )
    return Score(match, sum(candidate_counts.values()), sum(reference_counts.values()))


def compute_lcs_scores(candidate: Sequence[Any], reference: Sequence[Any]) -> Score:
    """Length of the longest common subsequence of ``candidate`` and ``reference``, and their lengths.

    >>> compute_lcs_scores("the cat is not there".split(), "the cat is on the mat".split())
    Score(match=3, candidate=5, reference=6)
    """
    return Score(lcs(candidate, reference), len(candidate), len(reference))


def _check_variant(variant: Any) -> str | int:
    if variant == "L" or (isinstance(variant, int) and not isinstance(variant, bool) and 1 <= variant <= _MAX_N):
        return variant  # type: ignore[no-any-return]
    raise ValueError(f"Argument variants should hold 'L' or ints n with 1 <= n <= {_MAX_N}, got {variant!r}")


class _BaseRouge(Metric):
    """Sums of per-candidate precision, recall and F-measure for each variant, and the number of candidates.

    With several references, ``multiref="average"`` pools the counts of all references before dividing and
    ``"best"`` keeps the reference with the highest recall (the first one on ties). The F-measure is
    ``P * R / ((1 - alpha) * P + alpha * R)`` (0 when P or R is 0): ``alpha = 0`` gives the recall, ``alpha = 1``
    the precision, ``alpha = 0.5`` the harmonic mean.
    """

    _sums: torch.Tensor
    _num_examples: torch.Tensor

    def __init__(
        self,
        variants: Sequence[str | int],
        multiref: str,
        alpha: float,
        output_transform: Callable[..., Any],
        device: str | torch.device,
    ) -> None:
        if multiref not in _MULTIREFS:
            raise ValueError(f"Argument multiref should be one of {_MULTIREFS}, got {multiref!r}")
        if isinstance(alpha, bool) or not isinstance(alpha, (int, float)):
            raise TypeError(f"Argument alpha should be a float in [0, 1], got {type(alpha).__name__}")
        if not 0.0 <= alpha <= 1.0:
            raise ValueError(f"Argument alpha should be a float in [0, 1], got {alpha}")
        self._variants = [_check_variant(v) for v in variants]
        self._multiref = multiref
        self._alpha = float(alpha)
        super().__init__(output_transform=output_transform, device=device)
        # Row v holds the sums of precision, recall and F-measure of variant v.
        self.add_state("_sums", torch.zeros(len(self._variants), 3, dtype=torch.float64), "sum")
        self.add_state("_num_examples", torch.tensor(0, dtype=torch.int64), "sum")

    def _score(self, variant: str | int, candidate: Sequence[Any], reference: Sequence[Any]) -> Score:
        if variant == "L":
            return compute_lcs_scores(candidate, reference)
        assert isinstance(variant, int)
        return compute_ngram_scores(candidate, reference, variant)

    def _reduce(self, scores: list[Score]) -> Score:
        if self._multiref == "best":
            return max(scores, key=Score.recall)
        return Score(*(sum(column) for column in zip(*scores, strict=True)))

    def update(self, output: Any) -> None:
        y_pred, y = _check_corpus(output)
        if not y_pred:
            return
        alpha = self._alpha
        sums = [[0.0, 0.0, 0.0] for _ in self._variants]
        for index, (candidate, references) in enumerate(zip(y_pred, y, strict=True)):
            _check_sentence(index, candidate, references)
            for row, variant in zip(sums, self._variants, strict=True):
                score = self._reduce([self._score(variant, candidate, reference) for reference in references])
                precision, recall = score.precision(), score.recall()
                row[0] += precision
                row[1] += recall
                if precision * recall > 0:
                    row[2] += precision * recall / ((1.0 - alpha) * precision + alpha * recall)
        self._sums += torch.tensor(sums, dtype=torch.float64, device=self._device)
        self._num_examples += len(y_pred)

    def compute(self) -> dict[str, float]:
        n = int(self._num_examples)
        if n == 0:
            raise NotComputableError(
                f"{type(self).__name__} must have at least one candidate before it can be computed."
            )
        means = (self._sums / n).tolist()
        result: dict[str, float] = {}
        for variant, (precision, recall, fmeasure) in zip(self._variants, means, strict=True):
            result[f"Rouge-{variant}-P"] = precision
            result[f"Rouge-{variant}-R"] = recall
            result[f"Rouge-{variant}-F"] = fmeasure
        return result


class RougeN(_BaseRouge):
    """ROUGE-N: overlap of the n-grams of each candidate with its references, averaged over candidates.

    Args:
        ngram: the n-gram order ``n`` (1 to 9).
        multiref: ``"average"`` or ``"best"``, see below.
        alpha: weight of precision against recall in the F-measure, in ``[0, 1]``.
        output_transform, device: see :class:`~ignite.metrics.metric.Metric`.

    ``update((y_pred, y))`` takes a list of candidates (each a list of tokens) and, for each, a list of references
    (each a list of tokens). ``compute()`` returns ``{"Rouge-n-P": ..., "Rouge-n-R": ..., "Rouge-n-F": ...}``.
    With several references, ``multiref="average"`` pools the counts of all references and ``"best"`` keeps the
    reference with the highest recall. The F-measure is ``P * R / ((1 - alpha) * P + alpha * R)``.

    >>> m = RougeN(ngram=2, multiref="best")
    >>> candidate = "the cat is not there".split()
    >>> references = ["the cat is on the mat".split(), "there is a cat on the mat".split()]
    >>> m.update(([candidate], [references]))
    >>> m.compute()
    {'Rouge-2-P': 0.5, 'Rouge-2-R': 0.4, 'Rouge-2-F': 0.4}
    """

    def __init__(
        self,
        ngram: int = 4,
        multiref: str = "average",
        alpha: float = 0,
        output_transform: Callable[..., Any] = _identity,
        device: str | torch.device = _CPU,
    ) -> None:
        if isinstance(ngram, bool) or not isinstance(ngram, int) or not 1 <= ngram <= _MAX_N:
            raise ValueError(f"Argument ngram should be an int with 1 <= ngram <= {_MAX_N}, got {ngram!r}")
        super().__init__([ngram], multiref, alpha, output_transform, device)


class RougeL(_BaseRouge):
    """ROUGE-L: longest common subsequence of each candidate and its references, averaged over candidates.

    Args:
        multiref, alpha, output_transform, device: as for :class:`RougeN`.

    ``compute()`` returns ``{"Rouge-L-P": ..., "Rouge-L-R": ..., "Rouge-L-F": ...}``.

    >>> m = RougeL(multiref="best")
    >>> candidate = "the cat is not there".split()
    >>> references = ["the cat is on the mat".split(), "there is a cat on the mat".split()]
    >>> m.update(([candidate], [references]))
    >>> m.compute()
    {'Rouge-L-P': 0.6, 'Rouge-L-R': 0.5, 'Rouge-L-F': 0.5}
    """

    def __init__(
        self,
        multiref: str = "average",
        alpha: float = 0,
        output_transform: Callable[..., Any] = _identity,
        device: str | torch.device = _CPU,
    ) -> None:
        super().__init__(["L"], multiref, alpha, output_transform, device)


class Rouge(_BaseRouge):
    """Several ROUGE variants at once: ``"L"`` for ROUGE-L and ints ``n`` (1 to 9) for ROUGE-N.

    Args:
        variants: the variants, in the order of the result's keys; ``None`` or empty means ``[1, 2, 4, "L"]``.
        multiref, alpha, output_transform, device: as for :class:`RougeN`.

    >>> m = Rouge(variants=["L", 2], multiref="best")
    >>> candidate = "the cat is not there".split()
    >>> references = ["the cat is on the mat".split(), "there is a cat on the mat".split()]
    >>> m.update(([candidate], [references]))
    >>> m.compute()
    {'Rouge-L-P': 0.6, 'Rouge-L-R': 0.5, 'Rouge-L-F': 0.5, 'Rouge-2-P': 0.5, 'Rouge-2-R': 0.4, 'Rouge-2-F': 0.4}
    """

    def __init__(
        self,
        variants: Sequence[str | int] | None = None,
        multiref: str = "average",
        alpha: float = 0,
        output_transform: Callable[..., Any] = _identity,
        device: str | torch.device = _CPU,
    ) -> None:
        if variants is not None and (isinstance(variants, str) or not isinstance(variants, Sequence)):
            raise TypeError(f"Argument variants should be a list of 'L' and ints, got {type(variants).__name__}")
        super().__init__(list(variants) if variants else [1, 2, 4, "L"], multiref, alpha, output_transform, device)
