"""The tagger's embedding stack, built from local resource files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from anonymizer.model.registry import (
    CHAR_EMBEDDING_NAME,
    FLAIR_EMBEDDING_NAMES,
    LEXICON_EMBEDDING_NAME,
    WORD_EMBEDDING_NAME,
    check_stack_order,
)


def stack_embeddings(
    *,
    chars: Path,
    char_dim: int,
    char_hidden: int,
    words: Path | None = None,
    language_models: dict[str, Path] | None = None,
    lexicon: Any | None = None,
) -> Any:
    """A ``StackedEmbeddings`` in sorted-name order: word vectors (gensim ``KeyedVectors``
    at ``words``), the character BiLSTM over the dictionary at ``chars``, and the
    character LMs of ``language_models`` (recipe key of :data:`FLAIR_EMBEDDING_NAMES`
    -> ``LanguageModel`` file), and the lexicon features of ``lexicon`` (a
    :class:`~anonymizer.model.lexicon_features.LexiconTables`)."""
    from flair.embeddings import FlairEmbeddings, StackedEmbeddings, WordEmbeddings

    from anonymizer.model.chars import BatchedCharEmbeddings

    stack: list[Any] = []
    if words is not None:
        stack.append(WordEmbeddings(str(words), name=WORD_EMBEDDING_NAME))
    stack.append(
        BatchedCharEmbeddings(
            str(chars), char_embedding_dim=char_dim, hidden_size_char=char_hidden, name=CHAR_EMBEDDING_NAME
        )
    )
    lms = language_models or {}
    unknown = set(lms) - set(FLAIR_EMBEDDING_NAMES)
    if unknown:
        raise ValueError(f"unknown language models {sorted(unknown)}; known: {sorted(FLAIR_EMBEDDING_NAMES)}")
    stack.extend(
        FlairEmbeddings(str(lms[key]), name=name) for key, name in FLAIR_EMBEDDING_NAMES.items() if key in lms
    )
    if lexicon is not None:
        from anonymizer.model.lexicon import LexiconEmbeddings

        stack.append(LexiconEmbeddings(lexicon, name=LEXICON_EMBEDDING_NAME))
    check_stack_order([embedding.name for embedding in stack])
    return StackedEmbeddings(stack)
