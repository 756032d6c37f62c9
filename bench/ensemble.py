"""Ensembles of taggers on documents and dev corpora (issue 12, item 4): a measurement, not a feature.

    .venv/bin/python bench/ensemble.py --combine union ~/.cache/anonymizer/v2-e4.rt.npz
    .venv/bin/python bench/ensemble.py --combine majority A.rt.npz B.rt.npz --synthetic /tmp/syn.jsonl

The shipped model's entity runs per sentence are combined with those of the other
runtime files before the pipeline merges spans:

- ``union``: every run of every tagger (the merge resolves overlaps);
- ``fill``: the shipped model's runs, plus the others' runs that overlap none of them
  (the only one that gives one tag per token, so the one scored on token corpora);
- ``majority``: runs that at least two taggers found exactly;
- ``single``: the shipped model alone, the reference.

Reports leaked spans and false positives on the gold documents (default and strict
preset) and on a synthetic set, and for ``single``/``fill`` PER/LOC/ORG micro F1 on
the dev files.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from _report import markdown_table

from anonymizer.detectors import ner
from anonymizer.evaluation.evaluate import evaluate_documents, evaluate_tokens, read_conll
from anonymizer.evaluation.gold import load_gold
from anonymizer.model.runtime import TaggerRuntime
from anonymizer.model.shipped import default_runtime_path
from anonymizer.pipeline import Anonymizer

REPO = Path(__file__).resolve().parent.parent
DEV = REPO.parent / "shared" / "data" / "ner"
Run = tuple[int, int, str, float]


def combine(mode: str, first: list[Run], others: Sequence[list[Run]]) -> list[Run]:
    """One sentence's runs of the shipped model and of the others, combined by ``mode``."""
    score = {run[:3]: run[3] for runs in (first, *others) for run in reversed(runs)}
    sets = [{run[:3] for run in runs} for runs in (first, *others)]
    if mode == "single":
        keep = sets[0]
    elif mode == "union":
        keep = set().union(*sets)
    elif mode == "majority":
        keep = {key for key in set().union(*sets) if sum(key in found for found in sets) >= 2}
    else:  # fill
        keep = set(sets[0])
        for found in sets[1:]:
            for key in sorted(found):
                if not any(key[0] <= end and start <= key[1] for start, end, _ in keep):
                    keep.add(key)
    return sorted((start, end, label, score[(start, end, label)]) for start, end, label in keep)


def patch_detector(mode: str, others: Sequence[TaggerRuntime]) -> None:
    """Make every ``NerDetector`` combine its runs with ``others``' (this process only)."""
    original = ner.NerDetector.tag

    def tag(self: ner.NerDetector, token_lists: Sequence[Sequence[str]]) -> list[list[Run]]:
        first = original(self, token_lists)
        found = [[tagged.spans() for tagged in runtime.predict(token_lists)] for runtime in others]
        return [combine(mode, runs, [runs_of[i] for runs_of in found]) for i, runs in enumerate(first)]

    ner.NerDetector.tag = tag  # type: ignore[method-assign]


def document_row(corpus: Path, preset: str | None) -> list[Any]:
    scores = evaluate_documents(load_gold(corpus), Anonymizer.load(preset=preset)).scores
    total = scores["micro"]  # every label together
    per_label = " ".join(f"{k} {scores[k]['leaked']}" for k in ("PER", "LOC", "ORG", "TME") if k in scores)
    return [
        corpus.name,
        preset or "default",
        total["leaked"],
        f"{100 * total['leak_rate']:.2f}",
        total["false_positives"],
        f"{total['precision']:.3f}",
        per_label,
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "others", nargs="*", type=Path, help="runtime files to combine with the shipped model"
    )
    parser.add_argument("--combine", choices=("single", "union", "fill", "majority"), default="union")
    parser.add_argument("--gold", type=Path, default=REPO / "tests" / "data" / "gold")
    parser.add_argument("--synthetic", type=Path, help="a synthetic gold set (`anonymizer synthesize`)")
    args = parser.parse_args()
    patch_detector(args.combine, [TaggerRuntime.load(path) for path in args.others])
    corpora = [args.gold, *([args.synthetic] if args.synthetic else [])]
    rows = [document_row(corpus, preset) for corpus in corpora for preset in (None, "strict")]
    print(f"## {args.combine}: shipped + {', '.join(p.name for p in args.others) or 'nothing'}\n")
    print(
        markdown_table(
            ["documents", "mode", "leaked", "leak %", "false positives", "precision", "leaked per label"],
            rows,
        )
    )
    if args.combine in {"single", "fill"} and DEV.is_dir():
        detector = ner.NerDetector(ner.load_tagger(default_runtime_path()))
        f1 = []
        for name in ("klintan_dev.bio", "talbanken_dev.bio", "suc_names_dev.bio"):
            sentences = list(read_conll(DEV / name))
            scores = evaluate_tokens(
                sentences, detector, io=name.startswith("klintan"), labels=["PER", "LOC", "ORG"]
            )
            f1.append([name, f"{scores.scores['micro']['f1']:.3f}"])
        print("\n" + markdown_table(["dev file", "PER/LOC/ORG micro F1"], f1))


if __name__ == "__main__":
    main()
