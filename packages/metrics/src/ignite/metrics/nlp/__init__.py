"""`ignite.metrics.nlp`: text metrics (BLEU, ROUGE, character error rate) and language-model perplexity."""

from __future__ import annotations

from ignite.metrics.nlp.bleu import Bleu
from ignite.metrics.nlp.character_error_rate import CharacterErrorRate
from ignite.metrics.nlp.perplexity import Perplexity
from ignite.metrics.nlp.rouge import Rouge, RougeL, RougeN

__all__ = ["Bleu", "CharacterErrorRate", "Perplexity", "Rouge", "RougeL", "RougeN"]
