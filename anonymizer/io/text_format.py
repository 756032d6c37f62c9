"""Plain text: a record is a paragraph; paragraphs are separated by blank lines.

A blank line is one that holds only whitespace. A paragraph's text is its lines with
their inner line endings, without the ending of its last line. Everything else (the
last line ending, the blank lines, a missing final newline) travels in
:class:`TextNative`, so writing the chunk back reproduces the input byte for byte.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from anonymizer import limits
from anonymizer.errors import InputError
from anonymizer.io.base import Chunk, Fields, ReaderBase, Writer, check_replaced
from anonymizer.io.lines import LineSource, TextSink

# Blank text between paragraphs is held in memory; past this many characters it is
# flushed in a chunk of its own so memory stays bounded.
MAX_PENDING_BLANK = 1 << 20


@dataclass(frozen=True)
class TextNative:
    """Write-back recipe: ``leading + text[0] + separators[0] + text[1] + ...``.

    ``leading`` is the blank text before the chunk's first paragraph (blank lines at the
    start of the file, or an overlong run of blank lines); ``separators[i]`` is what
    follows paragraph ``i``: its last line ending plus the blank lines after it (or
    ``""`` at the end of a file without a final newline).
    """

    leading: str
    separators: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.separators)


class TextReader(ReaderBase):
    fmt = "text"

    def __init__(
        self,
        source: str,
        stream: BinaryIO,
        *,
        owns_stream: bool,
        encoding: str,
        chunk_rows: int,
    ) -> None:
        super().__init__(source, stream, owns_stream=owns_stream)
        self.fields: tuple[str | None, ...] = (None,)
        self.available_fields: list[str] = []
        self._chunk_rows = chunk_rows
        self._lines = LineSource(stream, name=self.display_name, encoding=encoding)

    def writer(self, target: BinaryIO) -> Writer:
        return TextWriter(target, encoding=self._lines.output_encoding, bom=self._lines.bom)

    def __iter__(self) -> Iterator[Chunk]:
        self._start_iteration()
        first_row = 0
        leading: list[str] = []
        texts: list[str | None] = []
        separators: list[str] = []
        para: list[str] = []  # the open paragraph, without its last line ending
        para_ending = ""
        blank: list[str] = []  # blank text after the last paragraph (or at the start)
        blank_size = 0

        def attach_blank() -> None:
            nonlocal blank, blank_size
            if len(separators) < len(texts):
                separators.append("".join(blank))
            elif blank:
                leading.append("".join(blank))
            blank, blank_size = [], 0

        def take_chunk() -> Chunk:
            nonlocal leading, texts, separators, first_row
            chunk = Chunk(
                first_row=first_row,
                fields={None: texts},
                native=TextNative("".join(leading), tuple(separators)),
            )
            first_row += len(texts)
            leading, texts, separators = [], [], []
            return chunk

        para_size = 0
        for content, ending in self._lines:
            if content.strip():
                if para:
                    para.append(para_ending)
                else:
                    attach_blank()
                    para_size = 0
                    if len(texts) >= self._chunk_rows:
                        yield take_chunk()
                para.append(content)
                para_ending = ending
                para_size += len(content) + len(ending)
                if para_size > limits.MAX_RECORD_CHARS:
                    paragraph = first_row + len(texts)
                    where = f"{self.display_name}: paragraph {paragraph} (line {self._lines.lines_read})"
                    raise InputError(limits.too_long(where))
                continue
            if para:
                texts.append("".join(para))
                para = []
                blank.append(para_ending)
            blank.append(content + ending)
            blank_size += len(content) + len(ending)
            if blank_size > MAX_PENDING_BLANK:
                attach_blank()
                yield take_chunk()
        if para:
            texts.append("".join(para))
            blank.append(para_ending)
        attach_blank()
        if texts or leading:
            yield take_chunk()
        self.close()


class TextWriter:
    def __init__(self, target: BinaryIO, *, encoding: str, bom: bool) -> None:
        self._sink = TextSink(target, encoding=encoding, bom=bom)

    def write(self, chunk: Chunk, replaced: Fields) -> None:
        """A ``None`` replacement writes an empty paragraph."""
        check_replaced(chunk, replaced)
        native = chunk.native
        if not isinstance(native, TextNative):
            raise TypeError("not a text chunk")
        texts = replaced.get(None, chunk.fields[None])
        self._sink.write(native.leading)
        for i, (text, separator) in enumerate(zip(texts, native.separators, strict=True)):
            self._sink.write((text or "") + separator, record=chunk.first_row + i)

    def close(self) -> None:
        self._sink.close()
