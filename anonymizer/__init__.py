"""Strip personal data from Swedish text: a quantized Flair tagger plus rules.

Library API::

    from anonymizer import Anonymizer
    anonymizer = Anonymizer.load()
    [result] = anonymizer.redact(["Anna Lind bor i Umeå."])
    result.text          # '[PER_1] bor i [LOC_1].'
    result.replacements  # spans with offsets into the original text

    from anonymizer import redact_frame   # pandas and polars
    out, audit, counts = redact_frame(df, columns=["text"], anonymizer=anonymizer)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from anonymizer.config import Config, load_config
from anonymizer.span import Redaction, Replacement, Span

__version__ = "0.2.0"  # the one place; pyproject.toml reads it, CHANGELOG.md names it

if TYPE_CHECKING:
    from anonymizer.frame import redact_frame, restore_frame
    from anonymizer.pipeline import Anonymizer


def __getattr__(name: str) -> object:
    # Import the pipeline (rules, I/O; its tagger imports torch) only when asked for.
    if name == "Anonymizer":
        from anonymizer.pipeline import Anonymizer

        return Anonymizer
    if name in ("redact_frame", "restore_frame"):
        from anonymizer import frame

        return getattr(frame, name)
    raise AttributeError(name)


__all__ = [
    "Anonymizer",
    "Config",
    "Redaction",
    "Replacement",
    "Span",
    "__version__",
    "load_config",
    "redact_frame",
    "restore_frame",
]
