"""Check and build operators from their ``[operators.LABEL]`` tables.

Every module of ``anonymizer.operators`` is imported once, so each :class:`Operator`
subclass in it is registered under its ``name``: a new operator needs no line here.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable
from functools import cache
from typing import Any

import anonymizer.operators as package
from anonymizer.config import Config, OperatorSpec
from anonymizer.errors import ConfigError
from anonymizer.operators import REGISTERED, Operator, ParamError


@cache
def operators() -> dict[str, type[Operator]]:
    """Every registered operator by name, in alphabetical order."""
    for module in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{package.__name__}.{module.name}")
    return dict(sorted(REGISTERED.items()))


def _error(spec: OperatorSpec, param: str, message: str) -> ConfigError:
    file = spec.files.get(param) or spec.files.get("operator")
    key = f"{spec.key}.{param}" if spec.key else param
    return ConfigError(f"{file + ': ' if file else ''}key '{key}': {message}")


def resolve(spec: OperatorSpec) -> tuple[type[Operator], dict[str, Any]]:
    """The class ``spec`` builds and its checked arguments; a ConfigError naming file and key."""
    known = operators()
    cls = known.get(spec.operator)
    if cls is None:
        raise _error(spec, "operator", f"{spec.operator!r} is not one of {', '.join(known)}")
    for param in spec.params:
        if param in cls.params:
            continue
        if any(param in other.params for other in known.values()):
            raise _error(spec, param, f"the {cls.name} operator takes no {param}")
        allowed = ", ".join(sorted(("operator", *cls.params)))
        raise _error(spec, param, f"unknown key (allowed: {allowed})")
    try:
        return cls.configure(spec.params)
    except ParamError as error:
        raise _error(spec, error.param, error.message) from None


def needs_key(spec: OperatorSpec) -> bool:
    """Whether the operator of ``spec`` depends on the secret key (as its class declares)."""
    return resolve(spec)[0].needs_key


def uses_reversible(config: Config, labels: Iterable[str]) -> bool:
    """Whether the operator of one of ``labels`` is reversible (``encrypt``): its output is
    of use only under a key that is kept, never a random one."""
    return any(resolve(config.operator_for(label))[0].reversible for label in labels)


def make_operator(spec: OperatorSpec, *, key: bytes) -> Operator:
    """``key`` is the secret of the operators that declare ``needs_key``."""
    cls, arguments = resolve(spec)
    return cls(**({"key": key, **arguments} if cls.needs_key else arguments))


def check_operators(config: Config) -> None:
    """Check every ``[operators.LABEL]`` table of ``config``: a ConfigError naming file and key."""
    for spec in config.operators.values():
        resolve(spec)
