"""Translations, the navigation, and pages that work offline (no external URL anywhere)."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from tests.web.conftest import Web, csrf_of, enrol_mfa, login, post_form
from wissenswerk.web.i18n import LANGUAGES, catalog

WEB = Path(__file__).resolve().parents[2] / "src" / "wissenswerk" / "web"
URL = re.compile(r"""(?:https?:)?//([A-Za-z0-9.-]+(?::\d+)?)""")


def test_every_language_has_the_same_keys_and_placeholders() -> None:
    reference = catalog("de")
    for language in LANGUAGES:
        messages = catalog(language)
        assert messages.keys() == reference.keys(), language
        for key, text in messages.items():
            assert set(re.findall(r"{(\w+)}", text)) == set(
                re.findall(r"{(\w+)}", reference[key])
            ), f"{language}: {key}"


def test_every_key_the_code_uses_is_in_the_catalog() -> None:
    used: set[str] = set()
    for path in list(WEB.rglob("*.html")) + list(WEB.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        used |= set(re.findall(r"""\bt\(\s*["']([a-z_]+\.[a-z0-9_.]+)["']""", text))
        used |= set(re.findall(r"""NavItem\(\s*"([a-z_.]+)\"""", text))
        used |= {f"login.{k}" for k in re.findall(r'notice = "login\.(\w+)"', text)}
    assert len(used) > 40
    missing = sorted(used - set(catalog("de")))
    assert not missing, f"keys missing from locales/de.json: {missing}"


def test_language_switch_changes_the_texts(admin_client: TestClient) -> None:
    home = admin_client.get("/")
    assert '<html lang="de">' in home.text and "Abmelden" in home.text
    response = admin_client.post(
        "/language", data={"csrf_token": csrf_of(home.text), "language": "en", "next": "/"}
    )
    assert response.status_code == 303 and response.headers["location"] == "/"
    english = admin_client.get("/")
    assert '<html lang="en">' in english.text
    assert "Sign out" in english.text and "Abmelden" not in english.text
    assert "Welcome, admin" in english.text
    # An unknown language or a foreign next URL changes nothing and stays on this site.
    odd = admin_client.post(
        "/language",
        data={"csrf_token": csrf_of(english.text), "language": "xx", "next": "//evil.example/"},
    )
    assert odd.headers["location"] == "/"
    assert "Sign out" in admin_client.get("/").text


def test_language_switch_works_before_login(client: TestClient) -> None:
    response = post_form(client, "/setup", "/language", {"language": "en", "next": "/setup"})
    assert response.headers["location"] == "/setup"
    assert "First-time setup" in client.get("/setup").text


def test_navigation_shows_areas_that_exist_and_marks_the_current_one(
    web: Web, admin_client: TestClient
) -> None:
    home = admin_client.get("/").text
    assert '<a href="/" aria-current="page">Fragen</a>' in home
    assert '<a href="/search">Suche</a>' in home and '<a href="/admin">Verwaltung</a>' in home
    search = admin_client.get("/search").text
    assert '<a href="/search" aria-current="page">Suche</a>' in search


def test_no_page_references_an_external_url(web: Web, admin_client: TestClient) -> None:
    pages = [admin_client.get(p) for p in ("/", "/mfa/enrol", "/nirgendwo")]
    _secret, _codes = enrol_mfa(admin_client)
    post_form(admin_client, "/", "/logout", {})
    pages += [admin_client.get(p) for p in ("/login", "/login?logged_out=1")]
    pages.append(login(admin_client, "admin", "falsch-falsch"))
    pages.append(admin_client.get("/static/app.css"))
    pages.append(admin_client.get("/static/app.js"))
    for response in pages:
        hosts = set(URL.findall(response.text)) - {"testserver"}
        assert not hosts, f"{response.url} references {hosts}"
    assert all(p.status_code in (200, 401, 404) for p in pages)
