"""The corpus of the character language models (Flair embeddings) pretrained here.

Flair's Swedish LMs download at run time; these are trained on the local Swedish
text instead (:func:`anonymizer.model.training.train_language_model`). The LM
trainer checkpoints after every split file, so the corpus is cut into ~1 MB splits
and an interrupted run keeps its weights up to the last finished split.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from pathlib import Path

from anonymizer.training.embeddings import raw_paragraphs


def prepare_corpus(
    text_files: Iterable[Path],
    target: Path,
    *,
    split_chars: int = 1_000_000,
    holdout_every: int = 200,
    seed: int = 0,
) -> int:
    """Write Flair's LM corpus layout (``train/``, ``valid.txt``, ``test.txt``); returns the split count.

    Every ``holdout_every``-th paragraph goes to validation or test, alternately.
    Paragraphs are shuffled first, so each split mixes the three sources.
    """
    if (target / "valid.txt").exists():
        return len(list((target / "train").glob("train_split_*")))
    paragraphs = list(raw_paragraphs(text_files))
    random.Random(seed).shuffle(paragraphs)
    (target / "train").mkdir(parents=True, exist_ok=True)
    held: dict[str, list[str]] = {"valid.txt": [], "test.txt": []}
    splits: list[list[str]] = [[]]
    size = 0
    for index, paragraph in enumerate(paragraphs):
        if index % holdout_every == 0:
            held["valid.txt" if (index // holdout_every) % 2 == 0 else "test.txt"].append(paragraph)
            continue
        if size >= split_chars:
            splits.append([])
            size = 0
        splits[-1].append(paragraph)
        size += len(paragraph)
    for number, lines in enumerate(splits, start=1):
        (target / "train" / f"train_split_{number}").write_text("\n".join(lines) + "\n", encoding="utf-8")
    for name, lines in held.items():
        (target / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(splits)
