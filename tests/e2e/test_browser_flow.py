"""One realistic day with wissenswerk, in Debian's Chromium against a real server.

The admin sets the instance up in the browser (first-run account, TOTP enrolment, login with
a code), adds the company share with its ACL map and syncs it, and creates two colleagues.
Anna (mitarbeiter, technik) asks a question, reads the streamed answer, opens the citation
and sees the quoted passage marked, gives feedback, and cannot find the salary bands of HR
anywhere — not in answers, not in search, not at the viewer or download URL that Mia (HR)
can open. At the end the database holds her feedback and the audit log the whole story.

Screenshots of each main page are written for review (see conftest.screenshot_dir).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pyotp
import pytest
from playwright.sync_api import Locator, expect

from tests.conftest import SHARE_FILES, make_app
from tests.e2e.conftest import Server, T, Visitor, screenshot, screenshot_dir, sign_in
from wissenswerk.audit.kinds import Kind, kind_label
from wissenswerk.store.audit import AuditFilter

pytestmark = pytest.mark.slow

ADMIN = "chefin"
ADMIN_PASSWORD = "Kaffeemaschine-im-3.-Stock"
ANNA_PASSWORD = "Getriebe-Wartung-2000h"
MIA_PASSWORD = "Personalakte-im-Schrank-7"


def test_browser_flow(server: Server, open_visitor: Callable[[str], Visitor]) -> None:
    admin = open_visitor(ADMIN)
    setup_first_admin(admin)
    enrol_mfa_and_sign_in_again(admin)
    add_and_sync_share(admin, server)
    create_colleagues(admin)

    anna = open_visitor("anna")
    sign_in(anna, "anna", ANNA_PASSWORD)
    answer = ask(anna, MAINTENANCE_QUESTION, screenshot_name="10-ask-answer")
    expect(answer.locator(".answer")).to_contain_text(MAINTENANCE_FACT)
    give_feedback(anna, answer)
    open_citation(anna, answer)

    mia = open_visitor("mia")
    sign_in(mia, "mia", MIA_PASSWORD)
    salary_id = find_salary_bands_as_hr(mia)
    restricted_stays_hidden(anna, salary_id)

    check_audit_page(admin)
    check_database(server, salary_id)
    print(f"\nscreenshots for review: {screenshot_dir()}")


# --- 1. first run -------------------------------------------------------------------------
def setup_first_admin(admin: Visitor) -> None:
    """Every page leads to /setup until an admin exists; the form creates the account (no
    default password) and leads to the login page."""
    page = admin.page
    admin.goto("/")
    expect(page).to_have_url(re.compile(r"/setup$"))
    expect(page.get_by_role("heading", name=T("setup.title"))).to_be_visible()
    page.get_by_label(T("field.username"), exact=True).fill(ADMIN)
    page.get_by_label(T("field.password"), exact=True).fill(ADMIN_PASSWORD)
    page.get_by_label(T("field.password_repeat"), exact=True).fill(ADMIN_PASSWORD)
    screenshot(page, "01-setup")
    page.get_by_role("button", name=T("setup.submit")).click()
    expect(page).to_have_url(re.compile(r"/login\?created=1$"))
    expect(page.get_by_role("status")).to_have_text(T("login.admin_created"))
    screenshot(page, "02-login")
    # The first run is over: /setup now leads to the login.
    admin.goto("/setup")
    expect(page).to_have_url(re.compile(r"/login$"))
    admin.check("first-run setup")


# --- 2. MFA enrolment and login with a code -----------------------------------------------
def enrol_mfa_and_sign_in_again(admin: Visitor) -> str:
    """Enrol TOTP from the enrolment page (QR code and the key to type in), get recovery
    codes, sign out, and sign in again with password and a code; a wrong code is refused.
    Returns the TOTP secret."""
    page = admin.page
    sign_in(admin, ADMIN, ADMIN_PASSWORD)
    expect(page.get_by_text(ADMIN).first).to_be_visible()
    page.get_by_role("link", name=T("layout.setup_mfa")).first.click()
    expect(page).to_have_url(re.compile(r"/mfa/enrol$"))
    expect(page.get_by_role("img", name=T("enrol.qr_alt"))).to_be_visible()
    secret = page.locator("#totp-secret").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-7]{16,}=*", secret), f"no TOTP key on the page: {secret!r}"
    screenshot(page, "03-mfa-enrolment")
    page.get_by_label(T("enrol.step_code"), exact=True).fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name=T("enrol.submit")).click()
    expect(page.get_by_role("heading", name=T("recovery.title"))).to_be_visible()
    codes = page.get_by_role("list", name=T("recovery.title")).get_by_role("listitem")
    expect(codes).not_to_have_count(0)
    screenshot(page, "04-mfa-recovery-codes")
    page.get_by_role("link", name=T("recovery.done")).click()

    sign_out(admin)
    # Password alone is not enough any more: the session waits for the code.
    page.get_by_label(T("field.username"), exact=True).fill(ADMIN)
    page.get_by_label(T("field.password"), exact=True).fill(ADMIN_PASSWORD)
    page.get_by_role("button", name=T("login.submit"), exact=True).click()
    expect(page).to_have_url(re.compile(r"/login/mfa$"))
    admin.goto("/")
    expect(page).to_have_url(re.compile(r"/login/mfa$"))
    page.get_by_label(T("field.code"), exact=True).fill("000000")
    with admin.watch.allowing("status of 401"):  # the refusal is the expected answer
        page.get_by_role("button", name=T("mfa.submit"), exact=True).click()
        expect(page.get_by_role("alert")).to_have_text(T("mfa.invalid"))
    screenshot(page, "05-login-code")
    sign_out(admin)
    sign_in(admin, ADMIN, ADMIN_PASSWORD, totp_secret=secret)
    expect(page.get_by_role("link", name=T("layout.setup_mfa"))).to_have_count(0)
    admin.check("MFA enrolment and login with a code")
    return secret


def sign_out(visitor: Visitor) -> None:
    page = visitor.page
    menu = page.locator("details.usermenu")
    if menu.count():
        menu.locator("summary").click()
        page.get_by_role("button", name=T("layout.logout")).click()
    else:  # half signed in (code page): its own "cancel and sign out"
        page.get_by_role("button", name=T("mfa.cancel")).click()
    expect(page).to_have_url(re.compile(r"/login\?logged_out=1$"))


# --- 3. the company share as a source -----------------------------------------------------
SOURCE = "firma"


def add_and_sync_share(admin: Visitor, server: Server) -> None:
    """Add the share folder with its ACL map (uploaded as a CSV file), start the first sync
    and follow its progress until it completes: six files, no errors."""
    page = admin.page
    admin.goto("/")
    page.get_by_role("navigation", name=T("layout.nav_label")).get_by_role(
        "link", name=T("nav.admin")
    ).click()
    expect(page).to_have_url(re.compile(r"/admin/sources$"))
    expect(page.get_by_text(T("admin.sources.empty"))).to_be_visible()
    page.get_by_label(T("admin.sources.field_name"), exact=True).fill(SOURCE)
    page.get_by_label(T("admin.sources.field_folder"), exact=True).fill(str(server.share))
    page.get_by_label(T("admin.sources.field_schedule"), exact=True).fill("0")
    page.get_by_label(T("admin.sources.field_acl_file"), exact=True).set_input_files(server.acl_map)
    page.get_by_role("button", name=T("admin.sources.add_submit")).click()
    expect(page).to_have_url(re.compile(rf"/admin/sources/{SOURCE}\?notice=source_added$"))
    expect(page.get_by_role("status").first).to_have_text(T("admin.notice.source_added"))
    expect(page.get_by_text(T("admin.source.acl_rules", n=3))).to_be_visible()

    page.get_by_role("button", name=T("admin.sources.sync")).click()
    expect(page).to_have_url(re.compile(r"notice=sync_started$"))
    screenshot(page, "06-admin-source-sync-started")
    progress = page.locator(".sync-progress")
    # The page polls the progress and reloads itself once the sync has finished.
    expect(progress.locator("[data-field=status_label]")).to_have_text(
        T("admin.status.completed"), timeout=60_000
    )
    expect(progress.locator("[data-field=counts_text]")).to_contain_text(
        T("admin.count.added", n=len(SHARE_FILES))
    )
    expect(page.get_by_text(T("admin.source.no_errors"))).to_be_visible()
    screenshot(page, "07-admin-source-synced")
    admin.goto("/admin/sources")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=SOURCE))
    expect(row).to_contain_text(T("admin.sources.acl_mode.acl_map"))
    expect(row).to_contain_text(T("admin.status.completed"))
    screenshot(page, "08-admin-sources")
    admin.check("adding and syncing the share")


# --- 4. colleagues ------------------------------------------------------------------------
COLLEAGUES = {
    # name: (display name, password, groups as typed)
    "anna": ("Anna Berger", ANNA_PASSWORD, "mitarbeiter; technik"),
    "mia": ("Mia Schulz", MIA_PASSWORD, "mitarbeiter; personal"),
}


def create_colleagues(admin: Visitor) -> None:
    """Create Anna (technik) and Mia (HR) as local members with passwords and groups."""
    page = admin.page
    for name, (display, password, groups) in COLLEAGUES.items():
        admin.goto("/admin/users")
        form = page.locator("form[action='/admin/users']")
        form.get_by_label(T("field.username"), exact=True).fill(name)
        form.get_by_label(T("admin.users.col_display_name"), exact=True).fill(display)
        form.get_by_label(T("field.password"), exact=True).fill(password)
        form.get_by_label(T("admin.users.col_role"), exact=True).select_option("member")
        form.get_by_label(T("admin.users.col_groups"), exact=True).fill(groups)
        form.get_by_role("button", name=T("admin.users.create_submit")).click()
        expect(page).to_have_url(re.compile(rf"/admin/users/{name}\?notice=user_created$"))
        expect(page.get_by_role("status").first).to_have_text(T("admin.notice.user_created"))
    admin.goto("/admin/users")
    table = page.locator("#users")
    for name, (display, _password, groups) in COLLEAGUES.items():
        row = table.get_by_role("row").filter(has=page.get_by_role("link", name=name, exact=True))
        expect(row).to_contain_text(display)
        expect(row).to_contain_text(T("role.member"))
        expect(row).to_contain_text(", ".join(g.strip() for g in groups.split(";")))
    screenshot(page, "09-admin-users")
    admin.check("creating the colleagues")


# --- 5. asking, with the answer streamed ------------------------------------------------------
MAINTENANCE_QUESTION = "Wie lang ist das Wartungsintervall für HX-Getriebe?"
MAINTENANCE_FACT = "2.000 Betriebsstunden"
MAINTENANCE_DOC = "Technik/Wartung.md"
SALARY_QUESTION = "Wie hoch ist das Gehaltsband für Ingenieure?"
SALARY_DOC = "Personal/Gehaltsbaender.md"
SALARY_FACTS = ("58.000", "74.000", "Gehaltsbaender", "Gehaltsbänder")


def ask(visitor: Visitor, question: str, screenshot_name: str) -> Locator:
    """Ask on a new conversation and wait for the whole answer. The answer must arrive as a
    Server-Sent Events stream into the same page (no form post, no reload). Returns the
    answer's message element."""
    page = visitor.page
    visitor.goto("/")
    page.evaluate("window.__e2eSamePage = true")
    page.get_by_label(T("ask.question_label"), exact=True).fill(question)
    with page.expect_response(lambda r: r.url.endswith("/ask")) as asked:
        page.get_by_role("button", name=T("ask.submit"), exact=True).click()
    response = asked.value
    assert response.status == 200, f"/ask answered {response.status}"
    assert response.headers["content-type"].startswith("text/event-stream")
    answer = page.locator("#messages li.message-assistant").last
    # The last event replaces the streamed bubble with the stored message and its feedback.
    expect(answer.locator("form.feedback")).to_be_visible()
    expect(page.locator("#messages li.message-user").last).to_contain_text(question)
    assert page.evaluate("window.__e2eSamePage === true"), "the page reloaded instead of streaming"
    # The new conversation is in the address bar and the history.
    expect(page).to_have_url(re.compile(r"/conversations/\d+$"))
    history = page.locator("#history-list")
    expect(history.get_by_role("link", name=question, exact=True)).to_be_visible()
    screenshot(page, screenshot_name)
    visitor.check(f"asking {question!r}")
    return answer


# --- 6. the citation in the viewer, with the passage marked ---------------------------------
def open_citation(visitor: Visitor, answer: Locator) -> None:
    """The answer cites the maintenance manual; its link opens the viewer with the quoted
    passage marked and scrolled into view, and the original can be downloaded."""
    page = visitor.page
    sources = answer.locator("ol.citations")
    link = sources.get_by_role("link").filter(has_text=MAINTENANCE_DOC)
    expect(link).to_have_count(1)
    expect(sources).to_contain_text(MAINTENANCE_FACT)  # the quote under the source
    # The marker [n] in the answer text links to the same place.
    href = link.get_attribute("href")
    assert href, "the citation has no link"
    expect(answer.locator(f".answer a.cite[href='{href}']").first).to_be_visible()
    link.click()
    expect(page).to_have_url(re.compile(r"/documents/\d+\?.*cite=1.*#quote$"))
    mark = page.locator("mark")
    expect(mark.first).to_contain_text(MAINTENANCE_FACT)
    expect(mark.first).to_be_in_viewport()
    expect(page.get_by_text(MAINTENANCE_DOC)).to_be_visible()
    screenshot(page, "11-viewer-highlight")
    with page.expect_download() as downloading:
        page.get_by_role("link", name=T("doc.download")).click()
    download = downloading.value
    assert download.suggested_filename == "Wartung.md"
    saved = download.path()
    assert saved.read_text(encoding="utf-8") == SHARE_FILES[MAINTENANCE_DOC]
    visitor.check("opening the citation")


# --- 7. a restricted document stays hidden ------------------------------------------------
def find_salary_bands_as_hr(mia: Visitor) -> int:
    """Mia (personal) finds the salary bands through search and opens them: the document
    exists, and its id is what a curious colleague might guess. Returns the id."""
    page = mia.page
    search(mia, "Gehaltsband Ingenieure")
    result = page.locator("ol.results li.result").filter(has_text=SALARY_DOC)
    expect(result).to_have_count(1)
    href = result.get_by_role("link").first.get_attribute("href")
    match = re.match(r"/documents/(\d+)", href or "")
    assert match, f"the search result links to {href!r}, not to the viewer"
    result.get_by_role("link").first.click()
    expect(page.locator("article.document")).to_contain_text("58.000")
    mia.check("HR reading the salary bands")
    return int(match.group(1))


def search(visitor: Visitor, query: str) -> None:
    page = visitor.page
    visitor.goto("/")
    page.get_by_role("navigation", name=T("layout.nav_label")).get_by_role(
        "link", name=T("nav.search")
    ).click()
    page.get_by_label(T("search.query_label"), exact=True).fill(query)
    page.get_by_role("button", name=T("search.submit"), exact=True).click()
    expect(page).to_have_url(re.compile(r"/search\?q="))
    expect(
        page.get_by_role("heading", name=re.compile(T("search.results", count="")))
    ).to_be_visible()


def restricted_stays_hidden(anna: Visitor, salary_id: int) -> None:
    """Anna (no HR group) asks for the salary band, searches for it and for a word it shares
    with readable documents, and opens its viewer and download URLs directly: nothing of the
    document shows, and the URLs answer 404 (not 403, so ids reveal nothing)."""
    page = anna.page
    answer = ask(anna, SALARY_QUESTION, screenshot_name="12-ask-restricted")
    expect(answer.locator(".answer")).to_have_class(re.compile(r"\banswer-not-found\b"))
    expect(answer.locator("ol.citations")).to_have_count(0)
    for fact in SALARY_FACTS:
        expect(page.locator("main")).not_to_contain_text(fact)

    search(anna, "Gehaltsband Ingenieure")
    for fact in SALARY_FACTS:
        expect(page.locator("main")).not_to_contain_text(fact)
    # "Kilometerpauschale" is in the travel policies and in the salary bands: Anna sees only
    # the policies.
    search(anna, "Kilometerpauschale")
    results = page.locator("ol.results li.result")
    expect(results.filter(has_text="Reisekostenrichtlinie_2025.md")).to_have_count(1)
    expect(results.filter(has_text="Reisekostenrichtlinie_2023.md")).to_have_count(1)
    for fact in SALARY_FACTS:
        expect(page.locator("main")).not_to_contain_text(fact)
    screenshot(page, "13-search")

    with anna.watch.allowing("status of 404"):
        for path in (
            f"/documents/{salary_id}",
            f"/documents/{salary_id}?quote=Gehaltsband&cite=1",
            f"/documents/{salary_id}/download",
        ):
            anna.goto(path, expect_status=404)
            expect(page.get_by_role("heading", name=T("status.404"))).to_be_visible()
            for fact in SALARY_FACTS:
                expect(page.locator("body")).not_to_contain_text(fact)
        screenshot(page, "14-viewer-404")
        anna.check("the restricted document")


# --- 8. feedback --------------------------------------------------------------------------
FEEDBACK_COMMENT = "Bitte auch das Intervall für die Baureihe HY nennen."


def give_feedback(visitor: Visitor, answer: Locator) -> None:
    """Thumbs down with a comment; the page confirms, and after a reload the rating and the
    comment are still there."""
    page = visitor.page
    answer.locator("summary", has_text=T("ask.feedback_comment")).click()
    answer.get_by_label(T("ask.feedback_comment"), exact=True).fill(FEEDBACK_COMMENT)
    down = answer.get_by_role("button", name=T("ask.feedback_down"))
    down.click()
    expect(answer.get_by_role("status")).to_have_text(T("ask.feedback_saved"))
    expect(down).to_have_attribute("aria-pressed", "true")
    page.reload()
    answer = page.locator("#messages li.message-assistant").last
    expect(answer.get_by_role("button", name=T("ask.feedback_down"))).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(answer.get_by_label(T("ask.feedback_comment"), exact=True)).to_have_value(
        FEEDBACK_COMMENT
    )
    visitor.check("feedback")


# --- 9. the audit log ---------------------------------------------------------------------
def check_audit_page(admin: Visitor) -> None:
    """The admin filters the audit log by user and by kind; the chain verifies."""
    page = admin.page
    admin.goto("/admin/audit")
    page.get_by_label(T("admin.audit.col_user"), exact=True).fill("anna")
    page.get_by_role("button", name=T("admin.audit.filter"), exact=True).click()
    table = page.locator("#audit")
    for kind in (
        Kind.LOGIN_SUCCESS,
        Kind.QUESTION_ASKED,
        Kind.ANSWER_GIVEN,
        Kind.CITATION_OPENED,
        Kind.DOCUMENT_DOWNLOADED,
        Kind.SEARCH_PERFORMED,
        Kind.PERMISSION_DENIED,
    ):
        expect(table.locator(f"span[title='{kind}']").first).to_have_text(kind_label(kind, "de"))
    screenshot(page, "15-admin-audit")

    admin.goto("/admin/audit")
    page.get_by_label(T("admin.audit.col_kind"), exact=True).select_option(
        str(Kind.PERMISSION_DENIED)
    )
    page.get_by_role("button", name=T("admin.audit.filter"), exact=True).click()
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(3)  # viewer twice and the download
    for row in rows.all():
        expect(row).to_contain_text("anna")
        expect(row).to_contain_text(f"{SOURCE}:{SALARY_DOC}")

    admin.goto("/admin/audit?kind=admin.")
    for kind in (Kind.ADMIN_SOURCE_ADDED, Kind.ADMIN_SYNC_STARTED, Kind.ADMIN_USER_CREATED):
        expect(table.locator(f"span[title='{kind}']").first).to_be_visible()
    page.get_by_role("button", name=T("admin.audit.verify")).click()
    expect(page.locator("#chain-result")).to_have_attribute("role", "status")
    with page.expect_download() as downloading:
        page.get_by_role("link", name=T("admin.audit.export")).click()
    exported = downloading.value.path().read_text(encoding="utf-8-sig")
    assert str(Kind.ADMIN_SOURCE_ADDED) in exported and ADMIN in exported
    admin.check("the audit page")


# --- 8 and 9 in the database --------------------------------------------------------------
def check_database(server: Server, salary_id: int) -> None:
    """Straight from the store, as the server left it: Anna's feedback on the right answer,
    and an audit record of every step with who, what and on which object."""
    ww = make_app(server.data_dir)
    try:
        messages = []
        for summary in ww.store.conversations("anna"):
            conversation = ww.store.conversation(summary.id, "anna")
            assert conversation is not None
            messages.extend(conversation.messages)
        assert len(messages) == 4  # two questions, two answers
        rated = [message for message in messages if message.rating is not None]
        assert [(m.role, m.rating, m.comment) for m in rated] == [
            ("assistant", -1, FEEDBACK_COMMENT)
        ]
        assert MAINTENANCE_FACT in rated[0].text
        assert [c["path"] for c in rated[0].citations] == [MAINTENANCE_DOC]

        def objects(actor: str | None, kind: str) -> list[str | None]:
            found = ww.audit.events(AuditFilter(actor=actor, kind=kind), limit=500)
            assert found, f"no audit record {kind!r} of {actor!r}"
            return [record.object for record in found]

        salary = f"{SOURCE}:{SALARY_DOC}"
        objects(ADMIN, "account.created")  # the first run
        objects(ADMIN, Kind.MFA_ENROLLED)
        mfa_logins = ww.audit.events(AuditFilter(actor=ADMIN, kind=Kind.LOGIN_SUCCESS))
        assert any(r.payload.get("mfa") for r in mfa_logins), "no login with a code recorded"
        assert objects(ADMIN, Kind.LOGIN_FAILURE)  # the wrong code
        assert objects(ADMIN, Kind.ADMIN_SOURCE_ADDED) == [f"source:{SOURCE}"]
        assert objects(ADMIN, Kind.ADMIN_SYNC_STARTED) == [f"source:{SOURCE}"]
        assert sorted(map(str, objects(ADMIN, Kind.ADMIN_USER_CREATED))) == [
            "user:anna",
            "user:mia",
        ]
        objects(None, Kind.SYNC_COMPLETED)
        objects(ADMIN, Kind.AUDIT_EXPORTED)

        assert objects("anna", Kind.LOGIN_SUCCESS)
        assert len(objects("anna", Kind.QUESTION_ASKED)) == 2
        assert len(objects("anna", Kind.ANSWER_GIVEN)) == 2
        assert objects("anna", Kind.CITATION_OPENED) == [f"{SOURCE}:{MAINTENANCE_DOC}"]
        assert objects("anna", Kind.DOCUMENT_DOWNLOADED) == [f"{SOURCE}:{MAINTENANCE_DOC}"]
        assert len(objects("anna", Kind.SEARCH_PERFORMED)) == 2
        denied = ww.audit.events(AuditFilter(actor="anna", kind=Kind.PERMISSION_DENIED))
        assert sorted(r.payload.get("action") for r in denied) == ["download", "view", "view"]
        assert {(r.object, r.outcome, r.payload.get("document_id")) for r in denied} == {
            (salary, "denied", salary_id)
        }
        # Nothing Anna did touched the salary bands except the refused attempts.
        for record in ww.audit.events(AuditFilter(actor="anna"), limit=500):
            if record.kind != Kind.PERMISSION_DENIED:
                assert SALARY_DOC not in f"{record.object} {record.payload}", record
        assert objects("mia", Kind.DOCUMENT_VIEWED) == [salary]
        assert ww.audit.verify().ok
        # Sign-ins carry the outcome and the client address in their own columns, like every
        # other record, so the audit page can filter and show them.
        outcomes = {Kind.LOGIN_SUCCESS: "success", Kind.LOGIN_FAILURE: "failure"}
        for record in ww.audit.events(AuditFilter(kind="login."), limit=500):
            if record.kind not in outcomes:
                continue
            assert (record.outcome, record.ip) == (outcomes[record.kind], "127.0.0.1"), (
                f"audit record {record.id} ({record.kind} of {record.actor}) has outcome "
                f"{record.outcome!r} and ip {record.ip!r} in its columns; payload {record.payload}"
            )
    finally:
        ww.close()
