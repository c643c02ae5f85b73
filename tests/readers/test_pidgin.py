"""Pidgin/Gaim text and HTML logs and Adium XML: sample, odd cases, the shared corpora."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from whoa_analysis.errors import DateOrderRequired, InputError, TimezoneRequired
from whoa_analysis.readers import pidgin
from whoa_analysis.readers._common import open_head

PIPIO = "pidgin_log/pipio"
P2A = "pidgin_log/pidgin2adium"


def _utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def _log(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- the sample ----------------------------------------------------------------------------------

def test_sample_text_log(sample: Path) -> None:
    df = pidgin.read(sample / "formats/pidgin/2024-03-12.210410+0000GMT.txt")   # offset: no tz
    assert len(df) == 5
    assert set(df["conversation"]) == {"rob.offender@chat.example"}
    assert set(df["conversation_kind"]) == {"direct"}
    assert set(df["time_basis"]) == {"offset"}
    assert df["kind"].tolist() == ["text", "text", "text", "system", "text"]
    assert df["body"].iloc[1] == "answer me Dana\nit's not over"         # continuation line
    assert df["sent_at"].iloc[-1] == _utc("2024-03-13 00:02:09")        # past midnight
    assert df["sender"].iloc[0] == "im:rob o" and df["protocol"].iloc[0] == "jabber"


def test_sample_html_log(sample: Path) -> None:
    df = pidgin.read(sample / "formats/pidgin/2024-03-14.083000+0000GMT.html")
    assert df["body"].tolist() == ["I saw you at the station & you ignored me",
                                   "look what people say about you"]
    assert "<b>station</b>" in df["body_html"].iloc[0]
    assert df["sent_at"].iloc[0] == _utc("2024-03-14 08:30:05")


# --- odd cases -----------------------------------------------------------------------------------

def test_zone_abbreviation_not_trusted(tmp_path: Path) -> None:
    text = "Conversation with rob at Tue 12 Mar 2024 10:00:00 PM GMT on dana (aim)\n(22:00:05) rob: hi\n"
    path = _log(tmp_path, "x.txt", text)
    with pytest.raises(TimezoneRequired):
        pidgin.read(path)
    df = pidgin.read(path, tz="Europe/London")
    assert df["sent_at"].iloc[0] == _utc("2024-03-12 22:00:05")
    assert df["time_basis"].iloc[0] == "local_declared"


def test_numeric_offset_in_header_is_an_instant(tmp_path: Path) -> None:
    text = "Conversation with rob at 2024-03-12 10:00:00 +0100 on dana (aim)\n(10:00:05) rob: hi\n"
    df = pidgin.read(_log(tmp_path, "x.txt", text))
    assert df["sent_at"].iloc[0] == _utc("2024-03-12 09:00:05")


def test_day_month_order_not_guessed(tmp_path: Path) -> None:
    text = "Conversation with rob at 03/04/2024 10:00:00 AM on dana (aim)\n(10:00:05 AM) rob: hi\n"
    path = _log(tmp_path, "x.txt", text)
    with pytest.raises(DateOrderRequired):
        pidgin.read(path, tz="UTC")
    df = pidgin.read(path, tz="UTC", date_order="dmy")
    assert df["sent_at"].iloc[0] == _utc("2024-04-03 10:00:05")


def test_not_a_pidgin_log(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        pidgin.read(_log(tmp_path, "x.txt", "hello\n(10:00) a: b\n"), tz="UTC")


def test_sniff_is_specific(tmp_path: Path) -> None:
    irc_log = _log(tmp_path, "a.log", "[10:00] <robz> hi\n")
    assert not pidgin.sniff(open_head(irc_log))
    html = _log(tmp_path, "b.html", "<html><head><title>Dana</title></head><body>x</body></html>")
    assert not pidgin.sniff(open_head(html))


# --- shared corpora ------------------------------------------------------------------------------

def test_corpus_pipio_text(corpora: Path) -> None:
    df = pidgin.read(corpora / PIPIO / "2006-12-21.223606.txt", tz="America/Denver")
    # pipio's Adium output drops the status line; we keep it as a system row
    assert df["kind"].tolist() == ["text", "system"]
    first = df.iloc[0]
    assert first["sender_display"] == "Gabe B-W" and first["body"] == "what are you doing tomorrow?"
    assert first["sent_at"] == _utc("2006-12-22 05:36:11")             # 22:36:11 -0700
    assert set(df["conversation"]) == {"BUDDY_PERSON"} and df["protocol"].iloc[0] == "aim"


def test_corpus_pipio_html_offset_from_file_name(corpora: Path) -> None:
    for name in ("2008-01-15.071445-0500PST.html", "2008-01-15.071445-0500PST.htm"):
        df = pidgin.read(corpora / PIPIO / name)                         # -0500 in the name
        assert df["sender_display"].tolist() == ["AOL System Msg", "Gabe B-W", "AOL System Msg"]
        assert df["body"].iloc[1] == "1"
        assert df["sent_at"].tolist() == [_utc("2008-01-15 12:14:45"),
                                          _utc("2008-01-15 12:14:48"),
                                          _utc("2008-01-15 12:14:48")]
        assert "Click here for more information." in df["body"].iloc[0]


def test_corpus_pipio_input_html(corpora: Path) -> None:
    df = pidgin.read(corpora / PIPIO / "input.html", tz="America/New_York")
    assert df["sender_display"].tolist() == ["Some Rando", "Gabe B-W"]
    assert df["body"].tolist() == ["Hi", "Hi back"]
    assert df["sent_at"].tolist() == [_utc("2014-03-17 03:55:48"), _utc("2014-03-17 03:55:50")]


def test_corpus_pidgin2adium_inconsistent_line_date(corpora: Path) -> None:
    df = pidgin.read(corpora / P2A / "pidgin2adium_input.html", tz="America/New_York")
    assert df["body"].tolist() == ["Hi", "Hi back"]
    # pidgin2adium takes the header's date (3/16); we keep the line's own (3/15) and warn
    assert df["sent_at"].iloc[1] == _utc("2014-03-16 03:55:50")
    assert "differs" in df["warnings"].iloc[1]


def test_corpus_pidgin2adium_bad_kept_without_time(corpora: Path) -> None:
    # pidgin2adium refuses this file; we keep its two room events, with no time and a warning
    df = pidgin.read(corpora / P2A / "pidgin2adium_bad.html")
    assert df["kind"].tolist() == ["system", "system"]
    assert df["time_basis"].tolist() == ["missing", "missing"]
    assert set(df["conversation_kind"]) == {"group"}


def test_corpus_adium_xml(corpora: Path) -> None:
    out = pidgin.read(corpora / P2A / "pidgin2adium_output.xml")
    assert out["sent_at"].tolist() == [_utc("2014-03-17 03:55:48"), _utc("2014-03-17 03:55:50")]
    assert out["sender"].tolist() == ["im:them@gmail.com", "im:jiggerificbug"]
    assert out["sender_display"].iloc[0] == "Some Rando"
    html_out = pidgin.read(corpora / PIPIO / "html_log_output.xml")
    assert len(html_out) == 3 and set(html_out["time_basis"]) == {"offset"}
    text_out = pidgin.read(corpora / PIPIO / "text_log_output.xml")
    assert text_out["sent_at"].iloc[0] == _utc("2006-12-22 05:36:11")
    broken = pidgin.read(corpora / PIPIO / "output.xml")       # no root, placeholder times
    assert broken["body"].tolist() == ["Hi", "Hi back"]
    assert set(broken["time_basis"]) == {"missing"}


def test_every_corpus_file_sniffs(corpora: Path) -> None:
    for path in sorted((corpora / "pidgin_log").rglob("*")):
        if path.is_file():
            assert pidgin.sniff(open_head(path)), path.name
