"""How the report's sentences name a platform: services by their own names, the generic
channels in the report's language."""

from __future__ import annotations

import pandas as pd

from ..i18n import N_, Translate

#: A platform as a sentence names it ("by instant messenger", "über WhatsApp"): services by
#: their own names, the generic channels in the report's language (the tables and CSV files
#: keep the schema's value).
SERVICE_NAMES = {"whatsapp": "WhatsApp", "telegram": "Telegram", "signal": "Signal",
                 "discord": "Discord", "slack": "Slack", "messenger": "Messenger",
                 "instagram": "Instagram", "twitter": "X/Twitter", "imessage": "iMessage",
                 "irc": "IRC", "googlechat": "Google Chat", "skype": "Skype",
                 "snapchat": "Snapchat"}
CHANNEL_WORDS = {"email": N_("email"), "sms": N_("SMS"), "phone": N_("phone"),
                 "im": N_("instant messenger"), "web": N_("a web page"), "letter": N_("letter"),
                 "in_person": N_("in-person contact"), "other": N_("another channel")}


def platform_word(platform: object, _: Translate) -> str:
    """The platform as a sentence names it (an unknown value as it is)."""
    value = "" if platform is None or pd.isna(platform) else str(platform)
    if value in SERVICE_NAMES:
        return SERVICE_NAMES[value]
    return _(CHANNEL_WORDS[value]) if value in CHANNEL_WORDS else value
