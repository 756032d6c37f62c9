"""Train the BiLSTM-CRF tagger from a recipe TOML; resumable after an interruption.

Layout of the output folder::

    resources/chars.pkl, resources/words.kv   embeddings made from local data
    data/                                     prepared train/dev files (labels dropped,
                                              TME from the rules, augmented copies)
    checkpoint.pt, checkpoint.json            last finished epoch (for --resume)
    best-model.pt                             best dev micro F1 over all runs
    training.log                              Flair's log

The recipe is checked against :data:`RECIPE_SCHEMA` when it is loaded: a missing,
unknown or mistyped key is an error that names the file and the key.
"""

from __future__ import annotations

import logging
import tomllib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, cast

from anonymizer.errors import ConfigError
from anonymizer.model.registry import FLAIR_EMBEDDING_NAMES
from anonymizer.training.embeddings import build_char_dictionary, train_word_vectors

log = logging.getLogger(__name__)
LEXICON_SHAPES_FILE = "lexicon/features.toml"


@dataclass(frozen=True)
class Key:
    """One recipe key: its type and whether a recipe must have it.

    ``when`` names a boolean key of the same table (true when absent) that makes
    this one required; ``items`` is the type of a list's items.
    """

    kind: type
    required: bool = True
    when: str | None = None
    items: type | None = None


_FILES = Key(list, items=str)
RECIPE_SCHEMA: dict[str, dict[str, Key]] = {
    "data": {
        # Optional: the caller may name the data folder instead.
        "root": Key(str, required=False),
        "train": _FILES,
        "dev": _FILES,
        "text": _FILES,
        # Extra training files without a dev split (silver data: `anonymizer silver`).
        "silver": Key(list, required=False, items=str),
        # Add TME tags from the time rules to the gold files (they have none).
        "time_labels": Key(bool, required=False),
        # Labels to turn into O in every file (SUC's MSR).
        "drop_labels": Key(list, required=False, items=str),
        # Share of the training sentences without any entity that is kept (default 1).
        "keep_empty": Key(float, required=False),
    },
    # Optional: copies of training sentences (anonymizer.training.augment).
    "augment": {
        "mention_share": Key(float, required=False),
        "lower_share": Key(float, required=False),
        "upper_share": Key(float, required=False),
        "seed": Key(int, required=False),
    },
    "embeddings": {
        # false: characters only, an ablation (models/README.md).
        "word_vectors": Key(bool, required=False),
        "word_dim": Key(int, required=False, when="word_vectors"),
        "word_vocab": Key(int, required=False, when="word_vectors"),
        "word_epochs": Key(int, required=False, when="word_vectors"),
        "char_min_count": Key(int),
        "char_dim": Key(int),
        "char_hidden": Key(int),
        # Character language models pretrained here (`anonymizer pretrain-lm`).
        **{key: Key(str, required=False) for key in FLAIR_EMBEDDING_NAMES},
        # The lexicon features (anonymizer.model.lexicon_features) as one more embedding.
        "lexicon": Key(bool, required=False),
    },
    "tagger": {
        "hidden_size": Key(int),
        "rnn_layers": Key(int),
        "use_crf": Key(bool),
        "word_dropout": Key(float),
        "locked_dropout": Key(float),
    },
    "training": {
        "learning_rate": Key(float),
        "mini_batch_size": Key(int),
        "max_epochs": Key(int),
        "patience": Key(int),
        "seed": Key(int),
        # "cpu": keep the frozen embeddings in memory after the first epoch.
        "embeddings_storage": Key(str, required=False),
        # A trained tagger to start from (anonymizer.model.warm_start); relative to the
        # working directory. Its embeddings and sizes are kept; [tagger] is then unused.
        "init_from": Key(str, required=False),
    },
}
OPTIONAL_TABLES = frozenset({"augment"})
EMBEDDINGS_STORAGE = ("none", "cpu", "gpu")  # Flair's embeddings_storage_mode


def check_recipe(raw: Mapping[str, Any], path: Path) -> None:
    """Raise :class:`ConfigError` naming ``path`` and the key unless ``raw`` fits the schema."""
    for table in raw:
        if table not in RECIPE_SCHEMA:
            raise ConfigError(f"{path}: unknown table [{table}] (known: {', '.join(RECIPE_SCHEMA)})")
    for table, keys in RECIPE_SCHEMA.items():
        values = raw.get(table, {} if table in OPTIONAL_TABLES else None)
        if not isinstance(values, Mapping):
            raise ConfigError(f"{path}: missing table [{table}]")
        for key, value in values.items():
            if key not in keys:
                known = ", ".join(sorted(keys))
                raise ConfigError(f"{path}: unknown key '{table}.{key}' (known here: {known})")
            _check_type(keys[key], value, f"{table}.{key}", path)
        for key, spec in keys.items():
            needed = spec.required or (spec.when is not None and values.get(spec.when, True))
            if needed and key not in values:
                reason = f" (needed unless {table}.{spec.when} = false)" if spec.when else ""
                raise ConfigError(f"{path}: missing key '{table}.{key}'{reason}")
    storage = raw["training"].get("embeddings_storage", "none")
    if storage not in EMBEDDINGS_STORAGE:
        raise ConfigError(
            f"{path}: key 'training.embeddings_storage' must be one of {', '.join(EMBEDDINGS_STORAGE)}"
        )


def _check_type(spec: Key, value: Any, dotted: str, path: Path) -> None:
    if spec.kind is float and isinstance(value, int | float) and not isinstance(value, bool):
        return
    if not isinstance(value, spec.kind) or (spec.kind is int and isinstance(value, bool)):
        raise ConfigError(f"{path}: key '{dotted}' must be {spec.kind.__name__}, not {type(value).__name__}")
    if spec.items is not None and not all(isinstance(item, spec.items) for item in cast(list[Any], value)):
        raise ConfigError(f"{path}: key '{dotted}' must be a list of {spec.items.__name__}")


@dataclass(frozen=True)
class TrainSettings:
    root: Path
    train: list[Path]
    dev: list[Path]
    text: list[Path]
    embeddings: dict[str, Any]
    tagger: dict[str, Any]
    training: dict[str, Any]
    silver: list[Path] = field(default_factory=list)
    time_labels: bool = False
    drop_labels: frozenset[str] = frozenset()
    keep_empty: float = 1.0
    augment: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path, *, data_root: Path | None = None) -> TrainSettings:
        """Read and check a recipe; ``data_root`` replaces its ``data.root``."""
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(f"{path}: {error}") from error
        check_recipe(raw, path)
        data = raw["data"]
        if data_root is None and "root" not in data:
            raise ConfigError(f"{path}: missing key 'data.root' (the folder with ner/ and text/)")
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
            drop_labels=frozenset(data.get("drop_labels", ())),
            keep_empty=float(data.get("keep_empty", 1.0)),
            augment=dict(raw.get("augment", {})),
        )
        if not settings.dev:
            # The best model and the learning-rate schedule are chosen on dev F1.
            raise ConfigError(f"{path}: data.dev is empty; name at least one dev file")
        return settings


def prepare_data(settings: TrainSettings, work: Path) -> tuple[list[Path], list[Path]]:
    """The train and dev files to read, written to ``work`` when the recipe changes them:
    ``drop_labels`` turned into O, TME tags from the time rules (``time_labels``: the
    gold corpora have none), and, for training files only, ``keep_empty`` and the
    augmented copies of ``[augment]``."""
    from anonymizer.training.augment import (
        Augmentation,
        MentionPools,
        augment,
        drop_labels,
        write_bio,
    )

    augmentation = Augmentation.from_mapping(settings.augment)
    if not (settings.time_labels or settings.drop_labels or augmentation.active or settings.keep_empty < 1):
        return settings.train, settings.dev
    import random

    from anonymizer.detectors.time import TimeDetector
    from anonymizer.evaluation.evaluate import read_conll
    from anonymizer.gazetteers import gazetteer_folder
    from anonymizer.training.silver import add_time_tags

    detector = TimeDetector()
    pools = MentionPools.from_gazetteers(gazetteer_folder()) if augmentation.mention_share else None
    work.mkdir(parents=True, exist_ok=True)

    def sentences(path: Path, *, train: bool, seed: int) -> Iterator[tuple[list[str], list[str]]]:
        chooser = random.Random(seed)
        for sentence in read_conll(path):
            tokens, tags = sentence.tokens, drop_labels(sentence.tags, settings.drop_labels)
            if settings.time_labels:
                tags = add_time_tags(tokens, tags, detector=detector)
            if train and all(tag == "O" for tag in tags) and chooser.random() >= settings.keep_empty:
                continue
            yield tokens, tags

    prepared: list[list[Path]] = [[], []]
    for split, paths in enumerate((settings.train, settings.dev)):
        for index, path in enumerate(paths):
            target = work / f"{path.stem}.prepared{path.suffix}"
            rows = sentences(path, train=split == 0, seed=augmentation.seed + index)
            if split == 0 and augmentation.active:
                per_file = replace(augmentation, seed=augmentation.seed + 1000 + index)
                rows = augment(rows, settings=per_file, pools=pools)
            count = write_bio(rows, target)
            log.info("prepared %s: %d sentences", target.name, count)
            prepared[split].append(target)
    return prepared[0], prepared[1]


def ensure_char_dictionary(settings: TrainSettings, path: Path) -> None:
    """Build the character dictionary (the tagger's and the LMs') unless ``path`` exists."""
    if not path.exists():
        size = build_char_dictionary(
            settings.train, settings.text, path, min_count=settings.embeddings["char_min_count"]
        )
        log.info("character dictionary: %d entries", size)


def build_embeddings(settings: TrainSettings, resources: Path) -> Any:
    """The embedding stack of a new tagger; missing resources are built in ``resources``."""
    from anonymizer.model.embeddings import stack_embeddings

    emb = settings.embeddings
    chars, words = resources / "chars.pkl", resources / "words.kv"
    ensure_char_dictionary(settings, chars)
    use_words = emb.get("word_vectors", True)
    if use_words and not words.exists():
        size = train_word_vectors(
            settings.text,
            settings.train,
            words,
            dim=emb["word_dim"],
            vocab_size=emb["word_vocab"],
            epochs=emb["word_epochs"],
        )
        log.info("word vectors: %d words", size)
    language_models: dict[str, Path] = {}
    for key in FLAIR_EMBEDDING_NAMES:
        if emb.get(key):
            path = Path(emb[key]).expanduser()
            if not path.is_file():
                direction = key.removeprefix("flair_")
                raise ConfigError(
                    f"embeddings.{key}: {path} does not exist; pretrain it with "
                    f"`anonymizer pretrain-lm --direction {direction} --hidden-size 512` "
                    "(see models/lm/README.md)"
                )
            language_models[key] = path
    return stack_embeddings(
        words=words if use_words else None,
        chars=chars,
        char_dim=emb["char_dim"],
        char_hidden=emb["char_hidden"],
        language_models=language_models,
        lexicon=lexicon_tables() if emb.get("lexicon") else None,
    )


def lexicon_tables() -> Any:
    """The lexicon features' tables from the shipped lists (saved inside the model)."""
    from anonymizer.common_words import WORD_CASE_FILE
    from anonymizer.config import shipped_file
    from anonymizer.gazetteers import gazetteer_folder
    from anonymizer.model.lexicon_features import build_tables

    return build_tables(
        gazetteers=gazetteer_folder(),
        word_case=shipped_file("rules", WORD_CASE_FILE),
        shapes=shipped_file("rules", LEXICON_SHAPES_FILE),
    )


def warm_start_builder(settings: TrainSettings) -> Callable[[list[str]], Any] | None:
    """``training.init_from``: a builder of the new tagger from the corpus's labels."""
    source = settings.training.get("init_from")
    if not source:
        return None
    path = Path(source).expanduser()
    if not path.is_file():
        raise ConfigError(f"training.init_from: {path} does not exist (a tagger file: .pt)")

    def build(labels: list[str]) -> Any:
        from anonymizer.model import load_model
        from anonymizer.model.lexicon import LexiconEmbeddings
        from anonymizer.model.registry import LEXICON_EMBEDDING_NAME
        from anonymizer.model.warm_start import warm_start

        lexicon = None
        if settings.embeddings.get("lexicon"):
            lexicon = LexiconEmbeddings(lexicon_tables(), name=LEXICON_EMBEDDING_NAME)
        old = load_model(path).tagger
        return warm_start(old, labels=labels, lexicon=lexicon, seed=settings.training["seed"])

    return build


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
    from anonymizer.model.training import train_tagger

    out.mkdir(parents=True, exist_ok=True)
    train_files, dev_files = prepare_data(settings, out / "data")
    return train_tagger(
        train_files,
        dev_files,
        out,
        tagger=settings.tagger,
        training=settings.training,
        embeddings=lambda: build_embeddings(settings, out / "resources"),
        warm_start=warm_start_builder(settings),
        silver=settings.silver,
        resume=resume,
        max_epochs=max_epochs,
        threads=threads,
        on_epoch=on_epoch,
    )
