"""The Microsoft Graph connector against the local Graph stand-in (tests/servers)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import make_app
from tests.servers.graph_standin import GraphStandin, graph_standin  # noqa: F401
from wissenswerk.core.acl import EVERYONE
from wissenswerk.core.errors import ConfigError, SourceError
from wissenswerk.core.models import SourceConfig, SourceItem
from wissenswerk.sources.base import SourceContext
from wissenswerk.sources.graph import GraphSource, site_address

MEMBERS = {
    "roles": ["write"],
    "grantedToV2": {"siteGroup": {"id": "5", "displayName": "Team Members"}},
}
OWNERS = {
    "roles": ["owner"],
    "grantedToV2": {"siteGroup": {"id": "3", "displayName": "Team Owners"}},
}


def user_grant(upn: str, role: str = "read") -> dict[str, Any]:
    return {
        "roles": [role],
        "grantedToV2": {
            "user": {"id": f"id-{upn}", "displayName": upn},
            "siteUser": {"id": "9", "loginName": f"i:0#.f|membership|{upn}"},
        },
    }


def make_source(standin: GraphStandin, tmp_path: Path, **options: Any) -> GraphSource:
    config = SourceConfig("m365", "graph", "", "source", options=standin.options(**options))
    return GraphSource(config, SourceContext(data_dir=tmp_path, timeout_s=5))


def listing(source: GraphSource) -> dict[str, SourceItem]:
    return {item.path: item for item in source.list_items()}


@pytest.fixture
def tenant(graph_standin: GraphStandin) -> GraphStandin:  # noqa: F811
    model = graph_standin.model
    docs = model.add_drive("Documents")
    model.share(docs, "", [MEMBERS, OWNERS])
    model.add(docs, "Allgemein/Reisekosten.txt", b"Kilometerpauschale 0,30 Euro")
    model.add(docs, "Allgemein/Kantine.txt", b"Kantine ab 11:30")
    model.add(docs, "Technik/Wartung.txt", b"Wartungsintervall 2000 Stunden")
    model.add(docs, "Personal/Gehalt.txt", b"Gehaltsband Ingenieure")
    model.share(docs, "Personal", [OWNERS, user_grant("mia@contoso.com")])
    return graph_standin


def docs_drive(standin: GraphStandin) -> Any:
    return next(d for d in standin.model.drives.values() if d.name == "Documents")


def test_site_address_forms() -> None:
    assert site_address("https://contoso.sharepoint.com/sites/Team") == (
        "/sites/contoso.sharepoint.com:/sites/Team"
    )
    assert site_address("contoso.sharepoint.com:/sites/A B") == (
        "/sites/contoso.sharepoint.com:/sites/A%20B"
    )
    assert site_address("contoso.sharepoint.com") == "/sites/contoso.sharepoint.com"


def test_full_listing_follows_pages_and_maps_site_groups(
    tenant: GraphStandin, tmp_path: Path
) -> None:
    source = make_source(tenant, tmp_path)
    items = listing(source)
    assert set(items) == {
        "Documents/Allgemein/Reisekosten.txt",
        "Documents/Allgemein/Kantine.txt",
        "Documents/Technik/Wartung.txt",
        "Documents/Personal/Gehalt.txt",
    }
    # page_size 2: the drive list was read in several pages
    delta_calls = [r for r in tenant.model.requests if r.endswith("/root/delta")]
    assert len(delta_calls) > 3
    reise = items["Documents/Allgemein/Reisekosten.txt"]
    assert reise.acl == {"group:Team Members", "group:Team Owners"}
    assert reise.size == len(b"Kilometerpauschale 0,30 Euro")
    assert reise.mtime_ns > 0 and reise.modified is not None
    assert reise.version.startswith('"{')
    assert reise.url and reise.url.endswith("/Allgemein/Reisekosten.txt")
    assert items["Documents/Personal/Gehalt.txt"].acl == {"group:Team Owners", "user:mia"}
    assert source.listing_errors == []
    source.close()


def test_read_follows_redirect_without_bearer_token(tenant: GraphStandin, tmp_path: Path) -> None:
    source = make_source(tenant, tmp_path)
    items = listing(source)
    assert source.read(items["Documents/Technik/Wartung.txt"]) == b"Wartungsintervall 2000 Stunden"
    assert tenant.model.download_violations == []
    source.close()
    # A fresh instance (the sync builds one per run) reads by the stored state.
    again = make_source(tenant, tmp_path)
    assert again.read(items["Documents/Allgemein/Kantine.txt"]) == b"Kantine ab 11:30"
    again.close()


def test_incremental_sync_applies_changes_moves_and_deletes(
    tenant: GraphStandin, tmp_path: Path
) -> None:
    model = tenant.model
    docs = docs_drive(tenant)
    first = make_source(tenant, tmp_path)
    before = listing(first)
    first.close()

    model.change(docs, "Allgemein/Kantine.txt", b"Kantine ab 11:00 geoeffnet")
    model.move(docs, "Technik/Wartung.txt", "Allgemein", "Wartung-2025.txt")
    model.delete(docs, "Personal")
    model.add(docs, "Technik/Neu.txt", b"neu")
    model.requests.clear()

    second = make_source(tenant, tmp_path)
    after = listing(second)
    assert set(after) == {
        "Documents/Allgemein/Reisekosten.txt",
        "Documents/Allgemein/Kantine.txt",
        "Documents/Allgemein/Wartung-2025.txt",
        "Documents/Technik/Neu.txt",
    }
    kantine = after["Documents/Allgemein/Kantine.txt"]
    assert kantine.size == len(b"Kantine ab 11:00 geoeffnet")
    assert kantine.mtime_ns > before["Documents/Allgemein/Kantine.txt"].mtime_ns
    assert kantine.version != before["Documents/Allgemein/Kantine.txt"].version
    # Only the delta since the stored link was fetched, and no permissions of the
    # untouched file were read again.
    deltas = [r for r in model.requests if "/root/delta" in r]
    assert deltas, model.requests
    reise_id = model.find(docs, "Allgemein/Reisekosten.txt").id
    assert not any(reise_id in r for r in model.requests)
    assert second.read(after["Documents/Allgemein/Wartung-2025.txt"]) == (
        b"Wartungsintervall 2000 Stunden"
    )
    second.close()


def test_expired_delta_token_triggers_full_enumeration(
    tenant: GraphStandin, tmp_path: Path
) -> None:
    model = tenant.model
    docs = docs_drive(tenant)
    source = make_source(tenant, tmp_path)
    listing(source)
    model.delete(docs, "Allgemein/Kantine.txt")
    model.expire_delta_tokens()
    items = listing(source)
    assert "Documents/Allgemein/Kantine.txt" not in items
    assert len(items) == 3
    assert source.listing_errors == []
    source.close()


def test_sharing_links_and_user_naming(graph_standin: GraphStandin, tmp_path: Path) -> None:  # noqa: F811
    model = graph_standin.model
    bob = model.add_user("bob@contoso.com", mail="robert.b@contoso.com")
    docs = model.add_drive("Documents")
    model.share(docs, "", [OWNERS])
    for name in ("anon", "org", "people", "existing", "expired", "group", "everyone", "lookup"):
        model.add(docs, f"{name}.txt", name.encode())
    model.share(
        docs, "anon.txt", [{"roles": ["read"], "link": {"scope": "anonymous", "type": "view"}}]
    )
    model.share(
        docs, "org.txt", [{"roles": ["read"], "link": {"scope": "organization", "type": "view"}}]
    )
    people = {
        "roles": ["read"],
        "link": {"scope": "users", "type": "view"},
        "grantedToIdentitiesV2": [
            {"user": {"id": "x1"}, "siteUser": {"loginName": "i:0#.f|membership|Anna@Contoso.com"}},
            {"group": {"id": "g1", "displayName": "Vertrieb"}},
        ],
    }
    model.share(docs, "people.txt", [people])
    model.share(docs, "existing.txt", [{"roles": ["read"], "link": {"scope": "existingAccess"}}])
    expired = {**user_grant("eve@contoso.com"), "expirationDateTime": "2020-01-01T00:00:00Z"}
    model.share(docs, "expired.txt", [expired])
    model.share(
        docs,
        "group.txt",
        [{"roles": ["read"], "grantedToV2": {"group": {"id": "g2", "displayName": "Technik"}}}],
    )
    everyone = {"roles": ["read"], "grantedToV2": {"siteUser": {"loginName": "c:0(.s|true"}}}
    model.share(docs, "everyone.txt", [everyone])
    # Only a user id: the UPN comes from GET /users/{id}.
    model.share(
        docs, "lookup.txt", [{"roles": ["write"], "grantedToV2": {"user": {"id": bob["id"]}}}]
    )

    items = listing(make_source(graph_standin, tmp_path))
    acl = {path.removeprefix("Documents/"): item.acl for path, item in items.items()}
    assert acl["anon.txt"] == {EVERYONE}
    assert acl["org.txt"] == {EVERYONE}
    assert acl["people.txt"] == {"user:anna", "group:Vertrieb"}
    assert acl["existing.txt"] == frozenset()
    assert acl["expired.txt"] == frozenset()
    assert acl["group.txt"] == {"group:Technik"}
    assert acl["everyone.txt"] == {EVERYONE}
    assert acl["lookup.txt"] == {"user:bob"}

    by_mail = listing(make_source(graph_standin, tmp_path / "m", user_name="mail"))
    assert by_mail["Documents/lookup.txt"].acl == {"user:robert.b@contoso.com"}
    by_upn = listing(make_source(graph_standin, tmp_path / "u", user_name="upn", group_name="id"))
    assert by_upn["Documents/people.txt"].acl == {"user:anna@contoso.com", "group:g1"}


@pytest.mark.parametrize("inherited_from", [True, False], ids=["onedrive", "sharepoint"])
def test_permission_only_change_reaches_inheriting_descendants(
    tenant: GraphStandin, tmp_path: Path, inherited_from: bool
) -> None:
    model = tenant.model
    model.report_inherited_from = inherited_from
    docs = docs_drive(tenant)
    model.add(docs, "Technik/Pläne/Plan.txt", b"plan")
    source = make_source(tenant, tmp_path)
    before = listing(source)
    assert before["Documents/Technik/Pläne/Plan.txt"].acl == {
        "group:Team Members",
        "group:Team Owners",
    }

    model.requests.clear()
    model.share(
        docs,
        "Technik",
        [OWNERS, {"roles": ["read"], "grantedToV2": {"group": {"displayName": "Technik"}}}],
    )
    after = listing(source)
    new_acl = {"group:Team Owners", "group:Technik"}
    assert after["Documents/Technik/Wartung.txt"].acl == new_acl
    assert after["Documents/Technik/Pläne/Plan.txt"].acl == new_acl
    assert (
        after["Documents/Allgemein/Kantine.txt"].acl
        == before["Documents/Allgemein/Kantine.txt"].acl
    )
    # Content did not change: the sync only updates the access class.
    assert (
        after["Documents/Technik/Wartung.txt"].mtime_ns
        == before["Documents/Technik/Wartung.txt"].mtime_ns
    )
    plan_id = model.find(docs, "Technik/Pläne/Plan.txt").id
    asked_plan = any(f"/items/{plan_id}/permissions" in r for r in model.requests)
    # With inheritedFrom (OneDrive) the parent's readers are reused; SharePoint omits it,
    # so each descendant is asked.
    assert asked_plan is not inherited_from
    source.close()


def test_throttling_is_waited_out_and_bounded(tenant: GraphStandin, tmp_path: Path) -> None:
    tenant.model.throttle_next = 2
    source = make_source(tenant, tmp_path)
    assert len(listing(source)) == 4
    tenant.model.throttle_next = 100
    tenant.model.retry_after = "0"
    strict = make_source(tenant, tmp_path / "strict", max_retries=1)
    with pytest.raises(SourceError, match="throttling"):
        listing(strict)
    source.close()
    strict.close()


def test_expired_bearer_token_is_renewed(tenant: GraphStandin, tmp_path: Path) -> None:
    source = make_source(tenant, tmp_path)
    listing(source)
    tenant.model.tokens.clear()  # every issued token revoked
    tenant.model.change(docs_drive(tenant), "Allgemein/Kantine.txt", b"neu")
    assert len(listing(source)) == 4
    assert tenant.model.token_requests == 2
    source.close()


def test_wrong_secret_is_a_clear_source_error(tenant: GraphStandin, tmp_path: Path) -> None:
    source = make_source(tenant, tmp_path, client_secret="wrong")
    with pytest.raises(SourceError, match="client_secret") as info:
        listing(source)
    assert "invalid_client" in str(info.value)
    source.close()


def test_options_are_validated(tenant: GraphStandin, tmp_path: Path) -> None:
    context = SourceContext(data_dir=tmp_path)
    with pytest.raises(ConfigError, match="site"):
        GraphSource(
            SourceConfig(
                "x", "graph", "", options={"tenant_id": "t", "client_id": "c", "client_secret": "s"}
            ),
            context,
        )
    with pytest.raises(ConfigError, match="user_name"):
        GraphSource(
            SourceConfig("x", "graph", "", options=tenant.options(user_name="sam")), context
        )
    with pytest.raises(ConfigError, match="client_secret"):
        options = tenant.options()
        del options["client_secret"]
        GraphSource(SourceConfig("x", "graph", "", options=options), context)


def test_onedrive_and_path_filters(tenant: GraphStandin, tmp_path: Path) -> None:
    model = tenant.model
    own = model.add_drive("OneDrive", owner_upn="anna@contoso.com")
    model.share(own, "", [user_grant("anna@contoso.com", "owner")])
    model.add(own, "Notizen/idee.txt", b"idee")
    model.add(own, "Notizen/~$lock.txt", b"x")
    source = make_source(
        tenant,
        tmp_path,
        site=None,
        onedrive_users=["anna@contoso.com", "ghost@contoso.com"],
        exclude=["*/~$*"],
    )
    items = listing(source)
    assert set(items) == {"OneDrive anna@contoso.com/Notizen/idee.txt"}
    assert items["OneDrive anna@contoso.com/Notizen/idee.txt"].acl == {"user:anna"}
    only = make_source(tenant, tmp_path / "inc", include=["Documents/Allgemein/*"])
    assert set(listing(only)) == {
        "Documents/Allgemein/Reisekosten.txt",
        "Documents/Allgemein/Kantine.txt",
    }
    source.close()
    only.close()


def test_sync_engine_indexes_and_enforces_graph_permissions(
    tenant: GraphStandin, tmp_path: Path
) -> None:
    ww = make_app(tmp_path / "data")
    try:
        users = tmp_path / "users.csv"
        users.write_text("user,groups\nmia,Team Members\nanna,Team Members\n", encoding="utf-8")
        ww.import_users(users)
        source = make_source(tenant, tmp_path / "data")
        ww.store.add_source(source.config)  # builtin.py registers the kind; not needed here
        report = ww.syncer.sync(source)
        assert report.added == 4, report.as_dict()
        assert ww.search.search("Gehaltsband", "mia").total == 1
        assert ww.search.search("Gehaltsband", "anna").total == 0
        # Permission-only change: anna gets access, nothing is re-read.
        tenant.model.share(
            docs_drive(tenant),
            "Personal",
            [OWNERS, user_grant("mia@contoso.com"), user_grant("anna@contoso.com")],
        )
        source = make_source(tenant, tmp_path / "data")  # the engine closed the first one
        again = ww.syncer.refresh_permissions(source)
        assert again.permissions_changed == 1 and again.updated == 0
        assert ww.search.search("Gehaltsband", "anna").total == 1
        source.close()
    finally:
        ww.close()
