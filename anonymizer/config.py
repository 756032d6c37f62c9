"""Configuration from TOML (``rules/default.toml`` with an optional user file laid over it).

Validated on load: every error names the file and the dotted key. The keys of an
``[operators.LABEL]`` table are kept as written (:class:`OperatorSpec`) and checked by
the operator registry, which this module may not import
(``anonymizer.operators.registry.check_operators``; ``Anonymizer.load`` calls it).
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
from anonymizer.normalise import normalise

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
    "model": {"path": str, "batch_size": int, "labels": list, "threshold": float, "also": list},
    "merge": {"strategy": str},
    "rules": {
        "time": {"enabled": bool, "score": float, "relative": bool},
        "propagation": {"enabled": bool},
        "gazetteers": {"enabled": bool, "score": float},
        "unknown_words": {"enabled": bool, "score": float},
        "tagger_repair": {"enabled": bool, "drop_ordinary_words": bool},
        "tables": {"enabled": bool},
        "spoken_numbers": {"enabled": bool},
        "name_fields": {"enabled": bool},
    },
    "lists": {"allow": None, "deny": None},  # label -> terms, checked below
    "recognizers": {ANY_NAME: _RECOGNIZER_KEYS},
    "operators": None,  # free-form table of labels, checked below
}
# The shipped configuration, in this order; a user file is laid over all of them.
SHIPPED_FILES = ("default.toml", "recognizers.toml")
PRESET_FOLDER = "presets"
MERGE_STRATEGIES = ("union", "longest")


@dataclass(frozen=True, slots=True)
class OperatorSpec:
    """One ``[operators.LABEL]`` table as written: the operator's name and its other keys.

    The operator registry (``anonymizer.operators.registry``) checks the keys and builds
    the operator; ``key`` (``operators.PER``) and ``files`` (the file that set each key
    of the table) are for its error messages.
    """

    operator: str
    params: Mapping[str, Any] = field(default_factory=dict)
    key: str = ""
    files: Mapping[str, str] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.params, Mapping):
            raise TypeError(f"params must be a mapping of the table's keys, not {type(self.params).__name__}")


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
    time_relative: bool = False
    propagation: bool = True
    gazetteers: bool = True
    gazetteer_score: float = 0.7
    # The strict preset: capitalised words the common-word table does not know.
    unknown_words: bool = False
    unknown_words_score: float = 0.5
    # Corrections of the tagger's runs from the name lists (anonymizer.detectors.tagger_repair).
    tagger_repair: bool = True
    drop_ordinary_words: bool = True
    # Columns of tables in text, numbers read aloud, values of name fields (the strict preset).
    tables: bool = True
    spoken_numbers: bool = True
    name_fields: bool = False
    # Tagger tokens whose entity probability reaches this are taken even off the
    # best path (None: the best path only).
    model_threshold: float | None = None
    # More taggers whose spans join the first one's (shipped names or model files): a union
    # lets through only what every tagger misses (the strict preset).
    model_also: tuple[str, ...] = ()
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


def preset_names() -> list[str]:
    """The shipped presets (``rules/presets/NAME.toml``)."""
    folder = shipped_file("rules", f"{PRESET_FOLDER}/strict.toml").parent
    return sorted(path.stem for path in folder.glob("*.toml"))


def preset_path(name: str) -> Path:
    path = shipped_file("rules", f"{PRESET_FOLDER}/{name}.toml")
    if not path.is_file():
        raise ConfigError(f"unknown preset {name!r}; shipped presets: {', '.join(preset_names())}")
    return path


def load_config(path: Path | None = None, *, preset: str | None = None) -> Config:
    """The shipped files of ``rules/``, then the shipped ``preset`` (if given), then ``path``
    (if given), each laid over the ones before key by key (an operator table that names
    its ``operator`` replaces the one before: :func:`_lay_over`)."""
    merged: dict[str, Any] = {}
    origin: dict[str, Path] = {}
    sources: list[str] = []
    shipped_paths = [shipped_file("rules", name) for name in SHIPPED_FILES]
    if preset is not None:
        shipped_paths.append(preset_path(preset))
    for file in [*shipped_paths, *([] if path is None else [path])]:
        table = _read(file)
        _check_keys(table, _SCHEMA, file, prefix="")
        merged = _lay_over(merged, table, origin, file)
        sources.append(str(file))
    return _build(merged, origin, tuple(sources))


def _lay_over(
    merged: dict[str, Any], table: Mapping[str, Any], origin: dict[str, Path], path: Path
) -> dict[str, Any]:
    """``table`` (the file ``path``) laid over ``merged`` key by key; ``origin`` learns its keys.

    An ``[operators.LABEL]`` table that names its ``operator`` replaces the one before
    whole: the keys of another operator ("template" of the shipped placeholder) would
    not fit it. A table without ``operator`` adds to the one before.
    """
    operators = table.get("operators")
    if isinstance(operators, Mapping) and isinstance(merged.get("operators"), Mapping):
        replaced = {
            label for label, spec in operators.items() if isinstance(spec, Mapping) and "operator" in spec
        }
        if replaced:
            kept = {label: spec for label, spec in merged["operators"].items() if label not in replaced}
            merged = {**merged, "operators": kept}
            prefixes = tuple(f"operators.{label}." for label in replaced)
            for key in [key for key in origin if key.startswith(prefixes)]:
                del origin[key]
    origin.update({key: path for key in _flat_keys(table)})
    return _deep_merge(merged, table)


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
    if not entities:  # fail closed: an empty list would write every record as it was
        raise fail("redact.entities", "is empty, so nothing would be redacted; list the labels to replace")
    operators: dict[str, OperatorSpec] = {}
    for label, spec in raw.get("operators", {}).items():
        key = f"operators.{label}"
        if not isinstance(spec, Mapping):
            raise fail(key, "must be a table with an 'operator' key")
        operators[label] = _operator(spec, key, origin, fail)
    if "DEFAULT" not in operators:
        raise fail("operators.DEFAULT", "missing: it covers labels without their own entry")
    model = raw.get("model", {})
    rules = raw.get("rules", {})
    time_rules = rules.get("time", {})
    gazetteers = rules.get("gazetteers", {})
    unknown_words = rules.get("unknown_words", {})
    tagger_repair = rules.get("tagger_repair", {})
    batch_size = model.get("batch_size", 32)
    if batch_size < 1:
        raise fail("model.batch_size", "must be at least 1")
    model_labels = model.get("labels", DEFAULT_MODEL_LABELS)
    _check_labels(model_labels, "model.labels", fail)
    also = model.get("also", [])
    if not all(isinstance(name, str) and name for name in also):
        raise fail("model.also", "must be a list of tagger names (default, encoder, fast) or model files")
    for key, value in (
        ("rules.time.score", time_rules.get("score")),
        ("rules.gazetteers.score", gazetteers.get("score")),
        ("rules.unknown_words.score", unknown_words.get("score")),
        ("model.threshold", model.get("threshold")),
    ):
        if value is not None and not 0 < value <= 1:
            raise fail(key, "must be a score above 0 and at most 1")
    strategy = raw.get("merge", {}).get("strategy", "union")
    if strategy not in MERGE_STRATEGIES:
        raise fail("merge.strategy", f"{strategy!r} is not one of {', '.join(MERGE_STRATEGIES)}")
    recognizers = tuple(
        _recognizer(name, spec, origin, fail) for name, spec in raw.get("recognizers", {}).items()
    )
    allow = {label: frozenset(map(normalise, terms)) for label, terms in _terms(raw, "allow", fail).items()}
    deny = _terms(raw, "deny", fail)
    for label, terms in deny.items():
        clash = sorted({normalise(term) for term in terms} & allow.get(label, frozenset()))
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
        time_relative=time_rules.get("relative", False),
        propagation=rules.get("propagation", {}).get("enabled", True),
        gazetteers=gazetteers.get("enabled", True),
        gazetteer_score=float(gazetteers.get("score", 0.7)),
        unknown_words=unknown_words.get("enabled", False),
        unknown_words_score=float(unknown_words.get("score", 0.5)),
        tagger_repair=tagger_repair.get("enabled", True),
        drop_ordinary_words=tagger_repair.get("drop_ordinary_words", True),
        tables=rules.get("tables", {}).get("enabled", True),
        spoken_numbers=rules.get("spoken_numbers", {}).get("enabled", True),
        name_fields=rules.get("name_fields", {}).get("enabled", False),
        model_threshold=None if model.get("threshold") is None else float(model["threshold"]),
        model_also=tuple(also),
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


def _operator(spec: Mapping[str, Any], key: str, origin: Mapping[str, Path], fail: Any) -> OperatorSpec:
    """The table's operator name and raw keys; the registry checks the keys."""
    if "operator" not in spec:
        raise fail(f"{key}.operator", 'missing: name an operator, e.g. operator = "placeholder"')
    operator = spec["operator"]
    if not isinstance(operator, str):
        raise fail(f"{key}.operator", f"must be str, not {type(operator).__name__}")
    params = {name: value for name, value in spec.items() if name != "operator"}
    files = {name: str(origin[f"{key}.{name}"]) for name in spec if f"{key}.{name}" in origin}
    return OperatorSpec(operator=operator, params=params, key=key, files=files)
