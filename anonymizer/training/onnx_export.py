"""Export a Hugging Face token classifier to one int8 ONNX file that ``anonymize`` runs.

Build time only (torch, onnx, onnxruntime's quantization tools). The file carries the
tokenizer and the tag map in its metadata (:class:`anonymizer.model.encoder.EncoderMetadata`).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from anonymizer.model.encoder import EncoderMetadata, map_tags

#: Labels of common Swedish and English NER models -> ours (``None``: not personal data here).
DEFAULT_LABEL_MAP: dict[str, str | None] = {
    "PER": "PER", "PRS": "PER", "PERSON": "PER",
    "LOC": "LOC", "GPE": "LOC", "LOCATION": "LOC",
    "ORG": "ORG", "ORGANIZATION": "ORG", "ORGANISATION": "ORG",
    "TME": "TME", "TIME": "TME", "DATE": "TME",
    "MISC": None, "MSR": None, "EVN": None, "WRK": None, "OBJ": None,
}  # fmt: skip


def load_label_map(path: Path | None) -> dict[str, str | None]:
    """The default map, with a JSON object ``{"MODEL_LABEL": "OUR_LABEL" or null}`` over it."""
    if path is None:
        return dict(DEFAULT_LABEL_MAP)
    extra = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(extra, dict) or not all(v is None or isinstance(v, str) for v in extra.values()):
        raise ValueError(f"{path}: a label map is a JSON object of label -> label or null")
    return DEFAULT_LABEL_MAP | extra


def tokenizer_json(model_dir: Path) -> str:
    """The fast tokenizer of a model folder as JSON, without truncation or padding."""
    from tokenizers import Tokenizer

    file = model_dir / "tokenizer.json"
    if file.exists():
        tokenizer = Tokenizer.from_file(str(file))
    else:
        from transformers import AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(str(model_dir), use_fast=True).backend_tokenizer
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return str(tokenizer.to_str())


def export_onnx(
    model_dir: Path,
    output: Path,
    *,
    label_map: dict[str, str | None] | None = None,
    quantize: bool = True,
    keep_fp32: Sequence[str] = (),
    window: int | None = None,
    entity_threshold: float = 0.5,
) -> dict[str, Any]:
    """Write ``output`` (written beside it and renamed); return facts for the model card.

    ``keep_fp32``: regular expressions; MatMul nodes whose name one matches stay fp32 in the
    int8 file (``layer\\.\\d+/output/dense``: the FFN outputs, where int8 costs the most accuracy).
    """
    import onnx
    import torch
    from transformers import AutoModelForTokenClassification

    model = AutoModelForTokenClassification.from_pretrained(str(model_dir)).eval()
    names = [model.config.id2label[i] for i in range(model.config.num_labels)]
    tags = map_tags(names, label_map or DEFAULT_LABEL_MAP)
    positions = int(getattr(model.config, "max_position_embeddings", 512))
    if getattr(model.config, "model_type", "") in ("roberta", "xlm-roberta", "camembert"):
        positions -= 2  # their positions start after the padding index
    meta = EncoderMetadata(
        tags=tags,
        window=min(window or positions, positions),
        tokenizer=tokenizer_json(model_dir),
        source=model_dir.name,
        entity_threshold=entity_threshold,
    )
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=output.parent) as folder:
        fp32 = Path(folder) / "fp32.onnx"
        example = torch.ones((1, 8), dtype=torch.long)
        with torch.no_grad():
            torch.onnx.export(
                model,
                (example, torch.ones_like(example)),
                str(fp32),
                input_names=["input_ids", "attention_mask"],
                output_names=["logits"],
                dynamic_axes={
                    name: {0: "batch", 1: "pieces"} for name in ("input_ids", "attention_mask", "logits")
                },
                opset_version=17,
                dynamo=False,
            )
        final = fp32
        if quantize:
            from onnxruntime.quantization import QuantType, quantize_dynamic

            graph = onnx.load(str(fp32))
            excluded = [
                n.name
                for n in graph.graph.node
                if n.op_type == "MatMul" and any(re.search(pattern, n.name) for pattern in keep_fp32)
            ]
            final = Path(folder) / "int8.onnx"
            quantize_dynamic(
                str(fp32),
                str(final),
                per_channel=True,
                weight_type=QuantType.QInt8,
                op_types_to_quantize=["MatMul", "Gather"],
                nodes_to_exclude=excluded,
            )
        graph = onnx.load(str(final))
        onnx.helper.set_model_props(graph, meta.props())
        temporary = output.with_name(output.name + ".tmp")
        onnx.save(graph, str(temporary))
        os.replace(temporary, output)
    return {
        "tags": list(tags),
        "window": meta.window,
        "entity_threshold": entity_threshold,
        "bytes": output.stat().st_size,
        "quantized": quantize,
    }
