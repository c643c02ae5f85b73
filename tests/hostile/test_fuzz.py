"""Fuzzing every reader: random bytes and mutations of the sample exports.

Guarantee: a reader returns a conformed frame or raises one of the library's own errors, never
anything else, whatever the bytes; and generated files of arbitrary text keep their record
count and their text. Runs briefly in CI; for a longer run:
``WHOA_FUZZ_EXAMPLES=2000 pytest tests/hostile/test_fuzz.py``, and at length (64 KiB inputs,
mutated hostile files, 300 examples unless WHOA_FUZZ_EXAMPLES says otherwise):
``pytest -m slow tests/hostile``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from whoa_analysis import readers, schema
from whoa_analysis.errors import WhoaError

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = int(os.environ.get("WHOA_FUZZ_EXAMPLES", "15"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])
TZ = "Europe/London"


def _samples() -> dict[str, Path]:
    """One sample file per reader, found by sniffing what data/sample holds."""
    found: dict[str, Path] = {}
    for path in sorted((ROOT / "data" / "sample").rglob("*")):
        if not path.is_file() or path.suffix in (".toml", ".md", ".py"):
            continue
        try:
            found.setdefault(readers.detect(path), path)
        except WhoaError:
            continue
    return found


SAMPLES = _samples()


def _read(path: Path, fmt: str) -> None:
    try:
        df = readers.read(path, fmt, tz=TZ, date_order="dmy", region="GB")
    except WhoaError:
        return
    assert list(df.columns[:len(schema.COLUMNS)]) == list(schema.COLUMNS)
    assert df["message_id"].notna().all() and df["record_sha256"].notna().all()


def _flat(fmt: str) -> bool:
    """Readers of folders (Maildir, Slack) are fuzzed through their sample's files only."""
    return not readers.get(fmt).__dict__.get("READS_FOLDERS", False)


@pytest.mark.parametrize("fmt", sorted(readers.READERS))
@FUZZ
@given(data=st.binary(max_size=4096))
def test_random_bytes_never_crash_a_reader(tmp_path, fmt, data):
    path = tmp_path / "input.bin"
    path.write_bytes(data)
    _read(path, fmt)


def _mutate(data: bytes, cuts: list[tuple[int, int, bytes]]) -> bytes:
    out = bytearray(data)
    for pos, length, insert in cuts:
        pos = pos % (len(out) + 1)
        out[pos:pos + length] = insert
    return bytes(out)


MUTATION = st.lists(st.tuples(st.integers(0, 1 << 20), st.integers(0, 64),
                              st.binary(max_size=16)), min_size=1, max_size=6)


@pytest.mark.parametrize("fmt", sorted(SAMPLES))
@FUZZ
@given(cuts=MUTATION)
def test_mutated_samples_never_crash_a_reader(tmp_path, fmt, cuts):
    sample = SAMPLES[fmt]
    if sample.is_dir():
        pytest.skip("folder samples are mutated file by file elsewhere")
    target = tmp_path / sample.name
    shutil.copyfile(sample, target)
    target.write_bytes(_mutate(sample.read_bytes(), cuts))
    _read(target, fmt)


@pytest.mark.parametrize("fmt", sorted(SAMPLES))
def test_truncated_samples_never_crash_a_reader(tmp_path, fmt):
    data = SAMPLES[fmt].read_bytes()
    for cut in sorted({len(data) // 3, len(data) // 2, len(data) - 1}):
        target = tmp_path / f"{cut}-{SAMPLES[fmt].name}"
        target.write_bytes(data[:cut])
        _read(target, fmt)


def test_a_stray_byte_in_a_telegram_export(tmp_path):
    """Found by the mutation fuzzer above (cuts=[(12, 0, b'\\x80')]); kept as a fixed case."""
    data = SAMPLES["telegram_json"].read_bytes()
    target = tmp_path / "result.json"
    target.write_bytes(data[:12] + b"\x80" + data[12:])
    with contextlib.suppress(WhoaError):
        readers.read(target, "telegram_json", tz=TZ)


# --------------------------------------------------------------------------- structured fuzzing
# Generated files whose record count is known: arbitrary text in every message (hostile
# characters included) must come back as exactly that many rows, with the text unchanged.

TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",),
                                      blacklist_characters="\r\n"), max_size=40)


@FUZZ
@given(bodies=st.lists(TEXT, min_size=1, max_size=12))
def test_whatsapp_any_bodies_keep_count_and_text(tmp_path, bodies):
    from . import corpus as C

    path = tmp_path / "WhatsApp Chat with Rob.txt"
    path.write_bytes(C.whatsapp((f"13/02/2024, 10:{i:02d}", "Rob", b)
                                for i, b in enumerate(bodies)))
    df = readers.read(path, "whatsapp", tz=TZ)
    assert len(df) == len(bodies) + 1
    assert df["body"].iloc[1:].tolist() == bodies


@FUZZ
@given(bodies=st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",)),
                               max_size=40), min_size=1, max_size=12))
def test_incident_log_any_text_keeps_count_and_text(tmp_path, bodies):
    from . import corpus as C

    path = tmp_path / "log.csv"
    path.write_bytes(C.incident_log(("2024-03-12T10:00:00Z", "", "phone", "phone:1",
                                     "person:dana", "call", b, b) for b in bodies))
    df = readers.read(path, "incident_log", tz=TZ)
    assert len(df) == len(bodies)
    assert df["body"].tolist() == bodies and df["attachments"].tolist() == bodies


@FUZZ
@given(bodies=st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")),
                               max_size=40), min_size=1, max_size=12))
def test_sms_any_text_keeps_count_and_text(tmp_path, bodies):
    from . import corpus as C

    path = tmp_path / "sms-20240401000000.xml"
    path.write_bytes(C.sms_xml(C.sms(b, when_ms=1710150000000 + i) for i, b in
                               enumerate(bodies)))
    df = readers.read(path, "sms_backup", tz=TZ, region="GB")
    assert len(df) == len(bodies)
    assert df["body"].tolist() == bodies


@FUZZ
@given(bodies=st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",)),
                               max_size=40), min_size=1, max_size=8),
       subject=TEXT)
def test_mbox_any_text_keeps_count(tmp_path, bodies, subject):
    from . import corpus as C

    path = tmp_path / "inbox.mbox"
    path.write_bytes(C.mbox(C.Mail(body=b, subject=subject) for b in bodies))
    df = readers.read(path, "mbox")
    assert len(df) == len(bodies)
    assert df["sender"].eq("email:rob@example.net").all()


@FUZZ
@given(body=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60),
       subject=TEXT, cut=st.integers(min_value=-40, max_value=40))
def test_emlx_any_text_and_any_length_line_keeps_the_message(tmp_path, body, subject, cut):
    """Whatever the text, and whatever the length line says, the file is one row: the message
    read, or unparsed with its bytes, never lost."""
    from . import corpus as C

    message = C.Mail(body=body, subject=subject).render()
    gen = C.generator("apple_mail/make_apple_mail.py")
    data = gen.emlx(message, 1710183905)
    if cut:
        data = b"%d" % max(0, len(message) + cut) + data[data.index(b"\n"):]
    path = tmp_path / "1.emlx"
    path.write_bytes(data)
    try:
        df = readers.read(path, "apple_mail")
    except WhoaError:
        assert cut                       # only a length line that is wrong may refuse the file
        return
    assert len(df) == 1
    if not cut:
        assert df["body"].iloc[0] == body and df["kind"].iloc[0] == "text"


#: IM and app exports: (file name, builder of a file from texts, format, alphabet the format can
#: carry). XML cannot carry most control characters (not even as references), so MSN's text
#: has none but tab, LF and CR; JSON, percent-encoding and HTML carry any character.
ANY_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)
EXPORTS = {
    "skype": ("messages.json", "skype_json", ANY_TEXT),
    "snapchat": ("chat_history.json", "snapchat_json", ANY_TEXT),
    "trillian": ("rob.xml", "trillian_xml", ANY_TEXT),
    "icq": ("_db2", "icq_db2", ANY_TEXT),
    "msn": ("Rob1.xml", "msn_xml", st.text(alphabet=st.characters(
        blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff") | st.sampled_from(
        "\t\n\r"), max_size=40)),
    "google_voice": ("Rob - Text - 2024-03-11T19_05_00Z.html", "voice_html", ANY_TEXT),
}


@pytest.mark.parametrize("fmt", sorted(EXPORTS))
@FUZZ
@given(data=st.data())
def test_im_exports_any_text_keeps_count_and_text(tmp_path, fmt, data):
    from . import corpus as C

    name, builder, alphabet = EXPORTS[fmt]
    bodies = data.draw(st.lists(alphabet, min_size=1, max_size=10))
    path = tmp_path / name
    path.write_bytes(getattr(C, builder)(bodies))
    df = readers.read(path, fmt, tz=TZ, region="GB")
    texts = df[df["kind"] != "system"]
    assert len(texts) == len(bodies)
    assert texts["body"].tolist() == bodies
    assert (texts["kind"] == "text").all()


# --------------------------------------------------------------------------- at length (slow)

LONG = settings(max_examples=int(os.environ.get("WHOA_FUZZ_EXAMPLES", "300")), deadline=None,
                derandomize=False, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                          HealthCheck.too_slow])


@pytest.mark.slow
@pytest.mark.parametrize("fmt", sorted(readers.READERS))
@LONG
@given(data=st.binary(max_size=1 << 16))
def test_random_bytes_at_length(tmp_path, fmt, data):
    path = tmp_path / "input.bin"
    path.write_bytes(data)
    _read(path, fmt)


@pytest.mark.slow
@pytest.mark.parametrize("fmt", sorted(SAMPLES))
@LONG
@given(cuts=MUTATION)
def test_mutated_samples_at_length(tmp_path, fmt, cuts):
    sample = SAMPLES[fmt]
    target = tmp_path / sample.name
    target.write_bytes(_mutate(sample.read_bytes(), cuts))
    _read(target, fmt)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["forms.mbox", "WhatsApp Chat with Rob.txt", "sms-1.xml",
                                  "log.csv", "pixel.eml", "traversal.zip", "rob.xml", "Rob1.xml",
                                  "messages.json", "chat_history.json",
                                  "Rob - Text - 2024-03-11T19_05_00Z.html",
                                  "chat.db", "mmssms.db", "_db2", "1.emlx"])
@LONG
@given(cuts=MUTATION)
def test_mutated_hostile_files_at_length(tmp_path, name, cuts):
    from .corpus import hostile_files

    target = tmp_path / name
    target.write_bytes(_mutate(hostile_files()[name], cuts))
    for fmt in readers.READERS:
        _read(target, fmt)
