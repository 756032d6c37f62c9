"""Restore what the ``encrypt`` operator replaced, for someone who holds the key.

``restore_job`` streams a reader into a writer as :func:`anonymizer.pipeline.run_job`
does, with every token of the chosen labels decrypted (or, with ``new_key``, encrypted
again under that key: key rotation without writing the plain text). A token that does
not decrypt stops the run: the caller writes through an atomic output, so nothing is
left at the target. Messages name file, record and column, never a token or its text.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from anonymizer.errors import InputError, UsageError
from anonymizer.io import Reader, Writer
from anonymizer.operators.encrypt import TOKEN, Cipher, TokenError, cipher


@dataclass(frozen=True)
class RestoreStats:
    """``counts``: tokens restored (or re-encrypted) per label."""

    rows: int
    counts: dict[str, int]

    @property
    def tokens(self) -> int:
        return sum(self.counts.values())


@dataclass
class Restorer:
    """Decrypts the tokens of ``labels`` (all labels when ``None``) under the first of
    ``keys`` that opens them; with ``new_key`` it seals them again under that key."""

    keys: Sequence[bytes]
    labels: frozenset[str] | None = None
    new_key: bytes | None = None
    counts: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        if not self.keys:
            raise UsageError("give the key the file was encrypted with")
        self._ciphers = [cipher(key) for key in self.keys]
        self._reseal: Cipher | None = None if self.new_key is None else cipher(self.new_key)

    def restore(self, text: str, *, where: Callable[[], str]) -> str:
        """``text`` with its tokens restored; ``where`` names the value for a message."""
        return TOKEN.sub(lambda match: self._one(match, where), text)

    def _one(self, match: re.Match[str], where: Callable[[], str]) -> str:
        label, body = match.group(1), match.group(2)
        if self.labels is not None and label not in self.labels:
            return match.group(0)
        for item in self._ciphers:
            try:
                text = item.open(label, body)
            except TokenError:
                continue
            self.counts[label] += 1
            return text if self._reseal is None else self._reseal.seal(label, text)
        opened = sum(self.counts.values())
        if opened == 0:
            raise UsageError(
                f"{where()}: refused: a {label} token does not decrypt under the given key"
                f"{'s' if len(self._ciphers) > 1 else ''}; is it the key the file was encrypted with? "
                "Nothing was written"
            )
        raise InputError(
            f"{where()}: a {label} token does not decrypt, though {opened} earlier token(s) did under "
            "the same key: it was changed after encryption, or was not made by the encrypt operator. "
            "Nothing was written"
        )


def restore_job(
    reader: Reader,
    writer: Writer,
    *,
    keys: Sequence[bytes],
    labels: Iterable[str] | None = None,
    new_key: bytes | None = None,
) -> RestoreStats:
    """Every chunk of ``reader`` into ``writer`` with the tokens of ``labels`` restored.

    Raises :class:`UsageError` when the first token does not decrypt (a wrong key) and
    :class:`InputError` for a later one (a changed token); write through
    :func:`anonymizer.io.atomic_output` so that either leaves nothing behind.
    """
    restorer = Restorer(
        keys=keys,
        labels=None if labels is None else frozenset(label.upper() for label in labels),
        new_key=new_key,
    )
    rows = 0
    for chunk in reader:
        replaced: dict[str | None, list[str | None]] = {}
        for name, values in chunk.fields.items():
            replaced[name] = [
                value
                if not value
                else restorer.restore(value, where=_where(reader.source, chunk.first_row + offset, name))
                for offset, value in enumerate(values)
            ]
        writer.write(chunk, replaced)
        rows += chunk.num_rows
    return RestoreStats(rows=rows, counts=dict(sorted(restorer.counts.items())))


def _where(source: str, record: int, name: str | None) -> Callable[[], str]:
    column = f", column {name!r}" if name is not None else ""
    return lambda: f"{'<stdin>' if source == '-' else source}: record {record}{column}"
