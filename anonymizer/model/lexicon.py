"""The lexicon embedding: a fixed (untrained) token vector of what the lists know.

See :mod:`anonymizer.model.lexicon_features` for the features. The tables travel
inside the saved tagger (``to_params``), so a reloaded model computes exactly the
features it was trained with, whatever the shipped lists say today.
"""

from __future__ import annotations

from typing import Any

import flair
import torch
from flair.data import Sentence
from flair.embeddings import TokenEmbeddings
from flair.embeddings.base import register_embeddings

from anonymizer.model.lexicon_features import FEATURE_NAMES, LexiconTables, sentence_features


@register_embeddings
class LexiconEmbeddings(TokenEmbeddings):  # type: ignore[misc]
    def __init__(self, tables: LexiconTables | dict[str, Any], *, name: str) -> None:
        super().__init__()
        self.name = name
        self.static_embeddings = True
        self.tables = tables if isinstance(tables, LexiconTables) else LexiconTables.from_state(tables)
        self.eval()

    @property
    def embedding_length(self) -> int:
        return len(FEATURE_NAMES)

    def _add_embeddings_internal(self, sentences: list[Sentence]) -> list[Sentence]:
        for sentence in sentences:
            tokens = sentence.tokens
            if not tokens:
                continue
            features = sentence_features(self.tables, [t.text for t in tokens])
            matrix = torch.tensor(features, device=flair.device)
            for token, vector in zip(tokens, matrix, strict=True):
                token.set_embedding(self.name, vector)
        return sentences

    def __str__(self) -> str:
        return self.name

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> LexiconEmbeddings:
        return cls(params["tables"], name=params["name"])

    def to_params(self) -> dict[str, Any]:
        return {"tables": self.tables.to_state(), "name": self.name}
