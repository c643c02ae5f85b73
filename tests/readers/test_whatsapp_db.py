"""WhatsApp Android msgstore.db (both layouts) with wa.db names; encrypted backups refused."""

from __future__ import annotations

import hashlib
import shutil

import pandas as pd
import pytest

from whoa_analysis import readers
from whoa_analysis.errors import InputError
from whoa_analysis.readers import whatsapp_db

from ._android import GEN, HERE

SAMPLE = HERE / "whatsapp" / "msgstore.db"
OWNER = ("+44 7700 900123",)
ROB, SAM, DANA = "phone:+447700900456", "phone:+447700900321", "phone:+447700900123"


def _bodies(df: pd.DataFrame) -> list[tuple]:
    cols = ["sent_at", "sender", "sender_display", "body", "kind", "attachments",
            "conversation", "conversation_kind", "from_owner"]
    return [tuple(r) for r in df[df["kind"] != "system"][cols].itertuples(index=False)]


def test_new_layout_sample():
    assert readers.detect(SAMPLE) == "whatsapp_db"
    df = readers.read(SAMPLE, region="GB", owner=OWNER)
    rows = df.set_index("locator")
    assert rows.loc["sqlite:message[3]", "body"] == "Why did you block my email?"
    assert rows.loc["sqlite:message[3]", "sender"] == ROB
    assert rows.loc["sqlite:message[3]", "sender_display"] == "Rob"       # from wa.db
    assert rows.loc["sqlite:message[4]", "attachments"] == "IMG-20240310-WA0001.jpg"
    assert rows.loc["sqlite:message[5]", "kind"] == "deleted"
    group = rows.loc["sqlite:message[6]"]
    assert group["conversation"] == "Book Club" and group["conversation_kind"] == "group"
    assert rows.loc["sqlite:message[7]", "sender"] == SAM
    mine = rows.loc["sqlite:message[8]"]
    assert mine["from_owner"] and mine["sender"] == DANA and mine["recipients"] == ROB
    assert mine["sent_at"] == pd.Timestamp("2024-03-10 11:00", tz="UTC")
    assert rows.loc["sqlite:call_log[1]", "kind"] == "call"
    assert any("wa.db" in a for a in df.attrs["assumptions"])


def test_old_layout_gives_the_same_messages(tmp_path):
    new = readers.read(SAMPLE, region="GB", owner=OWNER)
    old = readers.read(GEN.build_msgstore(tmp_path, old=True), region="GB", owner=OWNER)
    assert old["locator"].iloc[0] == "sqlite:messages[1]"
    assert old["kind"].iloc[0] == "system"        # the app's placeholder row, kept
    assert _bodies(old) == _bodies(new[new["kind"] != "call"])


def test_without_wa_db_people_are_shown_by_jid(tmp_path):
    folder = tmp_path / "databases"
    folder.mkdir()
    shutil.copyfile(SAMPLE, folder / "msgstore.db")
    df = readers.read(folder / "msgstore.db", region="GB")
    assert df["sender_display"].iloc[0] == "447700900456@s.whatsapp.net"
    assert any("no wa.db" in a for a in df.attrs["assumptions"])


@pytest.mark.parametrize("suffix", ["crypt12", "crypt14", "crypt15"])
def test_encrypted_backups_are_refused_with_the_key_needed(tmp_path, suffix):
    path = tmp_path / f"msgstore.db.{suffix}"
    path.write_bytes(bytes(range(256)) * 40)
    assert readers.detect(path) == "whatsapp_db"
    with pytest.raises(InputError) as err:
        readers.read(path)
    message = str(err.value)
    assert "\n" not in message and f"crypt{suffix[-2:]}" in message
    assert "key" in message and "64-digit" in message and "never guessed" in message


def test_jid_keys():
    assert whatsapp_db.jid_key("447700900456@s.whatsapp.net", None) == ROB
    assert whatsapp_db.jid_key("123456789012345@lid", None) == "whatsapp:123456789012345@lid"


def test_reading_leaves_the_files_and_their_folder_unchanged(tmp_path):
    shutil.copytree(HERE / "whatsapp", tmp_path / "w")
    files = sorted((tmp_path / "w").iterdir())
    before = [hashlib.sha256(p.read_bytes()).hexdigest() for p in files]
    readers.read(tmp_path / "w" / "msgstore.db")
    assert sorted((tmp_path / "w").iterdir()) == files
    assert [hashlib.sha256(p.read_bytes()).hexdigest() for p in files] == before
