"""Character language models (Flair embeddings) pretrained on the local Swedish text.

Flair's Swedish LMs download at run time; these are trained here instead. The LM
trainer checkpoints after every split file, so the corpus is cut into ~1 MB splits
and an interrupted run keeps its weights up to the last finished split
(``resume=True``). Flair's resume then walks the split files from the first one
again, so the epoch in progress repeats its early splits.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Iterable
from pathlib import Path
from typing import Any, cast

from anonymizer.training.embeddings import raw_paragraphs

log = logging.getLogger(__name__)


class RemainingSplits:
    """Flair's split-file dataset, without the first ``done`` files on the first pass.

    Flair resumes numbering at the checkpoint's split but iterates the files from
    the first one, so each resume would train on already-seen text again. Later
    passes (shuffled epochs) see every file. Flair's log then gives the remaining
    count as the total ("split 48 / 50").
    """

    def __init__(self, dataset: Any, done: int) -> None:
        self.dataset = dataset
        self.done = done

    def __len__(self) -> int:
        return len(self.dataset) - self.done

    def __getitem__(self, index: int) -> Any:
        item = self.dataset[index + self.done]
        if index == len(self) - 1:
            self.done = 0  # first pass over: the next epoch's loader sees all files
        return item

    def __getattr__(self, name: str) -> Any:
        return getattr(self.dataset, name)


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


def train_language_model(
    corpus: Path,
    out: Path,
    *,
    char_dictionary: Path,
    forward: bool,
    hidden_size: int = 1024,
    layers: int = 1,
    sequence_length: int = 250,
    mini_batch_size: int = 100,
    max_epochs: int = 10,
    resume: bool = True,
) -> Path:
    """Train (or resume) one direction; returns the path of ``best-lm.pt``."""
    from flair.data import Dictionary
    from flair.models import LanguageModel
    from flair.trainers.language_model_trainer import LanguageModelTrainer, TextCorpus

    dictionary = Dictionary.load_from_file(char_dictionary)
    text_corpus = TextCorpus(corpus, dictionary, forward, character_level=True)
    checkpoint = out / "checkpoint.pt"
    if resume and checkpoint.exists():
        log.info("resuming from %s", checkpoint)
        trainer = LanguageModelTrainer.load_checkpoint(checkpoint, text_corpus)
        if trainer.epoch == 0 and 0 < trainer.split < len(text_corpus.train):
            text_corpus.train = cast(Any, RemainingSplits(text_corpus.train, trainer.split))
    else:
        model = LanguageModel(dictionary, forward, hidden_size=hidden_size, nlayers=layers)
        trainer = LanguageModelTrainer(model, text_corpus)
    trainer.train(
        out,
        sequence_length=sequence_length,
        mini_batch_size=mini_batch_size,
        max_epochs=max_epochs,
        checkpoint=True,
        num_workers=0,
    )
    return out / "best-lm.pt"
