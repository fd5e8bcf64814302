"""API tokens in the administration: the plaintext is shown once, then only the prefix;
a revoked token no longer verifies. And the settings page: the MFA switch and the
effective configuration."""

from __future__ import annotations

import re
import warnings
from typing import Any

from tests.web.conftest import ADMIN, Web, csrf_of, login
from tests.web.test_admin_access import PASSWORD
from wissenswerk.audit import AuditFilter

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

PLAINTEXT = re.compile(r'<code id="new-token" class="secret">(ww_[0-9a-f]{8}_[\w-]+)</code>')


def create_token(client: TestClient, owner: str, label: str, *scopes: str) -> Any:
    token = csrf_of(client.get("/admin/tokens").text)
    data = {"csrf_token": token, "owner": owner, "label": label, "scopes": list(scopes)}
    return client.post("/admin/tokens", data=data)


def test_a_new_token_is_shown_once_then_only_its_prefix(web: Web, admin_client: TestClient) -> None:
    response = create_token(admin_client, ADMIN, "Intranet-Suche", "search", "ask")
    assert response.status_code == 200
    match = PLAINTEXT.search(response.text)
    assert match, response.text
    plaintext = match.group(1)
    assert "nur dieses eine Mal angezeigt" in response.text
    accounts = web.app.state.web.accounts
    verified = accounts.verify_api_token(plaintext)
    assert verified is not None
    assert verified[0].name == ADMIN and verified[1] == {"search", "ask"}

    [stored] = accounts.list_api_tokens(ADMIN)
    listing = admin_client.get("/admin/tokens").text
    assert plaintext not in listing and plaintext[len(stored.prefix) :] not in listing
    assert f"<code>{stored.prefix}…</code>" in listing
    assert "Intranet-Suche" in listing and "ask, search" in listing

    [record] = web.ww.audit.events(AuditFilter(kind="admin.token.created"))
    assert (record.actor, record.object, record.ip) == (
        ADMIN,
        f"token:{stored.prefix}",
        "testclient",
    )
    assert record.payload == {
        "owner": ADMIN,
        "label": "Intranet-Suche",
        "scopes": ["ask", "search"],
    }
    assert plaintext not in str(record.payload)


def test_scopes_above_the_role_and_missing_fields_are_refused(
    web: Web, admin_client: TestClient
) -> None:
    web.app.state.web.accounts.create_user("mia", PASSWORD, role="member")
    above = create_token(admin_client, "mia", "Skript", "users")
    assert above.status_code == 400 and "geht über die Rolle" in above.text
    assert not PLAINTEXT.search(above.text)
    unlabelled = create_token(admin_client, "mia", "  ", "search")
    assert (
        unlabelled.status_code == 400
        and "Bitte geben Sie dem Token einen Namen." in unlabelled.text
    )
    none = create_token(admin_client, "mia", "Skript")
    assert none.status_code == 400 and "mindestens eine Berechtigung" in none.text
    nobody = create_token(admin_client, "niemand", "Skript", "search")
    assert nobody.status_code == 400 and "Bitte wählen Sie einen Benutzer" in nobody.text
    assert web.app.state.web.accounts.list_api_tokens() == []


def test_a_revoked_token_no_longer_verifies(web: Web, admin_client: TestClient) -> None:
    accounts = web.app.state.web.accounts
    accounts.create_user("mia", PASSWORD, role="member")
    plaintext = PLAINTEXT.search(create_token(admin_client, "mia", "Skript", "search").text)
    assert plaintext
    [token] = accounts.list_api_tokens("mia")
    page = admin_client.get("/admin/tokens?owner=mia").text
    response = admin_client.post(
        f"/admin/tokens/{token.id}/revoke", data={"csrf_token": csrf_of(page), "owner": "mia"}
    )
    assert response.headers["location"] == "/admin/tokens?notice=token_revoked&owner=mia"
    assert accounts.verify_api_token(plaintext.group(1)) is None
    listing = admin_client.get("/admin/tokens?owner=mia").text
    assert 'class="inactive"' in listing and "Das Token wurde widerrufen." not in listing
    [record] = web.ww.audit.events(AuditFilter(kind="admin.token.revoked"))
    assert (record.actor, record.object) == (ADMIN, f"token:{token.prefix}")
    assert record.payload == {"owner": "mia", "label": "Skript"}
    # A second revoke changes nothing and records nothing.
    admin_client.post(f"/admin/tokens/{token.id}/revoke", data={"csrf_token": csrf_of(page)})
    assert len(web.ww.audit.events(AuditFilter(kind="admin.token.revoked"))) == 1
    missing = admin_client.post("/admin/tokens/9999/revoke", data={"csrf_token": csrf_of(page)})
    assert missing.status_code == 404


def test_the_user_page_links_to_their_tokens(web: Web, admin_client: TestClient) -> None:
    web.app.state.web.accounts.create_user("mia", PASSWORD, role="member")
    create_token(admin_client, "mia", "Skript", "search")
    create_token(admin_client, ADMIN, "Eigenes", "search")
    page = admin_client.get("/admin/users/mia").text
    assert 'href="/admin/tokens?owner=mia">API-Tokens dieses Benutzers (1)' in page
    only_mia = admin_client.get("/admin/tokens?owner=mia").text
    assert "Skript" in only_mia and "Eigenes" not in only_mia


# --- settings -----------------------------------------------------------------------------
def test_require_mfa_for_everyone(web: Web, admin_client: TestClient) -> None:
    accounts = web.app.state.web.accounts
    accounts.create_user("mia", PASSWORD, role="member")
    page = admin_client.get("/admin/settings").text
    assert 'name="require_mfa" value="on" aria' in page  # not checked
    response = admin_client.post(
        "/admin/settings", data={"csrf_token": csrf_of(page), "require_mfa": "on"}
    )
    assert response.headers["location"] == "/admin/settings?notice=settings_saved"
    assert accounts.require_mfa() is True
    assert 'value="on" checked' in admin_client.get("/admin/settings").text
    [record] = web.ww.audit.events(AuditFilter(kind="admin.settings.changed"))
    assert (record.actor, record.object) == (ADMIN, "setting:accounts.require_mfa")
    assert record.payload == {"setting": "require_mfa", "old": False, "new": True}

    # Mia has no authenticator yet: her next login leads to the enrolment first.
    with TestClient(web.app, follow_redirects=False) as mia:
        assert login(mia, "mia", PASSWORD).headers["location"] == "/mfa/enrol"

    # Saving the same value again records nothing; switching it off does.
    admin_client.post("/admin/settings", data={"csrf_token": csrf_of(page), "require_mfa": "on"})
    admin_client.post("/admin/settings", data={"csrf_token": csrf_of(page)})
    assert accounts.require_mfa() is False
    changes = web.ww.audit.events(AuditFilter(kind="admin.settings.changed"))
    assert [c.payload["new"] for c in changes] == [False, True]


def test_the_effective_configuration_is_shown(web: Web, admin_client: TestClient) -> None:
    page = admin_client.get("/admin/settings").text
    effective = re.search(r'id="effective">(.*?)</dl>', page, re.S)
    assert effective
    facts = dict(re.findall(r"<dt>(.*?)</dt>\s*<dd>(.*?)</dd>", effective.group(1), re.S))
    assert str(web.ww.settings.data_dir) in facts["Datenverzeichnis"]
    assert "<code>none</code>" in facts["Embeddings (semantische Suche)"]
    assert "nur Stichwortsuche" in facts["Embeddings (semantische Suche)"]
    assert facts["Texterkennung (OCR)"] == "an"
    assert facts["Tesseract"].startswith(("verfügbar (tesseract ", "nicht verfügbar"))
    assert "nicht eingerichtet" in facts["Verzeichnis (LDAP/AD)"]
    assert "bind_password" not in page
