import pytest

from wissenswerk.core.errors import ConfigError
from wissenswerk.sources.acl_map import acl_for, parse_acl_map

MAP = """path_prefix,groups
,mitarbeiter
Personal/,personal
Vertrieb/Angebote,vertrieb;geschaeftsfuehrung
Öffentlich,*
"""


def test_longest_prefix_wins_and_matches_whole_segments() -> None:
    rules = parse_acl_map(MAP)
    assert acl_for("Allgemein/a.docx", rules) == {"group:mitarbeiter"}
    assert acl_for("Personal/gehalt.xlsx", rules) == {"group:personal"}
    assert acl_for("Personalplanung.docx", rules) == {"group:mitarbeiter"}
    assert acl_for("Vertrieb/Angebote/x.pdf", rules) == {
        "group:vertrieb",
        "group:geschaeftsfuehrung",
    }
    assert acl_for("Öffentlich/info.txt", rules) == {"everyone"}


def test_no_matching_rule_means_nobody() -> None:
    rules = parse_acl_map("path_prefix,groups\nTechnik,technik\n")
    assert acl_for("Personal/x.txt", rules) == frozenset()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("pfad,gruppen\n,a\n", "header"),
        ("path_prefix,groups\nA,x\nA/,y\n", "twice"),
    ],
)
def test_bad_maps_are_rejected_with_a_clear_message(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_acl_map(text)
