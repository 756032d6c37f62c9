"""Flair's trainers, and the workarounds they need, for the tagger and the character LMs.

- Flair's tagger trainer restarts its best dev score at 0 on resume, so its
  best-model.pt would be replaced by a worse epoch: :func:`checkpoint_plugin`
  keeps the best score across runs and writes the checkpoint and the best model.
- With ``embeddings_storage_mode="cpu"`` Flair keeps each token's LM vector as a
  view of a whole mini-batch's hidden states: :func:`precompute_lm_embeddings`.
- Flair's LM trainer resumes at the checkpoint's split but reads the split files
  from the first one again: :class:`RemainingSplits`.

Layout of a tagger's output folder: ``checkpoint.pt`` and ``checkpoint.json`` (last
finished epoch), ``best-model.pt`` (best dev micro F1 over all runs), ``training.log``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, cast

from anonymizer.model.registry import register_own_embeddings

log = logging.getLogger(__name__)

# Files in the output folder (see the layout above).
CHECKPOINT, CHECKPOINT_STATE, BEST_MODEL = "checkpoint.pt", "checkpoint.json", "best-model.pt"


def read_corpus(train: list[Path], dev: list[Path], *, silver: list[Path] | None = None) -> Any:
    """One Flair corpus from several ``token<TAB>TAG`` files (no test split sampled).

    ``train`` and ``dev`` pair up per corpus; ``silver`` files are training data only.
    """
    from flair.data import MultiCorpus
    from flair.datasets import ColumnCorpus

    pairs: list[tuple[Path, Path | None]] = [
        *zip(train, dev, strict=True),
        *((s, None) for s in silver or []),
    ]
    corpora: list[Any] = [
        ColumnCorpus(
            train_path.parent,
            {0: "text", 1: "ner"},
            train_file=train_path.name,
            dev_file=dev_path.name if dev_path else None,
            test_file=None,
            column_delimiter="\t",
            sample_missing_splits=False,
            in_memory=True,
        )
        for train_path, dev_path in pairs
    ]
    return MultiCorpus(corpora, sample_missing_splits=False)


def precompute_lm_embeddings(embeddings: Any, sentences: list[Any], *, batch_size: int = 32) -> None:
    """Embed ``sentences`` once with the frozen character LMs of ``embeddings``, keeping a
    compact copy of each token's vector.

    For ``embeddings_storage_mode="cpu"``: Flair stores a token's LM vector as a view
    into the mini-batch's whole hidden-state tensor, which keeps about 40 MB alive per
    mini-batch (over 11 GB for klintan and Talbanken: the machine swapped to a halt).
    """
    import torch
    from flair.embeddings import FlairEmbeddings

    language_models = [e for e in embeddings.embeddings if isinstance(e, FlairEmbeddings)]
    if not language_models:
        return
    # Sentences of similar length share a batch: the LM pads to the longest.
    ordered = sorted(sentences, key=lambda sentence: len(sentence.to_original_text()))
    for lm in language_models:
        lm.eval()
    with torch.no_grad():
        for start in range(0, len(ordered), batch_size):
            batch = ordered[start : start + batch_size]
            for lm in language_models:
                lm.embed(batch)
                for sentence in batch:
                    # One compact tensor per sentence; each token keeps a row of it.
                    vectors = torch.stack([token.get_embedding([lm.name]) for token in sentence])
                    for token, vector in zip(sentence, vectors, strict=True):
                        token.set_embedding(lm.name, vector)
            if start // batch_size % 50 == 0:
                log.info("language-model embeddings: %d of %d sentences", start + len(batch), len(ordered))


def checkpoint_plugin(
    out: Path,
    *,
    learning_rate: float,
    best_dev_score: float | None,
    epochs: int,
    on_epoch: Callable[[int, int], None] | None = None,
) -> Any:
    """A Flair plugin that, after each dev evaluation, saves checkpoint.pt and
    checkpoint.json and, when dev F1 beats the best of this and earlier runs,
    best-model.pt."""
    from flair.trainers.plugins.base import TrainerPlugin

    class Checkpoint(TrainerPlugin):  # type: ignore[misc]
        best = best_dev_score

        @TrainerPlugin.hook  # type: ignore[untyped-decorator]
        def after_evaluation(self, epoch: int, validation_scores: tuple[float, ...], **_: Any) -> None:
            score = float(validation_scores[0])
            if self.best is None or score > self.best:
                self.best = score
                _save_replacing(self.model, out / BEST_MODEL)
            optimizer = self.trainer.optimizer
            lr = optimizer.param_groups[0]["lr"] if optimizer is not None else learning_rate
            _save_replacing(self.model, out / CHECKPOINT)
            state = {"epoch": epoch, "learning_rate": lr, "best_dev_score": self.best}
            (out / CHECKPOINT_STATE).write_text(json.dumps(state))
            if on_epoch is not None:
                on_epoch(epoch, epochs)

    return Checkpoint()


def _save_replacing(model: Any, path: Path) -> None:
    """Save next to ``path``, then rename: a kill mid-write leaves the old file whole."""
    partial = path.with_name(path.name + ".partial")
    model.save(partial)
    partial.replace(path)


def train_tagger(
    train_files: list[Path],
    dev_files: list[Path],
    out: Path,
    *,
    tagger: Mapping[str, Any],
    training: Mapping[str, Any],
    embeddings: Callable[[], Any],
    warm_start: Callable[[list[str]], Any] | None = None,
    silver: list[Path] | None = None,
    resume: bool = True,
    max_epochs: int | None = None,
    threads: int | None = None,
    on_epoch: Callable[[int, int], None] | None = None,
) -> Path:
    """Train (or resume) the BiLSTM-CRF tagger in ``out``; returns the best model's path.

    ``tagger`` and ``training`` are a recipe's tables of those names; ``embeddings``
    builds the embedding stack of a new tagger (not called on resume); ``warm_start``,
    when given, builds the new tagger instead from the corpus's labels.
    """
    import flair
    import torch
    from flair.models import SequenceTagger
    from flair.trainers import ModelTrainer

    out.mkdir(parents=True, exist_ok=True)
    hp, tr = tagger, training
    epochs = max_epochs or tr["max_epochs"]
    flair.set_seed(tr["seed"])
    corpus = read_corpus(train_files, dev_files, silver=silver)
    state_path = out / CHECKPOINT_STATE
    start_epoch, learning_rate, best_dev_score = 0, tr["learning_rate"], None
    if resume and state_path.exists():
        state = json.loads(state_path.read_text())
        start_epoch, learning_rate = state["epoch"], state["learning_rate"]
        best_dev_score = state.get("best_dev_score")  # absent in checkpoints before 0.2.0
        register_own_embeddings()
        model = SequenceTagger.load(str(out / CHECKPOINT))
        log.info("resuming after epoch %d at learning rate %g", start_epoch, learning_rate)
    elif warm_start is not None:
        labels = corpus.make_label_dictionary("ner", add_unk=False).get_items()
        model = warm_start(list(labels))
        log.info("warm start: %s", model.label_dictionary)
    else:
        label_dictionary = corpus.make_label_dictionary("ner", add_unk=False)
        model = SequenceTagger(
            hidden_size=hp["hidden_size"],
            embeddings=embeddings(),
            tag_dictionary=label_dictionary,
            tag_type="ner",
            use_crf=hp["use_crf"],
            rnn_layers=hp["rnn_layers"],
            word_dropout=hp["word_dropout"],
            locked_dropout=hp["locked_dropout"],
        )

    if threads is not None:
        # One thread degrades gracefully when other processes share the cores;
        # two OpenMP threads that spin-wait can run 10x slower under contention.
        torch.set_num_threads(threads)
    if start_epoch >= epochs:
        return out / BEST_MODEL
    checkpoint = checkpoint_plugin(
        out, learning_rate=learning_rate, best_dev_score=best_dev_score, epochs=epochs, on_epoch=on_epoch
    )
    storage = tr.get("embeddings_storage", "none")
    if storage == "cpu":
        sentences = [corpus.train[i] for i in range(len(corpus.train))]
        sentences += [corpus.dev[i] for i in range(len(corpus.dev))]
        precompute_lm_embeddings(model.embeddings, sentences, batch_size=tr["mini_batch_size"])
    ModelTrainer(model, corpus).train(
        out,
        learning_rate=learning_rate,
        mini_batch_size=tr["mini_batch_size"],
        max_epochs=epochs,
        patience=tr["patience"],
        epoch=start_epoch,
        # "cpu" keeps static embeddings (the pretrained LMs, word vectors) after
        # the first epoch, so the character LMs run once per sentence, not per epoch.
        embeddings_storage_mode=storage,
        save_final_model=False,
        # Flair's own best-model.pt forgets the best score on resume (it starts
        # again from 0), so the plugin keeps best-model.pt instead.
        use_final_model_for_eval=True,
        plugins=[checkpoint],
    )
    best = out / BEST_MODEL
    return best if best.exists() else out / CHECKPOINT


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
    """Train (or resume) one direction on a corpus in Flair's LM layout
    (:func:`anonymizer.training.language_model.prepare_corpus`); returns the path of
    ``best-lm.pt``. The trainer checkpoints after every split file."""
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
