"""A batched character BiLSTM token embedding for Flair.

Flair's ``CharacterEmbeddings`` runs its LSTM once per sentence and maps results
back with a quadratic loop that gives duplicate tokens the wrong vector. This one
embeds each distinct token text of a whole mini-batch in one packed LSTM call and
uses the final states of both directions. It is registered with Flair, so a saved
tagger that uses it loads with ``SequenceTagger.load`` once this module is imported
(:func:`anonymizer.model.registry.register_own_embeddings`).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import flair
import torch
from flair.data import Dictionary, Sentence
from flair.embeddings import TokenEmbeddings
from flair.embeddings.base import register_embeddings

from anonymizer.model.registry import CHAR_EMBEDDING_NAME


def save_char_dictionary(chars: Iterable[str], target: Path) -> int:
    """Write a Flair ``Dictionary`` of ``chars`` (in order, after ``<unk>``); returns its size."""
    dictionary = Dictionary(add_unk=True)
    for char in chars:
        dictionary.add_item(char)
    target.parent.mkdir(parents=True, exist_ok=True)
    dictionary.save(target)
    return len(dictionary)


@register_embeddings
class BatchedCharEmbeddings(TokenEmbeddings):  # type: ignore[misc]
    def __init__(
        self,
        char_dictionary: Dictionary | str,
        *,
        char_embedding_dim: int = 25,
        hidden_size_char: int = 25,
        name: str = CHAR_EMBEDDING_NAME,
    ) -> None:
        super().__init__()
        self.name = name
        self.static_embeddings = False
        if isinstance(char_dictionary, str):
            char_dictionary = Dictionary.load_from_file(char_dictionary)
        self.char_dictionary = char_dictionary
        self.char_embedding_dim = char_embedding_dim
        self.hidden_size_char = hidden_size_char
        self.char_embedding = torch.nn.Embedding(len(char_dictionary.item2idx), char_embedding_dim)
        self.char_rnn = torch.nn.LSTM(char_embedding_dim, hidden_size_char, num_layers=1, bidirectional=True)
        self._length = 2 * hidden_size_char
        self.eval()

    @property
    def embedding_length(self) -> int:
        return self._length

    def _add_embeddings_internal(self, sentences: list[Sentence]) -> list[Sentence]:
        tokens = [token for sentence in sentences for token in sentence.tokens]
        if not tokens:
            return sentences
        position: dict[str, int] = {}
        for token in tokens:
            position.setdefault(token.text, len(position))
        lookup = self.char_dictionary.get_idx_for_item
        char_ids = [[lookup(char) for char in text] or [0] for text in position]
        lengths = torch.tensor([len(ids) for ids in char_ids])
        padded = torch.zeros((len(char_ids), int(lengths.max())), dtype=torch.long)
        for row, ids in enumerate(char_ids):
            padded[row, : len(ids)] = torch.tensor(ids, dtype=torch.long)
        embedded = self.char_embedding(padded.to(flair.device))
        packed = torch.nn.utils.rnn.pack_padded_sequence(
            embedded, lengths, batch_first=True, enforce_sorted=False
        )
        _, (hidden, _) = self.char_rnn(packed)
        vectors = torch.cat([hidden[0], hidden[1]], dim=1)
        for token in tokens:
            token.set_embedding(self.name, vectors[position[token.text]])
        return sentences

    def __str__(self) -> str:
        return self.name

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> BatchedCharEmbeddings:
        return cls(**params)

    def to_params(self) -> dict[str, Any]:
        return {
            "char_dictionary": self.char_dictionary,
            "char_embedding_dim": self.char_embedding_dim,
            "hidden_size_char": self.hidden_size_char,
            "name": self.name,
        }
