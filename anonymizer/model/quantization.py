"""int8 dynamic quantization of a trained tagger; the only user of ``torch.ao``.

Only the LSTMs (the tagger's, the character BiLSTM, the character language models
of Flair embeddings) and the embedding re-projection are quantized: ``SequenceTagger``
reads ``self.linear.weight.dtype``, which a quantized ``Linear`` breaks, so the
output layer stays fp32. Embedding tables are not quantizable this way.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    import torch
    from flair.models import SequenceTagger


def quantize_tagger(tagger: SequenceTagger, *, language_models: bool = True) -> SequenceTagger:
    """Return an int8 copy; ``tagger`` is left as it was.

    ``language_models=False`` keeps the character language models in fp32: slower,
    and on the tagger measured in the model card no closer to fp32 on dev.
    """
    import copy

    import torch

    quantized: Any = copy.deepcopy(tagger).eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

        # One scale per output row of each weight matrix (LSTM gates included)
        # keeps int8 closer to fp32 than one scale per matrix.
        spec = {torch.nn.LSTM: per_channel_dynamic_qconfig, torch.nn.Linear: per_channel_dynamic_qconfig}

        def int8(module: torch.nn.Module) -> torch.nn.Module:
            # quantize_dynamic swaps children only, so give the module a parent.
            wrapped = quantize_dynamic(  # type: ignore[no-untyped-call]
                torch.nn.Sequential(module), spec, dtype=torch.qint8
            )
            return cast(torch.nn.Module, wrapped[0])

        if getattr(quantized, "rnn", None) is not None:
            quantized.rnn = int8(quantized.rnn)
        if getattr(quantized, "embedding2nn", None) is not None:
            quantized.embedding2nn = int8(quantized.embedding2nn)
        embedding: Any
        for embedding in quantized.embeddings.modules():
            if isinstance(getattr(embedding, "char_rnn", None), torch.nn.LSTM):
                embedding.char_rnn = int8(embedding.char_rnn)
            language_model: Any = getattr(embedding, "lm", None)  # FlairEmbeddings
            if language_models and isinstance(getattr(language_model, "rnn", None), torch.nn.LSTM):
                language_model.rnn = int8(language_model.rnn)
    return cast("SequenceTagger", quantized)
