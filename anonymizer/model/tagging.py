"""Tagging token lists with a loaded tagger.

- ``predict`` mutates the ``Sentence`` objects it gets: they are built here and
  thrown away, never shared.
- Flair span offsets are sentence-relative; we never use them. Sentences are built
  from the caller's tokens and spans come back as token indices.
- No context crosses token lists: sentences are independent (no
  ``set_context_for_sentences``), so batching lists together changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flair.models import SequenceTagger

# (first token, last token, label, score), token indices 0-based and inclusive.
Run = tuple[int, int, str, float]


def tag_tokens(
    tagger: SequenceTagger, token_lists: Sequence[Sequence[str]], *, batch_size: int
) -> list[list[Run]]:
    """Entity runs per token list, in the order given; Flair sorts mini-batches by length."""
    import torch
    from flair.data import Sentence

    flair_sentences = [Sentence(list(tokens)) for tokens in token_lists if tokens]
    if flair_sentences:
        with torch.inference_mode():
            tagger.predict(flair_sentences, mini_batch_size=batch_size, label_name="predicted")
    results: list[list[Run]] = []
    built = iter(flair_sentences)
    for tokens in token_lists:
        if not tokens:
            results.append([])
            continue
        sentence = next(built)
        if len(sentence) != len(tokens):  # Flair drops empty tokens: offsets would shift
            raise ValueError(f"Flair kept {len(sentence)} of {len(tokens)} tokens")
        runs = [
            (span.tokens[0].idx - 1, span.tokens[-1].idx - 1, label.value, float(label.score))
            for span in sentence.get_spans("predicted")
            for label in span.get_labels("predicted")
        ]
        results.append(sorted(runs))
    return results
