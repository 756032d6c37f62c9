"""``redact_frame``: pandas and polars DataFrames in, the same kind of frame out.

The frame goes through :func:`anonymizer.pipeline.run_job` in chunks of rows, as a file
does through ``anonymize``: each row is one document, so the result is the command's on
the same data, whatever the chunk size. Only the named columns change; the index, the
column order, the other columns and every dtype stay. Nulls stay null. A categorical
column comes back categorical with the categories of its redacted values (the old
categories are dropped: unused ones could still name people).
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Generic, NamedTuple, Self, TypeVar

from anonymizer.audit import AuditLog
from anonymizer.columns import check_whole_columns
from anonymizer.errors import OPTION, UsageError
from anonymizer.io.base import Chunk, Fields, Writer, format_names
from anonymizer.operators.encrypt import check_kept_key

if TYPE_CHECKING:
    from anonymizer.config import Config
    from anonymizer.pipeline import Anonymizer

Frame = TypeVar("Frame")
#: The ``source`` of a frame's audit records (a file's are its path).
FRAME_SOURCE = "<frame>"


class FrameRedaction(NamedTuple, Generic[Frame]):
    """The redacted frame, its audit records (the audit log's, in its order) and counts per label."""

    frame: Frame
    audit: list[dict[str, Any]]
    counts: dict[str, int]


class _AuditRecords(AuditLog):
    """The audit log's records, kept in a list instead of a file."""

    def __init__(self, *, key: bytes | None, include_text: bool) -> None:
        super().__init__(Path(os.devnull), key=key, include_text=include_text)
        self.records: list[dict[str, Any]] = []

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        pass

    def _emit(self, entry: dict[str, Any]) -> None:
        self.records.append(entry)


@dataclass
class _Columns:
    """The frame's text columns as lists (``None`` for a null), read in chunks and written back."""

    source: str
    values: dict[str, list[str | None]]
    rows: int
    chunk_rows: int
    fmt: str = "frame"
    available_fields: list[str] = field(default_factory=list)
    out: dict[str, list[str | None]] = field(default_factory=dict)
    fields: tuple[str | None, ...] = ()

    def __post_init__(self) -> None:
        self.fields = tuple(self.values)

    def __iter__(self) -> Iterator[Chunk]:
        for start in range(0, self.rows, self.chunk_rows):
            end = min(start + self.chunk_rows, self.rows)
            chunk_fields: Fields = {name: values[start:end] for name, values in self.values.items()}
            yield Chunk(first_row=start, fields=chunk_fields, native=range(start, end))

    @property
    def bytes_read(self) -> int | None:
        return None

    def write(self, chunk: Chunk, replaced: Fields) -> None:
        for name, values in replaced.items():
            if name is not None:
                self.out.setdefault(name, []).extend(values)

    def writer(self, target: BinaryIO) -> Writer:
        return self

    def close(self) -> None:
        pass

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        pass


def redact_frame(
    frame: Frame,
    *,
    columns: Sequence[str] = (),
    whole_columns: Mapping[str, str] | None = None,
    anonymizer: Anonymizer | None = None,
    config: Config | Path | None = None,
    preset: str | None = None,
    entities: Sequence[str] | None = None,
    key: bytes | None = None,
    audit_key: bytes | None = None,
    audit_include_text: bool = False,
    chunk_rows: int = 10_000,
    source: str = FRAME_SOURCE,
) -> FrameRedaction[Frame]:
    """A copy of ``frame`` (pandas or polars) with the text of ``columns`` redacted.

    ``whole_columns`` (column -> label): columns that are all names or identifiers,
    each value replaced whole as one entity of the label (:mod:`anonymizer.columns`).
    ``anonymizer``: a loaded :class:`~anonymizer.pipeline.Anonymizer` to reuse; otherwise
    one is loaded with ``config``, ``preset``, ``entities`` and ``key`` (the secret of the
    keyed operators). ``audit_key``: the key of the audit digests (default random).
    Works with ``frame.pipe(redact_frame, columns=[...])``.
    """
    from anonymizer.pipeline import Anonymizer, run_job

    whole = check_whole_columns(whole_columns or {}, columns=columns)
    selected = [*whole, *dict.fromkeys(columns)]  # whole columns first: the row learns their names
    if not selected:
        raise UsageError("name at least one column to redact")
    if chunk_rows < 1:
        raise UsageError(f"chunk size must be at least 1 row, got {chunk_rows}")
    kind = _kind(frame)
    reader = _Columns(
        source=source,
        values={name: _texts(frame, kind, name) for name in selected},
        rows=len(frame),  # type: ignore[arg-type]
        chunk_rows=chunk_rows,
    )
    if anonymizer is None:
        anonymizer = Anonymizer.load(config=config, preset=preset, entities=entities, key=key)
    labels = [*(anonymizer.config.entities if columns else ()), *whole.values()]
    check_kept_key(anonymizer.config, labels, key_was_random=anonymizer.key_was_random)
    with _AuditRecords(key=audit_key, include_text=audit_include_text) as audit:
        stats = run_job(anonymizer, reader, reader, audit=audit, whole_columns=whole)
    return FrameRedaction(_rebuilt(frame, kind, reader.out), audit.records, stats.counts)


def restore_frame(
    frame: Frame,
    *,
    columns: Sequence[str],
    keys: Sequence[bytes],
    labels: Sequence[str] | None = None,
    new_key: bytes | None = None,
) -> Frame:
    """A copy of ``frame`` with the ``encrypt`` tokens of ``columns`` decrypted (of ``labels``
    only, when given), or encrypted again under ``new_key``: ``anonymizer decrypt`` for frames.

    A token that does not decrypt raises as :func:`anonymizer.restore.restore_job` does.
    """
    from anonymizer.restore import Restorer

    chosen = None if labels is None else frozenset(label.upper() for label in labels)
    restorer = Restorer(keys=keys, labels=chosen, new_key=new_key)
    kind = _kind(frame)
    out: dict[str, list[str | None]] = {}
    for name in dict.fromkeys(columns):
        values = _texts(frame, kind, name)
        for row, value in enumerate(values):
            if value:
                values[row] = restorer.restore(value, where=partial(_where, row, name))
        out[name] = values
    return _rebuilt(frame, kind, out)  # type: ignore[no-any-return]


def _where(row: int, name: str) -> str:
    return f"{FRAME_SOURCE}: row {row}, column {name!r}"


def _kind(frame: object) -> str:
    module = type(frame).__module__.split(".")[0]
    if module == "pandas" and type(frame).__name__ == "DataFrame":
        return "pandas"
    if module == "polars" and type(frame).__name__ == "DataFrame":
        return "polars"
    raise UsageError(f"redact_frame takes a pandas or polars DataFrame, not {type(frame).__name__}")


def _texts(frame: Any, kind: str, name: str) -> list[str | None]:
    """The column's values, ``None`` for a null; a UsageError for a column that is not text."""
    names = [str(column) for column in frame.columns]
    if name not in names:
        raise UsageError(
            f"no column {name!r} in the frame; columns: {format_names(names)} ({OPTION})", option="fields"
        )
    if names.count(name) > 1:
        raise UsageError(f"the frame has {names.count(name)} columns named {name!r}; rename them first")
    if kind == "polars":
        import polars as pl

        series = frame.get_column(name)
        if series.dtype not in (pl.String, pl.Categorical):
            raise UsageError(f"column {name!r} is {series.dtype}, not text: only text columns are redacted")
        return list(series.to_list())
    import pandas as pd

    series = frame[name]
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        series = series.astype(object)
    elif not (pd.api.types.is_object_dtype(dtype) or isinstance(dtype, pd.StringDtype)):
        raise UsageError(f"column {name!r} is {dtype}, not text: only text columns can be redacted")
    values: list[str | None] = []
    for position, value in enumerate(series.tolist()):
        if isinstance(value, str):
            values.append(value)
        elif value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
            values.append(None)
        else:  # the type only: the value may be personal data
            raise UsageError(
                f"column {name!r}, row {position}: a {type(value).__name__}, not text; "
                "only text (and nulls) can be redacted"
            )
    return values


def _rebuilt(frame: Any, kind: str, out: Mapping[str, list[str | None]]) -> Any:
    if kind == "polars":
        import polars as pl

        return frame.with_columns(
            [pl.Series(name, values, dtype=frame.get_column(name).dtype) for name, values in out.items()]
        )
    import pandas as pd

    result = frame.copy()
    for name, values in out.items():
        original = frame[name]
        dtype = original.dtype
        if isinstance(dtype, pd.CategoricalDtype):
            column = pd.Series(pd.Categorical(values, ordered=dtype.ordered), index=frame.index, name=name)
        elif isinstance(dtype, pd.StringDtype):
            column = pd.Series(pd.array(values, dtype=dtype), index=frame.index, name=name)
        else:  # object: nulls keep their own kind (None, NaN)
            kept = [old if new is None else new for old, new in zip(original.tolist(), values, strict=True)]
            column = pd.Series(kept, index=frame.index, name=name, dtype=object)
        result[name] = column
    return result
