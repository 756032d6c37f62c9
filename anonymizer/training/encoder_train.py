"""Fine-tune the imported encoder as a token classifier; resumable, logged.

Layout of the output folder::

    base/                  the imported, trimmed encoder (config, weights, tokenizer.json)
    checkpoint.pt          model, optimiser, schedule and position, every ``checkpoint_steps``
    best/, last/           Hugging Face folders (``BertForTokenClassification`` + tokenizer.json,
                           dev-scores.json): the best and the last epoch of the first stage
    stage-N/               the same for each further stage (``[[then]]`` in the recipe)
    training.log           one line per logged step and per dev evaluation

A plain loop rather than Flair's trainer: Flair's ``TransformerWordEmbeddings``
loads a model folder through ``AutoModel`` and pools sub-words itself; here the
classifier is a stock ``BertForTokenClassification`` on each word's first
sub-word, which ``torch.onnx`` exports as it is and which is the same class a user's
Hugging Face checkpoint has (``anonymizer export-onnx``).
"""

from __future__ import annotations

import json
import logging
import math
import os
import random
import re
import time
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from anonymizer.errors import ConfigError
from anonymizer.evaluation.shared_lists import Gazetteers
from anonymizer.training.encoder_data import (
    TAGS,
    Sentence,
    augment_case,
    micro_f1,
    read_source,
    replace_mentions,
    synthetic_sentences,
)

log = logging.getLogger(__name__)
IGNORE = -100


@dataclass(frozen=True)
class Source:
    """Training sentences: a file under the data root, or synthetic documents (``{ synthetic
    = COUNT, seed = SEED }``, made with the name lists in the root's ``gazetteers``)."""

    name: str
    copies: int = 1
    synthetic: int = 0
    seed: int = 0

    @classmethod
    def from_table(cls, item: dict[str, Any]) -> Source:
        copies = int(item.get("copies", 1))
        if "synthetic" in item:
            seed = int(item.get("seed", 0))
            return cls(f"synthetic documents, seed {seed}", copies, int(item["synthetic"]), seed)
        return cls(str(item["file"]), copies)

    def read(self, root: Path) -> list[Sentence]:
        if self.synthetic:
            return synthetic_sentences(self.synthetic, seed=self.seed, gazetteers=root / "gazetteers")
        return read_source(root / self.name)


@dataclass(frozen=True)
class Stage:
    """One run of the schedule: its data, epochs and learning rates (warm-up, then linear decay)."""

    train: tuple[Source, ...]
    epochs: int
    learning_rate: float
    head_learning_rate: float
    warmup: float

    @classmethod
    def from_table(cls, table: dict[str, Any], train: list[dict[str, Any]]) -> Stage:
        return cls(
            train=tuple(Source.from_table(item) for item in train),
            epochs=int(table["epochs"]),
            learning_rate=float(table["learning_rate"]),
            head_learning_rate=float(table["head_learning_rate"]),
            warmup=float(table["warmup"]),
        )


@dataclass(frozen=True)
class EncoderRecipe:
    """The recipe TOML (``models/train-encoder.toml``): ``[training]`` with ``[data] train`` is
    the first stage; each ``[[then]]`` table (its own ``train``, epochs and rates) continues
    from the last epoch of the stage before it."""

    path: Path
    root: Path
    stages: tuple[Stage, ...]
    dev: tuple[str, ...]
    vocabulary_text: tuple[str, ...]
    layers: int
    batch_size: int
    max_pieces: int
    lower_case: float
    upper_case: float
    mention_replacement: float  # the share of person and place runs given other names
    layer_decay: float  # each layer's rate is this times the rate of the layer above it
    label_smoothing: float
    seed: int
    checkpoint_steps: int
    export_name: str
    export_epoch: str  # "best" (by mean dev F1) or "last": the last stage's folder to export
    keep_fp32: tuple[str, ...]
    entity_threshold: float

    @classmethod
    def load(cls, path: Path, *, data_root: Path | None = None) -> EncoderRecipe:
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
            data, model, training, export = raw["data"], raw["encoder"], raw["training"], raw["export"]
            # A relative root is taken from the working directory (the repository root).
            root = (data_root or Path(data["root"])).resolve()
            return cls(
                path=path,
                root=root,
                stages=(
                    Stage.from_table(training, data["train"]),
                    *(Stage.from_table(then, then["train"]) for then in raw.get("then", [])),
                ),
                dev=tuple(data["dev"]),
                vocabulary_text=tuple(data["vocabulary_text"]),
                layers=int(model["layers"]),
                batch_size=int(training["batch_size"]),
                max_pieces=int(training["max_pieces"]),
                lower_case=float(training["lower_case"]),
                upper_case=float(training["upper_case"]),
                mention_replacement=float(training.get("mention_replacement", 0.0)),
                layer_decay=float(training.get("layer_decay", 1.0)),
                label_smoothing=float(training.get("label_smoothing", 0.0)),
                seed=int(training["seed"]),
                checkpoint_steps=int(training["checkpoint_steps"]),
                export_name=str(export["file"]),
                keep_fp32=tuple(export.get("keep_fp32", ())),
                entity_threshold=float(export.get("entity_threshold", 0.5)),
                export_epoch=_export_epoch(export.get("epoch", "best")),
            )
        except KeyError as error:
            raise ConfigError(f"{path}: missing key {error.args[0]!r}") from error
        except (TypeError, ValueError, tomllib.TOMLDecodeError) as error:
            raise ConfigError(f"{path}: {error}") from error


def encode_words(
    tokenizer: Any, words: Sequence[str], tags: Sequence[str] | None
) -> tuple[list[int], list[int]]:
    """Piece ids (with ``<s>``/``</s>``) and per-piece label ids: each word's first piece
    carries its tag, the other pieces :data:`IGNORE`."""
    encoding = tokenizer.encode(list(words), is_pretokenized=True)
    labels: list[int] = []
    seen: set[int] = set()
    for word in encoding.word_ids:
        if word is None or word in seen or tags is None:
            labels.append(IGNORE)
        else:
            seen.add(word)
            labels.append(TAGS.index(tags[word]))
    return list(encoding.ids), labels


def split_long(tokenizer: Any, sentence: Sentence, max_pieces: int) -> list[Sentence]:
    """Cut a sentence between words so each part has at most ``max_pieces`` pieces."""
    words, tags = sentence
    sizes = [len(tokenizer.encode([w], is_pretokenized=True, add_special_tokens=False).ids) for w in words]
    parts: list[Sentence] = []
    start, total = 0, 0
    for index, size in enumerate(sizes):
        if total + size > max_pieces - 2 and index > start:
            parts.append((words[start:index], tags[start:index]))
            start, total = index, 0
        total += size
    parts.append((words[start:], tags[start:]))
    return parts


def _export_epoch(value: object) -> str:
    if value not in ("best", "last"):
        raise ValueError(f"[export] epoch: {value!r} is not 'best' or 'last'")
    return str(value)


def train_encoder(
    recipe: EncoderRecipe,
    out: Path,
    *,
    threads: int = 1,
    on_step: Callable[[int, int], None] | None = None,
) -> Path:
    """Train (or resume) every stage and return the folder of the last one that the recipe
    exports (``[export] epoch``: its best or its last epoch).

    The first stage writes into ``out``, stage N into ``out/stage-N``; a finished stage is
    skipped on a resume.
    """
    import torch
    from tokenizers import Tokenizer

    torch.set_num_threads(threads)
    base = out / "base"
    if not (base / "config.json").exists():
        raise ConfigError(f"{base}: no imported encoder; run `anonymizer import-encoder --out {base}` first")
    tokenizer = Tokenizer.from_file(str(base / "tokenizer.json"))
    dev_sets = {name: read_source(recipe.root / name) for name in recipe.dev}
    start = base
    folder = out
    for number, stage in enumerate(recipe.stages, start=1):
        folder = out if number == 1 else out / f"stage-{number}"
        folder.mkdir(parents=True, exist_ok=True)
        _train_stage(recipe, stage, start, base, folder, tokenizer, dev_sets, on_step)
        start = folder / "last"
    return folder / recipe.export_epoch


def _train_stage(
    recipe: EncoderRecipe,
    stage: Stage,
    start: Path,
    base: Path,
    out: Path,
    tokenizer: Any,
    dev_sets: dict[str, list[Sentence]],
    on_step: Callable[[int, int], None] | None,
) -> None:
    import torch
    from transformers import BertForTokenClassification

    train_sets = []
    for source in stage.train:
        sentences = [p for s in source.read(recipe.root) for p in split_long(tokenizer, s, recipe.max_pieces)]
        train_sets.extend(sentences * source.copies)
        log.info("train %s: %d sentences x %d", source.name, len(sentences), source.copies)
    model = BertForTokenClassification.from_pretrained(
        str(start),
        num_labels=len(TAGS),
        id2label=dict(enumerate(TAGS)),
        label2id={tag: i for i, tag in enumerate(TAGS)},
        num_hidden_layers=recipe.layers,
    )
    model.bert.embeddings.word_embeddings.weight.requires_grad_(False)
    optimiser = torch.optim.AdamW(parameter_groups(model, stage, recipe.layer_decay), weight_decay=0.01)
    steps_per_epoch = math.ceil(len(train_sets) / recipe.batch_size)
    total = steps_per_epoch * stage.epochs
    warm = int(total * stage.warmup)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser,
        lambda step: min((step + 1) / max(warm, 1), max(0.0, (total - step) / max(total - warm, 1))),
    )
    loss_fn = torch.nn.CrossEntropyLoss(ignore_index=IGNORE, label_smoothing=recipe.label_smoothing)
    state: dict[str, Any] = {"step": 0, "best": -1.0, "history": []}
    checkpoint = out / "checkpoint.pt"
    if checkpoint.exists():
        saved = torch.load(checkpoint, map_location="cpu", weights_only=False)
        state = saved["state"]
        if state["step"] < total:  # a finished stage is only read, so a later one may change rates
            model.load_state_dict(saved["model"])
            optimiser.load_state_dict(saved["optimiser"])
            schedule.load_state_dict(saved["schedule"])
        log.info("%s: resumed at step %d of %d", out.name, state["step"], total)

    def save_checkpoint() -> None:
        temporary = checkpoint.with_suffix(".tmp")
        payload = {
            "model": model.state_dict(),
            "optimiser": optimiser.state_dict(),
            "schedule": schedule.state_dict(),
            "state": state,
        }
        torch.save(payload, temporary)
        os.replace(temporary, checkpoint)

    lists = Gazetteers.load(recipe.root / "gazetteers") if recipe.mention_replacement > 0 else None

    def augmented(sentence: Sentence, rng: random.Random) -> Sentence:
        if lists is not None:
            sentence = replace_mentions(sentence, rng, rate=recipe.mention_replacement, lists=lists)
        return augment_case(sentence, rng, lower=recipe.lower_case, upper=recipe.upper_case)

    started = time.monotonic()
    while state["step"] < total:
        epoch, offset = divmod(state["step"], steps_per_epoch)
        batches = bucketed_batches(train_sets, recipe.batch_size, random.Random(recipe.seed * 1000 + epoch))
        model.train()
        for index in range(offset, steps_per_epoch):
            batch = [augmented(train_sets[i], rng_for(recipe.seed, epoch, i)) for i in batches[index]]
            ids, labels, mask = _pad([encode_words(tokenizer, w, t) for w, t in batch])
            logits = model(input_ids=torch.tensor(ids), attention_mask=torch.tensor(mask)).logits
            loss = loss_fn(logits.reshape(-1, len(TAGS)), torch.tensor(labels).reshape(-1))
            optimiser.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimiser.step()
            schedule.step()
            state["step"] += 1
            if state["step"] % 50 == 0:
                log.info(
                    "%s epoch %d step %d/%d loss %.4f (%.0f s)",
                    out.name,
                    epoch + 1,
                    state["step"],
                    total,
                    loss.item(),
                    time.monotonic() - started,
                )
            if on_step is not None:
                on_step(state["step"], total)
            if state["step"] % recipe.checkpoint_steps == 0:
                save_checkpoint()
        scores = evaluate_dev(model, tokenizer, dev_sets)
        mean = float(np.mean([s["micro"] for s in scores.values()]))
        state["history"].append({"epoch": epoch + 1, "scores": scores})
        log.info("%s epoch %d dev %s", out.name, epoch + 1, json.dumps(scores))
        save_folder(model, base, out / "last", scores)
        if mean > state["best"]:
            state["best"] = mean
            save_folder(model, base, out / "best", scores)
        save_checkpoint()


def parameter_groups(model: Any, stage: Stage, layer_decay: float) -> list[dict[str, Any]]:
    """The head at its own rate; the body at the stage's rate, or with ``layer_decay`` below
    1 each layer down from the top at that factor more (the embeddings as one layer more)."""
    head = [p for n, p in model.named_parameters() if n.startswith("classifier")]
    trained = [
        (n, p) for n, p in model.named_parameters() if not n.startswith("classifier") and p.requires_grad
    ]
    if layer_decay == 1.0:  # two groups, as checkpoints written before layer_decay hold
        return [
            {"params": [p for _, p in trained], "lr": stage.learning_rate},
            {"params": head, "lr": stage.head_learning_rate},
        ]
    layers = int(model.config.num_hidden_layers)
    by_depth: dict[int, list[Any]] = {}
    for name, parameter in trained:
        found = re.search(r"\.layer\.(\d+)\.", name)
        by_depth.setdefault(int(found.group(1)) + 1 if found else 0, []).append(parameter)
    groups = [
        {"params": params, "lr": stage.learning_rate * layer_decay ** (layers - depth)}
        for depth, params in sorted(by_depth.items())
    ]
    return [*groups, {"params": head, "lr": stage.head_learning_rate}]


def bucketed_batches(sentences: Sequence[Sentence], size: int, rng: random.Random) -> list[list[int]]:
    """Shuffled batches of sentences of similar length (less padding): shuffle, sort runs
    of 50 batches by length, cut, shuffle the batches."""
    order = list(range(len(sentences)))
    rng.shuffle(order)
    run = size * 50
    batches: list[list[int]] = []
    for start in range(0, len(order), run):
        chunk = sorted(order[start : start + run], key=lambda i: len(sentences[i][0]))
        batches.extend(chunk[i : i + size] for i in range(0, len(chunk), size))
    rng.shuffle(batches)
    return batches


def rng_for(seed: int, epoch: int, index: int) -> random.Random:
    """The augmentation draw of one sentence in one epoch: the same after a resume."""
    return random.Random(f"{seed}:{epoch}:{index}")


def _pad(
    encoded: list[tuple[list[int], list[int]]],
) -> tuple[list[list[int]], list[list[int]], list[list[int]]]:
    width = max(len(ids) for ids, _ in encoded)
    ids = [i + [1] * (width - len(i)) for i, _ in encoded]
    labels = [lab + [IGNORE] * (width - len(lab)) for _, lab in encoded]
    mask = [[1] * len(i) + [0] * (width - len(i)) for i, _ in encoded]
    return ids, labels, mask


def predict_tags(
    model: Any, tokenizer: Any, sentences: Sequence[Sentence], *, batch_size: int = 32
) -> list[list[str]]:
    """BIO tags from the torch model (first piece of each word); for dev scores."""
    import torch

    model.eval()
    out: list[list[str]] = []
    with torch.no_grad():
        for start in range(0, len(sentences), batch_size):
            batch = sentences[start : start + batch_size]
            encoded = [encode_words(tokenizer, words[:400], tags[:400]) for words, tags in batch]
            ids, labels, mask = _pad(encoded)
            logits = model(input_ids=torch.tensor(ids), attention_mask=torch.tensor(mask)).logits
            best = logits.argmax(-1).tolist()
            for (words, _), row, label_row in zip(batch, best, labels, strict=True):
                tags = [TAGS[p] for p, gold in zip(row, label_row, strict=True) if gold != IGNORE]
                out.append(tags + ["O"] * (len(words) - len(tags)))
    model.train()
    return out


def evaluate_dev(
    model: Any, tokenizer: Any, dev_sets: dict[str, list[Sentence]]
) -> dict[str, dict[str, float]]:
    return {
        name: micro_f1([tags for _, tags in sentences], predict_tags(model, tokenizer, sentences))
        for name, sentences in dev_sets.items()
    }


def save_folder(model: Any, base: Path, folder: Path, scores: dict[str, Any]) -> None:
    """A Hugging Face folder: weights, config and the trimmed tokenizer, plus the dev scores."""
    import shutil

    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(folder))
    shutil.copyfile(base / "tokenizer.json", folder / "tokenizer.json")
    (folder / "dev-scores.json").write_text(json.dumps(scores, indent=2), encoding="utf-8")
