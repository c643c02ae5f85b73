"""Account keys: two spellings of one account meet; invalid keys are refused clearly."""

from __future__ import annotations

import pytest

from whoa_analysis import accounts
from whoa_analysis.errors import CaseError


@pytest.mark.parametrize("a, b", [
    ("email:Rob@Example.NET", "email:rob@example.net"),
    ("phone:07700 900456", "phone:+44 7700 900456"),
    ("sms:+447700900456", "phone:(07700) 900-456"),
    ("discord:RobZ", "discord:robz"),
    ("whatsapp:Dana Example", "whatsapp:dana example"),
])
def test_equivalent_spellings_normalise_to_one_key(a, b):
    assert accounts.normalise(a, "GB") == accounts.normalise(b, "GB")


def test_phone_is_e164():
    assert accounts.normalise("phone:07700 900456", "GB") == "phone:+447700900456"


def test_phone_without_country_and_no_region_is_refused():
    with pytest.raises(CaseError, match="region"):
        accounts.normalise("phone:07700 900456", None)


def test_reader_keys_never_raise_and_keep_odd_senders():
    assert accounts.key_for("phone", "VODAFONE", "GB") == "phone:vodafone"
    assert accounts.key_for("email", "not an address") == "email:not an address"
    assert accounts.key_for("whatsapp", "  ") == ""
