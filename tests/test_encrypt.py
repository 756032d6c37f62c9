"""The encrypt operator and `anonymizer decrypt`: reversible pseudonyms under a key file."""

from __future__ import annotations

import json
import re
import shutil
import stat
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner, Result
from hypothesis import given, settings
from hypothesis import strategies as st

from anonymizer.cli.anonymize import anonymize
from anonymizer.cli.tools import tools
from anonymizer.config import OperatorSpec
from anonymizer.errors import InputError, UsageError
from anonymizer.io import open_reader
from anonymizer.operators import Target
from anonymizer.operators.encrypt import TOKEN, Cipher, Encrypt, TokenError
from anonymizer.operators.registry import make_operator
from anonymizer.pipeline import Anonymizer
from anonymizer.restore import Restorer, restore_job
from support import FakeDetector, make_config

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
KEY, OTHER_KEY, NEW_KEY = b"k" * 32, b"o" * 32, b"n" * 32
ENCRYPT_ALL = '[operators.DEFAULT]\noperator = "encrypt"\n'
RULE_LABELS = "PNR,PHONE,EMAIL"  # found by rules alone: no tagger


def run(command: object, *args: str | Path) -> Result:
    return CliRunner().invoke(command, [str(a) for a in args], catch_exceptions=False)  # type: ignore[arg-type]


def key_file(tmp_path: Path, key: bytes, name: str = "key") -> Path:
    path = tmp_path / name
    path.write_bytes(key + b"\n")
    return path


def target(surface: str, label: str = "PER") -> Target:
    return Target(surface=surface, label=label, number=1, canonical=surface.lower())


# --- the operator ---------------------------------------------------------------------------


def test_tokens_are_deterministic_marked_and_depend_on_key_and_label() -> None:
    operator = make_operator(OperatorSpec("encrypt", {}), key=KEY)
    token = operator.replace(target("Anna Lind"))
    assert token == operator.replace(target("Anna Lind"))  # joins still work
    assert re.fullmatch(r"\[PER:[A-Za-z0-9_-]+\]", token)
    assert len(token) <= len("[PER:]") + 36  # 16-byte tag + 9 bytes, base64
    assert token != Encrypt(OTHER_KEY).replace(target("Anna Lind"))
    assert token != operator.replace(target("anna lind"))  # the exact surface is kept
    assert operator.replace(target("Anna Lind", "LOC")).startswith("[LOC:")


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=1, max_size=80))
def test_every_text_comes_back(text: str) -> None:
    match = TOKEN.fullmatch(Encrypt(KEY).replace(target(text)))
    assert match is not None
    assert Cipher(KEY).open(match.group(1), match.group(2)) == text


def test_a_changed_token_a_wrong_key_or_another_label_does_not_decrypt() -> None:
    match = TOKEN.fullmatch(Cipher(KEY).seal("PER", "Anna Lind"))
    assert match is not None
    label, body = match.groups()
    flipped = body[:5] + ("A" if body[5] != "A" else "B") + body[6:]
    for bad_key, bad_label, bad_body in [(OTHER_KEY, label, body), (KEY, "LOC", body), (KEY, label, flipped)]:
        with pytest.raises(TokenError):
            Cipher(bad_key).open(bad_label, bad_body)
    with pytest.raises(TokenError):
        Cipher(KEY).open(label, body[:-3])  # cut short


# --- the library: anonymize, then restore ------------------------------------------------------


def encrypting(key: bytes | None) -> Anonymizer:
    detector = FakeDetector({"Anna": "PER", "Lind": "PER", "Erik": "PER", "Umeå": "LOC"})
    config = make_config(PER=OperatorSpec("encrypt", {})).with_entities(frozenset({"PER", "LOC"}))
    return Anonymizer(config=config, detectors=[detector], key=key)


def restored(path: Path, out: Path, **options: object) -> None:
    with open_reader(path, fmt="csv", fields=["text"]) as reader, out.open("wb") as target:
        writer = reader.writer(target)
        restore_job(reader, writer, **options)  # type: ignore[arg-type]
        writer.close()


def anonymized_csv(tmp_path: Path, key: bytes = KEY) -> tuple[Path, Path]:
    from anonymizer.pipeline import run_job

    source = tmp_path / "in.csv"
    source.write_bytes(
        b'id,text\r\n1,"Anna Lind bor i Ume\xc3\xa5, Anna ringer Erik."\r\n2,\r\n3,Inget namn h\xc3\xa4r\r\n'
    )
    out = tmp_path / "out.csv"
    with open_reader(source, fmt="csv", fields=["text"]) as reader, out.open("wb") as target:
        writer = reader.writer(target)
        run_job(encrypting(key), reader, writer)
        writer.close()
    return source, out


def test_restore_gives_the_original_bytes_for_the_chosen_labels(tmp_path: Path) -> None:
    source, out = anonymized_csv(tmp_path)
    text = out.read_text(encoding="utf-8")
    assert "Anna" not in text and "Erik" not in text and "[LOC_1]" in text
    assert text.count("[PER:") == 4 and len(set(TOKEN.findall(text))) == 3  # "Anna" twice, one token
    restored(out, tmp_path / "back.csv", keys=[KEY], labels=["PER"])
    assert (tmp_path / "back.csv").read_bytes() == source.read_bytes().replace("Umeå".encode(), b"[LOC_1]")


def test_a_wrong_key_is_refused_and_a_changed_token_stops_the_run(tmp_path: Path) -> None:
    _, out = anonymized_csv(tmp_path)
    with pytest.raises(UsageError, match="does not decrypt under the given key") as refused:
        restored(out, tmp_path / "x.csv", keys=[OTHER_KEY])
    assert "Anna" not in str(refused.value) and "[PER:" not in str(refused.value)
    text = out.read_text(encoding="utf-8")
    last = TOKEN.findall(text)[-1][1]
    tampered = tmp_path / "tampered.csv"
    tampered.write_text(text.replace(last, last[::-1]), encoding="utf-8")
    with pytest.raises(InputError, match="changed after encryption"):
        restored(tampered, tmp_path / "x.csv", keys=[KEY])


def test_key_rotation_reencrypts_without_the_plain_text(tmp_path: Path) -> None:
    _, out = anonymized_csv(tmp_path)
    rotated = tmp_path / "rotated.csv"
    restored(out, rotated, keys=[KEY], new_key=NEW_KEY)
    text = rotated.read_text(encoding="utf-8")
    assert "Anna" not in text and text.count("[PER:") == 4
    (tmp_path / "fresh").mkdir()
    _, fresh = anonymized_csv(tmp_path / "fresh", NEW_KEY)
    assert rotated.read_bytes() == fresh.read_bytes()  # as if encrypted under the new key at once
    with pytest.raises(UsageError):
        restored(rotated, tmp_path / "x.csv", keys=[KEY])
    # Old and new keys together open files from before and after the rotation.
    restored(rotated, tmp_path / "back.csv", keys=[KEY, NEW_KEY])
    assert b"Anna Lind" in (tmp_path / "back.csv").read_bytes()


def test_restorer_leaves_other_labels_and_plain_text_alone() -> None:
    cipher = Cipher(KEY)
    text = f"{cipher.seal('PER', 'Anna')} i {cipher.seal('LOC', 'Umeå')} [PER_1] [PER:kort]"
    out = Restorer(keys=[KEY], labels=frozenset({"PER"})).restore(text, where=lambda: "x")
    assert out.startswith("Anna i [LOC:") and out.endswith(" [PER_1] [PER:kort]")


# --- the commands ---------------------------------------------------------------------------


def test_cli_round_trip_is_byte_exact_in_every_format(tmp_path: Path) -> None:
    """Rules only (no tagger): every format comes back byte for byte."""
    config = tmp_path / "encrypt.toml"
    config.write_text(ENCRYPT_ALL, encoding="utf-8")
    key = key_file(tmp_path, KEY)
    for name, columns in [
        ("notes.csv", ["--column", "text"]),
        ("notes.jsonl", ["--column", "text"]),
        ("notes.parquet", ["--column", "text"]),
        ("letter.txt", []),
    ]:
        out, back, audit = tmp_path / f"out-{name}", tmp_path / f"back-{name}", tmp_path / f"{name}.audit"
        result = run(
            anonymize,
            SAMPLES / name,
            *columns,
            "--entities",
            RULE_LABELS,
            "--config",
            config,
            "--key-file",
            key,
            "-o",
            out,
            "--audit",
            audit,
            "-q",
        )
        assert result.exit_code == 0, result.output
        records = [json.loads(line) for line in audit.read_text().splitlines()[:-1]]
        assert records and all(r["reversible"] is True and "text" not in r for r in records)
        assert all(r["replacement"].startswith(f"[{r['label']}:") for r in records)
        result = run(tools, "decrypt", out, *columns, "--key-file", key, "-o", back)
        assert result.exit_code == 0, result.output
        assert stat.S_IMODE(back.stat().st_mode) == 0o600  # personal data again
        if name.endswith(".parquet"):
            assert pq.read_table(back).equals(pq.read_table(SAMPLES / name))
        else:
            assert back.read_bytes() == (SAMPLES / name).read_bytes()


def test_cli_refuses_a_wrong_key_and_writes_nothing(tmp_path: Path) -> None:
    config = tmp_path / "encrypt.toml"
    config.write_text(ENCRYPT_ALL, encoding="utf-8")
    out = tmp_path / "out.csv"
    args = ["--column", "text", "--entities", RULE_LABELS, "--config", config, "-o", out, "-q"]
    assert run(anonymize, SAMPLES / "notes.csv", *args, "--key-file", key_file(tmp_path, KEY)).exit_code == 0
    back = tmp_path / "back.csv"
    result = run(
        tools,
        "decrypt",
        out,
        "--column",
        "text",
        "--key-file",
        key_file(tmp_path, OTHER_KEY, "o"),
        "-o",
        back,
    )
    assert result.exit_code == 2
    assert "refused" in result.output and "nothing was written" in result.output.lower()
    assert not back.exists() and list(tmp_path.glob(".back*")) == []
    assert "8506" not in result.output  # no token, no text


def test_cli_key_rotation(tmp_path: Path) -> None:
    config = tmp_path / "encrypt.toml"
    config.write_text(ENCRYPT_ALL, encoding="utf-8")
    old, new = key_file(tmp_path, KEY, "old"), key_file(tmp_path, NEW_KEY, "new")
    out, rotated, back = tmp_path / "out.csv", tmp_path / "rotated.csv", tmp_path / "back.csv"
    common = ["--column", "text", "--entities", RULE_LABELS, "--config", config, "-q"]
    assert run(anonymize, SAMPLES / "notes.csv", *common, "--key-file", old, "-o", out).exit_code == 0
    result = run(tools, "decrypt", out, "-c", "text", "--key-file", old, "--new-key-file", new, "-o", rotated)
    assert result.exit_code == 0 and "re-encrypted" in result.output
    assert rotated.read_bytes() != out.read_bytes()
    assert run(tools, "decrypt", rotated, "-c", "text", "--key-file", old, "-o", back).exit_code == 2
    assert run(tools, "decrypt", rotated, "-c", "text", "--key-file", new, "-o", back).exit_code == 0
    assert back.read_bytes() == (SAMPLES / "notes.csv").read_bytes()


@pytest.mark.shipped_model
def test_a_file_anonymized_with_encrypt_for_per_alone_comes_back_byte_for_byte(tmp_path: Path) -> None:
    config = tmp_path / "encrypt.toml"
    config.write_text('[operators.PER]\noperator = "encrypt"\n', encoding="utf-8")
    source = tmp_path / "notes.csv"
    shutil.copy(SAMPLES / "notes.csv", source)
    key, out, back = key_file(tmp_path, KEY), tmp_path / "out.csv", tmp_path / "back.csv"
    result = run(
        anonymize,
        source,
        "--column",
        "text",
        "--entities",
        "PER",
        "--config",
        config,
        "--key-file",
        key,
        "-o",
        out,
        "-q",
    )
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert "Lars Svensson" not in text and "[PER:" in text
    assert run(tools, "decrypt", out, "--column", "text", "--key-file", key, "-o", back).exit_code == 0
    assert back.read_bytes() == source.read_bytes()


def test_encrypt_under_a_random_key_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tokens under a key nobody kept could never be decrypted: the run is refused before it starts."""
    monkeypatch.delenv("ANONYMIZE_KEY", raising=False)
    config = tmp_path / "encrypt.toml"
    config.write_text(ENCRYPT_ALL, encoding="utf-8")
    args = [SAMPLES / "notes.csv", "--column", "text", "--entities", RULE_LABELS, "--config", config]
    for output in (tmp_path / "out.csv", f"{tmp_path / 'job'}/"):
        result = run(anonymize, *args, "-o", output)
        assert result.exit_code == 2 and "needs a key that is kept (--key-file)" in result.output
    assert list(tmp_path.iterdir()) == [config]
    from anonymizer.frame import redact_frame

    frame = pl.DataFrame({"namn": ["Anna Lind"], "text": ["Anna"]})
    for options in [{"whole_columns": {"namn": "PER"}}, {"columns": ["text"]}]:
        with pytest.raises(UsageError, match="needs a key that is kept"):
            redact_frame(frame, anonymizer=encrypting(None), **options)  # type: ignore[arg-type]


def test_a_whole_column_of_another_label_with_a_placeholder_needs_no_key() -> None:
    from anonymizer.frame import redact_frame

    frame = pl.DataFrame({"namn": ["Anna Lind"]})
    out = redact_frame(frame, whole_columns={"namn": "LOC"}, anonymizer=encrypting(None)).frame
    assert out["namn"].to_list() == ["[LOC_1]"]
