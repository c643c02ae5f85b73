"""IRC logs: sample, odd cases, every file of the shared corpora's irc_log."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from whoa_analysis.errors import TimezoneRequired
from whoa_analysis.readers import irc
from whoa_analysis.readers._common import open_head

IRC = "irc_log"


def _utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def _log(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# --- the sample ----------------------------------------------------------------------------------

def test_sample_irssi_channel(sample: Path) -> None:
    df = irc.read(sample / "formats/irc/#craftclub.log", tz="Europe/London")
    assert len(df) == 12                              # every non-blank line, headers included
    assert set(df["conversation"]) == {"#craftclub"}
    assert set(df["conversation_kind"]) == {"group"}
    rob = df[df["sender"].isin(["irc:robz", "irc:robz_back"])]
    assert rob["kind"].tolist() == ["text", "text", "text", "text"]
    assert rob["is_action"].tolist() == [False, True, False, False]
    colour = df.loc[df["locator"] == "line:8"].iloc[0]
    assert colour["body"] == "\x0304I know where you'll be on Saturday\x03"
    assert colour["body_display"] == "I know where you'll be on Saturday"
    # "--- Day changed" moves the date on; the cp1252 line says how it was decoded
    cafe = df.loc[df["locator"] == "line:11"].iloc[0]
    assert cafe["sent_at"] == _utc("2024-03-12 00:11")
    assert cafe["body"] == "see you at the café"
    assert cafe["warnings"] == "not valid UTF-8: decoded as cp1252"
    assert df.loc[df["locator"] == "line:10", "kind"].iloc[0] == "system"


def test_sample_query_log_date_from_file_name(sample: Path) -> None:
    df = irc.read(sample / "formats/irc/robz_back_20240313.log", tz="Europe/London")
    assert set(df["conversation_kind"]) == {"direct"}
    assert df["sent_at"].iloc[0] == _utc("2024-03-13 07:50:12")
    assert df["kind"].tolist() == ["text", "text", "system"]
    assert any("file name (2024-03-13)" in a for a in df.attrs["assumptions"])


# --- odd cases -----------------------------------------------------------------------------------

def test_zone_less_log_needs_tz_offset_log_does_not(tmp_path: Path) -> None:
    plain = _log(tmp_path, "2024-03-12.log", b"[10:00] <robz> hi\n")
    with pytest.raises(TimezoneRequired):
        irc.read(plain)
    textual = _log(tmp_path, "t.txt", b"[2024-03-12T10:00:00+0100] <robz> hi\n")
    df = irc.read(textual)
    assert df["sent_at"].iloc[0] == _utc("2024-03-12 09:00")
    assert df["time_basis"].iloc[0] == "offset"


def test_dst_ambiguous_time_keeps_both_instants(tmp_path: Path) -> None:
    path = _log(tmp_path, "#c.2024-10-27.log", b"01:30 <robz> twice\n")
    row = irc.read(path, tz="Europe/London").iloc[0]
    assert row["sent_at"] == _utc("2024-10-27 00:30")
    assert row["sent_at_latest"] == _utc("2024-10-27 01:30")
    assert "ambiguous" in row["warnings"]


def test_no_date_anywhere_keeps_rows_without_time(tmp_path: Path) -> None:
    df = irc.read(_log(tmp_path, "chan.log", b"[10:00] <robz> hi\n"), tz="UTC")
    assert df["time_basis"].iloc[0] == "missing" and pd.isna(df["sent_at"].iloc[0])
    assert "no header or file name" in df["warnings"].iloc[0]


def test_weechat_and_unknown_lines(tmp_path: Path) -> None:
    data = (b"2024-03-12 10:00:00\t-->\trobz (~r@h) has joined #c\n"
            b"2024-03-12 10:00:05\t@robz\thello\n"
            b"2024-03-12 10:00:09\t *\trobz waves\n"
            b"garbage that is no IRC line\n")
    df = irc.read(_log(tmp_path, "irc.libera.#c.weechatlog", data), tz="UTC")
    assert df["kind"].tolist() == ["system", "text", "text", "unparsed"]
    assert df["sender"].tolist()[1:3] == ["irc:robz", "irc:robz"]
    assert df["sender_display"].iloc[1] == "@robz"
    assert df["is_action"].tolist() == [False, False, True, False]
    assert "no known IRC layout" in df["warnings"].iloc[3]


def test_sniff_is_specific(tmp_path: Path) -> None:
    assert irc.sniff(open_head(_log(tmp_path, "a.log", b"[10:00] <robz> hi\n[10:01] <d> x\n")))
    whatsapp = b"[12/03/2024, 10:00:00] Rob: hi\n[12/03/2024, 10:01:00] Dana: stop\n"
    assert not irc.sniff(open_head(_log(tmp_path, "_chat.txt", whatsapp)))
    pidgin = b"Conversation with rob at 2024-03-12 10:00:00 on dana (aim)\n(10:00:01) rob: hi\n"
    assert not irc.sniff(open_head(_log(tmp_path, "p.txt", pidgin)))


# --- shared corpora ------------------------------------------------------------------------------

def _counts(df: pd.DataFrame) -> tuple[int, int]:
    return int((df["kind"] == "system").sum()), int((df["kind"] == "text").sum())


def test_corpus_colabti_and_textual_agree(corpora: Path) -> None:
    # upstream: 6 control + 3 conversation entries over 8 lines; we count 6 system and 2 text
    # (upstream also counts the topic change as conversation)
    colabti = irc.read(corpora / IRC / "IRC-Log-Colabti/2021-04-22", tz="UTC")
    textual = irc.read(corpora / IRC / "IRC-Log-Textual/2021-04-22.txt")   # offsets: no tz
    gist = irc.read(corpora / IRC / "IRC-Log-Textual/2021-04-22.gist", tz="UTC")
    for df in (colabti, textual, gist):
        assert len(df) == 8 and _counts(df) == (6, 2)
        assert df["sent_at"].iloc[0].floor("min") == _utc("2021-04-22 05:36")
        assert df["sent_at"].iloc[-1].floor("min") == _utc("2021-04-22 23:50")
        assert df["is_action"].sum() == 1
        assert (df["warnings"] == "").all()
    assert set(textual["time_basis"]) == {"offset"}
    assert any("file name (2021-04-22)" in a for a in colabti.attrs["assumptions"])
    for name in ("IRC-Log-Colabti/2021-04-22-missed", "IRC-Log-Colabti/2021-04-22-with-additions",
                 "IRC-Log-Textual/2021-04-22-with-additions.txt"):
        more = irc.read(corpora / IRC / name, tz="UTC")
        assert len(more) == 10 and more["body"].iloc[-1] == "Thank you, I needed that :-)"


def test_corpus_ubuntu(corpora: Path) -> None:
    small = irc.read(corpora / IRC / "IRCLogParser/ubuntu_2013-01-01_#kubuntu-devel.txt",
                     tz="UTC")
    assert set(small["conversation"]) == {"#kubuntu-devel"}
    assert set(small["conversation_kind"]) == {"group"}
    nick_changes = small[small["body"].str.contains("is now known as")]
    # '=== X is now known as Y' lines carry no time: kept, with no time and a warning
    assert (nick_changes["time_basis"] == "missing").all() and len(nick_changes) == 9
    assert small.loc[small["body"] == "Hi all", "sent_at"].iloc[0] == _utc("2013-01-01 13:56")
    big = irc.read(corpora / IRC / "IRCLogParser/ubuntu_2013-01-02_#ubuntu-devel.txt", tz="UTC")
    lines = (corpora / IRC / "IRCLogParser/ubuntu_2013-01-02_#ubuntu-devel.txt").read_bytes()
    assert len(big) == len([ln for ln in lines.split(b"\n") if ln.strip()])
    assert (big["kind"] != "unparsed").all()


def test_corpus_irclog2html_iso(corpora: Path) -> None:
    df = irc.read(corpora / IRC / "irclog2html/2005-01-08-test1.log", tz="UTC")
    assert len(df) == 8 and _counts(df) == (2, 6)
    assert set(df["conversation"]) == {"#pov"}
    test2 = irc.read(corpora / IRC / "irclog2html/2005-01-09-test2.log", tz="UTC")
    assert len(test2) == 57
    assert test2.loc[test2["is_action"], "body"].iloc[0].startswith("tried https://")


def test_corpus_irclog2html_dircproxy_year_from_file_name(corpora: Path) -> None:
    df = irc.read(corpora / IRC / "irclog2html/2009-01-14-dircproxy.log", tz="UTC")
    assert len(df) == 25
    assert df["sent_at"].iloc[0] == _utc("2009-01-14 10:36")
    assert any("year" in a and "2009" in a for a in df.attrs["assumptions"])
    said = df[df["sender"] == "irc:nombyte"]
    assert said["body"].iloc[0].startswith("-hey")      # dircproxy's +/- flag kept as exported
    for name, n in (("2009-01-15-dircproxy.log", 225), ("2009-01-16-dircproxy.log", 31)):
        assert len(irc.read(corpora / IRC / "irclog2html" / name, tz="UTC")) == n


def test_corpus_hybrid_charset_per_line(corpora: Path) -> None:
    df = irc.read(corpora / IRC / "irclog2html/2011-01-16-hybrid-charset.log", tz="UTC")
    assert df["body"].iloc[0] == "aišku :)"
    assert df["warnings"].iloc[0] == "not valid UTF-8: decoded as cp1252"
    assert df["body"].iloc[1].startswith("naudoja Ubuntu lietuviškai")
    assert df["warnings"].iloc[1] == ""
    sample = irc.read(corpora / IRC / "irclog2html/sample.log", tz="UTC")
    assert len(sample) == 10
    assert "ąčę" in sample["body"].iloc[1]
    assert sample["warnings"].iloc[2] == "not valid UTF-8: decoded as cp1252"


def test_corpus_xchat(corpora: Path) -> None:
    df = irc.read(corpora / IRC / "plaso/xchat.log", tz="UTC")
    # plaso: 9 events + 3 warnings; we keep all 16 non-blank lines (4 headers as system rows)
    assert len(df) == 16
    assert df["sent_at"].iloc[0] == _utc("2011-12-31 21:11:55")
    assert set(df["conversation"]) == {"#gugle"}
    bad = df[df["body"] == "uh oh wronggg date!"].iloc[0]
    assert bad["time_basis"] == "missing" and "invalid time" in bad["warnings"]
    assert df.loc[df["sender"] == "irc:stranger", "body"].iloc[0] == "日本"
    italian = df[df["body"] == "ciao plaso! Com'è?!"].iloc[0]
    assert italian["sent_at"] == _utc("2012-02-26 19:53:01")      # year from the Italian header
    assert df.loc[df["sender"] == "irc:empty_text", "body"].iloc[0] == ""


def test_corpus_xchat_scrollback(corpora: Path) -> None:
    df = irc.read(corpora / IRC / "plaso/xchatscrollback.log")      # epoch times: no tz needed
    # plaso: 10 events + 1 warning; we keep 11 rows: 'T MISSING TIMESTAMP' as unparsed
    assert len(df) == 11
    assert df["sent_at"].iloc[0] == _utc("2009-01-16 02:56:19")
    assert df["body_display"].iloc[0] == "*\tSpeaking now on ##plaso##"
    assert "\x03" in df["body"].iloc[0]                             # codes kept in body
    assert df["kind"].iloc[4] == "unparsed"
    zero = df[df["body_display"] == "0 is a good timestamp"].iloc[0]
    assert zero["time_basis"] == "missing"                          # epoch 0 is not 1970
    hi = df[df["body_display"] == "Hi Kristinn!"].iloc[0]
    assert hi["sender"] == "irc:fpi" and hi["time_basis"] == "epoch"


def test_every_corpus_file_sniffs(corpora: Path) -> None:
    for path in sorted((corpora / IRC).rglob("*")):
        if path.is_file():
            assert irc.sniff(open_head(path)), path.name
