"""Incremental decoding into lines that keep their exact endings, and the matching encoder.

Shared by the line-based formats (text, csv, jsonl). Memory is bounded by the longest
line plus one read block, whatever the file size.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from typing import BinaryIO

from anonymizer import limits
from anonymizer.errors import OPTION, InputError, UsageError

BLOCK_SIZE = 1 << 16
_EOL_UNIVERSAL = re.compile(r"\r\n|\r|\n")
_EOL_LF = re.compile(r"\r\n|\n")
_UTF8 = ("utf-8", "utf-8-sig")
#: Codecs that decode text of a wider encoding (UTF-16, UTF-32) without an error, as NULs
#: between its characters. Refused in them: a NUL in every fourth character or more.
_WIDE = ("utf-16", "utf-32")
_NUL_SHARE = 4
_NUL_MIN = 256
#: Characters that no reader passes on: surrogates (half of a character outside the BMP).
_SURROGATE = re.compile("[\ud800-\udfff]")


def resolve_encoding(encoding: str) -> str:
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise UsageError(f"unknown encoding {encoding!r} (try utf-8, latin-1 or cp1252)") from None


def line_ending(text: str) -> str:
    """The line ending ``text`` finishes with ("" if none)."""
    if text.endswith("\r\n"):
        return "\r\n"
    if text.endswith(("\n", "\r")):
        return text[-1]
    return ""


class LineSource:
    """Yields ``(content, ending)`` per line; ``content + ending`` rebuilds the input.

    ``universal`` splits on ``\\r\\n``, ``\\r`` and ``\\n`` (like ``open(newline="")``);
    otherwise only on ``\\n`` (``\\r\\n`` is still one ending). A UTF-8 byte order mark
    is removed and remembered in :attr:`output_encoding` (``utf-8-sig``), so writing
    with that encoding puts it back.
    """

    def __init__(self, stream: BinaryIO, *, name: str, encoding: str, universal: bool = True) -> None:
        self._stream = stream
        self._name = name
        self._eol = _EOL_UNIVERSAL if universal else _EOL_LF
        codec = resolve_encoding(encoding)
        self._prefix = b""
        self.bom = False
        if codec in _UTF8:
            codec = "utf-8"
            self._prefix = self._read(3)
            if self._prefix == codecs.BOM_UTF8:
                self.bom = True
                self._prefix = b""
        self.encoding = codec
        self.output_encoding = "utf-8-sig" if self.bom else codec
        self.lines_read = 0
        self._held = ""
        self._consumed = False

    def _read(self, size: int) -> bytes:
        try:
            return self._stream.read(size)
        except OSError as exc:
            raise InputError(f"{self._name}: read error: {exc.strerror or exc}") from None

    def _decode_error(self, exc: UnicodeDecodeError) -> InputError:
        good = exc.object[: exc.start].decode(self.encoding, errors="replace")
        line = self.lines_read + 1 + len(self._eol.findall(self._held + good))
        return InputError(
            f"{self._name}: line {line}: cannot decode the bytes as {self.encoding} "
            f"({exc.reason}); if the file uses another encoding, pass it with {OPTION} "
            "(e.g. latin-1 or cp1252)",
            option="encoding",
        )

    def _line_at(self, text: str, index: int) -> int:
        return self.lines_read + 1 + len(self._eol.findall(self._held + text[:index]))

    def _wide_error(self, text: str, block: bytes) -> InputError:
        line = self._line_at(text, text.index("\0"))
        return InputError(
            f"{self._name}: line {line}: the bytes hold a NUL between the characters, as "
            f"UTF-16 or UTF-32 text without a byte order mark does, not {self.encoding}; "
            f"pass its encoding with {OPTION} (here probably {guess_wide(block)})",
            option="encoding",
        )

    def _pieces(self) -> Iterator[tuple[str, bool]]:
        decoder = codecs.getincrementaldecoder(self.encoding)("strict")
        prefix, self._prefix = self._prefix, b""
        wide = self.encoding.startswith(_WIDE)
        nuls = chars = 0  # so far: a short last piece is judged with the rest
        while True:
            block = prefix + self._read(BLOCK_SIZE)
            prefix = b""
            final = not block
            try:
                text = decoder.decode(block, final=final)
            except UnicodeDecodeError as exc:
                raise self._decode_error(exc) from None
            if not wide and "\0" in text:
                count = text.count("\0")
                nuls, chars = nuls + count, chars + len(text)
                if count * _NUL_SHARE >= len(text) >= _NUL_MIN or nuls * _NUL_SHARE >= chars:
                    raise self._wide_error(text, block)
            elif not wide:
                chars += len(text)
            surrogate = _SURROGATE.search(text)
            if surrogate is not None:  # a codec that lets them through (utf-7)
                line = self._line_at(text, surrogate.start())
                raise InputError(f"{self._name}: line {line}: {surrogate_message()}")
            yield text, final
            if final:
                return

    def __iter__(self) -> Iterator[tuple[str, str]]:
        if self._consumed:
            raise RuntimeError("lines can be read only once")
        self._consumed = True
        parts: list[str] = []
        open_size = 0  # characters of the line not yet ended
        for piece, final in self._pieces():
            text, self._held = self._held + piece, ""
            if not final and text.endswith("\r"):
                # "\r\n" may straddle two pieces: decide on the next one.
                text, self._held = text[:-1], "\r"
            pos = 0
            for match in self._eol.finditer(text):
                if open_size + match.start() - pos > limits.MAX_RECORD_CHARS:
                    raise InputError(limits.too_long(f"{self._name}: line {self.lines_read + 1}"))
                parts.append(text[pos : match.start()])
                content = "".join(parts)
                parts = []
                open_size = 0
                pos = match.end()
                self.lines_read += 1
                yield content, match.group()
            if pos < len(text):
                parts.append(text[pos:])
                open_size += len(text) - pos
                if open_size > limits.MAX_RECORD_CHARS:  # before the line is held whole
                    raise InputError(limits.too_long(f"{self._name}: line {self.lines_read + 1}"))
        if parts:
            self.lines_read += 1
            yield "".join(parts), ""


def guess_wide(block: bytes) -> str:
    """``utf-16-le``, ``utf-16-be``, ``utf-32-le`` or ``utf-32-be``: where the NULs of
    ``block`` (text of mostly Latin letters) stand."""
    head = block[:4096]
    at = [sum(1 for i in range(k, len(head), 4) if head[i] == 0) for k in range(4)]
    quarter = max(len(head) // 4, 1)
    if at[1] + at[2] + at[3] >= 2.5 * quarter:
        return "utf-32-le"
    if at[0] + at[1] + at[2] >= 2.5 * quarter:
        return "utf-32-be"
    return "utf-16-le" if at[1] + at[3] >= at[0] + at[2] else "utf-16-be"


def surrogate_message() -> str:
    return (
        "a value holds a lone surrogate (half of a character outside the Basic Multilingual "
        "Plane, such as an emoji cut in two), which no encoding can write; repair or remove it "
        "in the file"
    )


class TextSink:
    """Encodes text incrementally onto a binary target."""

    def __init__(self, target: BinaryIO, *, encoding: str, bom: bool) -> None:
        self._target = target
        self._encoding = encoding
        self._encoder = codecs.getincrementalencoder(encoding)("strict")
        self._started = False
        self._bom = bom

    def write(self, text: str, *, record: int | None = None) -> None:
        if not text:
            return
        try:
            data = self._encoder.encode(text)
        except UnicodeEncodeError:
            where = f"record {record}" if record is not None else "the output"
            raise UsageError(
                f"{where}: the replacement text contains a character that "
                f"{self._encoding} (the input's encoding) cannot represent; use "
                "replacements that fit that encoding or convert the input to UTF-8"
            ) from None
        self._started = True
        self._target.write(data)

    def close(self) -> None:
        if self._started or self._bom:
            self._target.write(self._encoder.encode("", final=True))
        self._started = False
        self._bom = False
