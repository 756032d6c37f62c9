from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from anonymizer.config import default_config_path, load_config
from anonymizer.errors import ConfigError
from anonymizer.operators.registry import check_operators


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "custom.toml"
    path.write_text(body, encoding="utf-8")
    return path


def test_shipped_defaults() -> None:
    config = load_config()
    assert {"PER", "LOC", "ORG", "TME", "PNR", "EMAIL"} <= config.entities
    assert "MISC" not in config.entities
    assert config.operator_for("PER").params == {"template": "[{label}_{n}]"}
    assert config.operator_for("TME").params == {"template": "[{label}]"}
    check_operators(config)
    assert default_config_path().name == "default.toml"


def test_override_is_laid_over_defaults(tmp_path: Path) -> None:
    path = write(tmp_path, '[operators.PER]\noperator = "mask"\n[redact]\nentities = ["PER"]\n')
    config = load_config(path)
    assert config.operator_for("PER").operator == "mask"
    assert config.operator_for("LOC").operator == "placeholder"  # DEFAULT kept from the shipped file
    assert config.entities == {"PER"}
    assert config.digest != load_config().digest


@pytest.mark.parametrize(
    ("body", "key", "hint"),
    [
        (
            '[operators.PER]\noperator = "shred"\n',
            "operators.PER.operator",
            "hash, keep, mask, placeholder, pseudonym, remove, surrogate",
        ),
        (
            '[operators.PER]\noperator = "placeholder"\ntemplate = "[{name}]"\n',
            "operators.PER.template",
            "{name}",
        ),
        (
            '[operators.PER]\noperator = "placeholder"\ntemplate = "[{label"\n',
            "operators.PER.template",
            "invalid",
        ),
        ('[operators.PER]\noperator = "mask"\nchar = "ab"\n', "operators.PER.char", "single character"),
        ('[operators.PER]\noperator = "mask"\ncolour = "red"\n', "operators.PER.colour", "unknown key"),
        ("[model]\nbatch_size = 0\n", "model.batch_size", "at least 1"),
        ('[model]\nbatch_size = "8"\n', "model.batch_size", "must be int"),
        ('[model]\nlabels = ["per"]\n', "model.labels", "not a label"),
        ("[redact]\nentities = [1]\n", "redact.entities", "not a label"),
        ("[redactt]\n", "redactt", "unknown key"),
        ("[rules.time]\nenabled = 1\n", "rules.time.enabled", "must be bool"),
        (
            "[recognizers.x]\nlabel = \"X\"\npatterns = ['(']\n",
            "recognizers.x.patterns[0]",
            "invalid regular",
        ),
        ('[recognizers.x]\nlabel = "X"\npatterns = []\n', "recognizers.x.patterns", "at least one"),
        ("[recognizers.x]\npatterns = ['a']\n", "recognizers.x.label", "missing"),
        ("[recognizers.x]\nlabel = \"x\"\npatterns = ['a']\n", "recognizers.x.label", "not a label"),
        ("[recognizers.x]\nlabel = \"X\"\npatterns = ['a']\nscore = 2\n", "recognizers.x.score", "at most 1"),
        (
            "[recognizers.x]\nlabel = \"X\"\npatterns = ['a']\ncolour = 1\n",
            "recognizers.x.colour",
            "unknown key",
        ),
        (
            "[recognizers.x]\nlabel = \"X\"\npatterns = ['a']\ncontext_required = true\n",
            "recognizers.x.context",
            "needs context words",
        ),
        ('[recognizers.email]\nscore = "high"\n', "recognizers.email.score", "must be float"),
        ('[merge]\nstrategy = "vote"\n', "merge.strategy", "union, longest"),
        ("[rules.gazetteers]\nscore = 0\n", "rules.gazetteers.score", "above 0"),
        (
            '[operators.PER]\noperator = "placeholder"\ntemplate = "[{uid}]"\n',
            "operators.PER.template",
            "{id}",
        ),
        ('[operators.PER]\noperator = "hash"\nlength = 2\n', "operators.PER.length", "4 to 64"),
        ('[operators.PER]\noperator = "keep"\ntemplate = "x"\n', "operators.PER.template", "no template"),
        ('[operators.PER]\ntemplate = "x"\n', "operators.PER.operator", "missing"),
        ("[operators.PER]\noperator = 1\n", "operators.PER.operator", "must be str"),
        ('[operators.PER]\noperator = "pseudonym"\nlength = true\n', "operators.PER.length", "4 to 64"),
        ('[operators.PER]\noperator = "placeholder"\ntemplate = 5\n', "operators.PER.template", "a string"),
        ("[redact]\nentities = []\n", "redact.entities", "is empty, so nothing would be redacted"),
        ('[lists.allow]\nper = ["x"]\n', "lists.allow.per", "not a label"),
        ("[lists.deny]\nPER = [1]\n", "lists.deny.PER", "non-empty strings"),
        ('[lists.deny]\nPER = [" "]\n', "lists.deny.PER", "non-empty strings"),
        ('[lists]\nallow = ["x"]\n', "lists.allow", "must be a table"),
        (
            '[lists.allow]\nPER = ["Anna  Lind"]\n[lists.deny]\nPER = ["anna lind"]\n',
            "lists.deny.PER",
            "also in",
        ),
    ],
)
def test_errors_name_file_and_key(tmp_path: Path, body: str, key: str, hint: str) -> None:
    """Operator tables are checked by the operator registry, as ``Anonymizer.load`` does."""
    path = write(tmp_path, body)
    with pytest.raises(ConfigError) as error:
        check_operators(load_config(path))
    message = str(error.value)
    assert str(path) in message
    assert f"'{key}'" in message
    assert hint in message


def test_invalid_toml_names_file(tmp_path: Path) -> None:
    path = write(tmp_path, "[operators\n")
    with pytest.raises(ConfigError, match="invalid TOML") as error:
        load_config(path)
    assert str(path) in str(error.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.toml")


def test_shipped_rules_cover_the_identifier_labels() -> None:
    config = load_config()
    assert {"PNR", "ORGNR", "PHONE", "EMAIL", "URL", "IP", "BANK", "ADDRESS", "REG"} <= config.entities
    assert {spec.label for spec in config.recognizers} >= {"EMAIL"}
    assert all(spec.source.endswith("recognizers.toml") for spec in config.recognizers)


def test_a_recognizer_can_be_switched_off(tmp_path: Path) -> None:
    path = write(tmp_path, "[recognizers.email]\nenabled = false\n")
    assert "email" not in {spec.name for spec in load_config(path).recognizers}


def test_an_error_in_an_operator_table_names_the_file_that_set_the_key(tmp_path: Path) -> None:
    """The shipped file sets TME's operator and template, the user's file its length."""
    path = write(tmp_path, "[operators.TME]\nlength = 3\n")
    with pytest.raises(ConfigError) as error:
        check_operators(load_config(path))
    assert str(error.value).startswith(f"{path}: key 'operators.TME.length': ")


def test_list_terms_are_compared_in_one_normal_form(tmp_path: Path) -> None:
    """NFKC, folded, spacing collapsed: an NFD deny term clashes with its NFC allow term."""
    nfd = unicodedata.normalize("NFD", "FÖRSÄKRINGS  KASSAN")
    path = write(tmp_path, f'[lists.allow]\nORG = ["{nfd}"]\n')
    assert load_config(path).allow == {"ORG": frozenset({"försäkrings kassan"})}
    path = write(tmp_path, f'[lists.allow]\nORG = ["Försäkrings kassan"]\n[lists.deny]\nORG = ["{nfd}"]\n')
    with pytest.raises(ConfigError, match=r"also in lists\.allow\.ORG"):
        load_config(path)


@pytest.mark.parametrize("label", ["DEFAULT", "TME"])
@pytest.mark.parametrize(
    ("operator", "keys", "params"),
    [
        ("hash", "", {}),
        ("hash", "length = 8\n", {"length": 8}),
        ("mask", 'char = "#"\n', {"char": "#"}),
        ("keep", "", {}),
        ("remove", "", {}),
        ("surrogate", "", {}),
    ],
)
def test_a_user_operator_table_replaces_the_shipped_one(
    tmp_path: Path, label: str, operator: str, keys: str, params: dict[str, object]
) -> None:
    """Regression: the shipped placeholder's "template" was merged in ("takes no template")."""
    path = write(tmp_path, f'[operators.{label}]\noperator = "{operator}"\n{keys}')
    config = load_config(path)
    check_operators(config)
    spec = config.operators[label]
    assert (spec.operator, dict(spec.params)) == (operator, params)
    assert set(spec.files.values()) == {str(path)}
    other = "TME" if label == "DEFAULT" else "DEFAULT"
    assert config.operators[other] == load_config().operators[other]  # the other shipped table stays


def test_an_operator_table_without_an_operator_still_adds_to_the_shipped_one(tmp_path: Path) -> None:
    path = write(tmp_path, '[operators.TME]\ntemplate = "<tid>"\n[operators.DEFAULT]\nlength = 6\n')
    config = load_config(path)
    check_operators(config)
    assert config.operators["TME"].operator == "placeholder"
    assert config.operators["TME"].params == {"template": "<tid>"}
    assert config.operators["DEFAULT"].params == {"template": "[{label}_{n}]", "length": 6}
    assert config.operators["DEFAULT"].files == {
        "operator": str(default_config_path()),
        "template": str(default_config_path()),
        "length": str(path),
    }


def test_a_replaced_operator_table_is_replaced_through_the_pipeline(tmp_path: Path) -> None:
    from anonymizer.detectors.time import TimeDetector
    from anonymizer.pipeline import Anonymizer

    path = write(tmp_path, '[operators.TME]\noperator = "mask"\n[redact]\nentities = ["TME"]\n')
    anonymizer = Anonymizer(config=load_config(path), detectors=[TimeDetector()])
    [result] = anonymizer.redact(["Vi ses i morgon."])
    assert result.text == "Vi ses " + "*" * len("i morgon") + "."


def test_no_entity_types_fail_closed_in_the_library() -> None:
    """However the labels are emptied (a config built in code, ``entities=[]``), nothing is run."""
    from anonymizer.errors import UsageError
    from anonymizer.pipeline import Anonymizer
    from support import FakeDetector, make_config

    empty = make_config().with_entities(frozenset())
    with pytest.raises(UsageError, match="no entity types to replace"):
        Anonymizer(config=empty, detectors=[FakeDetector({"Anna": "PER"})])
    with pytest.raises(UsageError, match="no entity types to replace"):
        Anonymizer.load(entities=[])
