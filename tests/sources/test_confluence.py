"""The Confluence connector against the local Confluence stand-in (tests/servers)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.servers.confluence_standin import ConfluenceStandin, confluence_standin  # noqa: F401
from wissenswerk.core.acl import EVERYONE
from wissenswerk.core.directory import DirectoryUser
from wissenswerk.core.errors import ConfigError, SourceError
from wissenswerk.core.models import SourceConfig, SourceItem
from wissenswerk.sources.base import SourceContext
from wissenswerk.sources.confluence import ConfluenceSource
from wissenswerk.sources.confluence_permissions import intersect_readers, known_users


class StaticDirectory:
    """A directory double: fixed users and groups."""

    def __init__(self, users: dict[str, tuple[str, ...]]) -> None:
        self._users = users

    def users(self) -> Iterator[DirectoryUser]:
        return iter(DirectoryUser(name, groups) for name, groups in self._users.items())

    def resolve_sids(self, sids: Iterable[str]) -> dict[str, str]:
        return {}

    def authenticate(self, name: str, password: str) -> DirectoryUser | None:
        return None


def make_source(
    standin: ConfluenceStandin, tmp_path: Path, directory: Any = None, **options: Any
) -> ConfluenceSource:
    options.setdefault("spaces", list(standin.model.spaces))
    config = SourceConfig(
        "wiki", "confluence", standin.base_url, "source", options=standin.options(**options)
    )
    return ConfluenceSource(
        config, SourceContext(data_dir=tmp_path, directory=directory, timeout_s=5)
    )


def listing(source: ConfluenceSource) -> dict[str, SourceItem]:
    return {item.path: item for item in source.list_items()}


def test_intersection_is_exact_or_on_the_safe_side() -> None:
    space = frozenset({"group:engineering", "user:chef"})
    page = frozenset({"user:chef", "user:anna"})
    assert intersect_readers([space, frozenset({EVERYONE})]) == space
    assert intersect_readers([frozenset({EVERYONE})]) == {EVERYONE}
    assert intersect_readers([space, page]) == {"user:chef"}  # anna: groups unknown
    known = known_users([("anna", ["engineering"]), ("bob", ["engineering"])])
    assert intersect_readers([space, page], known) == {"user:chef", "user:anna"}
    both = frozenset({"group:engineering", "group:hr"})
    assert intersect_readers([both, frozenset({"group:hr"})]) == {"group:hr"}


def test_pages_are_listed_across_pages_with_space_readers(
    confluence_standin: ConfluenceStandin,  # noqa: F811
    tmp_path: Path,
) -> None:
    model = confluence_standin.model
    model.add_space("ENG", users=["chef"], groups=["engineering"])
    home = model.add_page("ENG", "Start", "<p>Willkommen</p>")
    for number in range(4):
        model.add_page("ENG", f"Anleitung {number}", f"<p>Schritt {number}</p>", parent=home)
    source = make_source(confluence_standin, tmp_path, page_size=2)
    items = listing(source)
    assert len(items) == 5
    assert sum(r == "/wiki/rest/api/content" for r in model.requests) == 3
    start = items[f"ENG/{home.id}.html"]
    assert start.acl == {"group:engineering", "user:chef"}
    assert start.title == "Start" and start.version == "1"
    assert start.url == f"{confluence_standin.base_url}/spaces/ENG/pages/{home.id}/Start"
    assert start.mtime_ns > 0 and start.size == -1
    data = source.read(start)
    assert b"<title>Start</title>" in data and b"<p>Willkommen</p>" in data
    source.close()


def test_restrictions_inherited_from_ancestors(
    confluence_standin: ConfluenceStandin,  # noqa: F811
    tmp_path: Path,
) -> None:
    model = confluence_standin.model
    model.add_space("HR", groups=["confluence-users"])
    root = model.add_page("HR", "Personal", "<p>HR</p>")
    secret = model.add_page("HR", "Gehälter", "<p>Gehaltsbänder</p>", parent=root)
    secret.groups = ["hr"]
    child = model.add_page("HR", "Ingenieure", "<p>58.000</p>", parent=secret)
    only_mia = model.add_page("HR", "Mia", "<p>Notiz</p>", parent=child)
    only_mia.users = ["mia", "anna"]

    plain = listing(make_source(confluence_standin, tmp_path, everyone_groups=["confluence-users"]))
    assert plain[f"HR/{root.id}.html"].acl == {EVERYONE}
    assert plain[f"HR/{secret.id}.html"].acl == {"group:hr"}
    assert plain[f"HR/{child.id}.html"].acl == {"group:hr"}  # inherited restriction
    # mia and anna are named, but whether they are in hr is unknown: nobody (safe side).
    assert plain[f"HR/{only_mia.id}.html"].acl == frozenset()

    directory = StaticDirectory({"mia": ("hr",), "anna": ("technik",), "chef": ("hr",)})
    exact = listing(
        make_source(confluence_standin, tmp_path, directory, everyone_groups=["confluence-users"])
    )
    assert exact[f"HR/{only_mia.id}.html"].acl == {"user:mia"}

    # Without everyone_groups the space group is an ordinary group: space AND page.
    strict = listing(make_source(confluence_standin, tmp_path, directory))
    assert strict[f"HR/{secret.id}.html"].acl == frozenset()
    assert strict[f"HR/{root.id}.html"].acl == {"group:confluence-users"}


def test_anonymous_space_is_everyone(
    confluence_standin: ConfluenceStandin,  # noqa: F811
    tmp_path: Path,
) -> None:
    model = confluence_standin.model
    model.add_space("PUB", anonymous=True)
    page = model.add_page("PUB", "Öffnungszeiten", "<p>8-17 Uhr</p>")
    assert listing(make_source(confluence_standin, tmp_path))[f"PUB/{page.id}.html"].acl == {
        EVERYONE
    }
    closed = listing(make_source(confluence_standin, tmp_path, anonymous_is_everyone=False))
    assert closed[f"PUB/{page.id}.html"].acl == frozenset()


def test_attachments_carry_the_page_readers(
    confluence_standin: ConfluenceStandin,  # noqa: F811
    tmp_path: Path,
) -> None:
    model = confluence_standin.model
    model.add_space("ENG", groups=["engineering"])
    page = model.add_page("ENG", "Handbuch", "<p>siehe Anhang</p>")
    page.groups = ["technik"]
    model.attach(page, "wartung.txt", b"Wartungsintervall 2000 Stunden")
    model.attach(page, "foto.png", b"\x89PNG")
    source = make_source(confluence_standin, tmp_path)
    items = listing(source)
    assert set(items) == {f"ENG/{page.id}.html", f"ENG/{page.id}/wartung.txt"}
    attachment = items[f"ENG/{page.id}/wartung.txt"]
    assert attachment.acl == frozenset()  # engineering AND technik: no common principal
    assert attachment.size == len(b"Wartungsintervall 2000 Stunden")
    assert source.read(attachment) == b"Wartungsintervall 2000 Stunden"
    source.close()
    # A new instance (no listing yet) finds the download link via child/attachment.
    fresh = make_source(confluence_standin, tmp_path)
    assert fresh.read(attachment) == b"Wartungsintervall 2000 Stunden"
    assert any(r.endswith("/child/attachment") for r in model.requests)
    fresh.close()
    none = listing(make_source(confluence_standin, tmp_path, attachments=False))
    assert set(none) == {f"ENG/{page.id}.html"}


def test_version_change_deleted_page_and_restriction_change(
    confluence_standin: ConfluenceStandin,  # noqa: F811
    tmp_path: Path,
) -> None:
    model = confluence_standin.model
    model.add_space("ENG", groups=["engineering"])
    keep = model.add_page("ENG", "Bleibt", "<p>alt</p>")
    gone = model.add_page("ENG", "Geht", "<p>weg</p>")
    source = make_source(confluence_standin, tmp_path)
    before = listing(source)
    model.edit(keep, "<p>neu</p>")
    del model.pages[gone.id]
    keep.groups = ["engineering", "leitung"]
    after = listing(source)
    assert set(after) == {f"ENG/{keep.id}.html"}
    item = after[f"ENG/{keep.id}.html"]
    assert item.version == "2"
    assert item.mtime_ns > before[f"ENG/{keep.id}.html"].mtime_ns
    assert item.acl == {"group:engineering"}  # space engineering AND (engineering OR leitung)
    assert b"<p>neu</p>" in source.read(item)
    source.close()


def test_auth_failure_throttling_and_missing_space(
    confluence_standin: ConfluenceStandin,  # noqa: F811
    tmp_path: Path,
) -> None:
    model = confluence_standin.model
    model.add_space("ENG", groups=["engineering"])
    model.add_page("ENG", "Start", "<p>x</p>")
    wrong = make_source(confluence_standin, tmp_path, api_token="falsch")
    with pytest.raises(SourceError, match="api_token"):
        listing(wrong)
    wrong.close()

    model.throttle_next = 2
    source = make_source(confluence_standin, tmp_path, spaces=["ENG", "NOPE"])
    items = listing(source)
    assert len(items) == 1
    assert [prefix for prefix, _ in source.listing_errors] == ["NOPE"]
    assert "HTTP 404" in source.listing_errors[0][1]
    source.close()

    only_missing = make_source(confluence_standin, tmp_path, spaces=["NOPE"])
    with pytest.raises(SourceError, match="no space could be listed"):
        listing(only_missing)
    only_missing.close()


def test_options_are_validated(
    confluence_standin: ConfluenceStandin,  # noqa: F811
    tmp_path: Path,
) -> None:
    context = SourceContext(data_dir=tmp_path)
    with pytest.raises(ConfigError, match="spaces"):
        ConfluenceSource(SourceConfig("w", "confluence", confluence_standin.base_url), context)
    with pytest.raises(ConfigError, match="URL"):
        ConfluenceSource(
            SourceConfig("w", "confluence", "wiki", options={"spaces": ["A"], "token": "t"}),
            context,
        )
    with pytest.raises(ConfigError, match="api_token"):
        ConfluenceSource(
            SourceConfig("w", "confluence", confluence_standin.base_url, options={"spaces": ["A"]}),
            context,
        )
    pat = ConfluenceSource(
        SourceConfig(
            "w", "confluence", "https://wiki.firma.de", options={"spaces": ["A"], "token": "t"}
        ),
        context,
    )
    assert pat.options.flavour == "datacenter" and pat.options.user_name == "username"
    pat.close()
