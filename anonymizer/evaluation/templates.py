"""The templates of the synthetic documents (``rules/synthetic/templates.toml``; its header
describes the format), read and checked: errors name the file, the template and the line."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from anonymizer.config import shipped_file
from anonymizer.errors import ConfigError
from anonymizer.toml_files import read_toml

Line = str | tuple[str, ...]  # a line, or alternatives of which one is drawn ("" drops the line)
FIELD = re.compile(r"\{([a-z][a-z0-9_]*)(?:\.([a-z][a-z0-9_]*))?\}")  # {name} or {person.attribute}
TEMPLATES_FILE = "synthetic/templates.toml"


@dataclass(frozen=True)
class Template:
    kind: str
    lines: tuple[Line, ...]


def templates_path() -> Path:
    return shipped_file("rules", TEMPLATES_FILE)


def template_fields(template: Template) -> set[tuple[str, str | None]]:
    """The ``(name, attribute)`` of every field of a template."""
    fields: set[tuple[str, str | None]] = set()
    for line in template.lines:
        for alternative in line if isinstance(line, tuple) else (line,):
            fields.update((m.group(1), m.group(2)) for m in FIELD.finditer(alternative))
    return fields


def read_templates(path: Path, *, known: Callable[[str, str | None], bool]) -> tuple[Template, ...]:
    """The templates of ``path``, in file order; ``known`` says which fields exist."""
    raw = read_toml(path, "template file")
    entries = raw.get("template")
    if set(raw) != {"template"} or not isinstance(entries, list) or not entries:
        raise ConfigError(f"{path}: expected only [[template]] tables, each with kind and lines")
    templates: list[Template] = []
    for number, entry in enumerate(entries, start=1):
        template = _template(entry, f"{path}: [[template]] {number}", known)
        if any(other.kind == template.kind for other in templates):
            raise ConfigError(f"{path}: [[template]] {number}: kind {template.kind!r} is used twice")
        templates.append(template)
    return tuple(templates)


def _template(entry: object, where: str, known: Callable[[str, str | None], bool]) -> Template:
    if not isinstance(entry, dict) or set(entry) != {"kind", "lines"}:
        raise ConfigError(f"{where}: expected the keys kind and lines, nothing else")
    kind, raw_lines = entry["kind"], entry["lines"]
    if not isinstance(kind, str) or not kind:
        raise ConfigError(f"{where}: kind must be a non-empty string")
    where = f"{where} ({kind})"
    if not isinstance(raw_lines, list) or not raw_lines:
        raise ConfigError(f"{where}: lines must be a non-empty list")
    lines: list[Line] = []
    for index, line in enumerate(raw_lines):
        here = f"{where}, lines[{index}]"
        alternatives = line if isinstance(line, list) else [line]
        if not alternatives or not all(isinstance(text, str) for text in alternatives):
            raise ConfigError(f"{here}: a line is a string or a non-empty list of strings")
        for text in alternatives:
            _check_fields(text, here, known)
        lines.append(tuple(line) if isinstance(line, list) else line)
    return Template(kind, tuple(lines))


def _check_fields(text: str, where: str, known: Callable[[str, str | None], bool]) -> None:
    for match in FIELD.finditer(text):
        if not known(match.group(1), match.group(2)):
            raise ConfigError(f"{where}: unknown field {match.group()}")
    if "{" in FIELD.sub("", text) or "}" in FIELD.sub("", text):
        raise ConfigError(f"{where}: a brace outside a field; write fields as {{name}} or {{a.attribute}}")
