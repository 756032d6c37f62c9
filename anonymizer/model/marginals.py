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


def _logsumexp(values: Array, axis: int) -> Array:
    top = values.max(axis=axis, keepdims=True)
    result: Array = np.squeeze(top, axis=axis) + np.log(np.exp(values - top).sum(axis=axis))
    return result


def crf_marginals(emissions: Array, transitions: Array, *, start: int, stop: int) -> Array:
    """``P(tag_t = k | sentence)`` as ``[length, tags]`` (rows sum to 1)."""
    emissions = emissions.astype(np.float64)
    transitions = transitions.astype(np.float64)
    length, _ = emissions.shape
    alpha = np.empty_like(emissions)
    beta = np.empty_like(emissions)
    alpha[0] = emissions[0] + transitions[:, start]
    for t in range(1, length):
        # alpha[t, to] = emission[t, to] + logsumexp_from(transitions[to, from] + alpha[t-1, from])
        alpha[t] = emissions[t] + _logsumexp(transitions + alpha[t - 1][None, :], axis=1)
    beta[-1] = transitions[stop]
    for t in range(length - 2, -1, -1):
        # beta[t, from] = logsumexp_to(transitions[to, from] + emission[t+1, to] + beta[t+1, to])
        beta[t] = _logsumexp(transitions + (emissions[t + 1] + beta[t + 1])[:, None], axis=0)
    log_z = _logsumexp(alpha[-1] + transitions[stop], axis=0)
    return np.exp(alpha + beta - log_z)


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
