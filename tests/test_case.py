"""The case file: every invalid input gets one line naming the file, the key and the fix,
and nothing is written beside the case until it is valid."""

from __future__ import annotations

import pytest

from tests.helpers import CASE_HEAD, make_case
from whoa_analysis import case as case_mod
from whoa_analysis.cli import main
from whoa_analysis.errors import CaseError


def _load(tmp_path, text):
    (tmp_path / "exports").mkdir(exist_ok=True)
    (tmp_path / "exports" / "log.csv").write_text("x", encoding="utf-8")
    path = tmp_path / "case.toml"
    path.write_text(text, encoding="utf-8")
    return case_mod.load(path)


SOURCE = '[[sources]]\npath = "exports/log.csv"\ntimezone = "Europe/London"\n'


@pytest.mark.parametrize("text, words", [
    (CASE_HEAD.replace('title = "Test case"', 'titel = "x"'), ["[case]", "'titel'", "title"]),
    (CASE_HEAD + '[[sources]]\npath = "exports/nope.mbox"\n',
     ["sources[0].path", "nope.mbox", "does not exist"]),
    (CASE_HEAD.replace("Europe/London", "Europe/Londn"), ["case.timezone", "Europe/Londn",
                                                           "IANA"]),
    (CASE_HEAD + SOURCE.replace("Europe/London", "GMT+25"), ["sources[0].timezone", "GMT+25"]),
    (CASE_HEAD.replace("email:rob@example.net", "mail-rob@example.net"),
     ["people[1].accounts", "mail-rob@example.net", "platform:identifier"]),
    (CASE_HEAD.replace("email:rob@example.net", "email:rob@@example"),
     ["people[1].accounts", "rob@@example", "valid"]),
    (CASE_HEAD.replace("phone:07700 900456", "phone:12"), ["people[1].accounts", "'12'"]),
    (CASE_HEAD.replace('id = "rob"', 'id = "dana"'), ["people[1].id", "'dana'", "twice"]),
    (CASE_HEAD.replace('role = "respondent"', 'role = "harasser"'),
     ["people[1].role", "respondent", "'harasser'"]),
    (CASE_HEAD + SOURCE + 'owner = "nobody"\n', ["sources[0].owner", "'nobody'"]),
    (CASE_HEAD + SOURCE + 'date_order = "dym"\n', ["sources[0].date_order", "dmy"]),
    (CASE_HEAD + "\n[unknown]\nx = 1\n", ["top level", "'unknown'"]),
    (CASE_HEAD.replace('email:dana@example.org"', 'email:dana@example.org", '
                       '"email:ROB@example.net"'), ["people[1].accounts", "already listed", "'dana'"]),
    ("[case\n", ["not valid TOML"]),
    (CASE_HEAD.replace('title = "Test case"', 'title = "Test case"\nlanguage = "fr"'),
     ["case.language", "en, de", "'fr'"]),
    (CASE_HEAD.replace('title = "Test case"', 'title = "Test case"\nlanguage = 1'),
     ["case.language", "en, de", "1"]),
])
def test_case_errors_name_file_key_and_fix(tmp_path, text, words):
    with pytest.raises(CaseError) as err:
        _load(tmp_path, text)
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith("case.toml")
    for word in words:
        assert word in message


def test_valid_case_normalises_accounts(tmp_path):
    case = case_mod.load(make_case(tmp_path))
    rob = case.person("rob")
    assert rob.accounts == ("email:rob@example.net", "phone:+447700900456")
    assert rob.accounts_as_written == ("email:rob@example.net", "phone:07700 900456")
    assert case.account_owner()["phone:+447700900123"].id == "dana"
    assert case.sources[0].path == (tmp_path / "exports" / "log.csv").resolve()


@pytest.mark.parametrize("command", ["intake", "report"])
def test_invalid_case_writes_nothing_and_exits_2(tmp_path, capsys, command):
    path = make_case(tmp_path)
    path.write_text(path.read_text().replace("Europe/London", "Mars/Olympus", 1))
    before = sorted(p.name for p in tmp_path.iterdir())
    args = [command, str(path)] + (["--out", str(tmp_path / "out")] if command == "report"
                                   else [])
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Mars/Olympus" in err and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_unknown_source_format_is_refused_before_intake(tmp_path, capsys):
    path = make_case(tmp_path, sources='[[sources]]\npath = "exports/log.csv"\n'
                                       'format = "carrier_pigeon"\n')
    assert main(["intake", str(path)]) == 2
    assert "carrier_pigeon" in capsys.readouterr().err
    assert not (tmp_path / "manifest.json").exists()


def test_the_report_language_defaults_to_english_and_de_is_taken(tmp_path):
    assert case_mod.load(make_case(tmp_path / "a")).language == "en"
    german = _load(tmp_path, CASE_HEAD.replace('title = "Test case"',
                                               'title = "Test case"\nlanguage = "de"'))
    assert german.language == "de"
