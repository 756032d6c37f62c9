"""A nested payload of numpy arrays and plain values, as one ``.npz`` file that loads no code.

The structure (dicts, lists, strings, numbers, ``None``) goes into one JSON member,
``manifest``, in which every array stands as ``{"$array": NAME}``; each array is its
own ``.npy`` member, read with ``allow_pickle=False``. Members are stored
uncompressed with a fixed date, so the same payload always gives the same bytes.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import IO, Any

import numpy as np

MANIFEST = "manifest"
_REF = "$array"
_FIXED_DATE = (1980, 1, 1, 0, 0, 0)


class ArrayFileError(ValueError):
    """Not an array file of this layout, or a damaged one."""


def write_arrays(payload: dict[str, Any], target: IO[bytes]) -> None:
    """Write ``payload`` to an open binary file (see the module docstring)."""
    arrays: dict[str, np.ndarray[Any, Any]] = {}
    manifest = json.dumps(_describe(payload, arrays), ensure_ascii=False, sort_keys=True)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as archive:
        members = {MANIFEST: np.frombuffer(manifest.encode("utf-8"), dtype=np.uint8), **arrays}
        for name, array in members.items():
            info = zipfile.ZipInfo(f"{name}.npy", date_time=_FIXED_DATE)
            with archive.open(info, "w", force_zip64=True) as member:
                # Not ascontiguousarray: it turns a 0-d array into a 1-d one.
                contiguous = array if array.flags.c_contiguous else array.copy(order="C")
                np.lib.format.write_array(member, contiguous, allow_pickle=False)


def read_arrays(path: Path) -> dict[str, Any]:
    """The payload of a file written by :func:`write_arrays`."""
    try:
        with np.load(path, allow_pickle=False) as archive:
            members = {name: archive[name] for name in archive.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as error:
        raise ArrayFileError(f"not an array file ({error})") from error
    if MANIFEST not in members:
        raise ArrayFileError(f"no {MANIFEST!r} member")
    try:
        structure = json.loads(members.pop(MANIFEST).tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ArrayFileError(f"damaged manifest ({error})") from error
    payload = _rebuild(structure, members)
    if not isinstance(payload, dict):
        raise ArrayFileError("the manifest is not a table")
    return payload


def is_array_file(path: Path) -> bool:
    """Whether ``path`` is a zip archive with a manifest member (torch's zip files have none)."""
    try:
        with zipfile.ZipFile(path) as archive:
            return f"{MANIFEST}.npy" in archive.namelist()
    except (OSError, zipfile.BadZipFile):
        return False


def _describe(value: Any, arrays: dict[str, np.ndarray[Any, Any]]) -> Any:
    if isinstance(value, np.ndarray):
        name = f"a{len(arrays)}"
        arrays[name] = value
        return {_REF: name}
    if isinstance(value, dict):
        if _REF in value:
            raise ArrayFileError(f"a payload key may not be {_REF!r}")
        return {str(key): _describe(item, arrays) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_describe(item, arrays) for item in value]
    if isinstance(value, np.generic):
        return value.item()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise ArrayFileError(f"cannot store a {type(value).__name__}")


def _rebuild(value: Any, arrays: dict[str, np.ndarray[Any, Any]]) -> Any:
    if isinstance(value, dict):
        if set(value) == {_REF}:
            if value[_REF] not in arrays:
                raise ArrayFileError(f"array {value[_REF]!r} is missing")
            return arrays[value[_REF]]
        return {key: _rebuild(item, arrays) for key, item in value.items()}
    if isinstance(value, list):
        return [_rebuild(item, arrays) for item in value]
    return value
