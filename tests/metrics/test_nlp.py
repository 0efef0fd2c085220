"""ignite.metrics.nlp against nltk (BLEU), a ROUGE reference written from the definitions (cross-checked with
rouge_score), float64 cross-entropy (Perplexity) and a plain dynamic-programming edit distance (CER)."""

from __future__ import annotations

import math
import random
import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import pytest
import torch
import torch.nn.functional as F
from _metric_tester import check_metric
from nltk.translate import bleu_score as nltk_bleu  # type: ignore[import-untyped]
from rouge_score import rouge_scorer  # type: ignore[import-untyped]

from ignite.exceptions import NotComputableError
from ignite.metrics import nlp
from ignite.metrics.nlp import Bleu, CharacterErrorRate, Perplexity, Rouge, RougeL, RougeN
from ignite.metrics.nlp.character_error_rate import edit_distance
from ignite.metrics.nlp.utils import lcs, modified_precision, ngrams

DISTRIBUTED = [False, pytest.param(True, marks=pytest.mark.slow)]
WORDS = ["the", "cat", "dog", "sat", "on", "mat", "a", "big", "red", "ran", "away", "home"]
Text = tuple[list[list[str]], list[list[list[str]]]]


def _pool(request: pytest.FixtureRequest, distributed: bool) -> Any:
    return request.getfixturevalue("gloo_pool") if distributed else None


def _sentence(rng: random.Random, low: int, high: int) -> list[str]:
    # A small vocabulary so that candidates share n-grams of every order with their references.
    return [rng.choice(WORDS[: rng.randint(4, len(WORDS))]) for _ in range(rng.randint(low, high))]


def text_batches(min_candidate: int = 0, seed: int = 0, n_batches: int = 6) -> list[Text]:
    rng = random.Random(seed)
    out = []
    for i in range(n_batches):
        candidates = [_sentence(rng, min_candidate, 12) for _ in range(3 + i)]
        references = [[_sentence(rng, 1, 12) for _ in range(rng.randint(1, 3))] for _ in candidates]
        out.append((candidates, references))
    return out


def _flatten(batches: Sequence[Text]) -> tuple[list[list[str]], list[list[list[str]]]]:
    return [c for b in batches for c in b[0]], [r for b in batches for r in b[1]]


# --- BLEU -----------------------------------------------------------------------------------------------------


def _nltk_smoothing(smooth: str) -> Any:
    methods = nltk_bleu.SmoothingFunction()
    return {"no_smooth": None, "smooth1": methods.method1}.get(smooth, methods.method2)


def bleu_oracle(ngram: int, smooth: str, average: str) -> Callable[[Sequence[Text]], float]:
    weights = (1.0 / ngram,) * ngram

    def oracle(batches: Sequence[Text]) -> float:
        candidates, references = _flatten(batches)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # nltk warns about every missing n-gram order without smoothing
            if average == "micro":
                return float(
                    nltk_bleu.corpus_bleu(references, candidates, weights, smoothing_function=_nltk_smoothing(smooth))
                )
            scores = [
                nltk_bleu.sentence_bleu(refs, cand, weights, smoothing_function=_nltk_smoothing(smooth))
                for cand, refs in zip(candidates, references, strict=True)
            ]
        return math.fsum(scores) / len(scores)

    return oracle


SMOOTHINGS = ["no_smooth", "smooth1", "nltk_smooth2", "smooth2"]


@pytest.mark.parametrize("distributed", DISTRIBUTED)
@pytest.mark.parametrize("average", ["macro", "micro"])
@pytest.mark.parametrize("smooth", SMOOTHINGS)
@pytest.mark.parametrize("ngram", [1, 2, 4])
def test_bleu_matches_nltk(ngram: int, smooth: str, average: str, distributed: bool, request: Any) -> None:
    # nltk counts at least one n-gram per candidate in its corpus totals (and plain smooth2 does not bound empty
    # totals): the two agree on candidates of at least ngram tokens, so those use such candidates.
    exact_totals = average == "macro" and smooth != "smooth2"
    batches = text_batches(min_candidate=0 if exact_totals else ngram)
    factory = partial(Bleu, ngram=ngram, smooth=smooth, average=average)
    check_metric(factory, bleu_oracle(ngram, smooth, average), batches, _pool(request, distributed), atol=1e-9)


@pytest.mark.parametrize("smooth", ["no_smooth", "smooth1", "nltk_smooth2"])
def test_bleu_order_beyond_every_sentence(smooth: str) -> None:
    batches = text_batches(seed=3)
    metric = Bleu(ngram=14, smooth=smooth)
    for batch in batches:
        metric.update(batch)
    expected = bleu_oracle(14, smooth, "macro")(batches)
    assert float(metric.compute()) == pytest.approx(expected, abs=1e-12)
    if smooth == "no_smooth":
        assert float(metric.compute()) == 0.0  # no sentence has a 14-gram


def test_bleu_known_values_and_output_types() -> None:
    candidate = ["the"] * 7
    references = [["the", "cat", "is", "on", "the", "mat"], ["there", "is", "a", "cat", "on", "the", "mat"]]
    macro = Bleu(ngram=4, smooth="smooth1")
    macro.update(([candidate], [references]))
    value = macro.compute()
    assert isinstance(value, torch.Tensor) and value.dtype == torch.float64 and value.ndim == 0
    assert value.item() == pytest.approx(0.0393, abs=5e-5)
    micro = Bleu(ngram=2, average="micro")
    micro.update(([references[0]], [[references[0]]]))
    assert micro.compute() == 1.0  # a candidate equal to its reference
    unigram = Bleu(ngram=1, average="micro")
    unigram.update(([["cat", "mat"]], [[references[0]]]))  # p1 = 1, brevity exp(1 - 6 / 2)
    assert unigram.compute() == pytest.approx(math.exp(-2.0), rel=1e-12)


def test_bleu_empty_candidate_scores_zero() -> None:
    for average in ("macro", "micro"):
        metric = Bleu(smooth="smooth2", average=average)
        metric.update(([[]], [[["a", "b"]]]))
        assert float(metric.compute()) == 0.0


def test_bleu_input_errors() -> None:
    with pytest.raises(ValueError, match="ngram should be a positive int, got 0"):
        Bleu(ngram=0)
    with pytest.raises(TypeError, match="ngram should be a positive int, got float"):
        Bleu(ngram=2.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="smooth should be one of"):
        Bleu(smooth="smooth3")
    with pytest.raises(ValueError, match="average should be one of"):
        Bleu(average="weighted")
    metric = Bleu()
    with pytest.raises(TypeError, match="output should be a pair"):
        metric.update([["a"]])
    with pytest.raises(ValueError, match="as many candidates as reference lists, got 2 and 1"):
        metric.update(([["a"], ["b"]], [[["a"]]]))
    with pytest.raises(TypeError, match=r"y_pred\[0\] should be a list of tokens"):
        metric.update((["the cat"], [[["the", "cat"]]]))
    with pytest.raises(TypeError, match=r"y\[0\] should hold references as lists of tokens, got a str"):
        metric.update(([["the", "cat"]], [["the cat"]]))
    with pytest.raises(ValueError, match=r"y\[0\] should hold at least one reference"):
        metric.update(([["the", "cat"]], [[]]))
    with pytest.raises(NotComputableError):
        metric.compute()


# --- helpers of ignite.metrics.nlp.utils -----------------------------------------------------------------------


def _lcs_table(a: Sequence[Any], b: Sequence[Any]) -> int:
    table = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            same = a[i - 1] == b[j - 1]
            table[i][j] = table[i - 1][j - 1] + 1 if same else max(table[i - 1][j], table[i][j - 1])
    return table[-1][-1]


def test_utils_against_references() -> None:
    rng = random.Random(7)
    for _ in range(300):
        a, b = _sentence(rng, 0, 15), _sentence(rng, 0, 15)
        refs = [_sentence(rng, 0, 15) for _ in range(rng.randint(1, 3))]
        assert lcs(a, b) == _lcs_table(a, b)
        for n in (1, 2, 3, 5):
            windows = [tuple(a[i : i + n]) for i in range(len(a) - n + 1)]
            assert ngrams(a, n) == Counter(windows)
            matches, total = modified_precision(refs, a, n)
            expected = nltk_bleu.modified_precision(refs, a, n)
            assert matches == expected.numerator
            assert total == len(windows)  # nltk raises an empty total to 1; Ignite's helper does not
    with pytest.raises(ValueError, match="n should be a positive int, got 0"):
        ngrams(["a"], 0)


# --- ROUGE ----------------------------------------------------------------------------------------------------


def _overlap(candidate: list[str], reference: list[str], variant: str | int) -> tuple[int, int, int]:
    if variant == "L":
        return _lcs_table(candidate, reference), len(candidate), len(reference)
    assert isinstance(variant, int)
    cand = Counter(tuple(candidate[i : i + variant]) for i in range(len(candidate) - variant + 1))
    ref = Counter(tuple(reference[i : i + variant]) for i in range(len(reference) - variant + 1))
    return sum((cand & ref).values()), sum(cand.values()), sum(ref.values())


def _ratio(a: int, b: int) -> float:
    return a / b if b else 0.0


def rouge_oracle(variants: list[str | int], multiref: str, alpha: float) -> Callable[[Sequence[Text]], Any]:
    def oracle(batches: Sequence[Text]) -> dict[str, float]:
        candidates, references = _flatten(batches)
        result = {}
        for variant in variants:
            p_sum = r_sum = f_sum = 0.0
            for cand, refs in zip(candidates, references, strict=True):
                counts = [_overlap(cand, ref, variant) for ref in refs]
                if multiref == "average":
                    match, n_cand, n_ref = (sum(c[i] for c in counts) for i in range(3))
                else:
                    match, n_cand, n_ref = max(counts, key=lambda c: _ratio(c[0], c[2]))
                p, r = _ratio(match, n_cand), _ratio(match, n_ref)
                p_sum, r_sum = p_sum + p, r_sum + r
                f_sum += p * r / ((1 - alpha) * p + alpha * r) if p * r > 0 else 0.0
            n = len(candidates)
            result.update({f"Rouge-{variant}-P": p_sum / n, f"Rouge-{variant}-R": r_sum / n})
            result[f"Rouge-{variant}-F"] = f_sum / n
        return result

    return oracle


ROUGE_CASES: list[tuple[Any, list[str | int]]] = [
    (partial(Rouge, variants=[1, 2, "L", 3]), [1, 2, "L", 3]),
    (partial(Rouge, variants=None), [1, 2, 4, "L"]),
    (partial(RougeN, ngram=2), [2]),
    (RougeL, ["L"]),
]


@pytest.mark.parametrize("distributed", DISTRIBUTED)
@pytest.mark.parametrize(("multiref", "alpha"), [("average", 0.0), ("best", 0.5), ("average", 0.8), ("best", 1.0)])
@pytest.mark.parametrize(("make", "variants"), ROUGE_CASES)
def test_rouge_matches_reference(
    make: Any, variants: list[str | int], multiref: str, alpha: float, distributed: bool, request: Any
) -> None:
    factory = partial(make, multiref=multiref, alpha=alpha)
    check_metric(factory, rouge_oracle(variants, multiref, alpha), text_batches(), _pool(request, distributed))


def test_rouge_result_keys_follow_variants() -> None:
    metric = Rouge(variants=["L", 2])
    metric.update(([["a", "b"]], [[["a", "b"]]]))
    assert list(metric.compute()) == ["Rouge-L-P", "Rouge-L-R", "Rouge-L-F", "Rouge-2-P", "Rouge-2-R", "Rouge-2-F"]


def test_rouge_agrees_with_rouge_score_on_single_references() -> None:
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"])
    batches = text_batches(seed=5)
    for candidates, references in batches:
        for cand, refs in zip(candidates, references, strict=True):
            metric = Rouge(variants=[1, 2, "L"], alpha=0.5)  # alpha = 0.5: F is the harmonic mean, as rouge_score's
            metric.update(([cand], [[refs[0]]]))
            ours = metric.compute()
            theirs = scorer.score(" ".join(refs[0]), " ".join(cand))
            for variant, key in (("1", "rouge1"), ("2", "rouge2"), ("L", "rougeL")):
                expected = theirs[key]
                assert ours[f"Rouge-{variant}-P"] == pytest.approx(expected.precision, abs=1e-12)
                assert ours[f"Rouge-{variant}-R"] == pytest.approx(expected.recall, abs=1e-12)
                assert ours[f"Rouge-{variant}-F"] == pytest.approx(expected.fmeasure, abs=1e-12)


def test_rouge_input_errors() -> None:
    with pytest.raises(ValueError, match="multiref should be one of"):
        RougeL(multiref="max")
    with pytest.raises(ValueError, match=r"alpha should be a float in \[0, 1\], got 1.5"):
        RougeN(alpha=1.5)
    with pytest.raises(ValueError, match="ngram should be an int with 1 <= ngram <= 9, got 0"):
        RougeN(ngram=0)
    with pytest.raises(ValueError, match="variants should hold 'L' or ints"):
        Rouge(variants=["l"])
    with pytest.raises(TypeError, match="variants should be a list"):
        Rouge(variants="L")
    metric = Rouge()
    with pytest.raises(TypeError, match=r"y_pred\[0\] should be a list of tokens"):
        metric.update((["a b"], [[["a", "b"]]]))
    with pytest.raises(NotComputableError):
        metric.compute()


# --- Perplexity -----------------------------------------------------------------------------------------------


def lm_batches(spatial: bool, ignore_index: int | None, seed: int = 0) -> list[tuple[torch.Tensor, torch.Tensor]]:
    g = torch.Generator().manual_seed(seed)
    out = []
    for i in range(6):
        shape = (2 + i, 7, 3 + i) if spatial else (4 + i, 7)
        logits = 2 * torch.randn(shape, generator=g)
        targets = torch.randint(0, 7, (shape[0], *shape[2:]), generator=g)
        if ignore_index is not None:
            targets[torch.rand(targets.shape, generator=g) < 0.3] = ignore_index
        out.append((logits, targets))
    return out


def perplexity_oracle(ignore_index: int | None) -> Callable[[Sequence[Any]], float]:
    def oracle(batches: Sequence[Any]) -> float:
        total, count = 0.0, 0
        for logits, targets in batches:
            ignored = -100 if ignore_index is None else ignore_index
            total += F.cross_entropy(logits.double(), targets, reduction="sum", ignore_index=ignored).item()
            count += int((targets != ignored).sum())
        return math.exp(total / count)

    return oracle


@pytest.mark.parametrize("distributed", DISTRIBUTED)
@pytest.mark.parametrize("ignore_index", [-100, 0, None])
@pytest.mark.parametrize("spatial", [False, True])
def test_perplexity(spatial: bool, ignore_index: int | None, distributed: bool, request: Any) -> None:
    factory = partial(Perplexity, ignore_index=ignore_index)
    batches = lm_batches(spatial, ignore_index)
    check_metric(factory, perplexity_oracle(ignore_index), batches, _pool(request, distributed), rtol=1e-6)


def test_perplexity_of_a_uniform_model() -> None:
    metric = Perplexity()
    metric.update((torch.zeros(3, 5, 4), torch.tensor([[1, 2, -100, 4]] * 3)))
    assert metric.compute() == pytest.approx(5.0, rel=1e-6)  # float32 logits


def test_perplexity_input_errors() -> None:
    metric = Perplexity()
    with pytest.raises(TypeError, match="ignore_index should be an int or None"):
        Perplexity(ignore_index=1.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="y_pred should be a floating point tensor"):
        metric.update((torch.zeros(2, 3, dtype=torch.int64), torch.zeros(2, dtype=torch.int64)))
    with pytest.raises(TypeError, match="y should be an integer tensor"):
        metric.update((torch.zeros(2, 3), torch.zeros(2)))
    with pytest.raises(ValueError, match=r"shapes \(B, C, ...\) and \(B, ...\).*got \(2, 3, 4\) and \(2, 3\)"):
        metric.update((torch.zeros(2, 3, 4), torch.zeros(2, 3, dtype=torch.int64)))
    with pytest.raises(ValueError, match=r"token indices in \[0, 2\].*got values in \[0, 3\]"):
        metric.update((torch.zeros(2, 3), torch.tensor([0, 3])))
    with pytest.raises(ValueError, match="NaN"):
        metric.update((torch.full((2, 3), float("nan")), torch.tensor([0, 1])))
    metric.update((torch.zeros(2, 3), torch.tensor([-100, -100])))  # every token ignored: nothing counted
    with pytest.raises(NotComputableError):
        metric.compute()


# --- Character error rate -------------------------------------------------------------------------------------


def _levenshtein(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
        previous = current
    return previous[-1]


def string_batches(seed: int = 0) -> list[tuple[list[str], list[str]]]:
    rng = random.Random(seed)
    alphabet = "abcde fgé"

    def text(high: int) -> str:
        return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, high)))

    return [([text(30) for _ in range(2 + i)], [text(30) for _ in range(2 + i)]) for i in range(6)]


def cer_oracle(batches: Sequence[tuple[list[str], list[str]]]) -> float:
    pairs = [(p, r) for preds, refs in batches for p, r in zip(preds, refs, strict=True)]
    return sum(_levenshtein(r, p) for p, r in pairs) / sum(len(r) for _, r in pairs)


@pytest.mark.parametrize("distributed", DISTRIBUTED)
def test_character_error_rate(distributed: bool, request: Any) -> None:
    check_metric(CharacterErrorRate, cer_oracle, string_batches(), _pool(request, distributed), rtol=1e-12)


def test_edit_distance_against_dynamic_programming() -> None:
    rng = random.Random(11)
    for _ in range(2000):
        a = "".join(rng.choice("abc") for _ in range(rng.randint(0, 12)))
        b = "".join(rng.choice("abcd") for _ in range(rng.randint(0, 12)))
        assert edit_distance(a, b) == _levenshtein(a, b)
    long_a, long_b = "".join(rng.choice("xyz") for _ in range(150)), "".join(rng.choice("xyz") for _ in range(90))
    assert edit_distance(long_a, long_b) == _levenshtein(long_a, long_b)


def test_character_error_rate_single_strings_and_empty_references() -> None:
    metric = CharacterErrorRate()
    metric.update(("kitten", "sitting"))
    assert metric.compute() == pytest.approx(3 / 7)
    empty = CharacterErrorRate()
    empty.update(([""], [""]))
    assert empty.compute() == 0.0
    empty.update((["abc"], [""]))  # errors but no reference character: Ignite reports 1.0
    assert empty.compute() == 1.0


def test_character_error_rate_input_errors() -> None:
    metric = CharacterErrorRate()
    with pytest.raises(TypeError, match="both be a str or both a list of str, got str and list"):
        metric.update(("a", ["a"]))
    with pytest.raises(TypeError, match="y_pred should be a str or a list of str"):
        metric.update(([1], ["a"]))
    with pytest.raises(ValueError, match="same length, got 2 and 1"):
        metric.update((["a", "b"], ["a"]))
    with pytest.raises(NotComputableError):
        metric.compute()


def test_nlp_exports() -> None:
    assert set(nlp.__all__) == {"Bleu", "CharacterErrorRate", "Perplexity", "Rouge", "RougeL", "RougeN"}
