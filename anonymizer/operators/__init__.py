"""Replacement operators, one module each. An operator maps a span to its replacement.

Every operator gets a :class:`Target`: the surface text, its label, its number in
the document and its canonical form. Keyed operators (pseudonym, surrogate, hash)
also get the secret key at construction; the same key gives the same output for the
same canonical form across rows, files and runs.

An operator is a subclass of :class:`Operator` that sets ``name``: that registers it,
and ``anonymizer.operators.registry`` finds every module of this package. Adding one
takes its module (and its test), nothing else.
"""

from __future__ import annotations

import string
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass(frozen=True, slots=True)
class Target:
    """What an operator replaces.

    ``number`` is the 1-based index of the entity among the distinct entities of its
    label seen so far in the document. ``canonical`` is the normalised surface of the
    entity it refers to: for "Anna" after "Anna Lind" it is ``"anna lind"``, so keyed
    operators give both mentions one identity.
    """

    surface: str
    label: str
    number: int
    canonical: str


class ParamError(ValueError):
    """A bad key of an ``[operators.LABEL]`` table; the registry adds the file and table."""

    def __init__(self, param: str, message: str) -> None:
        super().__init__(f"{param}: {message}")
        self.param = param
        self.message = message


# name -> operator class, filled as the operator modules are imported.
REGISTERED: dict[str, type[Operator]] = {}


class Operator(ABC):
    """The base of every operator; a subclass that sets ``name`` is registered under it.

    ``needs_key``: the constructor takes the secret key (``key=``) and the output
    depends on it (without a given key the run warns that it used a random one).
    ``params``: the keys of its ``[operators.LABEL]`` table besides ``operator``.
    ``reversible``: the holder of the key can restore the text (the audit log says so).
    """

    __slots__ = ()
    name: ClassVar[str]
    needs_key: ClassVar[bool] = False
    reversible: ClassVar[bool] = False
    params: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        name = cls.__dict__.get("name")
        if name is None:
            raise TypeError(f"operator {cls.__qualname__} must set its name")
        known = REGISTERED.get(name)
        # The same class again is fine: ``dataclass(slots=True)`` builds a second one.
        if known is not None and (known.__module__, known.__name__) != (cls.__module__, cls.__name__):
            raise TypeError(f"operator name {name!r} is taken by {known.__module__}.{known.__qualname__}")
        REGISTERED[name] = cls

    @classmethod
    def validate(cls, params: Mapping[str, Any]) -> dict[str, Any]:
        """The constructor's arguments (besides ``key``) from ``params``, defaults filled in.

        ``params`` hold only keys of ``cls.params``; a bad value raises :class:`ParamError`.
        """
        return {}

    @classmethod
    def configure(cls, params: Mapping[str, Any]) -> tuple[type[Operator], dict[str, Any]]:
        """The class to build and its arguments: ``cls`` itself unless it hands over to another."""
        return cls, cls.validate(params)

    @abstractmethod
    def replace(self, target: Target) -> str: ...


# Checks of the keys several operators share.

TEMPLATE_FIELDS = frozenset({"label", "n", "id"})


def template_param(params: Mapping[str, Any], default: str) -> tuple[str, frozenset[str]]:
    """The ``template`` and the fields it uses: ``{label}``, ``{n}`` and ``{id}``."""
    template = params.get("template", default)
    if not isinstance(template, str):
        raise ParamError("template", "must be a string")
    try:
        fields = frozenset(name for _, name, _, _ in string.Formatter().parse(template) if name is not None)
    except ValueError as error:
        raise ParamError("template", f"invalid template: {error}") from None
    if not fields <= TEMPLATE_FIELDS:
        unknown = ", ".join(sorted(fields - TEMPLATE_FIELDS))
        usable = " and ".join("{" + name + "}" for name in sorted(TEMPLATE_FIELDS))
        raise ParamError("template", f"unknown field {{{unknown}}} (use {usable})")
    return template, fields


def length_param(params: Mapping[str, Any], default: int) -> int:
    """``length``: hex digits of a keyed digest (a pseudonym id, a hash)."""
    length = params.get("length", default)
    if not isinstance(length, int) or isinstance(length, bool) or not 4 <= length <= 64:
        raise ParamError("length", "must be a whole number of hex digits from 4 to 64")
    return length


__all__ = ["Operator", "ParamError", "Target"]
