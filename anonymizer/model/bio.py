"""The best well-formed BIO path through per-word tag probabilities (constrained Viterbi).

A softmax tagger scores each word alone, so the likeliest tag of each word can make a run
that no annotation has: ``I-ORG`` after ``O`` or after ``B-LOC``, a name split into a
place and an organisation. The best path that obeys BIO (an ``I-X`` follows only ``B-X``
or ``I-X``) gives each entity one label and one boundary, at the cost of a few
multiplications per word.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

Array = np.ndarray[Any, np.dtype[Any]]

_FORBIDDEN = -1e30


def bio_transitions(tags: Sequence[str]) -> tuple[Array, Array]:
    """``(start, step)`` additive scores: 0 where allowed, a huge negative where not.

    ``start[k]``: may a sentence start with tag ``k``; ``step[a, b]``: may ``b`` follow ``a``.
    Tags other than ``I-X`` are allowed anywhere (``O``, ``B-X``, and ``S-``/``E-`` as given).
    """
    kinds = [tag[2:] if tag[:2] in ("B-", "I-", "E-", "S-") else None for tag in tags]
    inside = [tag[:2] in ("I-", "E-") for tag in tags]
    opening = [tag[:2] in ("B-", "I-") for tag in tags]
    start = np.array([_FORBIDDEN if inside[k] else 0.0 for k in range(len(tags))])
    step = np.zeros((len(tags), len(tags)))
    for b in range(len(tags)):
        if inside[b]:
            for a in range(len(tags)):
                if not (opening[a] and kinds[a] == kinds[b]):
                    step[a, b] = _FORBIDDEN
    return start, step


def best_bio_path(probabilities: Array, start: Array, step: Array) -> Array:
    """The tag index of each word on the likeliest path that ``start`` and ``step`` allow.

    ``probabilities``: ``[words, tags]`` rows (each word's own softmax). Ties go to the
    lower tag index, so the path depends on the rows alone. Where each word's likeliest
    tag already makes a well-formed path (most sentences), that path is the best one and
    no search is run.
    """
    greedy: Array = probabilities.argmax(axis=1)
    if not len(greedy) or (start[greedy[0]] == 0 and not step[greedy[:-1], greedy[1:]].any()):
        return greedy
    scores = np.log(np.maximum(probabilities.astype(np.float64), 1e-300))
    length, size = scores.shape
    back = np.zeros((length, size), dtype=np.int64)
    upto = start + scores[0]
    for t in range(1, length):
        candidates = upto[:, None] + step
        back[t] = candidates.argmax(axis=0)
        upto = candidates[back[t], np.arange(size)] + scores[t]
    path = np.empty(length, dtype=np.int64)
    path[-1] = int(upto.argmax())
    for t in range(length - 1, 0, -1):
        path[t - 1] = back[t, path[t]]
    return path
