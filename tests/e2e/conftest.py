"""Harness of the browser tests: a real ``wissenswerk serve`` on a prepared data directory,
Debian's Chromium driven by Playwright, one browser context per user with a watch that fails
the test on JavaScript errors and Content-Security-Policy violations, and screenshots of the
pages for review.

Screenshots go to ``$WISSENSWERK_SCREENSHOTS`` or else ``<repo>/build/screenshots`` (ignored
by git), never into the source tree.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pyotp
import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Playwright,
    WebError,
    sync_playwright,
)
from playwright.sync_api import Error as PlaywrightError

from tests.conftest import ACL_MAP, write_share
from tests.servers.ports import free_port
from wissenswerk.web.i18n import Translator

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
# No sandbox: CI runs as root, where Chromium refuses its sandbox. The rest keeps the browser
# from reaching out (updates, sync, QUIC probes): these tests must work offline.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SERVER_START_S = 30.0
# The pages speak German by default; labels are looked up in the catalog, so a reworded
# text does not break the tests, while a control without its label does.
T = Translator("de")

_screenshots_taken: list[Path] = []


def screenshot_dir() -> Path:
    configured = os.environ.get("WISSENSWERK_SCREENSHOTS")
    folder = Path(configured) if configured else REPO / "build" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder.resolve()


def screenshot(page: Page, name: str) -> Path:
    """A full-page screenshot ``<folder>/<name>.png`` for review."""
    path = screenshot_dir() / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    _screenshots_taken.append(path)
    return path


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _screenshots_taken:
        folder = _screenshots_taken[0].parent
        terminalreporter.write_line(
            f"e2e: {len(_screenshots_taken)} screenshots for review in {folder}"
        )


# --- the server ---------------------------------------------------------------------------
@dataclass
class Server:
    url: str  # http://127.0.0.1:<port> (no trailing slash)
    data_dir: Path
    share: Path  # the folder share on disk (tests/conftest.py's SHARE_FILES)
    acl_map: Path  # its ACL map (tests/conftest.py's ACL_MAP)
    log_path: Path
    process: subprocess.Popen[bytes]

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


def _wait_until_up(process: subprocess.Popen[bytes], url: str) -> str | None:
    """None once ``url`` answers, else why not."""
    deadline = time.monotonic() + SERVER_START_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return f"the server exited with code {process.returncode}"
        try:
            httpx.get(url, timeout=2)
            return None
        except httpx.TransportError:
            time.sleep(0.1)
    return f"the server did not answer {url} within {SERVER_START_S:.0f} s"


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)  # what Ctrl+C does: uvicorn shuts down cleanly
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``python -m wissenswerk --data-dir <tmp> serve`` on a free port, with a folder share
    and its ACL map on disk, lexical search only (fast, no model). No account exists yet: the
    first visitor is sent to /setup."""
    root = tmp_path_factory.mktemp("e2e")
    share = write_share(root / "share")
    acl_map = root / "acl.csv"
    acl_map.write_text(ACL_MAP, encoding="utf-8")
    data_dir = root / "data"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("WISSENSWERK_")}
    env["WISSENSWERK_EMBEDDINGS__PROVIDER"] = "none"
    env["PYTHONUNBUFFERED"] = "1"
    log_path = root / "server.log"
    command = [sys.executable, "-m", "wissenswerk", "--data-dir", str(data_dir), "serve"]
    # A file, not a pipe: a chatty server must never block on a full pipe buffer.
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [*command, "--port", str(port)],
            cwd=root,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    running = Server(url, data_dir, share, acl_map, log_path, process)
    problem = _wait_until_up(process, f"{url}/login")
    if problem is not None:
        _stop(process)
        pytest.fail(f"{problem}. Its output:\n{running.log()}", pytrace=False)
    yield running
    _stop(process)
    output = running.log()
    # An exception inside a request handler is logged, and the page shows a plain 500: the
    # browser steps may not notice, the log does.
    if "Traceback" in output:
        pytest.fail(f"the server logged an error during the browser tests:\n{output}")
    if process.returncode != 0:
        pytest.fail(f"the server exited with code {process.returncode}:\n{output}")


# --- the browser --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def playwright_driver() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright_driver: Playwright) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests drive Debian's Chromium. "
            "Install it with `apt-get install chromium` (make system-packages does).",
            pytrace=False,
        )
    browser = playwright_driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


# Reported by the page itself, so a violation is caught whatever Chromium logs about it.
_CSP_REPORTER = """
document.addEventListener("securitypolicyviolation", (event) => {
  const where = event.sourceFile + ":" + event.lineNumber;
  console.error("CSP violation: " + event.violatedDirective + " blocked " +
                (event.blockedURI || "inline") + " in " + where);
});
"""


@dataclass
class ConsoleWatch:
    """Collects JavaScript errors, console errors and CSP violations of one browser context.
    Expected errors (the browser reports a page answered 404 when the test provokes one) are
    let through only inside :meth:`allowing`."""

    problems: list[str] = field(default_factory=list)
    _allowed: list[re.Pattern[str]] = field(default_factory=list)

    def attach(self, context: BrowserContext) -> None:
        context.add_init_script(_CSP_REPORTER)
        context.on("console", self._on_console)
        context.on("weberror", self._on_web_error)

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type not in ("error", "assert"):
            return
        text = f"console {message.type} on {message.location.get('url')}: {message.text}"
        if not any(p.search(message.text) for p in self._allowed):
            self.problems.append(text)

    def _on_web_error(self, error: WebError) -> None:
        page = error.page.url if error.page is not None else "?"
        self.problems.append(f"uncaught JavaScript error on {page}: {error.error}")

    @contextmanager
    def allowing(self, pattern: str) -> Iterator[None]:
        compiled = re.compile(pattern)
        self._allowed.append(compiled)
        try:
            yield
        finally:
            self._allowed.remove(compiled)

    def check(self, where: str) -> None:
        """Fail if anything went wrong in the browser so far; then start afresh."""
        problems, self.problems = self.problems, []
        assert not problems, f"{where}: the browser reported\n" + "\n".join(problems)


@dataclass
class Visitor:
    """One person at one browser: their own context (cookies), one tab and its watch."""

    name: str
    context: BrowserContext
    page: Page
    watch: ConsoleWatch

    def goto(self, path: str, expect_status: int = 200) -> None:
        response = self.page.goto(path)
        assert response is not None, f"no response for {path}"
        assert response.status == expect_status, (
            f"{path} answered {response.status} (expected {expect_status}) for {self.name}"
        )

    def check(self, where: str) -> None:
        self.watch.check(f"{self.name}: {where}")


@pytest.fixture(scope="module")
def open_visitor(browser: Browser, server: Server) -> Iterator[Callable[[str], Visitor]]:
    """``open_visitor(name)``: a fresh browser context for ``name`` on the server, in German;
    every context is checked for browser errors and closed at the end."""
    opened: list[Visitor] = []

    def open_(name: str) -> Visitor:
        context = browser.new_context(
            base_url=server.url,
            locale="de-DE",
            timezone_id="Europe/Berlin",
            viewport={"width": 1280, "height": 900},
        )
        context.set_default_timeout(15_000)
        watch = ConsoleWatch()
        watch.attach(context)
        page = context.new_page()
        # Forms with data-confirm ask through window.confirm; a person clicks OK.
        page.on("dialog", lambda dialog: dialog.accept())
        visitor = Visitor(name, context, page, watch)
        opened.append(visitor)
        return visitor

    yield open_
    problems = []
    for visitor in opened:
        problems.extend(visitor.watch.problems)
        with suppress(PlaywrightError):  # already gone with the browser
            visitor.context.close()
    assert not problems, "the browser reported\n" + "\n".join(problems)


# --- signing in ---------------------------------------------------------------------------
def totp_code(secret: str) -> str:
    """A code for the next 30 s step: each code is accepted once, and the server accepts one
    step of clock drift, so this never collides with the code used a moment ago."""
    return pyotp.TOTP(secret).at(time.time() + 30)


def sign_in(visitor: Visitor, name: str, password: str, totp_secret: str | None = None) -> None:
    """Through the login page (and the code page when ``totp_secret`` is given); ends on the
    page the login leads to."""
    page = visitor.page
    visitor.goto("/login")
    page.get_by_label(T("field.username"), exact=True).fill(name)
    page.get_by_label(T("field.password"), exact=True).fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name=T("login.submit"), exact=True).click()
    if totp_secret is not None:
        page.wait_for_url(re.compile(r"/login/mfa"))
        page.get_by_label(T("field.code"), exact=True).fill(totp_code(totp_secret))
        with page.expect_navigation():
            page.get_by_role("button", name=T("mfa.submit"), exact=True).click()
    assert "/login" not in page.url, f"{name} is not signed in: {page.url}\n{page.content()}"
