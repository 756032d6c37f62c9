"""Configuration from TOML (``rules/default.toml`` with an optional user file laid over it).

Validated on load: every error names the file and the dotted key.
"""

from __future__ import annotations

import hashlib
import json
import re
import string
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from anonymizer.errors import ConfigError

OPERATORS = ("placeholder", "pseudonym", "surrogate", "mask", "hash", "remove", "keep")
KEYED_OPERATORS = frozenset({"pseudonym", "surrogate", "hash"})
# Template fields each templated operator fills in.
# ``{id}`` is a keyed pseudonym id: a placeholder template with it is a pseudonym.
TEMPLATE_FIELDS = {
    "placeholder": frozenset({"label", "n", "id"}),
    "pseudonym": frozenset({"label", "n", "id"}),
}
DEFAULT_TEMPLATES = {"placeholder": "[{label}_{n}]", "pseudonym": "[{label}_{id}]"}
# Hex digits of the keyed digest: pseudonym ids (``{id}``) and hash output.
DEFAULT_LENGTHS = {"pseudonym": 8, "hash": 16}
_LABEL_CHARS = frozenset(string.ascii_uppercase + string.digits + "_")

# A schema key that stands for any name, e.g. each [recognizers.NAME] table.
ANY_NAME = "*"
_RECOGNIZER_KEYS: dict[str, Any] = {
    "label": str,
    "enabled": bool,
    "patterns": list,
    "validator": str,
    "score": float,
    "invalid_score": float,
    "context": list,
    "context_required": bool,
    "context_window": int,
    "ignore_case": bool,
    "description": str,
}
# What the shipped tagger finds; asking for any of them loads it.
DEFAULT_MODEL_LABELS = frozenset({"PER", "LOC", "ORG", "MISC"})
_SCHEMA: dict[str, Any] = {
    "redact": {"entities": list},
    "model": {"path": str, "batch_size": int, "labels": list},
    "merge": {"strategy": str},
    "rules": {
        "time": {"enabled": bool, "score": float},
        "propagation": {"enabled": bool},
        "gazetteers": {"enabled": bool, "score": float},
    },
    "lists": {"allow": None, "deny": None},  # label -> terms, checked below
    "recognizers": {ANY_NAME: _RECOGNIZER_KEYS},
    "operators": None,  # free-form table of labels, checked below
}
# The shipped configuration, in this order; a user file is laid over all of them.
SHIPPED_FILES = ("default.toml", "recognizers.toml")
MERGE_STRATEGIES = ("union", "longest")


@dataclass(frozen=True, slots=True)
class OperatorSpec:
    operator: str
    template: str = "[{label}_{n}]"
    char: str = "*"
    length: int = 8

    @property
    def keyed(self) -> bool:
        """Whether the replacement depends on the secret key."""
        return self.operator in KEYED_OPERATORS or (self.operator == "placeholder" and "{id" in self.template)


@dataclass(frozen=True, slots=True)
class RecognizerSpec:
    """One ``[recognizers.NAME]`` table: a regular-expression rule for an identifier.

    ``validator`` names a function of ``anonymizer.validators``. A match the validator
    rejects is still redacted with ``invalid_score`` (and ``valid=False``), or dropped
    when ``invalid_score`` is None. ``context`` words within ``context_window``
    characters before the match raise its score, or are needed at all when
    ``context_required``. ``source`` is the file that set the rule, for error messages.
    """

    name: str
    label: str
    patterns: tuple[str, ...]
    validator: str | None = None
    score: float = 0.9
    invalid_score: float | None = None
    context: tuple[str, ...] = ()
    context_required: bool = False
    context_window: int = 40
    ignore_case: bool = False
    source: str = ""


@dataclass(frozen=True)
class Config:
    entities: frozenset[str]
    operators: Mapping[str, OperatorSpec]
    model_path: str = "default"
    batch_size: int = 32
    # Labels taken from the tagger; it may predict more (they are dropped).
    model_labels: frozenset[str] = DEFAULT_MODEL_LABELS
    time_rules: bool = True
    time_score: float = 0.9
    propagation: bool = True
    gazetteers: bool = True
    gazetteer_score: float = 0.7
    merge_strategy: str = "union"
    recognizers: tuple[RecognizerSpec, ...] = ()
    allow: Mapping[str, frozenset[str]] = field(default_factory=dict)
    deny: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
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
    return shipped_file("rules", SHIPPED_FILES[0])


def normalise_term(term: str) -> str:
    """How allow- and deny-list terms and surfaces are compared: case and spacing ignored."""
    return " ".join(term.split()).casefold()


def load_config(path: Path | None = None) -> Config:
    """The shipped files of ``rules/``, with ``path`` (if given) laid over them key by key."""
    merged: dict[str, Any] = {}
    origin: dict[str, Path] = {}
    sources: list[str] = []
    for name in SHIPPED_FILES:
        shipped = shipped_file("rules", name)
        table = _read(shipped)
        _check_keys(table, _SCHEMA, shipped, prefix="")
        merged = _deep_merge(merged, table)
        origin.update({key: shipped for key in _flat_keys(table)})
        sources.append(str(shipped))
    if path is not None:
        override = _read(path)
        _check_keys(override, _SCHEMA, path, prefix="")
        merged = _deep_merge(merged, override)
        origin.update({key: path for key in _flat_keys(override)})
        sources.append(str(path))
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
        if key not in schema and ANY_NAME not in schema:
            known = ", ".join(sorted(schema))
            raise ConfigError(f"{path}: unknown key '{dotted}' (known here: {known})")
        expected = schema.get(key, schema.get(ANY_NAME))
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
    _check_labels(entities, "redact.entities", fail)
    operators: dict[str, OperatorSpec] = {}
    for label, spec in raw.get("operators", {}).items():
        key = f"operators.{label}"
        if not isinstance(spec, Mapping):
            raise fail(key, "must be a table with an 'operator' key")
        operators[label] = _operator(spec, key, fail)
    if "DEFAULT" not in operators:
        raise fail("operators.DEFAULT", "missing: it covers labels without their own entry")
    model = raw.get("model", {})
    rules = raw.get("rules", {})
    time_rules = rules.get("time", {})
    gazetteers = rules.get("gazetteers", {})
    batch_size = model.get("batch_size", 32)
    if batch_size < 1:
        raise fail("model.batch_size", "must be at least 1")
    model_labels = model.get("labels", DEFAULT_MODEL_LABELS)
    _check_labels(model_labels, "model.labels", fail)
    for key, value in (
        ("rules.time.score", time_rules.get("score")),
        ("rules.gazetteers.score", gazetteers.get("score")),
    ):
        if value is not None and not 0 < value <= 1:
            raise fail(key, "must be a score above 0 and at most 1")
    strategy = raw.get("merge", {}).get("strategy", "union")
    if strategy not in MERGE_STRATEGIES:
        raise fail("merge.strategy", f"{strategy!r} is not one of {', '.join(MERGE_STRATEGIES)}")
    recognizers = tuple(
        _recognizer(name, spec, origin, fail) for name, spec in raw.get("recognizers", {}).items()
    )
    allow = {
        label: frozenset(map(normalise_term, terms)) for label, terms in _terms(raw, "allow", fail).items()
    }
    deny = _terms(raw, "deny", fail)
    for label, terms in deny.items():
        clash = sorted({normalise_term(term) for term in terms} & allow.get(label, frozenset()))
        if clash:
            raise fail(f"lists.deny.{label}", f"{clash[0]!r} is also in lists.allow.{label}; keep it in one")
    canonical = json.dumps(raw, sort_keys=True, ensure_ascii=False, default=str)
    return Config(
        entities=frozenset(entities),
        operators=operators,
        model_path=model.get("path", "default"),
        batch_size=batch_size,
        model_labels=frozenset(model_labels),
        time_rules=time_rules.get("enabled", True),
        time_score=float(time_rules.get("score", 0.9)),
        propagation=rules.get("propagation", {}).get("enabled", True),
        gazetteers=gazetteers.get("enabled", True),
        gazetteer_score=float(gazetteers.get("score", 0.7)),
        merge_strategy=strategy,
        recognizers=tuple(spec for spec in recognizers if spec is not None),
        allow=allow,
        deny=deny,
        sources=sources,
        digest=hashlib.sha256(canonical.encode()).hexdigest(),
    )


def _check_labels(labels: Iterable[Any], key: str, fail: Any) -> None:
    for label in labels:
        if not _is_label(label):
            raise fail(key, f"{label!r} is not a label (use upper-case names like PER)")


def _is_label(value: object) -> bool:
    return isinstance(value, str) and bool(value) and set(value) <= _LABEL_CHARS


def _terms(raw: Mapping[str, Any], kind: str, fail: Any) -> dict[str, tuple[str, ...]]:
    table = raw.get("lists", {}).get(kind, {})
    if not isinstance(table, Mapping):
        raise fail(f"lists.{kind}", "must be a table of LABEL = [terms]")
    terms: dict[str, tuple[str, ...]] = {}
    for label, values in table.items():
        key = f"lists.{kind}.{label}"
        _check_labels([label], key, fail)
        if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
            raise fail(key, "must be a list of non-empty strings")
        terms[label] = tuple(values)
    return terms


def _recognizer(
    name: str, spec: Mapping[str, Any], origin: Mapping[str, Path], fail: Any
) -> RecognizerSpec | None:
    """A validated recognizer, or None when it is switched off."""
    key = f"recognizers.{name}"  # keys and types were checked per file by the schema
    if not spec.get("enabled", True):
        return None
    for required in ("label", "patterns"):
        if required not in spec:
            raise fail(f"{key}.{required}", "missing")
    if not _is_label(spec["label"]):
        raise fail(f"{key}.label", f"{spec['label']!r} is not a label (use upper-case names like PNR)")
    patterns = spec["patterns"]
    if not patterns:
        raise fail(f"{key}.patterns", "needs at least one regular expression")
    flags = re.IGNORECASE if spec.get("ignore_case", False) else 0
    for index, pattern in enumerate(patterns):
        if not isinstance(pattern, str):
            raise fail(f"{key}.patterns[{index}]", "must be a string")
        try:
            re.compile(pattern, flags)
        except re.error as error:
            raise fail(f"{key}.patterns[{index}]", f"invalid regular expression: {error}") from None
    for score_key in ("score", "invalid_score"):
        if score_key in spec and not 0 < spec[score_key] <= 1:
            raise fail(f"{key}.{score_key}", "must be a score above 0 and at most 1")
    context = spec.get("context", [])
    if not all(isinstance(word, str) and word.strip() for word in context):
        raise fail(f"{key}.context", "must be a list of non-empty strings")
    if spec.get("context_required", False) and not context:
        raise fail(f"{key}.context", "context_required needs context words")
    window = spec.get("context_window", 40)
    if window < 1:
        raise fail(f"{key}.context_window", "must be at least 1 character")
    validator = spec.get("validator")
    return RecognizerSpec(
        name=name,
        label=spec["label"],
        patterns=tuple(patterns),
        validator=validator,
        score=float(spec.get("score", 0.9)),
        invalid_score=float(spec["invalid_score"]) if "invalid_score" in spec else None,
        context=tuple(word.casefold() for word in context),
        context_required=spec.get("context_required", False),
        context_window=window,
        ignore_case=spec.get("ignore_case", False),
        source=str(origin.get(f"{key}.validator" if validator else f"{key}.patterns", "")),
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
        raise fail(f"{key}.template", f"unknown field {{{unknown}}} (use {usable})")
    char = spec.get("char", "*")
    if not isinstance(char, str) or len(char) != 1:
        raise fail(f"{key}.char", "must be a single character")
    length = spec.get("length", DEFAULT_LENGTHS.get(operator, 8))
    if not isinstance(length, int) or isinstance(length, bool) or not 4 <= length <= 64:
        raise fail(f"{key}.length", "must be a whole number of hex digits from 4 to 64")
    return OperatorSpec(operator=operator, template=template, char=char, length=length)
