"""The ask page: streamed answers with citations, the form without JavaScript, feedback on
one's own answers, and the conversation history (own conversations only)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import csrf_of
from tests.web.employees import RESTRICTED_MD, Office, open_office
from wissenswerk.store.audit import AuditFilter

MILEAGE = "Wie hoch ist die Kilometerpauschale?"
SALARY = "Wie hoch ist das Gehaltsband für Ingenieure?"
STREAM = {"accept": "text/event-stream"}
CITE_LINK = re.compile(r'<a class="cite" href="([^"]+)"')


@pytest.fixture
def office(tmp_path: Path) -> Iterator[Office]:
    office = open_office(tmp_path)
    yield office
    office.web.ww.close()


def events(response: httpx.Response) -> list[tuple[str, dict[str, Any]]]:
    """The Server-Sent Events of a streamed answer, in order."""
    assert response.headers["content-type"].startswith("text/event-stream")
    out = []
    for block in response.text.split("\n\n"):
        if not block.strip():
            continue
        fields = dict(line.split(": ", 1) for line in block.split("\n"))
        out.append((fields["event"], json.loads(fields["data"])))
    return out


def ask(client: TestClient, question: str, stream: bool = True, **extra: str) -> httpx.Response:
    token = csrf_of(client.get("/").text)
    data = {"csrf_token": token, "question": question, **extra}
    return client.post("/ask", data=data, headers=STREAM if stream else {})


def audit(office: Office, kind: str, actor: str) -> list[dict[str, Any]]:
    records = office.web.ww.audit.events(AuditFilter(kind=kind, actor=actor), limit=100)
    return [{"object": r.object, "outcome": r.outcome, **r.payload} for r in records]


def test_the_answer_streams_status_lines_and_citations(office: Office) -> None:
    anna = office.client("anna")
    response = ask(anna, MILEAGE)
    assert response.status_code == 200
    stream = events(response)
    names = [name for name, _ in stream]
    # First the status, then the conversation, the answer lines, the citations, the message.
    assert names[:2] == ["status", "conversation"] and names[-1] == "done"
    assert stream[0][1]["text"] == "Suche in Ihren Dokumenten …"
    lines = [data for name, data in stream if name == "line"]
    citations = [data for name, data in stream if name == "citation"]
    assert names.index("line") < names.index("citation")
    assert len(lines) >= 2 and citations
    newest = office.document_id("Allgemein/Reisekostenrichtlinie_2025.md")
    first = citations[0]
    assert first["number"] == 1 and first["quote"] == (
        "Die Kilometerpauschale beträgt 0,35 € je Kilometer."
    )
    assert first["href"].startswith(f"/documents/{newest}?quote=")
    # The marker in the line links to the same place as the citation.
    markers = [s for line in lines for s in line["segments"] if s.get("number") == 1]
    assert markers and markers[0]["text"] == "[1]" and markers[0]["href"] == first["href"]
    # "done" brings the stored message as the page renders it, feedback form included.
    done = stream[-1][1]
    assert f'id="m{done["message_id"]}"' in done["html"]
    assert f'action="/messages/{done["message_id"]}/feedback"' in done["html"]
    conversation_id = stream[1][1]["id"]
    stored = office.web.ww.store.conversation(conversation_id, "anna")
    assert stored is not None
    assert [m.role for m in stored.messages] == ["user", "assistant"]
    assert stored.messages[0].text == MILEAGE
    assert stored.messages[1].found is True
    assert stored.messages[1].citations[0]["document_id"] == newest


def test_questions_and_answers_are_audited(office: Office) -> None:
    anna = office.client("anna")
    ask(anna, MILEAGE)
    [asked] = audit(office, "question.asked", "anna")
    assert asked["question"] == MILEAGE
    [given] = audit(office, "answer.given", "anna")
    assert given["found"] is True
    assert "share:Allgemein/Reisekostenrichtlinie_2025.md" in given["cited"]
    assert given["conversation"] == asked["conversation"]
    ask(anna, "Wie heißt der Hund des Hausmeisters?")
    latest = audit(office, "answer.given", "anna")[0]
    assert latest["found"] is False and latest["cited"] == []


def test_without_javascript_the_form_posts_and_the_page_shows_the_answer(office: Office) -> None:
    anna = office.client("anna")
    response = ask(anna, MILEAGE, stream=False)
    assert response.status_code == 303
    location = response.headers["location"]
    assert re.fullmatch(r"/conversations/\d+#m\d+", location)
    page = anna.get(location.split("#")[0])
    assert page.status_code == 200
    assert MILEAGE in page.text
    assert "„Die Kilometerpauschale beträgt 0,35 € je Kilometer.“" in page.text
    links = CITE_LINK.findall(page.text)
    assert links and all(link.startswith("/documents/") for link in links)


def test_a_citation_opens_the_viewer_with_the_quote_marked(office: Office) -> None:
    anna = office.client("anna")
    ask(anna, MILEAGE, stream=False)
    conversation = office.web.ww.store.conversations("anna")[0]
    page = anna.get(f"/conversations/{conversation.id}").text
    href = CITE_LINK.search(page)
    assert href
    viewer = anna.get(href.group(1).replace("&amp;", "&").split("#")[0])
    assert viewer.status_code == 200
    assert '<mark id="quote">Die Kilometerpauschale beträgt 0,35 € je Kilometer.</mark>' in (
        viewer.text
    )
    [opened] = audit(office, "citation.opened", "anna")
    assert opened["object"] == "share:Allgemein/Reisekostenrichtlinie_2025.md"
    assert opened["quote_found"] is True


def test_a_pdf_citation_links_to_its_page(office: Office) -> None:
    anna = office.client("anna")
    stream = events(ask(anna, "Wie oft werden Lichtschranken und Not-Halt-Taster geprüft?"))
    [citation] = [data for name, data in stream if name == "citation"][:1]
    assert citation["label"] == "Technik/Wartungsbericht.pdf, S. 2"
    assert "page=2" in citation["href"]
    viewer = anna.get(citation["href"].split("#")[0])
    assert 'id="page-2"' in viewer.text and '<mark id="quote">' in viewer.text


def _answer_id(office: Office, user: str) -> tuple[int, int]:
    conversation = office.web.ww.store.conversations(user)[0]
    record = office.web.ww.store.conversation(conversation.id, user)
    assert record is not None
    return conversation.id, next(m.id for m in record.messages if m.role == "assistant")


def test_feedback_is_stored_on_own_answers_only(office: Office) -> None:
    anna, mia = office.client("anna"), office.client("mia")
    ask(anna, MILEAGE)
    conversation_id, message_id = _answer_id(office, "anna")
    page = anna.get(f"/conversations/{conversation_id}").text
    response = anna.post(
        f"/messages/{message_id}/feedback",
        data={
            "csrf_token": csrf_of(page),
            "rating": "down",
            "comment": "Die alte Pauschale fehlt.",
            "conversation_id": str(conversation_id),
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/conversations/{conversation_id}#m{message_id}"
    stored = office.web.ww.store.conversation(conversation_id, "anna")
    assert stored is not None
    answer = stored.messages[1]
    assert (answer.rating, answer.comment) == (-1, "Die alte Pauschale fehlt.")
    assert (
        'value="down" class="rate" aria-pressed="true"'
        in anna.get(f"/conversations/{conversation_id}").text
    )
    # The page's script sends it in the background and gets JSON back.
    response = anna.post(
        f"/messages/{message_id}/feedback",
        data={"csrf_token": csrf_of(page), "rating": "up"},
        headers={"accept": "application/json"},
    )
    assert response.status_code == 200 and response.json()["rating"] == "up"
    # Someone else's answer, an unknown rating, a missing token: refused, nothing changes.
    foreign = mia.post(
        f"/messages/{message_id}/feedback",
        data={"csrf_token": csrf_of(mia.get("/").text), "rating": "down"},
    )
    assert foreign.status_code == 404
    odd = anna.post(
        f"/messages/{message_id}/feedback", data={"csrf_token": csrf_of(page), "rating": "5"}
    )
    assert odd.status_code == 400
    assert anna.post(f"/messages/{message_id}/feedback", data={"rating": "down"}).status_code == (
        403
    )
    stored = office.web.ww.store.conversation(conversation_id, "anna")
    assert stored is not None and (stored.messages[1].rating, stored.messages[1].comment) == (
        1,
        None,
    )


def test_history_lists_opens_continues_and_deletes_own_conversations(office: Office) -> None:
    anna, mia = office.client("anna"), office.client("mia")
    ask(anna, MILEAGE)
    ask(anna, "Wann öffnet die Kantine?")
    first, second = sorted(c.id for c in office.web.ww.store.conversations("anna"))
    home = anna.get("/").text
    assert f'href="/conversations/{first}"' in home and f'href="/conversations/{second}"' in home
    assert "Wann öffnet die Kantine?" in home
    opened = anna.get(f"/conversations/{first}")
    assert opened.status_code == 200 and MILEAGE in opened.text
    assert f'name="conversation_id" value="{first}"' in opened.text
    # A follow-up question goes into the same conversation.
    ask(anna, "Und die Übernachtung?", conversation_id=str(first))
    record = office.web.ww.store.conversation(first, "anna")
    assert record is not None and len(record.messages) == 4
    # Another user sees none of it: not in the list, not by id, cannot add or delete.
    assert f"/conversations/{first}" not in mia.get("/").text
    assert mia.get(f"/conversations/{first}").status_code == 404
    token = csrf_of(mia.get("/").text)
    intrusion = mia.post(
        "/ask", data={"csrf_token": token, "question": "Hallo?", "conversation_id": str(first)}
    )
    assert intrusion.status_code == 404
    assert mia.post(f"/conversations/{first}/delete", data={"csrf_token": token}).status_code == (
        404
    )
    record = office.web.ww.store.conversation(first, "anna")
    assert record is not None and len(record.messages) == 4
    # The owner deletes it.
    deleted = anna.post(
        f"/conversations/{first}/delete", data={"csrf_token": csrf_of(anna.get("/").text)}
    )
    assert deleted.status_code == 303 and deleted.headers["location"] == "/"
    assert anna.get(f"/conversations/{first}").status_code == 404
    assert [c.id for c in office.web.ww.store.conversations("anna")] == [second]


def test_answers_never_quote_a_document_the_user_may_not_read(office: Office) -> None:
    anna, mia = office.client("anna"), office.client("mia")
    for stream in (True, False):
        response = ask(anna, SALARY, stream=stream)
        text = response.text if stream else anna.get(response.headers["location"]).text
        assert "Personal/" not in text and "58.000" not in text
    # The same question by someone in the group personal does quote it.
    answer = events(ask(mia, SALARY))
    cited = [data["label"] for name, data in answer if name == "citation"]
    assert RESTRICTED_MD in cited


def test_an_empty_question_is_refused(office: Office) -> None:
    anna = office.client("anna")
    assert ask(anna, "   ").status_code == 400
    assert office.web.ww.store.conversations("anna") == []


def test_citations_of_a_document_with_hidden_text_carry_a_warning(office: Office) -> None:
    # Zero-width characters inside words: a classic way to smuggle text past readers.
    (office.share / "Technik" / "Kantine.md").write_text(
        "# Kantine\n\nDie Kan\u200btine bietet mittwochs Kartoffel\u200bsuppe an.\n",
        encoding="utf-8",
    )
    office.web.ww.syncer.sync(office.web.ww.source("share"))
    anna = office.client("anna")
    response = ask(anna, "Was gibt es mittwochs in der Kantine?", stream=False)
    page = anna.get(response.headers["location"].split("#")[0]).text
    assert "Kartoffelsuppe" in page  # indexed without the invisible characters
    assert 'class="hidden-text-flag"' in page and "zero-width characters" in page
