"""Binary and well-known SIDs."""

from __future__ import annotations

import pytest

from wissenswerk.directory.sids import sid_from_bytes, sid_to_bytes, well_known_principal


def test_sid_text_and_binary_forms() -> None:
    sid = "S-1-5-21-1053744664-2409807616-3848678874-1107"

    assert sid_from_bytes(sid_to_bytes(sid)) == sid
    assert sid_to_bytes("S-1-1-0") == bytes.fromhex("010100000000000100000000")
    assert well_known_principal("S-1-5-32-545") == "group:Users"
    assert well_known_principal("S-1-5-2") == "everyone"
    assert well_known_principal("S-1-5-18") is None
    with pytest.raises(ValueError, match="not a SID"):
        sid_to_bytes("S-1-x")
