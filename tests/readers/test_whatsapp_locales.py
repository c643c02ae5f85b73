"""WhatsApp exports in every catalogue language: a direct chat with a stop request in that
language and replies after it (read through the case pipeline, counts exact), and a group chat
whose system lines, one holding ': ', are system rows and never senders.

The chats are written by us from public descriptions of the format (the header layouts each
locale uses, WhatsApp's own lines); no other project's test data is copied.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from whoa_analysis import case as case_mod
from whoa_analysis import languages, pipeline
from whoa_analysis.errors import InputError
from whoa_analysis.readers import whatsapp


@dataclass(frozen=True)
class Locale:
    header: str            # a header with {d} for the day of March 2024 and {t} for the hour
    stop: str              # Dana's stop request, as a person writes it
    phrase: str            # the catalogue phrase it holds
    deleted: str           # "This message was deleted" in the language
    call: str              # "Missed voice call"
    e2e: str               # the encryption notice
    created: str           # Rob creates the group "Reise"
    added: str             # Rob adds Sam
    subject: str           # Rob changes the subject to one holding ': '
    left: str              # Sam leaves


LOCALES = {
    "en": Locale("3/{d}/24, {t}:00 AM - ", "Please do not contact me again.", "do not contact me",
                 "This message was deleted", "Missed voice call",
                 "Messages and calls are end-to-end encrypted. No one outside of this chat can read them.",
                 'Rob created group "Trip"', "Rob added Sam",
                 'Rob changed the subject from "Trip" to "Trip: Lisbon"', "Sam left"),
    "de": Locale("{d}.03.24, {t}:00 - ", "Kontaktiere mich nie wieder!", "kontaktiere mich nie wieder",
                 "Diese Nachricht wurde gelöscht", "Verpasster Sprachanruf",
                 "Nachrichten und Anrufe sind Ende-zu-Ende-verschlüsselt. Tippe, um mehr zu erfahren.",
                 "Rob hat die Gruppe „Reise“ erstellt", "Rob hat Sam hinzugefügt",
                 "Rob hat den Betreff von „Reise“ zu „Reise: Lissabon“ geändert",
                 "Sam hat die Gruppe verlassen"),
    "es": Locale("{d}/3/24, {t}:00 a. m. - ", "Por favor, NO ME CONTACTE MÁS.", "no me contacte más",
                 "Se eliminó este mensaje", "Llamada de voz perdida",
                 "Los mensajes y las llamadas están cifrados de extremo a extremo. Toca para más información.",
                 'Rob creó el grupo "Viaje"', "Rob añadió a Sam",
                 'Rob cambió el asunto de "Viaje" a "Viaje: Lisboa"', "Sam salió del grupo"),
    "fr": Locale("{d}/03/2024 à {t}:00 - ", "Laissez-moi tranquille, s’il vous plaît.",
                 "laissez-moi tranquille", "Ce message a été supprimé", "Appel vocal manqué",
                 "Les messages et les appels sont chiffrés de bout en bout. Appuyez pour en savoir plus.",
                 "Rob a créé le groupe « Voyage »", "Rob a ajouté Sam",
                 "Rob a modifié le sujet de « Voyage » en « Voyage : Lisbonne: juin »", "Sam est parti"),
    "pt-BR": Locale("{d}/03/2024 {t}:00 - ", "Me deixa em paz.", "me deixa em paz",
                    "Essa mensagem foi apagada", "Ligação de voz perdida",
                    "As mensagens e as ligações são protegidas com a criptografia de ponta a ponta.",
                    'Rob criou o grupo "Viagem"', "Rob adicionou Sam",
                    'Rob mudou o assunto de "Viagem" para "Viagem: Lisboa"', "Sam saiu"),
    "pt-PT": Locale("{d}/03/24, {t}:00 - ", "Não voltes a contactar-me.", "não voltes a contactar-me",
                    "Esta mensagem foi eliminada", "Chamada de voz não atendida",
                    "As mensagens e as chamadas são encriptadas ponto a ponto.",
                    'Rob criou o grupo "Viagem"', "Rob adicionou Sam",
                    'Rob alterou o assunto de "Viagem" para "Viagem: Lisboa"', "Sam saiu"),
    "it": Locale("{d}/03/24, {t}:00 - ", "Non contattarmi mai più.", "non contattarmi mai più",
                 "Questo messaggio è stato eliminato", "Chiamata vocale persa",
                 "I messaggi e le chiamate sono crittografati end-to-end.",
                 'Rob ha creato il gruppo "Viaggio"', "Rob ha aggiunto Sam",
                 "Rob ha cambiato l’oggetto da “Viaggio” a “Viaggio: Lisbona”", "Sam è uscito"),
    "nl": Locale("{d}-03-2024 {t}:00 - ", "Laat me met rust.", "laat me met rust",
                 "Dit bericht is verwijderd", "Gemiste spraakoproep",
                 "Berichten en oproepen zijn end-to-end versleuteld.",
                 'Rob heeft groep "Reis" aangemaakt', "Rob heeft Sam toegevoegd",
                 'Rob heeft het onderwerp gewijzigd van "Reis" naar "Reis: Lissabon"',
                 "Sam heeft de groep verlaten"),
    "ru": Locale("{d}.03.2024, {t}:00 - ", "Оставь меня в покое.", "оставь меня в покое",
                 "Данное сообщение удалено", "Пропущенный аудиозвонок",
                 "Сообщения и звонки защищены сквозным шифрованием.",
                 "Rob создал(-а) группу «Поездка»", "Rob добавил(-а) Sam",
                 "Rob изменил(-а) тему с «Поездка» на «Поездка: Лиссабон»", "Sam вышел(-а)"),
    "tr": Locale("{d}.03.2024 {t}:00 - ", "Beni rahat bırak.", "beni rahat bırak",
                 "Bu mesaj silindi", "Cevapsız sesli arama",
                 "Mesajlar ve aramalar uçtan uca şifrelidir.",
                 'Rob "Gezi" grubunu oluşturdu', "Rob Sam kişisini ekledi",
                 'Rob konuyu "Gezi" iken "Gezi: Lizbon" olarak değiştirdi', "Sam ayrıldı"),
    "pl": Locale("{d}.03.2024, {t}:00 - ", "Zostaw mnie w spokoju.", "zostaw mnie w spokoju",
                 "Ta wiadomość została usunięta", "Nieodebrane połączenie głosowe",
                 "Wiadomości i połączenia są szyfrowane end-to-end.",
                 "Rob utworzył(a) grupę „Wyjazd”", "Rob dodał(a) Sam",
                 "Rob zmienił(a) temat z „Wyjazd” na „Wyjazd: Lizbona”", "Sam opuścił(a) grupę"),
    "id": Locale("{d}/03/24 {t}.00 - ", "Jangan hubungi saya lagi.", "jangan hubungi saya lagi",
                 "Pesan ini telah dihapus", "Panggilan suara tak terjawab",
                 "Pesan dan panggilan terenkripsi secara end-to-end.",
                 'Rob membuat grup "Liburan"', "Rob menambahkan Sam",
                 'Rob mengubah subjek dari "Liburan" menjadi "Liburan: Lisbon"', "Sam keluar"),
    "ar": Locale("{d}/03/2024, {t}:00 ص - ", "لا تتصل بي مرة أخرى", "لا تتصل بي مرة أخرى",
                 "تم حذف هذه الرسالة", "مكالمة صوتية فائتة",
                 "الرسائل والمكالمات مشفرة تمامًا بين الطرفين.",
                 "Rob أنشأ المجموعة «رحلة»", "Rob أضاف Sam",
                 "Rob غيّر الموضوع من «رحلة» إلى «رحلة: لشبونة»", "Sam غادر"),
    "hi": Locale("{d}/03/24, {t}:00 am - ", "मुझसे संपर्क मत करो।", "मुझसे संपर्क मत करो",
                 "यह मैसेज हटा दिया गया", "मिस्ड वॉइस कॉल",
                 "संदेश और कॉल एंड-टू-एंड एन्क्रिप्टेड हैं।",
                 'Rob ने ग्रुप "यात्रा" बनाया', "Rob ने Sam को जोड़ा",
                 'Rob ने विषय "यात्रा" से बदलकर "यात्रा: लिस्बन" कर दिया', "Rob ने Sam को हटाया"),
    "zh": Locale("2024/3/{d} 上午{t}:00 - ", "请不要再联系我。", "请不要再联系我",
                 "此消息已删除", "未接语音通话", "消息和通话已进行端到端加密。",
                 "Rob创建了群组“旅行”", "Rob添加了Sam",
                 "Rob将主题从“旅行”更改为“旅行: 里斯本”", "Sam已退出"),
    "ja": Locale("2024/03/{d} {t}:00 - ", "もう連絡しないでください。", "もう連絡しないで",
                 "このメッセージは削除されました", "不在着信（音声通話）",
                 "メッセージと通話はエンドツーエンドで暗号化されています。",
                 "Robがグループ「旅行」を作成しました", "RobがSamを追加しました",
                 "Robがグループ名を「旅行」から「旅行: リスボン」に変更しました", "Samが退出しました"),
}


def test_every_catalogue_language_is_tested() -> None:
    assert set(LOCALES) == set(languages.whatsapp_catalogue())
    assert set(LOCALES) <= {p.language for p in languages.stop_phrases()}


def _chat(loc: Locale, lines: list[tuple[int, int, str]]) -> str:
    return "".join(loc.header.format(d=d, t=f"{t:02d}") + text + "\n" for d, t, text in lines)


def _direct(loc: Locale) -> str:
    return _chat(loc, [
        (13, 9, loc.e2e), (13, 10, "Rob: Hallo?"), (14, 9, "Dana: " + loc.stop),
        (14, 10, "Rob: ???"), (14, 11, "Rob: " + loc.deleted), (15, 9, "Rob: " + loc.call),
        (15, 10, "Dana: ok"), (15, 11, "Rob: :)")])


def _group(loc: Locale) -> str:
    return _chat(loc, [
        (13, 9, loc.e2e), (13, 10, loc.created), (13, 11, loc.added), (14, 9, "Rob: hi: all"),
        (14, 10, loc.subject), (14, 11, "Sam: ok"), (15, 9, loc.left)])


CASE = """[case]
id = "LANG-1"
title = "one chat"
timezone = "UTC"
region = "GB"

[[people]]
id = "dana"
role = "victim"
name = "Dana"
accounts = ["whatsapp:Dana"]

[[people]]
id = "rob"
role = "respondent"
name = "Rob"
accounts = ["whatsapp:Rob"]

[[sources]]
path = "chat.txt"
format = "whatsapp"
owner = "dana"
timezone = "UTC"

[notice]
message = "auto"
phrases = []
"""


@pytest.mark.parametrize("code", sorted(LOCALES))
def test_direct_chat_stop_request_and_counts_after_it(tmp_path: Path, code: str) -> None:
    loc = LOCALES[code]
    (tmp_path / "chat.txt").write_text(_direct(loc), encoding="utf-8")
    (tmp_path / "case.toml").write_text(CASE, encoding="utf-8")
    result = pipeline.prepare(case_mod.load(tmp_path / "case.toml")).analysis
    notice = result.summary["notice"]
    assert notice is not None, result.summary["notice_problems"]
    assert (notice["phrase"], notice["language"]) == (loc.phrase, code)
    assert notice["text"] == loc.stop                          # stored exactly as written
    assert notice["sent_at"].startswith("2024-03-14T09:00")
    after = result.summary["respondent_contacts_after_notice"]
    assert after["total"] == 4                                 # text, deleted, call, text
    assert result.summary["respondent_contacts_before_notice"]["total"] == 1
    assert result.summary["victim_contacts_after_notice"]["total"] == 1
    kinds = result.messages.sort_values("sent_at")["kind"].astype(str).tolist()
    assert kinds == ["system", "text", "text", "text", "deleted", "call", "text", "text"]


@pytest.mark.parametrize("code", sorted(LOCALES))
def test_group_chat_system_lines_are_never_senders(tmp_path: Path, code: str) -> None:
    loc = LOCALES[code]
    path = tmp_path / "chat.txt"
    path.write_text(_group(loc), encoding="utf-8")
    df = whatsapp.read(path, tz="UTC")
    assert list(df["kind"].astype(str)) == ["system", "system", "system", "text", "system",
                                            "text", "system"]
    assert set(df["sender"]) - {""} == {"whatsapp:rob", "whatsapp:sam"}
    assert set(df["conversation_kind"]) == {"group"}           # from its group lines alone
    system = df[df["kind"] == "system"]
    assert list(system["body"]) == [loc.e2e, loc.created, loc.added, loc.subject, loc.left]
    assert (system["sender"] == "").all() and (system["sender_display"] == "").all()
    assert df["body"].iloc[3] == "hi: all"                     # a message's own ': ' is text
    assert df["warnings"].eq("").all()                         # every line is in the catalogue


def test_quoted_name_rule_for_a_line_no_template_covers(tmp_path: Path) -> None:
    path = tmp_path / "chat.txt"
    path.write_text("13/03/2024, 10:00 - Rob: hi\n13/03/2024, 10:01 - Dana: hello\n"
                    '13/03/2024, 10:02 - Rob pinned "Trip: plan" for everyone\n'
                    '13/03/2024, 10:03 - Robin "Bob" Smith: my own name has quotes\n',
                    encoding="utf-8")
    df = whatsapp.read(path, tz="UTC")
    row = df.iloc[2]
    assert (row["kind"], row["sender"], row["body"]) == (
        "system", "", 'Rob pinned "Trip: plan" for everyone')
    assert "rule quoted-name" in row["warnings"] and "'Rob'" in row["warnings"]
    # a name that does not start with a participant's (followed by more words) stays a sender
    assert df["sender_display"].iloc[3] == 'Robin "Bob" Smith'
    assert set(df["sender"]) - {""} == {"whatsapp:rob", "whatsapp:dana",
                                        'whatsapp:robin "bob" smith'}


@pytest.mark.parametrize(("line", "want"), [
    ("13.03.24, 3:04 nachm. - Rob: hi", "2024-03-13 15:04"),            # German 12-hour
    ("13.03.24, 3:04 vorm. - Rob: hi", "2024-03-13 03:04"),
    ("2024/03/13 午後3:04 - Rob: hi", "2024-03-13 15:04"),               # Japanese
    ("2024/3/13 下午3:04 - Rob: hi", "2024-03-13 15:04"),                 # Chinese
    ("13/03/2024, 3:04 م - Rob: hi", "2024-03-13 15:04"),               # Arabic
    ("13/03/2024, 12:04 ص - Rob: hi", "2024-03-13 00:04"),
    ("13/03/2024 à 15:04 - Rob: salut", "2024-03-13 15:04"),            # French
])
def test_twelve_hour_markers_and_separators(tmp_path: Path, line: str, want: str) -> None:
    path = tmp_path / "chat.txt"
    path.write_text(line + "\n", encoding="utf-8")
    df = whatsapp.read(path, tz="UTC")
    assert df["sent_at"].iloc[0] == pd.Timestamp(want, tz="UTC")
    assert df["kind"].iloc[0] == "text"


def test_day_month_order_from_a_one_order_layout_is_said(tmp_path: Path) -> None:
    path = tmp_path / "chat.txt"
    path.write_text("03.04.24, 10:00 - Rob: hi\n05.04.24, 10:00 - Rob: hi\n", encoding="utf-8")
    df = whatsapp.read(path, tz="UTC")
    assert df["sent_at"].iloc[0] == pd.Timestamp("2024-04-03 10:00", tz="UTC")
    assert "date order dmy (inferred from the layout: dd.mm.yy)" in df.attrs["assumptions"]
    # the same dates with slashes fix no order: refused until told
    slashed = tmp_path / "slashed.txt"
    slashed.write_text(path.read_text().replace(".", "/"), encoding="utf-8")
    with pytest.raises(Exception, match="date_order"):
        whatsapp.read(slashed, tz="UTC")


def test_ios_group_lines_written_as_if_the_group_sent_them(tmp_path: Path) -> None:
    path = tmp_path / "_chat.txt"
    path.write_text("[13/03/2024, 10:00:01] Trip: \u200eRob created group “Trip”\n"
                    "[13/03/2024, 10:00:02] Trip: \u200eRob hat Sam hinzugefügt\n"
                    "[13/03/2024, 10:01:00] Rob: hi\n"
                    "[13/03/2024, 10:02:00] Trip: \u200eRob changed the subject to “Trip: Lisbon”\n"
                    "[13/03/2024, 10:03:00] Sam: \u200eimage omitted\n"
                    "[13/03/2024, 10:04:00] Sam: Rob added Sam\n", encoding="utf-8")
    df = whatsapp.read(path, tz="UTC")
    assert list(df["kind"].astype(str)) == ["system", "system", "text", "system", "media", "text"]
    assert set(df["sender"]) - {""} == {"whatsapp:rob", "whatsapp:sam"}   # "Trip" sends nothing
    assert df["body"].iloc[3] == "\u200eRob changed the subject to “Trip: Lisbon”"
    assert df["sender"].iloc[5] == "whatsapp:sam"     # a person typing such words is a person


# ------------------------------------------------------------------ headers in Arabic digits

_ARABIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
_PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
RLM = "\u200f"


def _native(day: int, hour: int, minute: int, ios: bool = False, digits=_ARABIC) -> str:
    """An Arabic phone's header: its own digits, an RLM after the day and the month, the
    Arabic comma, and ص/م for am/pm."""
    half, h12 = ("م", hour - 12 or 12) if hour >= 12 else ("ص", hour or 12)
    date = f"{day}{RLM}/3{RLM}/2024".translate(digits)
    if ios:
        return f"[{date}، {h12}:{minute:02d}:00 {half}] ".translate(digits)
    return f"{date}، {h12}:{minute:02d} {half} - ".translate(digits)


@pytest.mark.parametrize("ios", [False, True], ids=["android", "ios"])
def test_arabic_digits_in_headers_are_read_and_kept_as_written(tmp_path: Path,
                                                                ios: bool) -> None:
    loc = LOCALES["ar"]
    body_digits = "رقمي ١٢/٣/٢٠٢٤، ١٠:٠٠ م - ليس رأسا"    # text holding a date: stays text
    lines = [(13, 9, 0, loc.e2e), (13, 22, 5, "Rob: مرحبا"), (14, 9, 0, "Dana: " + loc.stop),
             (14, 21, 30, "Rob: لماذا\n" + body_digits), (15, 0, 15, "Rob: " + loc.call),
             (15, 10, 0, "Dana: حسنا")]
    text = "".join(_native(d, h, m, ios) + t + "\n" for d, h, m, t in lines)
    (tmp_path / "chat.txt").write_text(text, encoding="utf-8")
    (tmp_path / "case.toml").write_text(CASE, encoding="utf-8")
    result = pipeline.prepare(case_mod.load(tmp_path / "case.toml")).analysis
    df = result.messages.sort_values("sent_at").reset_index(drop=True)
    assert df["sent_at"].dt.strftime("%d %H:%M").tolist() == [
        "13 09:00", "13 22:05", "14 09:00", "14 21:30", "15 00:15", "15 10:00"]
    notice = result.summary["notice"]
    assert notice is not None and notice["language"] == "ar"
    assert result.summary["respondent_contacts_after_notice"]["total"] == 2
    assert result.summary["victim_contacts_after_notice"]["total"] == 1
    assert df["body"].iloc[3] == "لماذا\n" + body_digits
    # what each row keeps is the file's own: the header as written, the record's bytes hashed
    raw = (tmp_path / "chat.txt").read_bytes()
    records = [r.encode() for r in
               ("".join(_native(d, h, m, ios) + t + "\n") for d, h, m, t in lines)]
    assert b"".join(records) == raw
    assert df["record_sha256"].tolist() == [hashlib.sha256(r).hexdigest() for r in records]
    assert df["sent_at_raw"].iloc[2] == _native(14, 9, 0, ios).strip("[] -")
    assert df["sender"].iloc[2] == "whatsapp:dana"


def test_persian_digits_and_a_native_header_of_another_layout_inside_a_message(
        tmp_path: Path) -> None:
    forged = _native(16, 8, 0, ios=True, digits=_PERSIAN) + "Dana: دوستت دارم"
    text = (_native(13, 9, 0, digits=_PERSIAN) + "Rob: ببین\n" + forged + "\n"
            + _native(13, 9, 5, digits=_PERSIAN) + "Rob: جواب بده\n")
    path = tmp_path / "chat.txt"
    path.write_text(text, encoding="utf-8")
    df = whatsapp.read(path, tz="Asia/Tehran", owner=("Dana",))
    assert len(df) == 2 and not df["from_owner"].any()
    assert df["body"].iloc[0] == "ببین\n" + forged              # exactly as written
    assert "another layout" in df["warnings"].iloc[0]
    assert any("1 header-like line(s) in such digits" in a for a in df.attrs["assumptions"])
    assert df["sent_at"].iloc[1] == pd.Timestamp("2024-03-13 09:05", tz="Asia/Tehran")


@pytest.mark.parametrize(("year", "calendar"), [("1445", "Hijri"), ("1402", "Solar Hijri"),
                                                ("2567", "Buddhist")])
def test_a_chat_dated_in_another_calendar_is_refused_not_misread(tmp_path: Path, year: str,
                                                                  calendar: str) -> None:
    path = tmp_path / "chat.txt"
    path.write_text(f"15/03/{year}, 10:00 - Rob: hi\n16/03/{year}, 10:00 - Dana: stop\n",
                    encoding="utf-8")
    with pytest.raises(InputError, match=f"{calendar}.*export the chat again") as err:
        whatsapp.read(path, tz="UTC")
    assert "\n" not in str(err.value)
    # one odd year among Gregorian ones is a row like any other (the order check flags it)
    path.write_text(f"15/03/2024, 10:00 - Rob: hi\n16/03/{year}, 10:00 - Dana: x\n",
                    encoding="utf-8")
    assert len(whatsapp.read(path, tz="UTC")) == 2
