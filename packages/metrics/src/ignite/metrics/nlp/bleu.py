"""BLEU (Papineni et al. 2002) with the smoothing methods of Chen & Cherry (2014), sentence- or corpus-averaged."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import torch

from ignite.exceptions import NotComputableError
from ignite.metrics.metric import _CPU, Metric, _identity
from ignite.metrics.nlp.utils import _check_corpus, _check_sentence, modified_precision

__all__ = ["Bleu"]

_SMOOTHINGS = ("no_smooth", "smooth1", "nltk_smooth2", "smooth2")
_AVERAGES = ("macro", "micro")
_SMOOTH1_EPSILON = 0.1


def _closest_reference_length(references: Sequence[Sequence[Any]], candidate_length: int) -> int:
    # Ties between a shorter and a longer reference go to the shorter one.
    return min((len(r) for r in references), key=lambda length: (abs(length - candidate_length), length))


def _sentence_counts(
    references: Sequence[Sequence[Any]], candidate: Sequence[Any], order: int
) -> tuple[list[int], list[int], int, int]:
    """Clipped matches and n-gram totals for n = 1..order, the candidate length and the closest reference length."""
    matches, totals = [], []
    for n in range(1, order + 1):
        match, total = modified_precision(references, candidate, n)
        matches.append(match)
        totals.append(total)
    return matches, totals, len(candidate), _closest_reference_length(references, len(candidate))


def _smoothed_precisions(matches: Sequence[float], totals: Sequence[float], smooth: str) -> list[float]:
    if smooth == "smooth1":
        # A zero count becomes epsilon: small but positive, so the geometric mean does not collapse to 0.
        return [(m if m else _SMOOTH1_EPSILON) / max(1, t) for m, t in zip(matches, totals, strict=True)]
    if smooth in ("smooth2", "nltk_smooth2"):
        # Add-one on every order but the unigrams; nltk first raises empty totals to 1, plain smooth2 does not.
        floor = 1 if smooth == "nltk_smooth2" else 0
        first = matches[0] / max(floor, totals[0])
        rest = [(m + 1) / (max(floor, t) + 1) for m, t in zip(matches[1:], totals[1:], strict=True)]
        return [first, *rest]
    return [m / max(1, t) for m, t in zip(matches, totals, strict=True)]


def _bleu_from_counts(
    matches: Sequence[float], totals: Sequence[float], candidate_length: float, reference_length: float, smooth: str
) -> float:
    """BLEU with uniform weights from the (corpus- or sentence-level) counts."""
    if matches[0] == 0:
        return 0.0  # no unigram in common: no higher-order match either
    if smooth == "no_smooth" and min(matches) == 0:
        return 0.0
    brevity = 1.0 if candidate_length >= reference_length else math.exp(1.0 - reference_length / candidate_length)
    precisions = _smoothed_precisions(matches, totals, smooth)
    weight = 1.0 / len(precisions)
    return brevity * math.exp(math.fsum(weight * math.log(p) for p in precisions))


class Bleu(Metric):
    r"""BLEU score: :math:`\text{BP} \cdot \exp(\sum_{n=1}^{N} \frac{1}{N} \log p_n)` with the clipped n-gram
    precisions :math:`p_n` and the brevity penalty :math:`\text{BP} = \min(1, e^{1 - r / c})` (candidate length
    :math:`c`, closest reference length :math:`r`).

    Args:
        ngram: the largest n-gram order :math:`N`.
        smooth: ``"no_smooth"`` (a missing order gives 0), ``"smooth1"`` (a zero match count becomes 0.1),
            ``"nltk_smooth2"`` (add one to the counts of orders above 1, as nltk's ``method2``) or ``"smooth2"``
            (the same without nltk's lower bound of 1 on empty n-gram totals).
        output_transform, device: see :class:`~ignite.metrics.metric.Metric`.
        average: ``"macro"``: the mean of the sentence BLEU scores (a float64 0-d tensor); ``"micro"``: the corpus
            BLEU of all the counts summed over sentences (a float), as nltk's ``corpus_bleu``.

    ``update((y_pred, y))`` takes a list of candidates (each a list of tokens) and, for each, a list of references
    (each a list of tokens).

    >>> m = Bleu(ngram=4, smooth="smooth1")
    >>> candidate = "the the the the the the the".split()
    >>> references = ["the cat is on the mat".split(), "there is a cat on the mat".split()]
    >>> m.update(([candidate], [references]))
    >>> round(m.compute().item(), 4)
    0.0393
    """

    _sum_of_bleu: torch.Tensor
    _num_sentences: torch.Tensor
    _matches: torch.Tensor
    _totals: torch.Tensor
    _candidate_length: torch.Tensor
    _reference_length: torch.Tensor

    def __init__(
        self,
        ngram: int = 4,
        smooth: str = "no_smooth",
        output_transform: Callable[..., Any] = _identity,
        device: str | torch.device = _CPU,
        average: str = "macro",
    ) -> None:
        if isinstance(ngram, bool) or not isinstance(ngram, int):
            raise TypeError(f"Argument ngram should be a positive int, got {type(ngram).__name__}")
        if ngram < 1:
            raise ValueError(f"Argument ngram should be a positive int, got {ngram}")
        if smooth not in _SMOOTHINGS:
            raise ValueError(f"Argument smooth should be one of {_SMOOTHINGS}, got {smooth!r}")
        if average not in _AVERAGES:
            raise ValueError(f"Argument average should be one of {_AVERAGES}, got {average!r}")
        self.ngrams_order = ngram
        self.weights = [1.0 / ngram] * ngram
        self.smooth = smooth
        self.average = average
        super().__init__(output_transform=output_transform, device=device)
        self.add_state("_num_sentences", torch.tensor(0, dtype=torch.int64), "sum")
        if average == "macro":
            self.add_state("_sum_of_bleu", torch.tensor(0.0, dtype=torch.float64), "sum")
        else:
            self.add_state("_matches", torch.zeros(ngram, dtype=torch.int64), "sum")
            self.add_state("_totals", torch.zeros(ngram, dtype=torch.int64), "sum")
            self.add_state("_candidate_length", torch.tensor(0, dtype=torch.int64), "sum")
            self.add_state("_reference_length", torch.tensor(0, dtype=torch.int64), "sum")

    def update(self, output: Any) -> None:
        y_pred, y = _check_corpus(output)
        if not y_pred:
            return
        order, smooth = self.ngrams_order, self.smooth
        if self.average == "macro":
            scores = []
            for index, (candidate, references) in enumerate(zip(y_pred, y, strict=True)):
                _check_sentence(index, candidate, references)
                scores.append(_bleu_from_counts(*_sentence_counts(references, candidate, order), smooth))
            self._sum_of_bleu += math.fsum(scores)
        else:
            matches, totals = [0] * order, [0] * order
            candidate_length = reference_length = 0
            for index, (candidate, references) in enumerate(zip(y_pred, y, strict=True)):
                _check_sentence(index, candidate, references)
                m, t, c, r = _sentence_counts(references, candidate, order)
                matches = [a + b for a, b in zip(matches, m, strict=True)]
                totals = [a + b for a, b in zip(totals, t, strict=True)]
                candidate_length += c
                reference_length += r
            self._matches += torch.tensor(matches, dtype=torch.int64, device=self._device)
            self._totals += torch.tensor(totals, dtype=torch.int64, device=self._device)
            self._candidate_length += candidate_length
            self._reference_length += reference_length
        self._num_sentences += len(y_pred)

    def compute(self) -> torch.Tensor | float:
        n = int(self._num_sentences)
        if n == 0:
            raise NotComputableError("Bleu must have at least one sentence before it can be computed.")
        if self.average == "macro":
            return self._sum_of_bleu / n
        return _bleu_from_counts(
            self._matches.tolist(),
            self._totals.tolist(),
            int(self._candidate_length),
            int(self._reference_length),
            self.smooth,
        )
