"""The numpy tagger runtime: equal to Flair, independent of neighbours, no pickles, no torch.

int8 dynamic quantization takes each activation's range from the whole tensor it
is given, so Flair's mini-batches made a sentence's tags depend on the other
sentences of its batch (issue 13: ``[ORG_1]`` in one file, ``[PER_2]`` in another).
The runtime gives each sentence its own ranges: a sentence's result is bit for bit
the same alone and in any batch. Against Flair's ``predict`` with
``mini_batch_size=1`` the tags are equal and the scores agree to a few units in the
last place (numpy's exp and tanh are not torch's).
"""

from __future__ import annotations

import csv
import io
import json
import os
import random
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from anonymizer.model.runtime import FORMAT, TaggerRuntime, load_runtime, spans_from_tags
from support import flair_dictionary

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
DEV = ROOT.parent / "shared" / "data" / "ner"
KEY = b"0123456789abcdef0123456789abcdef"

# (tag, score) per token; "O" tokens carry no Flair label, so no score.
Tokens = list[tuple[str, float | None]]
# How far a runtime score may be from Flair's (numpy's exp/tanh against torch's).
SCORE_TOLERANCE = 1e-3


def assert_close(got: Sequence[Tokens], want: Sequence[Tokens]) -> None:
    """Equal tags; scores within :data:`SCORE_TOLERANCE`."""
    assert [[tag for tag, _ in tokens] for tokens in got] == [[tag for tag, _ in tokens] for tokens in want]
    for got_tokens, want_tokens in zip(got, want, strict=True):
        for (_, a), (_, b) in zip(got_tokens, want_tokens, strict=True):
            assert (a is None) == (b is None)
            if a is not None and b is not None:
                assert abs(a - b) <= SCORE_TOLERANCE, (a, b)


def flair_tokens(tagger: Any, token_lists: Sequence[Sequence[str]], *, batch_size: int) -> list[Tokens]:
    """Flair's own tags and confidences per token (``force_token_predictions``)."""
    import torch
    from flair.data import Sentence

    sentences = [Sentence(list(tokens)) for tokens in token_lists]
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # far faster on a busy machine; results do not depend on it
    try:
        with torch.inference_mode():
            tagger.predict(
                sentences, mini_batch_size=batch_size, label_name="p", force_token_predictions=True
            )
    finally:
        torch.set_num_threads(threads)
    return [
        [(t.get_label("p").value, t.get_label("p").score) if t.get_labels("p") else ("O", None) for t in s]
        for s in sentences
    ]


def runtime_tokens(runtime: TaggerRuntime, token_lists: Sequence[Sequence[str]]) -> list[Tokens]:
    return [
        [(tag, None if tag == "O" else score) for tag, score in zip(s.tags, s.scores, strict=True)]
        for s in runtime.predict(token_lists)
    ]


def runtime_of(tagger: Any) -> TaggerRuntime:
    """Export through a runtime file, as the shipped model is."""
    import tempfile

    from anonymizer.model.export import export_tagger, save_runtime

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "tagger.rt.npz"
        save_runtime(export_tagger(tagger), path)
        return TaggerRuntime.load(path)


# --- small models, no shipped file ---------------------------------------------------

WORDS = ["anna", "lind", "bor", "i", "umeå", ".", "##", "0-0", "volvo", "och"]
SENTENCES = [
    "Anna Lind bor i Umeå .",
    "ANNA och anna och Anna bor i 12 , 1-2 .",
    "Volvo",
    "Ärendet 2021 x\u200by zzz qqq Umeå Umeå .",
    "i i i i i i i i i i i i i i i i i i i i i i i i i i i i i i i i i i i i",
]


def tiny_tagger(*, use_crf: bool, seed: int, lexicon: bool = False) -> Any:
    """Words (with Flair's lower-case and digit fallbacks) + our character BiLSTM (+ our
    lexicon features), random weights."""
    import torch
    from flair.embeddings import StackedEmbeddings, WordEmbeddings
    from flair.models import SequenceTagger

    from anonymizer.model import CHAR_EMBEDDING_NAME, WORD_EMBEDDING_NAME
    from anonymizer.model.chars import BatchedCharEmbeddings
    from anonymizer.model.lexicon import LexiconEmbeddings
    from anonymizer.model.lexicon_features import LexiconTables
    from anonymizer.model.registry import LEXICON_EMBEDDING_NAME

    torch.manual_seed(seed)
    words = WordEmbeddings(
        None, vocab={w: i for i, w in enumerate(WORDS)}, embedding_length=6, name=WORD_EMBEDDING_NAME
    )
    words.embedding.weight.data.normal_()
    chars = BatchedCharEmbeddings(
        flair_dictionary("abcdeilnorsuåäö. ", unknown=True),
        char_embedding_dim=5,
        hidden_size_char=4,
        name=CHAR_EMBEDDING_NAME,
    )
    stack: list[Any] = [words, chars]
    if lexicon:
        tables = LexiconTables(
            lookup={"anna": 0b101, "umeå": 0b10000000, "lind": 0b100000},
            org_suffixes=("verket",),
            org_keywords=frozenset({"volvo"}),
            unit_words=frozenset({"och"}),
        )
        stack.append(LexiconEmbeddings(tables, name=LEXICON_EMBEDDING_NAME))
    tags = flair_dictionary(["O", "S-PER", "B-PER", "E-PER", "I-PER", "S-LOC"], unknown=False)
    tagger = SequenceTagger(
        hidden_size=8,
        embeddings=StackedEmbeddings(stack),
        tag_dictionary=tags,
        tag_type="ner",
        use_crf=use_crf,
    )
    for parameter in tagger.parameters():
        parameter.data.normal_()
    return tagger.eval()


@pytest.mark.parametrize("quantized", [False, True], ids=["fp32", "int8"])
@pytest.mark.parametrize(
    ("use_crf", "lexicon"), [(True, False), (False, False), (True, True)], ids=["crf", "softmax", "lexicon"]
)
def test_small_tagger_tags_and_scores_equal_flairs_per_sentence_predict(
    quantized: bool, use_crf: bool, lexicon: bool
) -> None:
    from anonymizer.model import quantize_tagger

    tagger = tiny_tagger(use_crf=use_crf, seed=3, lexicon=lexicon)
    if quantized:  # per output row, as `anonymizer quantize` does now
        tagger = quantize_tagger(tagger)
    token_lists = [s.split() for s in SENTENCES]
    want = flair_tokens(tagger, token_lists, batch_size=1)
    runtime = runtime_of(tagger)
    assert runtime.batchable is quantized
    assert_close(runtime_tokens(runtime, token_lists), want)
    assert any(tag != "O" for tokens in want for tag, _ in tokens)  # the comparison saw entities


def test_spans_from_tags_equal_flairs_reading_of_any_tag_sequence() -> None:
    from flair.data import get_spans_from_bio

    rng = random.Random(0)
    alphabet = ["O", "B-PER", "I-PER", "E-PER", "S-PER", "B-LOC", "I-LOC", "S-LOC", "E-LOC"]
    for _ in range(2000):
        tags = [rng.choice(alphabet) for _ in range(rng.randint(0, 9))]
        scores = [rng.random() for _ in tags]
        want = [
            (ids[0], ids[-1], label, score) for ids, score, label in get_spans_from_bio(list(tags), scores)
        ]
        assert spans_from_tags(tags, scores) == want


def test_empty_tokens_are_refused_not_dropped() -> None:
    runtime = runtime_of(tiny_tagger(use_crf=True, seed=1))
    assert len(runtime.predict([["Anna", "\u200b", "Lind"], []])) == 2
    with pytest.raises(ValueError, match="kept 1 of 2 tokens"):
        runtime.predict([["", "Anna"]])


def test_unsupported_embedding_is_an_export_error_naming_it() -> None:
    from flair.embeddings import OneHotEmbeddings, StackedEmbeddings
    from flair.models import SequenceTagger

    from anonymizer.model.export import ExportError, export_tagger

    vocab = flair_dictionary(["anna", "lind"], unknown=True)
    tagger = SequenceTagger(
        hidden_size=4,
        embeddings=StackedEmbeddings([OneHotEmbeddings(vocab)]),
        tag_dictionary=flair_dictionary(["O", "S-PER"], unknown=False),
        tag_type="ner",
    )
    with pytest.raises(ExportError, match="OneHotEmbeddings"):
        export_tagger(tagger)


def test_a_flair_file_is_exported_on_load_and_lm_models_fall_back_to_flair_per_sentence(
    tmp_path: Path,
) -> None:
    from flair.embeddings import FlairEmbeddings, StackedEmbeddings
    from flair.models import LanguageModel, SequenceTagger

    from anonymizer.detectors.ner import NerDetector, load_tagger
    from anonymizer.model.runtime import LoadedRuntime

    token_lists = [s.split() for s in SENTENCES]
    tagger = tiny_tagger(use_crf=True, seed=5)
    tagger.save(tmp_path / "words-chars.pt")
    loaded = load_tagger(tmp_path / "words-chars.pt")
    assert isinstance(loaded, LoadedRuntime) and loaded.exported
    detector = NerDetector(loaded)
    assert detector.runtime is not None
    assert detector.tag(token_lists) == [s.spans() for s in runtime_of(tagger).predict(token_lists)]

    chars = flair_dictionary("abcdeilnorsuåäö. ", unknown=True)
    LanguageModel(chars, is_forward_lm=True, hidden_size=6, nlayers=1, embedding_size=4).save(
        tmp_path / "lm.pt"
    )
    with_lm = SequenceTagger(
        hidden_size=4,
        embeddings=StackedEmbeddings([FlairEmbeddings(str(tmp_path / "lm.pt"))]),
        tag_dictionary=flair_dictionary(["O", "S-PER"], unknown=False),
        tag_type="ner",
    )
    with_lm.save(tmp_path / "lm-tagger.pt")
    fallback = NerDetector(load_tagger(tmp_path / "lm-tagger.pt"))
    assert fallback.runtime is None  # Flair runs it, one sentence per batch
    assert len(fallback.tag(token_lists)) == len(token_lists)


def test_a_runtime_file_of_version_0_2_still_loads(tmp_path: Path) -> None:
    """0.2.0 wrote the payload with ``torch.save`` (tensors); it is read weights-only and converted."""
    import numpy as np
    import torch

    from anonymizer.model import quantize_tagger
    from anonymizer.model.export import export_tagger

    def tensors(value: Any) -> Any:
        if isinstance(value, np.ndarray):
            return torch.from_numpy(value)
        if isinstance(value, dict):
            return {key: tensors(item) for key, item in value.items()}
        return [tensors(item) for item in value] if isinstance(value, list) else value

    tagger = quantize_tagger(tiny_tagger(use_crf=True, seed=8))
    old = tmp_path / "tagger.rt.pt"
    torch.save(tensors(export_tagger(tagger)), old)
    loaded = load_runtime(old)
    assert not loaded.exported
    token_lists = [s.split() for s in SENTENCES]
    assert loaded.runtime.predict(token_lists) == runtime_of(tagger).predict(token_lists)


# --- the shipped model -----------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped_flair() -> Any:
    from anonymizer.model import load_model
    from anonymizer.model.shipped import default_model_path

    return load_model(default_model_path()).tagger


@pytest.fixture(scope="module")
def shipped_runtime() -> TaggerRuntime:
    from anonymizer.model.shipped import default_runtime_path

    return load_runtime(default_runtime_path()).runtime


def dev_file(name: str) -> Path:
    path = DEV / name
    if not path.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"{path} is missing: CI lays ../shared/data beside the checkout")
        pytest.skip(f"{path} is missing (the shared data folder beside the repository)")
    return path


@pytest.mark.shipped_model
@pytest.mark.parametrize("name", ["klintan_dev.bio", "talbanken_dev.bio"])
def test_shipped_runtime_equals_flairs_per_sentence_predict_on_the_dev_files(
    name: str, shipped_flair: Any, shipped_runtime: TaggerRuntime, record_property: Any
) -> None:
    from anonymizer.evaluation.evaluate import read_conll

    token_lists = [sentence.tokens for sentence in read_conll(dev_file(name))]
    alone = flair_tokens(shipped_flair, token_lists, batch_size=1)
    got = shipped_runtime.predict(token_lists)
    assert_close(runtime_tokens(shipped_runtime, token_lists), alone)
    flair_spans = [
        [
            run[:3]
            for run in spans_from_tags([tag for tag, _ in tokens], [score or 0.0 for _, score in tokens])
        ]
        for tokens in alone
    ]
    assert [[run[:3] for run in tagged.spans()] for tagged in got] == flair_spans
    # The bug the runtime fixes: Flair's own mini-batches change tags.
    batched = flair_tokens(shipped_flair, token_lists, batch_size=32)
    differ = sum(1 for a, b in zip(alone, batched, strict=True) if [t for t, _ in a] != [t for t, _ in b])
    record_property("flair_batched_differs", differ)
    print(f"{name}: Flair mini-batch 32 tags differ from one sentence per batch in {differ} of {len(alone)}")


@pytest.mark.shipped_model
def test_shipped_runtime_does_not_depend_on_the_thread_count(shipped_runtime: TaggerRuntime) -> None:
    """Worker processes may run with other thread counts: results must not move."""
    import numpy as np
    from threadpoolctl import threadpool_limits

    from anonymizer.evaluation.evaluate import read_conll

    token_lists = [s.tokens for s in read_conll(dev_file("talbanken_dev.bio"))][:40]
    results = []
    for threads in (1, 2):  # predict() runs BLAS on one thread; its parts must not care
        with threadpool_limits(limits=threads, user_api="blas"):
            results.append(shipped_runtime.emissions(token_lists))
    assert all(np.array_equal(a, b) for a, b in zip(*results, strict=True))


@pytest.mark.shipped_model
def test_shipped_runtime_tags_each_sentence_as_if_it_were_alone(shipped_runtime: TaggerRuntime) -> None:
    """Bit for bit, in any batch, any order, next to any neighbours."""
    from anonymizer.evaluation.evaluate import read_conll

    token_lists = [s.tokens for s in read_conll(dev_file("klintan_dev.bio"))][:150]
    alone = [shipped_runtime.predict([tokens])[0] for tokens in token_lists]
    assert shipped_runtime.predict(token_lists) == alone
    shuffled = list(range(len(token_lists)))
    random.Random(4).shuffle(shuffled)
    mixed = shipped_runtime.predict([token_lists[i] for i in shuffled] + [["Anna"] * 90])
    assert [mixed[shuffled.index(i)] for i in range(len(token_lists))] == alone


@pytest.mark.shipped_model
def test_shipped_runtime_file_loads_no_code_is_current_and_documented() -> None:
    from anonymizer.model import file_sha256
    from anonymizer.model.arrays import read_arrays
    from anonymizer.model.export import export_file
    from anonymizer.model.shipped import default_model_path, default_runtime_path

    path = default_runtime_path()
    payload = read_arrays(path)  # numpy arrays with allow_pickle=False and JSON: no code can run
    assert payload["format"] == FORMAT
    assert payload["metadata"]["source_sha256"] == file_sha256(default_model_path())
    assert_same(payload, export_file(default_model_path()))  # not stale
    card = (ROOT / "models" / "README.md").read_text(encoding="utf-8")
    assert file_sha256(path) in card, "models/README.md must state the runtime file's SHA-256"


def assert_same(got: Any, want: Any, where: str = "payload") -> None:
    import numpy as np

    if isinstance(want, tuple):  # a file stores lists
        want = list(want)
    assert type(got) is type(want), where
    if isinstance(want, dict):
        assert got.keys() == want.keys(), where
        for key in want:
            assert_same(got[key], want[key], f"{where}.{key}")
    elif isinstance(want, list):
        assert len(got) == len(want), where
        for index, (a, b) in enumerate(zip(got, want, strict=True)):
            assert_same(a, b, f"{where}[{index}]")
    elif isinstance(want, np.ndarray):
        assert got.dtype == want.dtype and np.array_equal(got, want), where
    elif not where.endswith(".torch"):
        assert got == want, where


# --- the pipeline: a record's redaction is its own -------------------------------------


def redact_file(anonymizer: Any, path: Path, *, fmt: str, fields: Sequence[str], chunk_rows: int) -> bytes:
    from anonymizer.io import open_reader, open_writer
    from anonymizer.pipeline import run_job

    out = io.BytesIO()
    with open_reader(path, fmt=fmt, fields=fields, chunk_rows=chunk_rows) as reader:
        writer = open_writer(out, reader=reader)
        run_job(anonymizer, reader, writer, one_document=fmt == "text")
        writer.close()
    return out.getvalue()


def cells(data: bytes, fmt: str) -> list[str | None]:
    """The ``text`` column of a redacted table, row by row."""
    if fmt == "csv":
        return [row["text"] for row in csv.DictReader(io.StringIO(data.decode("utf-8")))]
    if fmt == "jsonl":
        return [json.loads(line)["text"] for line in data.decode("utf-8").splitlines() if line.strip()]
    import pyarrow.parquet as pq

    return [value for value in pq.read_table(io.BytesIO(data)).column("text").to_pylist()]


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Path, str]]:
    """The samples, and 60 dev sentences as JSON Lines rows: neighbours that differ."""
    tables = [(SAMPLES / f"notes.{fmt}", fmt) for fmt in ("csv", "jsonl", "parquet")]
    if not (DEV / "klintan_dev.bio").is_file():
        return tables
    from anonymizer.evaluation.evaluate import read_conll

    rows = [" ".join(s.tokens) for s in read_conll(DEV / "klintan_dev.bio")][:120:2]
    path = tmp_path_factory.mktemp("rows") / "dev.jsonl"
    path.write_text("".join(json.dumps({"text": row}, ensure_ascii=False) + "\n" for row in rows), "utf-8")
    return [*tables, (path, "jsonl")]


@pytest.mark.shipped_model
def test_every_record_redacted_alone_equals_its_redaction_in_the_file(
    records: list[tuple[Path, str]],
) -> None:
    from anonymizer.pipeline import Anonymizer

    alone = Anonymizer.load(key=KEY)
    want = {
        path: [value and alone.redact([value])[0].text for value in cells(path.read_bytes(), fmt)]
        for path, fmt in records
    }
    letter: bytes | None = None
    for batch_size in (1, 7, 32):
        anonymizer = Anonymizer.load(key=KEY, batch_size=batch_size)
        for chunk_rows in (1, 5, 256):
            for path, fmt in records:
                got = cells(
                    redact_file(anonymizer, path, fmt=fmt, fields=["text"], chunk_rows=chunk_rows), fmt
                )
                assert got == want[path], (path.name, batch_size, chunk_rows)
            # A text file is one document: the same output whatever the batch and chunk.
            text = redact_file(
                anonymizer, SAMPLES / "letter.txt", fmt="text", fields=(), chunk_rows=chunk_rows
            )
            letter = letter or text
            assert text == letter, ("letter.txt", batch_size, chunk_rows)
    assert letter is not None and b"[PER_" in letter


@pytest.mark.shipped_model
def test_a_cold_start_redacts_the_letter_without_importing_torch_or_flair() -> None:
    from anonymizer.pipeline import Anonymizer

    code = "from anonymizer.cli.anonymize import main; main()"
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code, str(SAMPLES / "letter.txt"), "--quiet"],
        capture_output=True,
        timeout=300,
        check=True,
        env={**os.environ, "ANONYMIZE_KEY": KEY.hex()},
    )
    imported = {
        line.rsplit("|", 1)[-1].strip()
        for line in done.stderr.decode().splitlines()
        if "import time:" in line
    }
    assert "numpy" in imported and "anonymizer.model.runtime" in imported  # the list is real
    heavy = {"torch", "flair", "transformers", "sklearn", "faker"}
    heavy = sorted(name for name in imported if name.split(".")[0] in heavy)
    assert heavy == []
    want = redact_file(
        Anonymizer.load(key=KEY), SAMPLES / "letter.txt", fmt="text", fields=(), chunk_rows=256
    )
    assert done.stdout == want
