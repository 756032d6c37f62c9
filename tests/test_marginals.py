"""CRF marginals (forward-backward) against brute force over every tag path."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from anonymizer.model.marginals import crf_marginals, uncertain_entities


def brute_force(emissions: np.ndarray, transitions: np.ndarray, start: int, stop: int) -> np.ndarray:
    length, size = emissions.shape
    real = [k for k in range(size) if k not in (start, stop)]
    marginals = np.zeros_like(emissions, dtype=np.float64)
    total = 0.0
    for path in itertools.product(real, repeat=length):
        score = transitions[path[0], start] + emissions[0, path[0]]
        for t in range(1, length):
            score += transitions[path[t], path[t - 1]] + emissions[t, path[t]]
        weight = np.exp(score + transitions[stop, path[-1]])
        total += weight
        for t, tag in enumerate(path):
            marginals[t, tag] += weight
    return marginals / total


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("length", [1, 2, 4])
def test_marginals_equal_brute_force(seed: int, length: int) -> None:
    rng = np.random.default_rng(seed)
    size, start, stop = 5, 3, 4
    transitions = rng.normal(size=(size, size))
    transitions[start, :] = -10000
    transitions[:, stop] = -10000
    emissions = rng.normal(size=(length, size))
    got = crf_marginals(emissions, transitions, start=start, stop=stop)
    assert got == pytest.approx(brute_force(emissions, transitions, start, stop), abs=1e-9)
    assert got.sum(axis=1) == pytest.approx(np.ones(length))


def test_uncertain_entities_groups_tokens_over_the_threshold() -> None:
    tags = ["O", "S-PER", "S-LOC", "<START>", "<STOP>"]
    marginals = np.array(
        [
            [0.9, 0.05, 0.05, 0, 0],  # O
            [0.5, 0.4, 0.1, 0, 0],  # inside 0.5: PER
            [0.3, 0.1, 0.6, 0, 0],  # inside 0.7: LOC, joined with the token before
            [0.8, 0.1, 0.1, 0, 0],
        ]
    )
    assert uncertain_entities(tags, marginals, threshold=0.3) == [(1, 2, "LOC", 0.5)]
    assert uncertain_entities(tags, marginals, threshold=0.6) == [(2, 2, "LOC", pytest.approx(0.7))]
    assert uncertain_entities(tags, marginals, threshold=0.95) == []
