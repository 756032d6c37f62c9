"""Training the encoder tagger end to end on a tiny random BERT: recipe, two stages, resume,
export, and the exported file loaded in a fresh process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from anonymizer.evaluation.evaluate import spans_from_tags
from anonymizer.training.encoder_data import keep_labels, micro_f1, read_documents

torch = pytest.importorskip("torch")
pytest.importorskip("onnx")

ROOT = Path(__file__).resolve().parent.parent
SENTENCES = [
    ("Anna Lind bor i Umeå .", "B-PER I-PER O O B-LOC O"),
    ("Erik arbetar på Volvo i Göteborg .", "B-PER O O B-ORG O B-LOC O"),
    ("Hon flyttade till Malmö i fjol .", "O O O B-LOC O O O"),
]

RECIPE = """
kind = "encoder"
[data]
root = "{root}"
train = [{{ file = "train.bio" }}, {{ file = "docs.jsonl", copies = 2 }}]
dev = ["train.bio"]
vocabulary_text = ["train.bio"]
[encoder]
layers = 1
[training]
learning_rate = 1e-3
head_learning_rate = 1e-2
batch_size = 2
epochs = 2
warmup = 0.1
max_pieces = 16
lower_case = 0.1
upper_case = 0.1
seed = 1
checkpoint_steps = 2
[[then]]
train = [{{ file = "train.bio" }}]
epochs = 1
learning_rate = 1e-4
head_learning_rate = 1e-3
warmup = 0.0
[export]
file = "tiny.onnx"
keep_fp32 = ['layer\\.\\d+/output/dense']
"""


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import BertConfig, BertModel

    root = tmp_path / "data"
    root.mkdir()
    lines = []
    for words, tags in SENTENCES:
        lines += [f"{w}\t{t}" for w, t in zip(words.split(), tags.split(), strict=True)] + [""]
    (root / "train.bio").write_text("\n".join(lines), encoding="utf-8")
    text = "Anna Lind ringde.\nHon bor i Umeå."
    spans = [{"start": 0, "end": 9, "label": "PER"}, {"start": 28, "end": 32, "label": "LOC"}]
    (root / "docs.jsonl").write_text(json.dumps({"id": "a", "text": text, "spans": spans}) + "\n", "utf-8")
    words = {w for s, _ in SENTENCES for w in s.split()} | {"ringde", "Hon", "bor", "i", "."}
    vocab = {
        "[PAD]": 0,
        "[UNK]": 1,
        "[CLS]": 2,
        "[SEP]": 3,
        **{w: i + 4 for i, w in enumerate(sorted(words))},
    }
    tokenizer = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)]
    )
    base = tmp_path / "run" / "base"
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=16,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=32,
    )
    BertModel(config, add_pooling_layer=False).save_pretrained(str(base))
    tokenizer.save(str(base / "tokenizer.json"))
    (tmp_path / "recipe.toml").write_text(RECIPE.format(root=root), encoding="utf-8")
    return tmp_path


def test_train_resume_export_and_reload_in_a_fresh_process(workspace: Path) -> None:
    from anonymizer.cli.tools import tools

    run = workspace / "run"
    args = ["train", "--config", str(workspace / "recipe.toml"), "--out", str(run)]
    with pytest.raises(SystemExit) as done:
        tools(args)
    assert done.value.code == 0
    first = json.loads((run / "checkpoint.pt").with_name("best").joinpath("dev-scores.json").read_text())
    assert "train.bio" in first
    assert (run / "stage-2" / "best" / "model.safetensors").exists()
    log = (run / "training.log").read_text(encoding="utf-8")
    assert "stage-2 epoch 1 dev" in log and "train train.bio" in log
    onnx_file = run / "tiny.onnx"
    assert onnx_file.exists()
    # A second run resumes: every stage is finished, so nothing trains again and the file is remade.
    before = (run / "stage-2" / "checkpoint.pt").stat().st_mtime_ns
    with pytest.raises(SystemExit) as again:
        tools(args)
    assert again.value.code == 0
    assert (run / "stage-2" / "checkpoint.pt").stat().st_mtime_ns == before
    # Finished stages are only read, so a recipe with other rates (other optimiser groups)
    # may follow them; here every stage is finished.
    decayed = workspace / "decayed.toml"
    decayed.write_text(
        RECIPE.format(root=workspace / "data").replace("[training]\n", "[training]\nlayer_decay = 0.5\n"),
        encoding="utf-8",
    )
    with pytest.raises(SystemExit) as other_rates:
        tools(["train", "--config", str(decayed), "--out", str(run)])
    assert other_rates.value.code == 0
    # --no-resume trains every stage again; --max-epochs is the recipe's business.
    with pytest.raises(SystemExit) as fresh_run:
        tools([*args, "--no-resume"])
    assert fresh_run.value.code == 0
    assert (run / "stage-2" / "checkpoint.pt").stat().st_mtime_ns != before
    with pytest.raises(SystemExit) as refused:
        tools([*args, "--max-epochs", "3"])
    assert refused.value.code == 2
    code = (
        "import sys; from pathlib import Path; from anonymizer.model.encoder import load_encoder; "
        "r = load_encoder(Path(sys.argv[1])).runtime; "
        "print(r.predict([['Anna', 'Lind', 'bor', 'i', 'Umeå', '.']])[0].tags)"
    )
    fresh = subprocess.run(
        [sys.executable, "-c", code, str(onnx_file)], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert fresh.returncode == 0, fresh.stderr
    assert fresh.stdout.count("'") >= 12  # six tags, each quoted


def test_documents_become_sentences_on_the_tokens_anonymize_runs() -> None:
    path = ROOT / "tests" / "data" / "encoder_docs.jsonl"
    sentences = list(read_documents(path))
    assert sentences[0] == (["Anna", "Lind-Berg", "ringde", "."], ["B-PER", "I-PER", "O", "O"])
    assert sentences[1] == (
        ["Hon", "bor", "på", "Storgatan", "3", "i", "Umeå", "."],
        ["O", "O", "O", "B-LOC", "I-LOC", "O", "B-LOC", "O"],
    )


def test_label_helpers() -> None:
    assert keep_labels(["I-PER", "I-PER", "B-MISC", "I-TME", "S-ORG"]) == [
        "B-PER",
        "I-PER",
        "O",
        "O",
        "B-ORG",
    ]
    assert spans_from_tags(["B-PER", "B-PER", "O", "B-LOC"], io=True) == {(0, 1, "PER"), (3, 3, "LOC")}
    scores = micro_f1([["B-PER", "O"]], [["B-PER", "B-LOC"]])
    assert scores["PER"] == 1.0 and scores["LOC"] == 0.0 and 0 < scores["micro"] < 1


def test_the_recipe_names_the_epoch_to_export(tmp_path: Path) -> None:
    from anonymizer.errors import ConfigError
    from anonymizer.training.encoder_train import EncoderRecipe

    recipe = tmp_path / "recipe.toml"
    recipe.write_text(RECIPE.format(root=tmp_path), encoding="utf-8")
    assert EncoderRecipe.load(recipe).export_epoch == "best"
    recipe.write_text(RECIPE.format(root=tmp_path) + 'epoch = "last"\n', encoding="utf-8")
    assert EncoderRecipe.load(recipe).export_epoch == "last"
    recipe.write_text(RECIPE.format(root=tmp_path) + 'epoch = "middle"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"recipe\.toml: \[export\] epoch: 'middle'"):
        EncoderRecipe.load(recipe)


def test_the_recipe_reads_mention_replacement(tmp_path: Path) -> None:
    from anonymizer.training.encoder_train import EncoderRecipe

    recipe = tmp_path / "recipe.toml"
    recipe.write_text(RECIPE.format(root=tmp_path), encoding="utf-8")
    assert EncoderRecipe.load(recipe).mention_replacement == 0.0
    text = RECIPE.format(root=tmp_path).replace("[training]\n", "[training]\nmention_replacement = 0.3\n")
    recipe.write_text(text, encoding="utf-8")
    assert EncoderRecipe.load(recipe).mention_replacement == 0.3


def test_layer_decay_gives_each_layer_its_rate() -> None:
    from transformers import BertConfig, BertForTokenClassification

    from anonymizer.training.encoder_train import Stage, parameter_groups

    config = BertConfig(
        vocab_size=20, hidden_size=8, num_hidden_layers=2, num_attention_heads=2, intermediate_size=16
    )
    model = BertForTokenClassification(config)
    stage = Stage(train=(), epochs=1, learning_rate=1e-3, head_learning_rate=1e-2, warmup=0.0)
    flat = parameter_groups(model, stage, 1.0)
    assert [g["lr"] for g in flat] == [1e-3, 1e-2]
    decayed = parameter_groups(model, stage, 0.5)
    assert [g["lr"] for g in decayed] == pytest.approx([2.5e-4, 5e-4, 1e-3, 1e-2])
    assert sum(len(g["params"]) for g in decayed) == sum(len(g["params"]) for g in flat)
