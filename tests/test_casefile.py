"""``whoa init`` (a draft case file from a folder) and ``whoa accounts --assign/--accept/--add-person``
(edits that keep the case file's comments), end to end on the sample case's exports."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from whoa_analysis import case as case_mod
from whoa_analysis import casefile, cli, evidence, pipeline


def _folder(sample: Path, tmp_path: Path) -> Path:
    """The sample case's exports, copied as a volunteer would receive them, and one stray file."""
    folder = tmp_path / "case"
    shutil.copytree(sample / "exports", folder / "exports")
    (folder / "notes.docx").write_bytes(b"PK not really a document")
    return folder


def _sources(path: Path) -> dict[str, dict]:
    return {s["path"]: s for s in tomllib.loads(path.read_text(encoding="utf-8"))["sources"]}


def test_init_names_every_export_with_its_reader_and_the_unknown_file(sample, tmp_path, capsys):
    folder = _folder(sample, tmp_path)
    assert cli.main(["init", str(folder), "--timezone", "Europe/London", "--region", "GB"]) == 0
    out = capsys.readouterr().out
    drafted = _sources(folder / "case.toml")
    expected = _sources(sample / "case.toml")
    assert {p: s["format"] for p, s in drafted.items()} == {p: s["format"]
                                                            for p, s in expected.items()}
    for path, fmt in ((p, s["format"]) for p, s in drafted.items()):
        assert f"{fmt:<16} {path}" in out
    # the unknown file is named on screen and in the file, never skipped silently
    assert "notes.docx: no reader recognises it" in out
    assert "#   notes.docx: no reader recognises it" in (folder / "case.toml").read_text()
    # a zone only where the export's times carry none
    zoned = {p for p, s in drafted.items() if "timezone" in s}
    assert zoned == {"exports/WhatsApp Chat with Rob.txt",
                     "exports/WhatsApp Chat with Book Club.txt"}
    assert all(s["timezone"] == "Europe/London" for p, s in drafted.items() if p in zoned)
    # the owner's own accounts, as the exports name them: the mailbox, Telegram's own id
    case = case_mod.load(folder / "case.toml")
    owner = case.person(casefile.OWNER_ID)
    assert owner.role == "victim" and owner.name == "Dana Example"
    assert set(owner.accounts) == {"email:dana@example.org", "telegram:user1001"}
    assert all(s.owner == casefile.OWNER_ID for s in case.sources)
    # the accounts seen and the suggestions are in the file as comments
    text = (folder / "case.toml").read_text()
    # the name an export gives beside the numeric id, to assign the account by either
    assert "#   discord:200000000000000002 (also discord:robz) shown as Rob" in text
    assert "#   1. whatsapp:dana example -> owner: same display name" in text


def test_init_asks_for_the_zone_rather_than_guessing_it(sample, tmp_path, capsys):
    folder = _folder(sample, tmp_path)
    assert cli.main(["init", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "question: exports/WhatsApp Chat with Rob.txt: needs its time zone" in out
    case = case_mod.load(folder / "case.toml")          # the draft is a valid case file
    assert all(s.timezone is None for s in case.sources)
    text = (folder / "case.toml").read_text()
    assert text.count("# QUESTION: this export's times carry no time zone") == 2
    # ``whoa accounts`` lists the others and names each chat waiting for its zone
    assert cli.main(["accounts", str(folder / "case.toml")]) == 0
    waiting = [line for line in capsys.readouterr().out.splitlines()
               if line.startswith("not read yet:")]
    assert len(waiting) == 2 and "WhatsApp Chat with Book Club.txt" in " ".join(waiting)
    assert all("timezone" in line for line in waiting)
    # a report stops on the question, naming the source, in one line
    assert cli.main(["report", str(folder / "case.toml"), "--out", str(tmp_path / "p")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "WhatsApp Chat with" in err[0] and "time zone" in err[0]


def test_init_refuses_to_overwrite_a_case_file(tmp_path, capsys):
    (tmp_path / "case.toml").write_text("# mine\n", encoding="utf-8")
    assert cli.main(["init", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "already there" in err[0]
    assert (tmp_path / "case.toml").read_text(encoding="utf-8") == "# mine\n"


def test_init_takes_a_zip_a_reader_reads_and_lists_one_it_does_not(sample, tmp_path, capsys):
    folder = tmp_path / "case"
    folder.mkdir()
    chat = (sample / "exports" / "WhatsApp Chat with Rob.txt").read_bytes()
    with zipfile.ZipFile(folder / "WhatsApp Chat with Rob.zip", "w") as zf:
        zf.writestr("WhatsApp Chat with Rob.txt", chat)
    with zipfile.ZipFile(folder / "photos.zip", "w") as zf:
        zf.writestr("IMG_0001.jpg", b"\xff\xd8\xff")
    assert cli.main(["init", str(folder), "--timezone", "Europe/London"]) == 0
    out = capsys.readouterr().out
    assert _sources(folder / "case.toml")["WhatsApp Chat with Rob.zip"]["format"] == "whatsapp"
    assert "photos.zip: a zip no reader takes" in out


def _add_the_sample_people(sample: Path, case_file: Path) -> None:
    """The people of the sample case, added the way a volunteer would: no TOML typed."""
    for person in case_mod.load(sample / "case.toml").people:
        pid = casefile.OWNER_ID if person.role == "victim" else person.id
        if person.role != "victim":
            casefile.add_person(case_file, pid, person.role, person.name)
        held = case_mod.load(case_file).person(pid).accounts
        for written, key in zip(person.accounts_as_written, person.accounts):
            if key not in held:
                casefile.assign(case_file, written, pid)


def test_init_then_the_people_gives_the_sample_cases_counts(sample, tmp_path, capsys):
    folder = _folder(sample, tmp_path)
    assert cli.main(["init", str(folder), "--timezone", "Europe/London", "--region", "GB"]) == 0
    _add_the_sample_people(sample, folder / "case.toml")
    out = tmp_path / "pack"
    assert cli.main(["report", str(folder / "case.toml"), "--out", str(out)]) == 0
    got = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    want = pipeline.prepare(case_mod.load(sample / "case.toml")).analysis.summary
    after = got["respondent_contacts_after_notice"]
    assert after["total"] == 24                       # tests/test_sample_case.py's hand count
    assert got["respondent_contacts_before_notice"]["total"] == 25
    assert got["notice"]["sent_at"] == "2024-03-10T09:00:00Z"
    for key in ("messages_total", "duplicates_merged", "respondent_contacts_after_notice",
                "respondent_contacts_before_notice", "respondent_group_messages_after_notice",
                "victim_contacts_after_notice", "third_party_contacts_after_notice",
                "unattributed_accounts_after_notice", "undetermined"):
        assert got[key] == want[key], key


def _sample_case(sample: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "sample"
    shutil.copytree(sample, folder)
    file = folder / "case.toml"
    text = file.read_text(encoding="utf-8")
    text = text.replace('[[people]]\nid = "rob"',
                        '# Rob: three addresses so far (see STORY.md)\n[[people]]\nid = "rob"  '
                        '# the respondent')
    file.write_text("# Case notes: keep this line\n" + text, encoding="utf-8")
    return file


def test_assign_keeps_comments_and_layout_and_logs_the_new_hash(sample, tmp_path, capsys):
    file = _sample_case(sample, tmp_path)
    before = file.read_text(encoding="utf-8")
    assert cli.main(["accounts", str(file), "--assign", "discord:robz_back", "rob"]) == 0
    after = file.read_text(encoding="utf-8")
    assert after.startswith("# Case notes: keep this line\n")
    assert '# Rob: three addresses so far (see STORY.md)\n[[people]]\nid = "rob"  # the ' \
        'respondent' in after
    # only Rob's account list changed
    changed = [(a, b) for a, b in zip(before.splitlines(), after.splitlines()) if a != b]
    assert len(changed) == 1 and '"discord:robz_back"' in changed[0][1]
    assert "discord:robz_back" in case_mod.load(file).person("rob").accounts
    case = case_mod.load(file)
    last = evidence.read_custody(case)[-1]
    assert last["action"] == "case-edit"
    assert last["details"]["change"] == "assign account discord:robz_back to rob"
    assert last["details"]["case_sha256"] == evidence.sha256_file(file)
    assert evidence.check_custody(case) == []


@pytest.mark.parametrize("args, said", [
    (["--assign", "discord:robz_back", "nobody"], "person 'nobody' is not in the case file"),
    (["--assign", "robz_back", "rob"], "expected 'platform:identifier'"),
    (["--assign", "discord:dana_e", "rob"], "already listed for 'dana'"),
    (["--accept", "9"], "expected a number from 1 to 3"),
    (["--accept", "2"], "names no person"),
    (["--add-person", "rob", "--role", "respondent"], "already in the case file"),
])
def test_an_invalid_edit_is_one_line_and_leaves_the_file_unchanged(sample, tmp_path, capsys,
                                                                   args, said):
    file = _sample_case(sample, tmp_path)
    before = file.read_bytes()
    assert cli.main(["accounts", str(file), *args]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and said in err[0]
    assert file.read_bytes() == before
    assert not (file.parent / evidence.CUSTODY).exists()


def test_accept_takes_the_numbered_suggestion(sample, tmp_path, capsys):
    file = _sample_case(sample, tmp_path)
    assert cli.main(["accounts", str(file)]) == 0
    listing = capsys.readouterr().out
    assert "1  discord:300000000000000003              rob" in listing
    assert cli.main(["accounts", str(file), "--accept", "1"]) == 0
    case = case_mod.load(file)
    assert "discord:300000000000000003" in case.person("rob").accounts
    assert file.read_text(encoding="utf-8").startswith("# Case notes: keep this line\n")
    summary = pipeline.prepare(case).analysis.summary
    assert summary["unattributed_accounts_after_notice"][0]["account"] == "phone:+447700900789"


def test_add_person_then_assign(sample, tmp_path, capsys):
    file = _sample_case(sample, tmp_path)
    assert cli.main(["accounts", str(file), "--add-person", "pat", "--role", "third_party",
                     "--name", "Pat Neighbour"]) == 0
    assert cli.main(["accounts", str(file), "--assign", "phone:+44 7700 900789", "pat"]) == 0
    pat = case_mod.load(file).person("pat")
    assert (pat.role, pat.name, pat.accounts) == ("third_party", "Pat Neighbour",
                                                  ("phone:+447700900789",))
    actions = [e["details"]["change"] for e in evidence.read_custody(case_mod.load(file))]
    assert actions == ["add person pat (third_party)",
                       "assign account phone:+44 7700 900789 to pat"]


def test_a_closed_pipe_ends_quietly():
    # ``whoa formats | head -1``: the reader goes away before whoa has written everything.
    proc = subprocess.Popen([sys.executable, "-m", "whoa_analysis.cli", "formats"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 0
    assert "Traceback" not in err and err == ""


def test_init_asks_for_the_date_order_a_chat_cannot_tell(tmp_path, capsys):
    """Slashes are written day first and month first alike: with no day over 12 the draft asks
    and names the key to write; accounts are listed without that chat, and a report stops on
    it in one line until it is answered."""
    folder = tmp_path / "case"
    folder.mkdir()
    (folder / "WhatsApp Chat with Rob.txt").write_text(
        "03/04/2024, 10:00 - Dana: Do not contact me in any way in the future.\n"
        "05/04/2024, 09:12 - Rob: why\n", encoding="utf-8")
    assert cli.main(["init", str(folder), "--timezone", "Europe/London"]) == 0
    out = capsys.readouterr().out
    assert "WhatsApp Chat with Rob.txt: needs its date order" in out
    text = (folder / "case.toml").read_text(encoding="utf-8")
    assert "# QUESTION: no date in this export has a day over 12" in text
    assert '# date_order = "dmy"' in text
    assert "date_order" not in _sources(folder / "case.toml")["WhatsApp Chat with Rob.txt"]
    assert "# Not read yet, so their accounts are not below" in text
    # the draft is valid as it stands: accounts lists what it can and names what waits
    capsys.readouterr()
    assert cli.main(["accounts", str(folder / "case.toml")]) == 0
    out = capsys.readouterr().out
    assert "not read yet:" in out and "date_order" in out and "Rob.txt" in out
    assert "whatsapp:rob" not in out
    # a report never reads around the question: it stops on it in one line
    assert cli.main(["report", str(folder / "case.toml"), "--out", str(tmp_path / "p")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "date_order" in err[0] and "Rob.txt" in err[0]
    # answered, the same draft reads the chat
    (folder / "case.toml").write_text(text.replace('# date_order = "dmy"', 'date_order = "dmy"'),
                                      encoding="utf-8")
    assert cli.main(["accounts", str(folder / "case.toml")]) == 0
    out = capsys.readouterr().out
    assert "not read yet" not in out and "whatsapp:rob" in out


def test_init_names_an_export_its_trial_read_refused_on_screen(tmp_path, capsys):
    folder = tmp_path / "case"
    folder.mkdir()
    (folder / "chat.txt").write_text("15/03/1445, 10:00 - Rob: hi\n16/03/1445, 10:00 - Dana: x\n",
                                     encoding="utf-8")
    assert cli.main(["init", str(folder), "--timezone", "Asia/Riyadh"]) == 0
    out = capsys.readouterr().out
    assert "question: chat.txt: whatsapp: expected years 2009" in out
    assert "# NOTE: a trial read stopped" in (folder / "case.toml").read_text(encoding="utf-8")


def test_init_in_german_writes_the_language_and_german_names(sample, tmp_path, capsys):
    folder = tmp_path / "fall"
    folder.mkdir()
    shutil.copy(sample / "exports" / "WhatsApp Chat with Rob.txt", folder)  # names no owner
    assert cli.main(["init", str(folder), "--timezone", "Europe/Berlin",
                     "--language", "de"]) == 0
    case = case_mod.load(folder / "case.toml")
    assert case.language == "de"
    assert case.title == "Fall aus fall"
    assert case.person(casefile.OWNER_ID).name == "Die Person, die diese Dateien exportiert hat"


def test_init_refuses_a_language_it_has_no_catalogue_for(tmp_path, capsys):
    assert cli.main(["init", str(tmp_path), "--language", "xx"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--language: expected one of en, de, got 'xx'" in err[0]
    assert not (tmp_path / "case.toml").exists()


def test_an_owner_address_no_case_file_accepts_is_left_out_and_said(tmp_path, capsys):
    """An export can name its owner by an address a case file refuses (``root@localhost``):
    the draft leaves it out with the reason, and loads as it stands."""
    folder = tmp_path / "case"
    folder.mkdir()
    mail = ("From dana@example.org Sun Mar 10 09:00:00 2024\nDelivered-To: {to}\n"
            "From: Rob <rob@example.net>\nTo: {to}\nDate: Sun, 10 Mar 2024 09:00:00 +0000\n"
            "Subject: hi\nMessage-ID: <{n}@example.net>\n\nhello\n\n")
    (folder / "inbox.mbox").write_text(mail.format(to="root@localhost", n=1)
                                       + mail.format(to="dana@example.org", n=2),
                                       encoding="utf-8")
    assert cli.main(["init", str(folder), "--timezone", "Europe/London"]) == 0
    text = (folder / "case.toml").read_text(encoding="utf-8")
    assert "# left out: email 'root@localhost': not a valid address" in text
    case = case_mod.load(folder / "case.toml")
    assert list(case.person(casefile.OWNER_ID).accounts) == ["email:dana@example.org"]
    assert cli.main(["accounts", str(folder / "case.toml")]) == 0


def test_init_names_a_databases_log_as_part_of_it_not_as_unread(tmp_path, capsys):
    """A Mac's Messages folder holds chat.db with chat.db-wal and chat.db-shm: the log is read
    and taken in with the database, the index is said not to be needed; neither is 'not read'."""
    from tests.helpers import with_unflushed_log

    sample = Path(__file__).resolve().parents[1] / "data" / "sample" / "formats"
    folder = tmp_path / "case"
    db = with_unflushed_log(sample / "imessage_db" / "chat.db", folder / "Messages",
                            lambda c: c.execute("UPDATE message SET text = 'edited'"))
    db.with_name("chat.db-shm").write_bytes(b"")
    assert cli.main(["init", str(folder), "--timezone", "Europe/London"]) == 0
    out = capsys.readouterr().out
    assert "0 file(s) no reader takes" in out
    assert not any(line.startswith("not read") for line in out.splitlines())
    assert "Messages/chat.db-wal: beside chat.db, its write-ahead log" in out
    text = (folder / "case.toml").read_text(encoding="utf-8")
    assert "# Files that belong to an export beside them:" in text
    assert "Files no reader takes" not in text
    case = case_mod.load(folder / "case.toml")
    pipeline.ensure_evidence(case, say=lambda _: None)
    listed = [f["path"] for f in evidence.load_manifest(case)["files"]]
    assert listed == ["Messages/chat.db", "Messages/chat.db-wal"]


def test_init_names_an_earlier_pack_as_its_own_output_and_reads_none_of_it(sample, tmp_path,
                                                                            capsys):
    folder = _folder(sample, tmp_path)
    (folder / "old pack").mkdir()
    (folder / "old pack" / "pack_manifest.json").write_text("{}", encoding="utf-8")
    shutil.copy(sample / "exports" / "WhatsApp Chat with Rob.txt", folder / "old pack")
    assert cli.main(["init", str(folder), "--timezone", "Europe/London"]) == 0
    out = capsys.readouterr().out
    assert "old pack: an evidence pack whoa wrote" in out
    assert "old pack" not in " ".join(_sources(folder / "case.toml"))
