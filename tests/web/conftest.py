"""Fixtures for the web app: an app on a temporary data directory (real SQLite store),
TestClients over http and https, and helpers that walk through setup, login and MFA."""

from __future__ import annotations

import re
import sqlite3
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pyotp
import pytest
from fastapi import FastAPI

from tests.conftest import make_app
from wissenswerk.app import Wissenswerk
from wissenswerk.web import create_app

with warnings.catch_warnings():
    # Starlette 1.x prefers the httpx2 package for its TestClient; httpx still works.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

ADMIN = "admin"
ADMIN_PASSWORD = "Kaffeemaschine-im-3.-Stock"
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]*)"')


@dataclass
class Web:
    ww: Wissenswerk
    app: FastAPI


@pytest.fixture
def web(tmp_path: Path) -> Iterator[Web]:
    ww = make_app(tmp_path / "data")
    yield Web(ww, create_app(ww))
    ww.close()


@pytest.fixture
def client(web: Web) -> Iterator[TestClient]:
    with TestClient(web.app, base_url="http://testserver", follow_redirects=False) as c:
        yield c


@pytest.fixture
def admin_client(web: Web, client: TestClient) -> TestClient:
    """Signed in as the first admin (no MFA)."""
    set_up_admin(client)
    login(client, ADMIN, ADMIN_PASSWORD)
    return client


SESSION = "wissenswerk_session"


def session_cookie(client: TestClient) -> str | None:
    return client.cookies.get(SESSION)


def plant_session(client: TestClient, value: str) -> None:
    """Make ``value`` the browser's only session cookie (as the server's own would be set)."""
    client.cookies.delete(SESSION)
    client.cookies.set(SESSION, value, domain="testserver.local")


def csrf_of(html: str) -> str:
    match = CSRF_INPUT.search(html)
    assert match, "the page has no form with a CSRF token"
    return match.group(1)


def post_form(client: TestClient, page: str, action: str, data: dict[str, str]) -> httpx.Response:
    """Load ``page``, take its form token and post ``data`` to ``action``."""
    token = csrf_of(client.get(page).text)
    return client.post(action, data={"csrf_token": token, **data})


def set_up_admin(client: TestClient) -> None:
    response = post_form(
        client,
        "/setup",
        "/setup",
        {"name": ADMIN, "password": ADMIN_PASSWORD, "password_repeat": ADMIN_PASSWORD},
    )
    assert response.status_code == 303, response.text


def login(client: TestClient, name: str, password: str) -> httpx.Response:
    return post_form(client, "/login", "/login", {"name": name, "password": password})


def current_code(secret: str) -> str:
    return pyotp.TOTP(secret).now()


def next_code(secret: str) -> str:
    """A code of the next step: each code is accepted once, and the accounts service
    accepts one step of clock drift."""
    return pyotp.TOTP(secret).at(time.time() + 30)


def enrol_mfa(client: TestClient) -> tuple[str, list[str]]:
    """Enrol TOTP for the signed-in user; returns the secret and the recovery codes."""
    page = client.get("/mfa/enrol")
    assert page.status_code == 200, page.text
    secret = re.search(r'name="secret" value="([A-Z2-7=]+)"', page.text)
    assert secret
    response = client.post(
        "/mfa/enrol",
        data={
            "csrf_token": csrf_of(page.text),
            "secret": secret.group(1),
            "code": current_code(secret.group(1)),
        },
    )
    assert response.status_code == 200, response.text
    codes = re.findall(r"<li><code>([^<]+)</code></li>", response.text)
    return secret.group(1), codes


def audit_events(web: Web) -> list[tuple[str, str | None]]:
    """(kind, actor) of every recorded event, oldest first, read straight from the database."""
    with sqlite3.connect(web.ww.settings.data_dir / "wissenswerk.db") as conn:
        return [(k, a) for k, a in conn.execute("SELECT kind, actor FROM events ORDER BY id")]
