"""Start training from a trained tagger instead of from scratch (recipe key ``training.init_from``).

On two busy CPU cores a tagger trained from scratch on klintan, Talbanken and SUC
needs hours per handful of epochs; one that starts from the shipped model only has
to learn what is new. :func:`warm_start` builds a fresh ``SequenceTagger`` with the
new label set (e.g. TME added) and, when asked, the lexicon embedding, and copies
every weight the old tagger has:

* int8 layers are dequantized to fp32 (the shipped file is int8);
* tags are matched by name, so the old tags keep their output rows and CRF
  transitions, and new tags start at zero;
* new input features (the lexicon) enter with small random weights, so at the start
  the tagger computes almost exactly what the old one did.

The result is an ordinary tagger: its constructor arguments match its weights, so
it saves and reloads like any other (the round trip is tested).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

import torch

from anonymizer.model.registry import LEXICON_EMBEDDING_NAME, base_name, check_stack_order

_NEW_WEIGHT_STD = 0.01


def dequantize_lstm(module: Any) -> torch.nn.LSTM:
    """An fp32 ``nn.LSTM`` equal to ``module`` (fp32 or torch's dynamic int8 LSTM)."""
    if isinstance(module, torch.nn.LSTM):
        return module
    lstm = torch.nn.LSTM(
        module.input_size,
        module.hidden_size,
        num_layers=module.num_layers,
        bidirectional=module.bidirectional,
        batch_first=module.batch_first,
    )
    weights = module._weight_bias()
    with torch.no_grad():
        for name, value in weights["weight"].items():
            getattr(lstm, name).copy_(value.dequantize())
        for name, value in weights["bias"].items():
            getattr(lstm, name).copy_(value)
    return lstm


def dequantize_linear(module: Any) -> torch.nn.Linear:
    if isinstance(module, torch.nn.Linear):
        return module
    weight = module.weight().dequantize()
    bias = module.bias()
    linear = torch.nn.Linear(weight.shape[1], weight.shape[0], bias=bias is not None)
    with torch.no_grad():
        linear.weight.copy_(weight)
        if bias is not None:
            linear.bias.copy_(bias)
    return linear


def warm_start(
    old: Any,
    *,
    labels: Iterable[str],
    lexicon: Any | None = None,
    seed: int = 0,
) -> Any:
    """A new ``SequenceTagger`` predicting ``labels`` (BIOES), initialised from ``old``.

    ``lexicon``: a :class:`~anonymizer.model.lexicon.LexiconEmbeddings` to add to the
    stack (``None``: keep the old stack). ``old`` is not changed.
    """
    from flair.data import Dictionary
    from flair.embeddings import StackedEmbeddings
    from flair.models import SequenceTagger

    generator = torch.Generator().manual_seed(seed)
    old_stack = [copy.deepcopy(e) for e in getattr(old.embeddings, "embeddings", [old.embeddings])]
    for embedding in old_stack:
        embedding.name = base_name(base_name(embedding.name))
        if hasattr(embedding, "char_rnn"):
            embedding.char_rnn = dequantize_lstm(embedding.char_rnn)
    stack = [*old_stack, *([lexicon] if lexicon is not None else [])]
    if lexicon is not None and lexicon.name != LEXICON_EMBEDDING_NAME:
        raise ValueError(f"the lexicon embedding must be named {LEXICON_EMBEDDING_NAME!r}")
    check_stack_order([embedding.name for embedding in stack])

    dictionary = Dictionary(add_unk=False)
    for label in sorted(set(labels)):
        dictionary.add_item(label)
    dictionary.span_labels = True  # Flair then builds the BIOES tags, as for a corpus
    new = SequenceTagger(
        hidden_size=old.hidden_size,
        embeddings=StackedEmbeddings(stack),
        tag_dictionary=dictionary,
        tag_type=old.tag_type,
        tag_format="BIOES",
        use_crf=True,
        rnn_layers=old.rnn_layers,
        word_dropout=getattr(old, "use_word_dropout", 0.05),
        locked_dropout=getattr(old, "use_locked_dropout", 0.5),
    )
    old_width = old.embeddings.embedding_length
    _copy_reprojection(dequantize_linear(old.embedding2nn), new.embedding2nn, old_width, generator)
    _copy_rnn(dequantize_lstm(old.rnn), new.rnn, old_width, generator)
    _copy_tags(old, new)
    return new


def _random(shape: tuple[int, ...], generator: torch.Generator) -> torch.Tensor:
    return torch.randn(shape, generator=generator) * _NEW_WEIGHT_STD


def _copy_reprojection(
    old: torch.nn.Linear, new: torch.nn.Linear, width: int, generator: torch.Generator
) -> None:
    """Old block copied; new inputs reach the old outputs weakly and their own outputs as is."""
    with torch.no_grad():
        new.weight.zero_()
        new.bias.zero_()
        new.weight[:width, :width] = old.weight
        new.bias[:width] = old.bias
        extra = new.weight.shape[0] - width
        if extra:
            new.weight[:width, width:] = _random((width, extra), generator)
            new.weight[width:, width:] = torch.eye(extra)


def _copy_rnn(old: torch.nn.Module, new: torch.nn.Module, width: int, generator: torch.Generator) -> None:
    with torch.no_grad():
        for name, value in old.named_parameters():
            target = getattr(new, name)
            if name.startswith("weight_ih_l0"):
                target[:, :width] = value
                target[:, width:] = _random((target.shape[0], target.shape[1] - width), generator)
            else:
                target.copy_(value)


def _copy_tags(old: Any, new: Any) -> None:
    """Output rows and CRF transitions of the tags both taggers know, matched by name."""
    old_index = {tag: i for i, tag in enumerate(old.label_dictionary.get_items())}
    pairs = [
        (j, old_index[tag]) for j, tag in enumerate(new.label_dictionary.get_items()) if tag in old_index
    ]
    new_rows = torch.tensor([j for j, _ in pairs])
    old_rows = torch.tensor([i for _, i in pairs])
    with torch.no_grad():
        new.linear.weight.zero_()
        new.linear.bias.zero_()
        new.linear.weight[new_rows] = old.linear.weight[old_rows]
        new.linear.bias[new_rows] = old.linear.bias[old_rows]
        transitions = new.crf.transitions
        transitions[new_rows.unsqueeze(1), new_rows.unsqueeze(0)] = old.crf.transitions[
            old_rows.unsqueeze(1), old_rows.unsqueeze(0)
        ]
