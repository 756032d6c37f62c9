"""Which model files may be loaded: pinned hashes, a trust list, safe permissions.

A Flair model file is a pickle, and loading a pickle runs the code in it. So the
``anonymize`` job loads a model file only when its SHA-256 is one of the shipped
files' (:data:`SHIPPED_SHA256`) or one the caller trusts explicitly, and only when no
one but its owner can write it (a file that others can write, or one in a folder
everyone can write, could be swapped for code). :func:`check_model_file` is the one place that decides; the
loader calls it before it opens the file.
"""

from __future__ import annotations

import hashlib
import stat
from collections.abc import Iterable
from pathlib import Path

from anonymizer.errors import OPTION, UsageError

#: SHA-256 of every model file shipped in ``models/`` (package data), by file name.
#: Changing a shipped file means changing its line here (``sha256sum models/*.pt models/*.npz``);
#: ``tests/test_model_integrity.py`` fails until both agree.
SHIPPED_SHA256: dict[str, str] = {
    "sv-ner-int8.pt": "fab356e71743e7332d9793f40b8904e2f3125b7285b022fcf27628563d19e7f4",
    "sv-ner-int8.rt.npz": "b119ec9f02c4dc298ac5103a66c6f8cee1e213cffa5d0f127ecb35c44602c904",
    "sv-ner-encoder-int8.onnx": "38142730cafd36981d3ada81a85b88aac0c9abc0367bf5a02d682985031dea19",
}

_HEX = frozenset("0123456789abcdef")


class UntrustedModelError(UsageError):
    """A model file was refused (unknown hash, or writable by others); the message says why."""


def normalise_digest(value: str) -> str:
    """A SHA-256 as 64 lower-case hex digits; a UsageError for anything else."""
    digest = value.strip().lower()
    if len(digest) != 64 or not set(digest) <= _HEX:
        raise UsageError(
            f"{value!r} is not a SHA-256 (64 hex digits); compute one with `sha256sum MODEL`",
            option="trust_model",
        )
    return digest


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file, read in blocks (model files are tens of MB)."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def check_permissions(path: Path) -> None:
    """Refuse a model file that its group or others can write, or that sits in a folder
    everyone can write without the sticky bit (anyone could put another file in its place)."""
    mode = path.stat().st_mode
    if mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise UntrustedModelError(
            f"{path}: refused: the model file can be written by its group or by everyone "
            f"(mode {stat.filemode(mode)}), so anyone could have replaced it with code that runs "
            f"when it is loaded; make it writable by its owner only (chmod go-w {path})"
        )
    folder = path.parent.stat().st_mode
    if folder & stat.S_IWOTH and not folder & stat.S_ISVTX:
        raise UntrustedModelError(
            f"{path}: refused: its folder {path.parent} can be written by everyone "
            f"(mode {stat.filemode(folder)}), so anyone could put another file in its place; "
            f"keep the model in a folder others cannot write (chmod o-w {path.parent})"
        )


def check_model_file(path: Path, *, trusted: Iterable[str] = ()) -> str:
    """The file's SHA-256, once it is known to be safe to load; else UntrustedModelError.

    ``trusted``: SHA-256 digests the caller vouches for, beside the shipped files'.
    Symbolic links are followed: the file they point to is checked.
    """
    resolved = path.resolve()
    if not resolved.is_file():
        raise UsageError(f"model file not found: {path}", option="model_path")
    check_permissions(resolved)
    digest = file_sha256(resolved)
    allowed = set(SHIPPED_SHA256.values()) | {normalise_digest(value) for value in trusted}
    if digest not in allowed:
        raise UntrustedModelError(
            f"{path}: refused: its SHA-256 {digest} is neither a shipped model's nor one you "
            "trusted. A model file can hold code that runs when it is loaded (Flair models are "
            f"pickles), so only known files are loaded; if you trust this file, pass {OPTION} {digest}",
            option="trust_model",
        )
    return digest
