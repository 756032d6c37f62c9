"""Training-data preparation: one label set over several corpora, plus augmentation.

* :func:`drop_labels` removes labels the tagger should not learn (SUC's MSR).
* :func:`replace_mentions` swaps PER/LOC/ORG mentions for other names, places and
  organisations from the shipped name lists, so the tagger sees far more distinct
  names than a few thousand sentences hold.
* :func:`case_variant` writes a sentence in lower or upper case (chat writes
  "stefan" and "kth", headers "SVEA HOVRÄTT").

Everything is seeded: the same recipe gives the same files. Files are read with
:func:`anonymizer.evaluation.evaluate.read_conll`.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

Sentence = tuple[list[str], list[str]]

# Organisation shapes filled with a place or a surname; {place} and {surname} only.
ORG_SHAPES = (
    "{place}s kommun",
    "Region {place}",
    "{place} tingsrätt",
    "Hovrätten för {place}",
    "{place}skolan",
    "{place}gymnasiet",
    "Vårdcentralen {place}",
    "BVC {place}",
    "Husläkarmottagningen {place}",
    "{surname}s Bygg AB",
    "{surname} & Partners AB",
    "{place} Energi AB",
    "IFK {place}",
    "{place} FF",
    "{place}s BK",
    "{place}s församling",
    "{place} sjukhus",
    "Byggnadsfacket {place}",
    "Hyresgästförbundet {place}",
)


@dataclass(frozen=True)
class MentionPools:
    """Replacement mentions per label, each a token list."""

    first_names: tuple[str, ...]
    surnames: tuple[str, ...]
    places: tuple[str, ...]
    organisations: tuple[str, ...]

    @classmethod
    def from_gazetteers(cls, folder: Path, *, min_bearers: int = 200) -> MentionPools:
        """Pools from the shipped lists (``rules/gazetteers``): first names borne by at
        least ``min_bearers`` people, every surname and place, every agency."""

        from anonymizer.gazetteers import list_rows

        def rows(name: str) -> Iterator[dict[str, str]]:
            return list_rows(folder, name)

        return cls(
            first_names=tuple(r["name"] for r in rows("first_names.tsv") if int(r["persons"]) >= min_bearers),
            surnames=tuple(r["name"] for r in rows("surnames.tsv")),
            places=tuple(r["name"] for r in rows("places.tsv")),
            organisations=tuple(r["name"] for r in rows("agencies.tsv")),
        )

    def draw(self, label: str, length: int, rng: random.Random) -> list[str] | None:
        """A replacement for a mention of ``label`` that was ``length`` tokens long."""
        if label == "PER":
            name = [rng.choice(self.first_names)]
            if length >= 2:
                name.append(rng.choice(self.surnames))
            if length >= 3 and rng.random() < 0.5:
                name.insert(1, rng.choice(self.first_names))
            return name
        if label == "LOC":
            return rng.choice(self.places).split()
        if label == "ORG":
            if rng.random() < 0.4:
                return rng.choice(self.organisations).split()
            shape = rng.choice(ORG_SHAPES)
            return shape.format(place=rng.choice(self.places), surname=rng.choice(self.surnames)).split()
        return None


def write_bio(sentences: Iterable[Sentence], path: Path) -> int:
    """Write ``sentences``; returns how many."""
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for tokens, tags in sentences:
            out.writelines(f"{token}\t{tag}\n" for token, tag in zip(tokens, tags, strict=True))
            out.write("\n")
            count += 1
    return count


def drop_labels(tags: Sequence[str], labels: frozenset[str]) -> list[str]:
    """``tags`` with every B-/I- tag of ``labels`` turned into O."""
    return ["O" if tag[2:] in labels else tag for tag in tags]


def mentions(tags: Sequence[str]) -> list[tuple[int, int, str]]:
    """(start, end, label) token runs of BIO ``tags``; an I- without a B- opens a run."""
    runs: list[tuple[int, int, str]] = []
    for index, tag in enumerate(tags):
        if tag == "O":
            continue
        prefix, label = tag[:1], tag[2:]
        if prefix == "B" or not runs or runs[-1][1] != index or runs[-1][2] != label:
            runs.append((index, index + 1, label))
        else:
            start, _, _ = runs[-1]
            runs[-1] = (start, index + 1, label)
    return runs


def replace_mentions(
    tokens: Sequence[str], tags: Sequence[str], *, pools: MentionPools, rng: random.Random
) -> Sentence | None:
    """A copy with every PER/LOC/ORG mention swapped for a drawn one (same label);
    ``None`` when the sentence has none. A genitive -s on the last token is kept."""
    new_tokens: list[str] = []
    new_tags: list[str] = []
    position, changed = 0, False
    for start, end, label in mentions(tags):
        drawn = pools.draw(label, end - start, rng)
        if drawn is None:
            continue
        last = tokens[end - 1]
        if last.endswith("s") and len(last) > 3 and rng.random() < 0.5 and not drawn[-1].endswith("s"):
            drawn = [*drawn[:-1], drawn[-1] + "s"]
        new_tokens.extend(tokens[position:start])
        new_tags.extend(tags[position:start])
        new_tokens.extend(drawn)
        new_tags.extend([f"B-{label}"] + [f"I-{label}"] * (len(drawn) - 1))
        position, changed = end, True
    if not changed:
        return None
    new_tokens.extend(tokens[position:])
    new_tags.extend(tags[position:])
    return new_tokens, new_tags


def case_variant(tokens: Sequence[str], *, upper: bool) -> list[str]:
    return [token.upper() if upper else token.lower() for token in tokens]


@dataclass(frozen=True)
class Augmentation:
    """Shares of the training sentences copied with each change (0 turns it off)."""

    mention_share: float = 0.0
    lower_share: float = 0.0
    upper_share: float = 0.0
    seed: int = 0

    @classmethod
    def from_mapping(cls, raw: Mapping[str, object]) -> Augmentation:
        values = {
            key: raw[key] for key in ("mention_share", "lower_share", "upper_share", "seed") if key in raw
        }
        return cls(**values)  # type: ignore[arg-type]

    @property
    def active(self) -> bool:
        return any((self.mention_share, self.lower_share, self.upper_share))


def augment(
    sentences: Iterable[Sentence], *, settings: Augmentation, pools: MentionPools | None
) -> Iterator[Sentence]:
    """Every sentence, each followed by the copies its draws ask for."""
    rng = random.Random(settings.seed)
    for tokens, tags in sentences:
        yield tokens, tags
        if pools is not None and rng.random() < settings.mention_share:
            swapped = replace_mentions(tokens, tags, pools=pools, rng=rng)
            if swapped is not None:
                yield swapped
        draw = rng.random()
        if draw < settings.lower_share:
            yield case_variant(tokens, upper=False), list(tags)
        elif draw < settings.lower_share + settings.upper_share:
            yield case_variant(tokens, upper=True), list(tags)
