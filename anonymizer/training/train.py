"""Train the BiLSTM-CRF tagger from a settings TOML; resumable after an interruption.

Layout of the output folder::

    resources/chars.pkl, resources/words.kv   embeddings made from local data
    checkpoint.pt, checkpoint.json            last finished epoch (for --resume)
    best-model.pt                             best dev micro F1 over all runs
    training.log                              Flair's log
"""

from __future__ import annotations

import json
import logging
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from anonymizer.errors import ConfigError
from anonymizer.training.embeddings import build_char_dictionary, train_word_vectors

log = logging.getLogger(__name__)

# Stacking order must equal sorted-name order, with or without Flair's "0-"
# prefix: Flair concatenates a token's embeddings by sorted name, and the
# prefix can be lost on reload (features then arrive permuted).
WORD_EMBEDDING_NAME = "a-words"
CHAR_EMBEDDING_NAME = "b-chars"
FLAIR_EMBEDDING_NAMES = {"flair_forward": "c-flair-forward", "flair_backward": "d-flair-backward"}
# Files in the output folder (see the layout above).
CHECKPOINT, CHECKPOINT_STATE, BEST_MODEL = "checkpoint.pt", "checkpoint.json", "best-model.pt"


@dataclass(frozen=True)
class TrainSettings:
    root: Path
    train: list[Path]
    dev: list[Path]
    text: list[Path]
    embeddings: dict[str, Any]
    tagger: dict[str, Any]
    training: dict[str, Any]
    # Extra training files without a dev split (silver data: `anonymizer silver`).
    silver: list[Path] = field(default_factory=list)
    # Add TME tags from the time rules to the gold files (they have none).
    time_labels: bool = False

    @classmethod
    def load(cls, path: Path, *, data_root: Path | None = None) -> TrainSettings:
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
            data = raw["data"]
            # A relative root is taken from the working directory (the repository root).
            root = (data_root or Path(data["root"])).resolve()
            settings = cls(
                root=root,
                train=[root / p for p in data["train"]],
                dev=[root / p for p in data["dev"]],
                text=[root / p for p in data["text"]],
                embeddings=dict(raw["embeddings"]),
                tagger=dict(raw["tagger"]),
                training=dict(raw["training"]),
                silver=[root / Path(p).expanduser() for p in data.get("silver", [])],
                time_labels=bool(data.get("time_labels", False)),
            )
        except KeyError as error:
            raise ConfigError(f"{path}: missing key {error.args[0]!r}") from error
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(f"{path}: {error}") from error
        if not settings.dev:
            # The best model and the learning-rate schedule are chosen on dev F1.
            raise ConfigError(f"{path}: data.dev is empty; name at least one dev file")
        return settings


def prepare_data(settings: TrainSettings, work: Path) -> tuple[list[Path], list[Path]]:
    """The train and dev files to read: the gold files, with TME tags from the time rules
    written to ``work`` when ``time_labels`` is set (the gold corpora have no TME)."""
    if not settings.time_labels:
        return settings.train, settings.dev
    from anonymizer.detectors.time import TimeDetector
    from anonymizer.evaluate import read_conll
    from anonymizer.training.silver import add_time_tags

    detector = TimeDetector()
    work.mkdir(parents=True, exist_ok=True)
    prepared: list[list[Path]] = [[], []]
    for split, paths in enumerate((settings.train, settings.dev)):
        for path in paths:
            target = work / f"{path.stem}.tme{path.suffix}"
            with target.open("w", encoding="utf-8") as out:
                for sentence in read_conll(path):
                    tags = add_time_tags(sentence.tokens, sentence.tags, detector=detector)
                    out.writelines(f"{t}\t{g}\n" for t, g in zip(sentence.tokens, tags, strict=True))
                    out.write("\n")
            prepared[split].append(target)
    return prepared[0], prepared[1]


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


def ensure_char_dictionary(settings: TrainSettings, path: Path) -> None:
    """Build the character dictionary (the tagger's and the LMs') unless ``path`` exists."""
    if not path.exists():
        size = build_char_dictionary(
            settings.train, settings.text, path, min_count=settings.embeddings["char_min_count"]
        )
        log.info("character dictionary: %d entries", size)


def build_embeddings(settings: TrainSettings, resources: Path) -> Any:
    from flair.embeddings import StackedEmbeddings, WordEmbeddings

    from anonymizer.detectors.chars import BatchedCharEmbeddings

    emb = settings.embeddings
    chars, words = resources / "chars.pkl", resources / "words.kv"
    ensure_char_dictionary(settings, chars)
    stack: list[Any] = []
    if emb.get("word_vectors", True):  # false: an ablation (models/README.md)
        if not words.exists():
            size = train_word_vectors(
                settings.text,
                settings.train,
                words,
                dim=emb["word_dim"],
                vocab_size=emb["word_vocab"],
                epochs=emb["word_epochs"],
            )
            log.info("word vectors: %d words", size)
        stack.append(WordEmbeddings(str(words), name=WORD_EMBEDDING_NAME))
    stack.append(
        BatchedCharEmbeddings(
            str(chars),
            char_embedding_dim=emb["char_dim"],
            hidden_size_char=emb["char_hidden"],
            name=CHAR_EMBEDDING_NAME,
        )
    )
    # Character language models pretrained here (`anonymizer pretrain-lm`), from local files.
    for key, name in FLAIR_EMBEDDING_NAMES.items():
        if emb.get(key):
            from flair.embeddings import FlairEmbeddings

            path = Path(emb[key]).expanduser()
            if not path.is_file():
                direction = key.removeprefix("flair_")
                raise ConfigError(
                    f"embeddings.{key}: {path} does not exist; pretrain it with "
                    f"`anonymizer pretrain-lm --direction {direction} --hidden-size 512` "
                    "(see models/lm/README.md)"
                )
            stack.append(FlairEmbeddings(str(path), name=name))
    return StackedEmbeddings(stack)


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


def train(
    settings: TrainSettings,
    out: Path,
    *,
    resume: bool = True,
    max_epochs: int | None = None,
    threads: int | None = None,
    on_epoch: Callable[[int, int], None] | None = None,
) -> Path:
    """Train (or resume) and return the path of the best model on dev."""
    import flair
    import torch
    from flair.models import SequenceTagger
    from flair.trainers import ModelTrainer

    out.mkdir(parents=True, exist_ok=True)
    hp, tr = settings.tagger, settings.training
    epochs = max_epochs or tr["max_epochs"]
    flair.set_seed(tr["seed"])
    train_files, dev_files = prepare_data(settings, out / "data")
    corpus = read_corpus(train_files, dev_files, silver=settings.silver)
    state_path = out / CHECKPOINT_STATE
    start_epoch, learning_rate, best_dev_score = 0, tr["learning_rate"], None
    if resume and state_path.exists():
        state = json.loads(state_path.read_text())
        start_epoch, learning_rate = state["epoch"], state["learning_rate"]
        best_dev_score = state.get("best_dev_score")  # absent in checkpoints before 0.2.0
        import anonymizer.detectors.chars  # noqa: F401  (registers the embedding class)

        tagger = SequenceTagger.load(str(out / CHECKPOINT))
        log.info("resuming after epoch %d at learning rate %g", start_epoch, learning_rate)
    else:
        label_dictionary = corpus.make_label_dictionary("ner", add_unk=False)
        tagger = SequenceTagger(
            hidden_size=hp["hidden_size"],
            embeddings=build_embeddings(settings, out / "resources"),
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
        precompute_lm_embeddings(tagger.embeddings, sentences, batch_size=tr["mini_batch_size"])
    ModelTrainer(tagger, corpus).train(
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
