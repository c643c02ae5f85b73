"""Chats and JSON exports under attack and damage: ambiguous dates with nothing to decide, DST
gap and overlap, a 1 MB line, invalid UTF-8, NUL bytes, 10,000-deep JSON for every JSON reader,
and count in = count out for generated chat, SMS and incident-log files.
"""

from __future__ import annotations

import pandas as pd
import pytest

from whoa_analysis import readers
from whoa_analysis.errors import DateOrderRequired

from . import corpus as C
from .harness import assert_contained, read_outcome

TZ = "Europe/London"


def _read(path, fmt, **kw):
    return readers.read(path, fmt, **{"tz": TZ, "region": "GB", **kw})


def test_ambiguous_dates_with_nothing_to_decide_ask(tmp_path):
    path = tmp_path / "WhatsApp Chat with Rob.txt"
    path.write_bytes(C.whatsapp([("01/02/2024, 18:05", "Rob", "a"),
                                 ("02/03/2024, 18:05", "Rob", "b")]))
    with pytest.raises(DateOrderRequired):
        _read(path, "whatsapp")
    assert len(_read(path, "whatsapp", date_order="dmy")) == 3     # told: read, nothing lost


def test_dst_gap_and_overlap_keep_both_instants(tmp_path):
    path = tmp_path / "WhatsApp Chat with Rob.txt"
    path.write_bytes(C.whatsapp([("13/03/2024, 01:30", "Rob", "plain"),
                                 ("31/03/2024, 01:30", "Rob", "in the gap"),
                                 ("27/10/2024, 01:30", "Rob", "in the overlap")]))
    df = _read(path, "whatsapp").set_index("body")
    for body in ("in the gap", "in the overlap"):
        row = df.loc[body]
        assert row["sent_at_latest"] - row["sent_at"] == pd.Timedelta(hours=1)
    assert "non-existent" in df.loc["in the gap", "warnings"]
    assert "ambiguous" in df.loc["in the overlap", "warnings"]
    assert df.loc["plain", "sent_at"] == df.loc["plain", "sent_at_latest"]


def test_a_1_mb_line_is_one_row_kept_whole(tmp_path):
    big = "x" * (1 << 20)
    path = tmp_path / "WhatsApp Chat with Rob.txt"
    path.write_bytes(C.whatsapp([("13/02/2024, 18:05", "Rob", big),
                                 ("13/02/2024, 18:06", "Rob", "after")]))
    outcome = read_outcome(path, "whatsapp", seconds=10)
    assert outcome.ok, outcome.error
    assert outcome.value["bodies"][1:] == [big, "after"]


def test_nul_bytes_are_kept_exactly(tmp_path):
    path = tmp_path / "WhatsApp Chat with Rob.txt"
    path.write_bytes(C.whatsapp([("13/02/2024, 18:05", "Rob", "nul \x00 inside \x00")]))
    assert _read(path, "whatsapp")["body"].iloc[1] == "nul \x00 inside \x00"


def test_invalid_utf8_is_read_and_said(tmp_path):
    path = tmp_path / "WhatsApp Chat with Rob.txt"
    path.write_bytes(C.whatsapp([("13/02/2024, 18:05", "Rob", "ok")])
                     + "13/02/2024, 18:06 - Rob: caf\xe9 \xff\n".encode("latin-1"))
    df = _read(path, "whatsapp")
    assert len(df) == 3
    said = " ".join(df["warnings"]) + " ".join(df.attrs.get("assumptions", []))
    assert "UTF-8" in said or "cp1252" in said


@pytest.mark.parametrize("fmt", ["incident_log", "sms_backup", "mbox", "eml"])
def test_invalid_utf8_never_crashes_a_reader(tmp_path, fmt):
    """Bytes that are not UTF-8 inside otherwise valid files: a frame or an InputError."""
    bad = b"\xff\xfe\xc3\x28 \xed\xa0\x80 \xf4\x90\x80\x80"
    data = {"incident_log": C.incident_log([("2024-03-12T10:00:00Z", "", "phone", "phone:1",
                                             "person:dana", "call", "X", "")]).replace(b"X", bad),
            "sms_backup": C.sms_xml([C.sms("X")]).replace(b"X", bad, 1),
            "mbox": C.mbox([C.Mail(raw=b"From: a@b.example\nSubject: " + bad + b"\n\n" + bad)]),
            "eml": b"From: a@b.example\nSubject: " + bad + b"\n\n" + bad}[fmt]
    path = tmp_path / f"sms-1.{'xml' if fmt == 'sms_backup' else fmt}"
    path.write_bytes(data)
    assert_contained(read_outcome(path, fmt))


# --------------------------------------------------------------------------- deep JSON

DEEP = C.deep_json(10_000)
#: JSON reader -> (relative file, bytes): a 10,000-deep document where each reader looks.
DEEP_INPUTS = {
    "telegram_json": [("result.json", DEEP)],
    "discord_dce": [("dm.json", b'{"guild": {}, "channel": {}, "messages": [' + DEEP + b"]}")],
    "meta_json": [("message_1.json", DEEP)],
    "google_chat": [("Google Chat/Groups/DM 1/messages.json", DEEP),
                    ("Google Chat/Groups/DM 1/group_info.json", DEEP)],
    "twitter_dm": [("direct-messages.js", b"window.YTD.direct_messages.part0 = [" + DEEP
                    + b"]")],
    "slack": [("channels.json", DEEP), ("users.json", DEEP),
              ("general/2024-03-11.json", b"[" + DEEP + b"]")],
    "discord_package": [("messages/c1/channel.json", DEEP),
                        ("messages/c1/messages.json", b"[" + DEEP + b"]")],
    "signal": [("chat.json", DEEP)],
    "imessage": [("chat.json", DEEP)],
    "web_capture": [("page.json", DEEP)],
    "skype": [("messages.json", b'{"conversations": [{"id": "8:a", "MessageList": [' + DEEP
               + b"]}]}")],
    "snapchat": [("chat_history.json", b'{"rob_o": [' + DEEP + b"]}")],
}


@pytest.mark.parametrize("fmt", sorted(DEEP_INPUTS))
def test_10000_deep_json_never_raises_recursion_error(tmp_path, fmt):
    files = DEEP_INPUTS[fmt]
    for rel, data in files:
        (tmp_path / "in" / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "in" / rel).write_bytes(data)
    single = len(files) == 1 and "/" not in files[0][0]
    path = tmp_path / "in" / files[0][0] if single else tmp_path / "in"
    if fmt == "google_chat":
        path = tmp_path / "in" / "Google Chat"
    outcome = read_outcome(path, fmt, seconds=15)
    assert_contained(outcome)
    assert "RecursionError" not in outcome.error


@pytest.mark.parametrize("fmt", sorted(readers.READERS))
def test_deep_json_through_every_reader(tmp_path, fmt):
    """Any reader handed a deep document (a wrong guess of format) says so, never crashes."""
    path = tmp_path / "deep.json"
    path.write_bytes(DEEP)
    assert_contained(read_outcome(path, fmt, seconds=15))


# --------------------------------------------------------------------------- count in = out


@pytest.mark.parametrize("count", [1, 500])
def test_whatsapp_n_messages_give_n_rows(tmp_path, count):
    path = tmp_path / "WhatsApp Chat with Rob.txt"
    path.write_bytes(C.whatsapp_minutes(count, body="line {i}\nsecond line of {i}"))
    df = _read(path, "whatsapp")
    assert len(df) == count + 1                        # + the encryption notice (system)
    assert (df["kind"] == "text").sum() == count
    assert df["body"].iloc[-1] == f"line {count - 1}\nsecond line of {count - 1}"


def test_sms_n_messages_give_n_rows(tmp_path):
    bodies = [*C.FORMULAS.values(), *C.MARKUP.values(), *C.EXACT, *C.BAD_NAMES.values()]
    path = tmp_path / "sms-20240401000000.xml"
    path.write_bytes(C.sms_xml([C.sms(b, when_ms=1710150000000 + i * 1000)
                                for i, b in enumerate(bodies)]))
    df = _read(path, "sms_backup")
    assert len(df) == len(bodies)
    # XML cannot carry NUL (or most controls) even as a reference: replaced and said
    for got, want, warn in zip(df["body"], bodies, df["warnings"]):
        if any(ord(c) < 32 and c not in "\t\n\r" for c in want):
            assert "\ufffd" in got and warn
        else:
            assert got == want


def test_mbox_n_messages_give_n_rows(tmp_path):
    bodies = [*C.FORMULAS.values(), *C.MARKUP.values(), *C.EXACT,
              "From dana@example.org Mon Mar 11 10:00:00 2024\nFrom: dana@example.org\n"]
    path = tmp_path / "inbox.mbox"
    path.write_bytes(C.mbox(C.Mail(body=b) for b in bodies))
    df = _read(path, "mbox")
    assert len(df) == len(bodies)
    assert df["sender"].eq("email:rob@example.net").all()


def test_incident_log_n_rows_give_n_rows(tmp_path):
    texts = [*C.FORMULAS.values(), *C.MARKUP.values(), *C.EXACT]
    path = tmp_path / "log.csv"
    path.write_bytes(C.incident_log(("2024-03-12T10:00:00Z", "", "phone", "phone:07700 900456",
                                     "person:dana", "call", t, t) for t in texts))
    df = _read(path, "incident_log")
    assert len(df) == len(texts)
    assert df["body"].tolist() == texts
