"""The tagger as a batch detector: records in, spans out (the model: :mod:`anonymizer.model`).

A span's token indices are mapped back to the exact character offsets of those
tokens in the original record; the tagger never sees offsets. Sentences are
independent, so batching rows together changes nothing.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from anonymizer.model import LoadedModel, Run, load_model, model_labels, tag_tokens
from anonymizer.span import Rank, Span
from anonymizer.text import Token, sentences

if TYPE_CHECKING:
    from anonymizer.detectors.tagger_repair import TaggerRepair
    from anonymizer.model.encoder import EncoderRuntime, LoadedEncoder
    from anonymizer.model.runtime import LoadedRuntime, TaggerRuntime

    Tagger = LoadedRuntime | LoadedModel | LoadedEncoder


def load_tagger(path: Path, *, trusted: Collection[str] | None = None) -> Tagger:
    """ONNX Runtime for encoder files (``.onnx``), the numpy runtime for runtime files and for
    the Flair files it can run (exported in memory); Flair itself only for the others
    (Flair embeddings with language models).

    ``trusted``: when given, the file must be a shipped model or have one of these SHA-256
    digests, and be writable by its owner only (:mod:`anonymizer.model.integrity`), before
    it is opened; ``None`` (the training tools, on files they made) checks nothing.
    """
    if trusted is not None:  # before torch is imported: a refusal is quick
        from anonymizer.model.integrity import check_model_file

        check_model_file(path, trusted=trusted)
    from anonymizer.model.encoder import is_encoder_file, load_encoder

    if is_encoder_file(path):
        return load_encoder(path)
    from anonymizer.model.runtime import ExportError, load_runtime

    try:
        return load_runtime(path)
    except ExportError:
        return load_model(path)


class NerDetector:
    """Tags each sentence as if it were alone, so a record's spans never depend on its batch.

    The runtimes run each sentence with its own int8 ranges; the Flair fallback runs
    one sentence per mini-batch. ``batch_size`` is kept for callers; it
    changes nothing.
    """

    name = "ner"
    rank = Rank.MODEL

    def __init__(
        self,
        model: Tagger,
        *,
        batch_size: int = 32,
        labels: frozenset[str] | None = None,
        threshold: float | None = None,
        repair: TaggerRepair | None = None,
        recall_aid: bool = True,
    ) -> None:
        """``repair``: what corrects the tagger's runs in :meth:`detect` (:meth:`tag` gives
        them as the model made them). ``threshold``: also take token runs whose entity
        probability reaches it, off the best path; an encoder file's own recall threshold
        applies too, the lower of the two wins. ``recall_aid=False``: the best path only,
        the tagger as it tags (``anonymizer evaluate`` on a corpus)."""
        self.model = model
        self.repair = repair
        self.batch_size = batch_size
        self.runtime = _runtime(model)
        own = getattr(self.runtime, "recall_threshold", None)
        chosen = [value for value in (threshold, own) if value is not None]
        self.threshold = min(chosen) if chosen and recall_aid else None
        if self.runtime is not None:
            known = self.runtime.labels
        else:
            assert isinstance(model, LoadedModel)
            known = model_labels(model.tagger)
        # The tagger predicts all it knows; spans of other labels are dropped.
        self.labels = known if labels is None else known & labels

    def detect(self, texts: Sequence[str]) -> list[list[Span]]:
        units: list[tuple[int, list[Token]]] = [
            (index, tokens) for index, text in enumerate(texts) for tokens in sentences(text)
        ]
        tag_runs = self.tag([[token.text for token in tokens] for _, tokens in units])
        found: list[list[Span]] = [[] for _ in texts]
        for (index, tokens), runs in zip(units, tag_runs, strict=True):
            if self.repair is not None:
                runs = self.repair.repair(texts[index], tokens, runs)
            for first, last, label, score in runs:
                if label in self.labels:
                    found[index].append(
                        Span(tokens[first].start, tokens[last].end, label, score, "ner", rank=self.rank)
                    )
        return found

    def tag(self, token_lists: Sequence[Sequence[str]]) -> list[list[Run]]:
        """Entity runs ``(first_token, last_token, label, score)`` per token list, as given."""
        if self.runtime is not None:
            if self.threshold is None:
                return [tagged.spans() for tagged in self.runtime.predict(token_lists)]
            runs: list[list[Run]] = []
            for tagged in self.runtime.predict(token_lists, marginals=True):
                extra = [] if tagged.marginals is None else self._uncertain(tagged.marginals)
                runs.append(sorted({*tagged.spans(), *extra}))
            return runs
        assert isinstance(self.model, LoadedModel)
        return tag_tokens(self.model.tagger, token_lists, batch_size=1)

    def _uncertain(self, marginals: Any) -> list[Run]:
        from anonymizer.model.marginals import uncertain_entities

        assert self.runtime is not None and self.threshold is not None
        return uncertain_entities(self.runtime.tags, marginals, threshold=self.threshold)


def _runtime(model: Tagger) -> TaggerRuntime | EncoderRuntime | None:
    """The runtime of ``model``; a Flair tagger is exported in memory when the runtime can run it."""
    from anonymizer.model.runtime import TaggerRuntime

    if not isinstance(model, LoadedModel):
        return model.runtime
    from anonymizer.model.export import ExportError, export_tagger

    try:
        return TaggerRuntime(export_tagger(model.tagger, source=model.path.name, source_sha256=model.sha256))
    except ExportError:
        return None
