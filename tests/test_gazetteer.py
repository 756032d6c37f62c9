from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from anonymizer.detectors.gazetteer import GazetteerDetector
from anonymizer.gazetteers import load_name_lists
from anonymizer.training.gazetteers import build_gazetteers


@pytest.fixture(scope="module")
def detector() -> GazetteerDetector:
    return GazetteerDetector(score=0.7)


def found(detector: GazetteerDetector, text: str) -> list[tuple[str, str]]:
    return [(text[s.start : s.end], s.label) for s in detector.find(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Igår ringde Anna Lind om tiden.", [("Anna Lind", "PER")]),
        ("Anna-Karin Ek kom inte.", [("Anna-Karin Ek", "PER")]),
        ("Per Andersson har feber.", [("Per Andersson", "PER")]),  # common first name, listed surname
        ("Igår ringde Bo Ek igen.", [("Bo Ek", "PER")]),  # common first name mid-sentence
        ("Vi träffade Anna Linds mamma.", [("Anna Lind", "PER")]),  # genitive -s outside
        ("Samtal med dr. Berg i dag.", [("Berg", "PER")]),
        ("advokat Sten Ek företräder honom", [("Sten Ek", "PER")]),
        ("Kontakt med handläggare Nilsson.", [("Nilsson", "PER")]),
        ("sonen Erik var med", [("Erik", "PER")]),
        ("Hej Kalle, kan du ringa?", [("Kalle", "PER")]),
        ("Ärendet skickas till Försäkringskassan.", [("Försäkringskassan", "ORG")]),
        ("Hon flyttade till Göteborg.", [("Göteborg", "LOC")]),
        ("Hon hittades vid Kalmar C i går.", [("Kalmar C", "LOC")]),  # a central station
        ("Han jobbar i Gimo bruk sedan 2019.", [("Gimo bruk", "LOC")]),  # a mill town
        ("Med vänliga hälsningar\nKarin Öberg\nLeg. sjuksköterska", [("Karin Öberg", "PER")]),
        ("Tack för hjälpen!\nMvh Lisa", [("Lisa", "PER")]),
        ("Han nämnde en Hampus och en Tove.", [("Hampus", "PER"), ("Tove", "PER")]),  # alone
        ("om nåt händer ring jonas på mobilen", [("jonas", "PER")]),  # frequent name in lower case
        ("Patient: Haddad, Yusuf", [("Haddad, Yusuf", "PER")]),  # register order
        ("Mannen, Kevin Ek, dömdes.", [("Kevin Ek", "PER")]),  # a kinship word is no surname
        ("Pat: Eriksson, Sten Åke", [("Eriksson, Sten Åke", "PER")]),
        ("chauffören heter Dragan", [("Dragan", "PER")]),
        ("[15:43] lena: hej! är du hemma\nhans: ja", [("lena", "PER"), ("hans", "PER")]),  # chat speakers
        ("10:03 Lena | Telia: Hej Lukas!\n10:04 Kund: tack", [("Lena", "PER")]),  # agent | company
        ("10:05 Henna | Telia: Hej!", [("Henna", "PER")]),  # a name that is also a word, as a speaker
        ("Summa | Moms: 25 %", []),  # no first name before the bar
        ("kan du swisha?\nok / anna", [("anna", "PER")]),
        ("Gav nummer till receptionen.\n/JS", [("JS", "PER")]),  # initials under a note
        ("har du Ingrids nya nummer?", [("Ingrid", "PER")]),  # genitive of a name alone
        ("Er medarbetare Tom lovade att ringa.", [("Tom", "PER")]),
    ],
)
def test_names_with_context(detector: GazetteerDetector, text: str, expected: list[tuple[str, str]]) -> None:
    spans = found(detector, text)
    for item in expected:
        assert item in spans, spans


@pytest.mark.parametrize(
    "text",
    [
        "Björn såg en björn i skogen.",  # the example
        "Bo i en lägenhet är dyrt.",  # "Bo" the verb
        "Rosa väggar och en sten.",
        "Sten och grus på vägen.",
        "Till Stockholm åkte vi i går.",  # common first name before a place
        "Stig in och sätt dig.",
        "Per capita räknat ökade det.",
        "sonen Svensk medborgare",  # a kinship word takes only a listed first name
        "Han kom till Vara i går.",  # a place that is a common word is left to the tagger
        "Resan gick till London och Paris.",  # first names that are places too
        "Stockholm, Malmö och Göteborg.",  # no register order for places
        "det var en lina och en sol",  # lower case: only names the raw text never uses as words
        "Till: ekonomiavdelningen",  # an e-mail header, though "Till" is a first name
        "Ta bort och/eller ändra.",
    ],
)
def test_bare_common_words_are_not_names(detector: GazetteerDetector, text: str) -> None:
    assert [label for _, label in found(detector, text) if label == "PER"] == []
    assert ("Vara", "LOC") not in found(detector, text)


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Hyrbilen var en Kia Niro i grått.", []),
        ("Han kör en Skoda Octavia från 2019.", []),
        ("Bilen, en Kia Ceed, stod kvar.", []),
        ("Kia Lind ringde i morse.", ["Kia Lind"]),  # a make's name before a listed surname
        ("Octavia Berg kom inte.", ["Octavia Berg"]),
        ("Lämna nyckeln hos Kia Center Lerum.", ["Kia Center Lerum"]),  # a dealer: taken as before
    ],
)
def test_a_cars_make_or_model_is_no_name(detector: GazetteerDetector, text: str, names: list[str]) -> None:
    assert [name for name, label in found(detector, text) if label == "PER"] == names


def test_offsets_point_into_the_text(detector: GazetteerDetector) -> None:
    text = "Patient: Maria Svensson\nMamma Fatima Ali ringde.\n\nVänliga hälsningar\nJohan Ek"
    for span in detector.find(text):
        assert text[span.start : span.end].strip() == text[span.start : span.end]
        assert span.detector.startswith("gazetteer:")
        assert span.score <= 0.7


def test_shipped_lists_mark_common_words() -> None:
    lists = load_name_lists()
    assert {"Anna", "Erik", "Mohammed", "Björn", "Bo"} <= lists.first_names
    assert {"Björn", "Bo", "Per", "Sten", "Till", "Rosa"} <= lists.common_first_names
    assert "Anna" not in lists.common_first_names
    assert "Ek" not in lists.surnames and "Ek" in lists.all_surnames
    assert "Försäkringskassan" in lists.agencies


def test_build_marks_names_used_in_lower_case(tmp_path: Path) -> None:
    root = tmp_path / "data"
    (root / "gazetteers").mkdir(parents=True)
    (root / "text").mkdir()
    files = {
        "tilltalsnamn-kvinnor.csv": "name,persons\nAnna,90000\nSol,500\nRaraname,3\n",
        "tilltalsnamn-man.csv": "name,persons\nErik,80000\nSten,3000\n",
        "efternamn-top1000.csv": '"lastname",frequency\n"Andersson",200000\n"Lind",9000\n"Ekorre",20\n',
        "lander.csv": "country,capital,continent,alternative_name,english,iso_code\n"
        "Norge,Oslo,Europa,,Norway,NOR\n",
        "lan.csv": "name,letter,code,area,population,population_per_square_km,residencetown,municipalities,"
        "founded,order_from_north_to_south\nSkåne län,M,12,1,1,1,Malmö,33,1997,21\n",
        "kommuner.csv": "code,name,region\n1280,Malmö stad,Skåne län\n1283,Falu kommun,Dalarnas län\n",
        "ortsnamn.csv": "city\nMalmö\nFalun\nGran\n",
        "myndigheter.tsv": "type\tname\tcity\n"
        "Myndighet\tSkatteverket\tSolna\nMyndighet\tPolisen\tStockholm\n",
    }
    for name, body in files.items():
        (root / "gazetteers" / name).write_text(body, encoding="utf-8")
    text = "Anna och Erik gick förbi en ekorre och en gran. Sten bar en sten och en sten.\n" * 5
    text += "Skatteverket och Polisen svarade, sedan kom polisen.\n"
    for name in ("a.txt.gz", "b.txt.gz", "c.txt.gz"):
        with gzip.open(root / "text" / name, "wt", encoding="utf-8") as handle:
            handle.write(text)
    from anonymizer.training.gazetteers import GazetteerSettings

    out = tmp_path / "lists"
    counts = build_gazetteers(
        root, out, settings=GazetteerSettings(text_files=("a.txt.gz", "b.txt.gz", "c.txt.gz"))
    )
    assert counts["first_names.tsv"] == 4  # Raraname has too few bearers
    first = (out / "first_names.tsv").read_text(encoding="utf-8").splitlines()
    assert first[0] == "name\tgender\tpersons\tlower_case_uses\tcommon"
    assert "Anna\tf\t90000\t0\t0" in first  # never in lower case
    assert "Sten\tm\t3000\t30\t1" in first  # "sten" 2 x 5 lines x 3 files
    assert "Sol\tf\t500\t0\t1" in first  # a known word all the same
    places = (out / "places.tsv").read_text(encoding="utf-8")
    assert "Falun\t" in places and "Falu\t" not in places and "Malmö stad\t" in places
    assert "Gran\tlocality\t1" in places
    lists = load_name_lists(out)
    assert lists.surnames == {"Andersson"}  # "ekorre" is used in lower case; "lind" is a known word
    assert "Lind" in lists.all_surnames
    # one-word agencies the text seldom writes in lower case are taken in any case
    assert lists.any_case_agencies == {"skatteverket"}


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Jag har skrivit till försäkringskassan om det.", ["försäkringskassan"]),
        ("Beslut från SKATTEVERKET i dag.", ["SKATTEVERKET"]),
        ("Sedan kom polisen och tog honom.", []),  # an ordinary noun too
    ],
)
def test_one_word_agencies_in_any_case(detector: GazetteerDetector, text: str, found: list[str]) -> None:
    assert [text[s.start : s.end] for s in detector.find(text) if s.label == "ORG"] == found


@pytest.mark.parametrize("text", ["Han har hepatit C sedan 2010.", "Bilaga C bifogas.", "Umeå C-huset"])
def test_a_c_after_anything_but_a_place_stays(detector: GazetteerDetector, text: str) -> None:
    assert all(not surface.endswith("C") for surface, _ in found(detector, text))


@pytest.mark.parametrize(
    ("text", "name", "not_found"),
    [
        ("Till Eva Nilsson\nAngående ansökan", "Eva Nilsson", "Till Eva Nilsson"),  # "Till" is a rare name
        ("Mentor Sonny Johansson ringde.", "Sonny Johansson", "Mentor Sonny Johansson"),
        ("Mentor: Ebba Ros", "Ebba Ros", "Mentor"),  # a field, not a chat speaker
        ("Thi Lan Nguyen            Minh Tran", "Minh Tran", "Thi Lan Nguyen            Minh"),  # columns
    ],
)
def test_a_name_starts_after_a_rare_word_name_and_ends_at_a_column_gap(
    detector: GazetteerDetector, text: str, name: str, not_found: str
) -> None:
    surfaces = [surface for surface, _ in found(detector, text)]
    assert name in surfaces
    assert not any(not_found in surface for surface in surfaces), surfaces


def test_a_common_first_name_many_carry_still_starts_the_name(detector: GazetteerDetector) -> None:
    assert ("Björn Anders Svensson", "PER") in found(detector, "Igår ringde Björn Anders Svensson.")


@pytest.mark.parametrize(
    ("text", "name"),
    [("Stort grattis Stig på födelsedagen", "Stig"), ("Tack Sten för i går", "Sten"), ("Kram Bo", "Bo")],
)
def test_a_listed_name_after_a_greeting_even_an_ordinary_word(text: str, name: str) -> None:
    assert (name, "PER") in found(GazetteerDetector(score=0.7), text)


@pytest.mark.parametrize("text", ["Tack för maten", "Tack till alla", "Välkommen till oss"])
def test_a_greeting_before_an_ordinary_word_takes_nothing(text: str) -> None:
    assert found(GazetteerDetector(score=0.7), text) == []
