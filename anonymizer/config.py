"""Configuration from TOML (``rules/default.toml`` with an optional user file laid over it).

Validated on load: every error names the file and the dotted key.
"""

from __future__ import annotations

import hashlib
import json
import string
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from anonymizer.errors import ConfigError

OPERATORS = ("placeholder", "pseudonym", "surrogate", "mask", "hash", "remove", "keep")
# Template fields each templated operator fills in.
TEMPLATE_FIELDS = {"placeholder": frozenset({"label", "n"}), "pseudonym": frozenset({"label", "n", "id"})}
DEFAULT_TEMPLATES = {"placeholder": "[{label}_{n}]", "pseudonym": "[{label}_{id}]"}
# Hex digits of the keyed digest: pseudonym ids (``{id}``) and hash output.
DEFAULT_LENGTHS = {"pseudonym": 8, "hash": 16}
_LABEL_CHARS = frozenset(string.ascii_uppercase + string.digits + "_")

_SCHEMA: dict[str, Any] = {
    "redact": {"entities": list},
    "model": {"path": str, "batch_size": int},
    "rules": {"time": {"enabled": bool, "score": float}, "propagation": {"enabled": bool}},
    "operators": None,  # free-form table of labels, checked below
}


@dataclass(frozen=True, slots=True)
class OperatorSpec:
    operator: str
    template: str = "[{label}_{n}]"
    char: str = "*"
    length: int = 8


@dataclass(frozen=True)
class Config:
    entities: frozenset[str]
    operators: Mapping[str, OperatorSpec]
    model_path: str = "default"
    batch_size: int = 32
    time_rules: bool = True
    time_score: float = 0.9
    propagation: bool = True
    sources: tuple[str, ...] = ()
    digest: str = field(default="", compare=False)

    def operator_for(self, label: str) -> OperatorSpec:
        return self.operators.get(label) or self.operators["DEFAULT"]

    def with_entities(self, entities: frozenset[str]) -> Config:
        from dataclasses import replace

        return replace(self, entities=entities)


def shipped_file(folder: str, name: str) -> Path:
    """A file of the repository's ``rules/`` or ``models/`` folder.

    Installed, they are package data (``anonymizer/rules/...``); in a source
    checkout or an editable install they sit beside the package.
    """
    package = Path(__file__).resolve().parent
    installed = package / folder / name
    return installed if installed.is_file() else package.parent / folder / name


def default_config_path() -> Path:
    return shipped_file("rules", "default.toml")


def load_config(path: Path | None = None) -> Config:
    """The shipped defaults, with ``path`` (if given) laid over them key by key."""
    base_path = default_config_path()
    merged = _read(base_path)
    sources = [str(base_path)]
    origin = {key: base_path for key in _flat_keys(merged)}
    if path is not None:
        override = _read(path)
        _check_keys(override, _SCHEMA, path, prefix="")
        merged = _deep_merge(merged, override)
        origin.update({key: path for key in _flat_keys(override)})
        sources.append(str(path))
    _check_keys(merged, _SCHEMA, base_path, prefix="")
    return _build(merged, origin, tuple(sources))


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML: {error}") from None


def _deep_merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _flat_keys(table: Mapping[str, Any], prefix: str = "") -> list[str]:
    keys = []
    for key, value in table.items():
        dotted = f"{prefix}{key}"
        keys.append(dotted)
        if isinstance(value, Mapping):
            keys.extend(_flat_keys(value, dotted + "."))
    return keys


def _check_keys(table: Mapping[str, Any], schema: Mapping[str, Any], path: Path, *, prefix: str) -> None:
    for key, value in table.items():
        dotted = f"{prefix}{key}"
        if key not in schema:
            known = ", ".join(sorted(schema))
            raise ConfigError(f"{path}: unknown key '{dotted}' (known here: {known})")
        expected = schema[key]
        if expected is None:
            continue
        if isinstance(expected, dict):
            if not isinstance(value, Mapping):
                raise ConfigError(f"{path}: key '{dotted}' must be a table")
            _check_keys(value, expected, path, prefix=dotted + ".")
        elif expected is float and isinstance(value, int | float) and not isinstance(value, bool):
            continue
        elif not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise ConfigError(
                f"{path}: key '{dotted}' must be {expected.__name__}, not {type(value).__name__}"
            )


def _build(raw: Mapping[str, Any], origin: Mapping[str, Path], sources: tuple[str, ...]) -> Config:
    def fail(key: str, message: str) -> ConfigError:
        return ConfigError(f"{origin.get(key, sources[-1])}: key '{key}': {message}")

    entities = raw.get("redact", {}).get("entities", [])
    for label in entities:
        if not isinstance(label, str) or not label or not set(label) <= _LABEL_CHARS:
            raise fail("redact.entities", f"{label!r} is not a label (use upper-case names like PER)")
    operators: dict[str, OperatorSpec] = {}
    for label, spec in raw.get("operators", {}).items():
        key = f"operators.{label}"
        if not isinstance(spec, Mapping):
            raise fail(key, "must be a table with an 'operator' key")
        operators[label] = _operator(spec, key, fail)
    if "DEFAULT" not in operators:
        raise fail("operators.DEFAULT", "missing: it covers labels without their own entry")
    model = raw.get("model", {})
    time_rules = raw.get("rules", {}).get("time", {})
    batch_size = model.get("batch_size", 32)
    if batch_size < 1:
        raise fail("model.batch_size", "must be at least 1")
    canonical = json.dumps(raw, sort_keys=True, ensure_ascii=False, default=str)
    return Config(
        entities=frozenset(entities),
        operators=operators,
        model_path=model.get("path", "default"),
        batch_size=batch_size,
        time_rules=time_rules.get("enabled", True),
        time_score=float(time_rules.get("score", 0.9)),
        propagation=raw.get("rules", {}).get("propagation", {}).get("enabled", True),
        sources=sources,
        digest=hashlib.sha256(canonical.encode()).hexdigest(),
    )


def _operator(spec: Mapping[str, Any], key: str, fail: Any) -> OperatorSpec:
    allowed = {"operator", "template", "char", "length"}
    for name in spec:
        if name not in allowed:
            raise fail(f"{key}.{name}", f"unknown key (allowed: {', '.join(sorted(allowed))})")
    operator = spec.get("operator")
    if operator not in OPERATORS:
        raise fail(f"{key}.operator", f"{operator!r} is not one of {', '.join(OPERATORS)}")
    template = spec.get("template", DEFAULT_TEMPLATES.get(operator, "[{label}_{n}]"))
    if "template" in spec and operator not in TEMPLATE_FIELDS:
        raise fail(f"{key}.template", f"the {operator} operator takes no template")
    if not isinstance(template, str):
        raise fail(f"{key}.template", "must be a string")
    try:
        fields = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError as error:
        raise fail(f"{key}.template", f"invalid template: {error}") from None
    known = TEMPLATE_FIELDS.get(operator, frozenset())
    if operator in TEMPLATE_FIELDS and not fields <= known:
        unknown = ", ".join(sorted(fields - known))
        usable = " and ".join("{" + name + "}" for name in sorted(known))
        hint = " ({id} needs operator = \"pseudonym\")" if "id" in fields else ""
        raise fail(f"{key}.template", f"unknown field {{{unknown}}} (use {usable}){hint}")
    char = spec.get("char", "*")
    if not isinstance(char, str) or len(char) != 1:
        raise fail(f"{key}.char", "must be a single character")
    length = spec.get("length", DEFAULT_LENGTHS.get(operator, 8))
    if not isinstance(length, int) or isinstance(length, bool) or not 4 <= length <= 64:
        raise fail(f"{key}.length", "must be a whole number of hex digits from 4 to 64")
    return OperatorSpec(operator=operator, template=template, char=char, length=length)
