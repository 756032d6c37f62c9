from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from anonymizer.errors import ConfigError
from anonymizer.evaluation.evaluate import read_conll
from anonymizer.model.training import read_corpus
from anonymizer.training.train import TrainSettings, prepare_data
from support import flair_dictionary

RECIPE = """
[data]
root = "{root}"
train = ["gold/a_train.bio"]
dev = ["gold/a_dev.bio"]
text = []
silver = ["{silver}"]
time_labels = {time_labels}

[embeddings]
word_dim = 8
word_vocab = 100
word_epochs = 1
char_min_count = 1
char_dim = 4
char_hidden = 4

[tagger]
hidden_size = 4
rnn_layers = 1
use_crf = true
word_dropout = 0.0
locked_dropout = 0.0

[training]
learning_rate = 0.1
mini_batch_size = 2
max_epochs = 1
patience = 3
seed = 1
"""


def make_recipe(tmp_path: Path, *, time_labels: bool) -> TrainSettings:
    gold = tmp_path / "gold"
    gold.mkdir(exist_ok=True)
    (gold / "a_train.bio").write_text(
        "Anna\tB-PER\nkom\tO\nden\tO\n3\tO\nmaj\tO\n.\tO\n\nMaj\tB-PER\nLind\tI-PER\nringde\tO\n\n",
        encoding="utf-8",
    )
    (gold / "a_dev.bio").write_text("Erik\tB-PER\nkom\tO\ni\tO\ngår\tO\n\n", encoding="utf-8")
    silver = tmp_path / "cache" / "silver.bio"
    silver.parent.mkdir(exist_ok=True)
    silver.write_text("Sara\tB-PER\nbor\tO\ni\tO\nUmeå\tB-LOC\n\n", encoding="utf-8")
    recipe = tmp_path / "recipe.toml"
    recipe.write_text(
        RECIPE.format(root=tmp_path, silver=silver, time_labels=str(time_labels).lower()), encoding="utf-8"
    )
    return TrainSettings.load(recipe)


def test_recipe_reads_silver_files_and_the_time_label_switch(tmp_path: Path) -> None:
    settings = make_recipe(tmp_path, time_labels=True)
    assert settings.silver == [tmp_path / "cache" / "silver.bio"] and settings.time_labels
    assert prepare_data(make_recipe(tmp_path, time_labels=False), tmp_path / "work") == (
        settings.train,
        settings.dev,
    )


def test_time_rules_label_the_gold_files(tmp_path: Path) -> None:
    train, dev = prepare_data(make_recipe(tmp_path, time_labels=True), tmp_path / "work")
    first, second = read_conll(train[0])
    assert first.tags == ["B-PER", "O", "B-TME", "I-TME", "I-TME", "O"]
    assert second.tags == ["B-PER", "I-PER", "O"]  # "Maj Lind" stays a name
    assert next(read_conll(dev[0])).tags == ["B-PER", "O", "B-TME", "I-TME"]


def test_silver_files_are_training_data_only(tmp_path: Path) -> None:
    settings = make_recipe(tmp_path, time_labels=False)
    corpus = read_corpus(settings.train, settings.dev, silver=settings.silver)
    assert (len(corpus.train), len(corpus.dev)) == (3, 1)
    labels = corpus.make_label_dictionary("ner", add_unk=False).get_items()
    assert {"PER", "LOC"} <= set(labels)


def test_resumed_lm_training_skips_the_splits_it_has_done() -> None:
    """Regression: Flair's LM trainer resumed at split k but read the files from the
    first one again, so every resume trained on already-seen text."""
    from torch.utils.data import DataLoader  # as Flair iterates the split files

    from anonymizer.model.training import RemainingSplits

    splits = RemainingSplits(["split_1", "split_2", "split_3", "split_4"], done=2)
    first_pass = [batch[0] for batch in DataLoader(splits, shuffle=False)]
    assert first_pass == ["split_3", "split_4"]
    later_pass = sorted(batch[0] for batch in DataLoader(splits, shuffle=True))
    assert later_pass == ["split_1", "split_2", "split_3", "split_4"]


def test_regression_resume_does_not_replace_a_better_best_model(tmp_path: Path, monkeypatch: Any) -> None:
    """Flair's trainer restarts its best dev score at 0 on resume, so the first
    epoch after an interruption overwrote best-model.pt even when it was worse."""
    import json

    from anonymizer.model import CHAR_EMBEDDING_NAME
    from anonymizer.model.chars import BatchedCharEmbeddings
    from anonymizer.training import train as training

    settings = make_recipe(tmp_path, time_labels=False)
    chars = flair_dictionary("AEJLMadeghiklmnort.3 ", unknown=True)
    tiny = BatchedCharEmbeddings(chars, char_embedding_dim=4, hidden_size_char=4, name=CHAR_EMBEDDING_NAME)
    monkeypatch.setattr(training, "build_embeddings", lambda *_: tiny)  # no word vectors to build
    out = tmp_path / "run"

    assert training.train(settings, out) == out / "best-model.pt"
    state = json.loads((out / "checkpoint.json").read_text())
    assert state["epoch"] == 1 and state["best_dev_score"] is not None
    first_best = (out / "best-model.pt").read_bytes()

    # as if the best epoch before the interruption had scored what no epoch can beat
    (out / "checkpoint.json").write_text(json.dumps({**state, "best_dev_score": 1.01}))
    training.train(settings, out, max_epochs=2)
    assert (out / "best-model.pt").read_bytes() == first_best
    state = json.loads((out / "checkpoint.json").read_text())
    assert (state["epoch"], state["best_dev_score"]) == (2, 1.01)
    assert not list(out.glob("*.partial"))


def test_recipe_without_dev_files_is_refused_naming_the_key(tmp_path: Path) -> None:
    recipe = tmp_path / "recipe.toml"
    text = RECIPE.format(root=".", silver="s.bio", time_labels="false")
    recipe.write_text(text.replace('dev = ["gold/a_dev.bio"]', "dev = []"))
    with pytest.raises(ConfigError, match=r"recipe\.toml: data\.dev is empty"):
        TrainSettings.load(recipe)


def test_word_vectors_can_be_left_out_for_an_ablation(tmp_path: Path) -> None:
    from anonymizer.model import CHAR_EMBEDDING_NAME
    from anonymizer.training.train import build_embeddings

    settings = make_recipe(tmp_path, time_labels=False)
    settings.embeddings.update(word_vectors=False)
    stack = build_embeddings(settings, tmp_path / "resources")
    assert [e.name for e in stack.embeddings] == [f"0-{CHAR_EMBEDDING_NAME}"]  # Flair prefixes the position
    assert not (tmp_path / "resources" / "words.kv").exists()


RECIPES = sorted((Path(__file__).parent.parent / "models").glob("*.toml"))


@pytest.mark.parametrize("recipe", RECIPES, ids=[p.name for p in RECIPES])
def test_shipped_recipes_load(recipe: Path) -> None:
    from anonymizer.cli.tools import recipe_kind

    if recipe_kind(recipe) == "encoder":
        from anonymizer.training.encoder_train import EncoderRecipe

        encoder = EncoderRecipe.load(recipe, data_root=recipe.parent)
        assert encoder.stages and encoder.dev and encoder.layers > 0 and 0 < encoder.entity_threshold <= 1
        return
    settings = TrainSettings.load(recipe, data_root=recipe.parent)
    assert settings.train and settings.dev and settings.tagger["hidden_size"] > 0


def write_recipe(tmp_path: Path, text: str) -> Path:
    recipe = tmp_path / "recipe.toml"
    recipe.write_text(text, encoding="utf-8")
    return recipe


BASE = RECIPE.format(root=".", silver="s.bio", time_labels="false")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        # word vectors on (the default): their settings are needed, at load time
        (
            "word_dim = 8\n",
            "",
            r"missing key 'embeddings\.word_dim' \(needed unless embeddings\.word_vectors",
        ),
        ("word_epochs = 1\n", "", r"missing key 'embeddings\.word_epochs'"),
        ("hidden_size = 4\n", "", r"missing key 'tagger\.hidden_size'"),
        ("seed = 1\n", "", r"missing key 'training\.seed'"),
        ('dev = ["gold/a_dev.bio"]\n', "", r"missing key 'data\.dev'"),
        ("[tagger]\n", "[taggr]\n", r"unknown table \[taggr\]"),
        (
            "max_epochs = 1\n",
            "max_epoch = 1\n",
            r"unknown key 'training\.max_epoch' \(known here: .*max_epochs",
        ),
        ("hidden_size = 4\n", 'hidden_size = "4"\n', r"key 'tagger\.hidden_size' must be int, not str"),
        ("use_crf = true\n", "use_crf = 1\n", r"key 'tagger\.use_crf' must be bool, not int"),
        (
            "mini_batch_size = 2\n",
            "mini_batch_size = true\n",
            r"key 'training\.mini_batch_size' must be int, not bool",
        ),
        ("text = []\n", "text = [1]\n", r"key 'data\.text' must be a list of str"),
        (
            "seed = 1\n",
            'seed = 1\nembeddings_storage = "disk"\n',
            r"key 'training\.embeddings_storage' must be one of none, cpu",
        ),
    ],
)
def test_recipe_schema_names_the_file_and_key(tmp_path: Path, old: str, new: str, message: str) -> None:
    assert old in BASE
    recipe = write_recipe(tmp_path, BASE.replace(old, new, 1))
    with pytest.raises(ConfigError, match=rf"recipe\.toml: {message}"):
        TrainSettings.load(recipe)


def test_recipe_without_word_vectors_needs_no_word_settings(tmp_path: Path) -> None:
    text = BASE.replace("word_dim = 8\nword_vocab = 100\nword_epochs = 1\n", "word_vectors = false\n")
    settings = TrainSettings.load(write_recipe(tmp_path, text))
    assert settings.embeddings["word_vectors"] is False and "word_dim" not in settings.embeddings
    # an integer where a float is expected is a float
    assert TrainSettings.load(write_recipe(tmp_path, BASE.replace("0.1", "1"))).training["learning_rate"] == 1


def test_recipe_root_may_come_from_the_caller(tmp_path: Path) -> None:
    text = BASE.replace('root = "."\n', "")
    with pytest.raises(ConfigError, match=r"missing key 'data\.root'"):
        TrainSettings.load(write_recipe(tmp_path, text))
    assert TrainSettings.load(write_recipe(tmp_path, text), data_root=tmp_path).root == tmp_path.resolve()
