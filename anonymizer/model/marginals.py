"""Per-token tag probabilities of a linear-chain CRF (forward-backward), for one sentence.

The best path (Viterbi) says what the tagger would tag; the marginals say how sure it
is of each token. The strict preset (``[model] threshold``) also takes tokens whose
probability of being inside an entity reaches the threshold while the best path
leaves them out. Flair's layout: ``transitions[to, from]``, with start and stop tags.
"""

from __future__ import annotations

from typing import Any

import numpy as np

Array = np.ndarray[Any, np.dtype[np.float64]]


def crf_marginals(emissions: Array, transitions: Array, *, start: int, stop: int) -> Array:
    """``P(tag_t = k | sentence)`` as ``[length, tags]`` (rows sum to 1).

    Forward-backward in probability space, each step rescaled to sum 1: a marginal row
    is normalised at the end, so the scale factors cancel (and nothing underflows).
    """
    scores = emissions.astype(np.float64)
    weights = np.exp(transitions.astype(np.float64) - transitions.max())  # [to, from]
    emitted = np.exp(scores - scores.max(axis=1, keepdims=True))
    length = len(scores)
    alpha = np.empty_like(emitted)
    beta = np.empty_like(emitted)
    alpha[0] = weights[:, start] * emitted[0]
    alpha[0] /= alpha[0].sum()
    for t in range(1, length):
        alpha[t] = (weights @ alpha[t - 1]) * emitted[t]
        alpha[t] /= alpha[t].sum()
    beta[-1] = weights[stop] / weights[stop].sum()
    for t in range(length - 2, -1, -1):
        beta[t] = weights.T @ (emitted[t + 1] * beta[t + 1])
        beta[t] /= beta[t].sum()
    joint = alpha * beta
    result: Array = joint / joint.sum(axis=1, keepdims=True)
    return result


def uncertain_entities(
    tags: list[str], marginals: Array, *, threshold: float
) -> list[tuple[int, int, str, float]]:
    """Token runs ``(first, last, label, probability)`` whose probability of being inside
    an entity (any B/I/E/S tag) reaches ``threshold``, each labelled by the entity type
    with the most probability mass over the run."""
    kinds: dict[str, list[int]] = {}
    for index, tag in enumerate(tags):
        if "-" in tag:
            kinds.setdefault(tag.split("-", 1)[1], []).append(index)
    if not kinds:
        return []
    names = sorted(kinds)
    per_kind = np.stack([marginals[:, kinds[name]].sum(axis=1) for name in names], axis=1)
    inside = per_kind.sum(axis=1)
    runs: list[tuple[int, int, str, float]] = []
    token = 0
    while token < len(inside):
        if inside[token] < threshold:
            token += 1
            continue
        first = token
        while token + 1 < len(inside) and inside[token + 1] >= threshold:
            token += 1
        label = names[int(per_kind[first : token + 1].sum(axis=0).argmax())]
        runs.append((first, token, label, float(inside[first : token + 1].min())))
        token += 1
    return runs
