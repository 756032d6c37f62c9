"""The tagger's embeddings by name, and our own embedding classes: each defined once here.

Flair concatenates a token's embeddings in sorted-name order, whatever the order
of the stack, and ``StackedEmbeddings`` prefixes each name with its position
("0-", "1-" ...), a prefix a saved file may or may not keep. So the stacking
order must equal the sorted-name order with and without the prefix, or the
features arrive permuted after a reload (a tagger at 0.75 dev F1 scored 0.04).
:func:`check_stack_order` enforces it; :data:`STACK_ORDER` lists the names in it.

A new embedding is one name here (sorting after the others) and, when the class
is ours, one entry in :data:`OWN_EMBEDDINGS`.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Sequence

WORD_EMBEDDING_NAME = "a-words"
CHAR_EMBEDDING_NAME = "b-chars"
# Recipe key (``[embeddings]`` table) -> name of the character language model's embedding.
FLAIR_EMBEDDING_NAMES = {"flair_forward": "c-flair-forward", "flair_backward": "d-flair-backward"}
LEXICON_EMBEDDING_NAME = "e-lexicon"
STACK_ORDER: tuple[str, ...] = (
    WORD_EMBEDDING_NAME,
    CHAR_EMBEDDING_NAME,
    *FLAIR_EMBEDDING_NAMES.values(),
    LEXICON_EMBEDDING_NAME,
)

# Our embedding classes ("module:Class") -> earlier modules of the class. Importing
# the module registers the class with Flair (fp32 files name it by class name);
# pickled files (our int8 format) name the module, so old ones are mapped on load.
OWN_EMBEDDINGS: dict[str, tuple[str, ...]] = {
    "anonymizer.model.chars:BatchedCharEmbeddings": ("anonymizer.detectors.chars",),
    "anonymizer.model.lexicon:LexiconEmbeddings": (),
}

_POSITION = re.compile(r"^\d+-")


def base_name(name: str) -> str:
    """``name`` without the position prefix ``StackedEmbeddings`` may have added."""
    return _POSITION.sub("", name)


def check_stack_order(names: Sequence[str]) -> None:
    """Raise ``ValueError`` unless ``names`` (in stacking order) are sorted, prefixed or not."""
    bare = [base_name(name) for name in names]
    if list(names) != sorted(names) or bare != sorted(bare):
        raise ValueError(f"embedding names {list(names)} are not in sorted order; Flair would permute them")


def register_own_embeddings() -> None:
    """Import our embedding classes, which registers them with Flair."""
    for path in OWN_EMBEDDINGS:
        importlib.import_module(path.partition(":")[0])


def moved_classes() -> dict[tuple[str, str], tuple[str, str]]:
    """``(old module, class) -> (module, class)`` for files pickled before a class moved."""
    moved: dict[tuple[str, str], tuple[str, str]] = {}
    for path, old_modules in OWN_EMBEDDINGS.items():
        module, _, name = path.partition(":")
        moved.update({(old, name): (module, name) for old in old_modules})
    return moved
