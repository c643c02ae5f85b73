"""Phone databases (chat.db, mmssms.db, calllog.db, msgstore.db) under attack and damage.

- a damaged page loses only the rows on it: the rest are read, the gap is one unparsed row;
- a b-tree that loops back ends (rows read before it kept), within time and memory;
- many rows give as many rows, in bounded memory and time;
- work is bounded by the file's size: past the budget, a one-line InputError;
- any text (in ``text`` or only in ``attributedBody``) keeps its count and is exact;
- the typedstream decoder never raises on damaged blobs;
- hostile names and text stay text; nothing is written beside the database.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from whoa_analysis import readers
from whoa_analysis.errors import InputError
from whoa_analysis.readers import _sqlite, imessage_db

from . import corpus as C
from .harness import assert_contained, read_outcome

FUZZ = settings(max_examples=int(os.environ.get("WHOA_FUZZ_EXAMPLES", "15")), deadline=None,
                derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                         HealthCheck.too_slow])
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60)
PHONE_READERS = ("imessage_db", "android_sms_db", "android_calllog", "whatsapp_db")


def _write(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_a_damaged_page_loses_only_its_rows(tmp_path):
    data = C.mmssms_db([f"msg {i}" for i in range(3000)])
    _, pages = C.sqlite_pages(data)
    path = _write(tmp_path, "mmssms.db", C.damaged_pages(data, [pages // 2]))
    outcome = read_outcome(path, "android_sms_db", seconds=30)
    assert outcome.ok, outcome.error
    kinds, bodies = outcome.value["kinds"], outcome.value["bodies"]
    gaps = [w for k, w in zip(kinds, outcome.value["warnings"], strict=True) if k == "unparsed"]
    assert len(gaps) == 1 and "could not be read" in gaps[0]
    read = [b for b, k in zip(bodies, kinds, strict=True) if b.startswith("msg ")]
    assert 2800 < len(read) < 3000                      # one leaf page of ~60 rows lost
    assert read == sorted(read, key=lambda b: int(b.split()[1]))
    assert "msg 0" in read and "msg 2999" in read       # rows on both sides of the damage


def test_a_btree_that_loops_back_ends_with_the_rows_read(tmp_path):
    path = _write(tmp_path, "mmssms.db",
                  C.looping_btree(C.mmssms_db([f"msg {i}" for i in range(3000)])))
    outcome = read_outcome(path, "android_sms_db", seconds=30)
    assert outcome.ok, outcome.error
    assert outcome.value["kinds"].count("unparsed") == 1
    assert outcome.value["bodies"][0] == "msg 0"
    assert sum(b.startswith("msg ") for b in outcome.value["bodies"]) > 2000


@pytest.mark.parametrize("pages", [[1], [2], [2, 3, 4]])
def test_damage_anywhere_ends_in_rows_or_a_clear_error(tmp_path, pages):
    path = _write(tmp_path, "chat.db", C.damaged_pages(C.chat_db(["a", "b", "c"] * 50), pages))
    assert_contained(read_outcome(path, "imessage_db", seconds=30))


def test_many_rows_give_as_many_rows_in_bounded_memory_and_time(tmp_path):
    count = 30_000
    path = _write(tmp_path, "mmssms.db", C.mmssms_db([f"m{i}" for i in range(count)]))
    outcome = read_outcome(path, "android_sms_db", seconds=120, memory=1 << 30)
    assert outcome.ok, outcome.error
    assert outcome.value["rows"] == count + 2            # and the sample's two MMS


def test_work_past_the_files_budget_is_a_clear_error(tmp_path, monkeypatch):
    path = _write(tmp_path, "mmssms.db", C.mmssms_db([f"m{i}" for i in range(2000)]))
    monkeypatch.setattr(_sqlite, "MIN_STEPS", 20_000)
    monkeypatch.setattr(_sqlite, "STEPS_PER_BYTE", 0)
    with pytest.raises(InputError, match="far more work than a file of"):
        readers.read(path, "android_sms_db")


@FUZZ
@given(texts=st.lists(TEXT, min_size=1, max_size=10))
def test_chat_db_any_text_keeps_count_and_text(tmp_path, texts):
    df = readers.read(_write(tmp_path, "chat.db", C.chat_db(texts)), "imessage_db")
    assert len(df) == len(texts)
    assert df["body"].tolist() == texts                  # odd rows only in attributedBody
    assert (df["warnings"] == "").all()


@FUZZ
@given(bodies=st.lists(TEXT, min_size=1, max_size=10))
def test_mmssms_any_text_keeps_count_and_text(tmp_path, bodies):
    df = readers.read(_write(tmp_path, "mmssms.db", C.mmssms_db(bodies)), "android_sms_db")
    sms = df[df["locator"].str.startswith("sqlite:sms[")]
    assert sms["body"].tolist() == bodies


@FUZZ
@given(data=st.binary(max_size=600), text=TEXT, cut=st.integers(0, 400))
def test_typedstream_decoder_never_raises_on_damaged_blobs(data, text, cut):
    imessage, _ = C._phone_generators()
    blob = imessage.attributed_body(text)
    for candidate in (data, blob[:cut], blob[:cut] + data, b"\x04\x0bstreamtyped" + data):
        decoded, error = imessage_db.attributed_text(candidate)
        assert isinstance(decoded, str) and isinstance(error, str)
    assert imessage_db.attributed_text(blob) == (text, "")


def test_deeply_nested_typedstream_is_refused_not_a_crash():
    nested = b"\x04\x0bstreamtyped\x81\xe8\x03\x84\x01@" + b"\x84\x84\x84\x01A\x00" * 5000
    decoded, error = imessage_db.attributed_text(nested)
    assert decoded == "" and error


def test_hostile_names_and_text_stay_text(tmp_path):
    texts = [*C.FORMULAS.values(), *C.MARKUP.values(), *C.EXACT]
    path = _write(tmp_path, "chat.db", C.chat_db(texts, list(C.BAD_NAMES.values())))
    df = readers.read(path, "imessage_db")
    assert df["body"].tolist() == texts
    assert df["attachments"].iloc[0].split(";") == list(C.BAD_NAMES.values())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["chat.db"]


@pytest.mark.parametrize("fmt", PHONE_READERS)
def test_every_phone_reader_on_every_phone_file_is_contained(tmp_path, fmt):
    for name, data in C.phone_files().items():
        folder = tmp_path / name.replace(".", "_")
        folder.mkdir()
        path = _write(folder, name, data)
        assert_contained(read_outcome(path, fmt, seconds=60))
        assert sorted(p.name for p in folder.iterdir()) == [name]


def test_a_damaged_schema_whose_error_quotes_invalid_utf8_is_a_clear_error(tmp_path):
    """Found by the slow mutation fuzzer: SQLite's error message quoted a damaged schema's
    bytes, which Python failed to decode (a UnicodeDecodeError, not a DatabaseError)."""
    data = bytearray(C.mmssms_db(["a"]))
    start = data.index(b"CREATE TABLE sms")
    data[start + 7:start + 8] = b"\x80"
    path = _write(tmp_path, "mmssms.db", bytes(data))
    assert_contained(read_outcome(path, "android_sms_db"))


def _live(tmp_path, name: str, data: bytes, change):
    from tests.helpers import with_unflushed_log

    (tmp_path / "made").mkdir(parents=True)
    return with_unflushed_log(_write(tmp_path / "made", name, data), tmp_path / "live", change)


def test_a_wal_of_another_database_or_damaged_changes_nothing_or_is_said(tmp_path):
    """A -wal that is not this database's, or is cut or flipped, never crashes the read and
    never loses the file's rows: it applies, changes nothing, or is said not to apply."""
    texts = [f"msg {i}" for i in range(20)]
    other = _live(tmp_path / "a", "chat.db", C.chat_db(["x"]),
                  lambda c: c.execute("UPDATE message SET text = 'y'"))
    target = _write(tmp_path, "chat.db", C.chat_db(texts))
    plain = readers.read(target)
    wal = tmp_path / "chat.db-wal"
    log = (other.parent / "chat.db-wal").read_bytes()
    for data in (log, log[: len(log) // 2], log[:32] + bytes(b ^ 0xFF for b in log[32:])):
        wal.write_bytes(data)
        df = readers.read(target)
        assert set(plain["locator"]) <= {loc.removesuffix("@without-wal")
                                          for loc in df["locator"]}
        assert any("chat.db-wal" in a for a in df.attrs["assumptions"])


def test_a_wal_that_is_a_link_is_not_followed(tmp_path):
    target = _write(tmp_path, "chat.db", C.chat_db(["a"]))
    os.symlink("/etc/passwd", tmp_path / "chat.db-wal")
    df = readers.read(target)
    assert any("symbolic link: not followed" in a for a in df.attrs["assumptions"])
