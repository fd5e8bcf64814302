"""The IMAP connector against a real Dovecot on loopback (see tests/servers/dovecot.py)."""

from __future__ import annotations

import contextlib
import imaplib
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest

from tests.servers.dovecot import DovecotServer, dovecot
from tests.servers.ports import free_port
from wissenswerk.core.errors import ConfigError, SourceError
from wissenswerk.core.models import SourceConfig, SourceItem
from wissenswerk.parsing import ParserRegistry
from wissenswerk.sources.base import SourceContext
from wissenswerk.sources.imap import (
    ImapSource,
    decode_mailbox_name,
    encode_mailbox_name,
)

__all__ = ["dovecot"]  # the session fixture, imported for pytest

DATA = Path(__file__).resolve().parents[1] / "data"
SENT = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)


def mail(subject: str, body: str, attachments: tuple[str, ...] = ()) -> bytes:
    message = EmailMessage()
    message["From"] = "Herr Weber <weber@kunde.de>"
    message["To"] = "vertrieb@firma.de"
    message["Subject"] = subject
    message["Date"] = format_datetime(SENT)
    message.set_content(body)
    for name in attachments:
        kind = "pdf" if name.endswith(".pdf") else "octet-stream"
        data = (DATA / name).read_bytes()
        message.add_attachment(data, maintype="application", subtype=kind, filename=name)
    return message.as_bytes()


def append(imap: imaplib.IMAP4, folder: str, data: bytes) -> None:
    mailbox = '"' + encode_mailbox_name(folder) + '"'
    typ, _ = imap.append(mailbox, "", imaplib.Time2Internaldate(SENT.timestamp()), data)
    assert typ == "OK"


def create(imap: imaplib.IMAP4, folder: str) -> None:
    typ, detail = imap.create('"' + encode_mailbox_name(folder) + '"')
    assert typ == "OK", detail


ANNA_MAILS = {
    "INBOX": [
        mail("Angebot für Müller GmbH", "Sehr geehrte Damen und Herren, anbei der Bericht.",
             ("bericht.pdf",)),
        mail("Protokoll: Besprechung 3/2025", "Das Handbuch liegt bei.", ("handbuch.docx",)),
        mail("Kaputter Anhang", "Die Übergabe erfolgt am Montag.", ("kaputt.pdf",)),
    ],
    "Geschäftsführung": [mail("Übernahme Projekt Falke", "Streng vertraulich: Kranich GmbH.")],
    "Projekte/Alt": [mail("Altes Projekt", "Archivierte Unterlagen.")],
    "Trash": [mail("Gelöscht", "weg")],
    "Papierkorb": [mail("Auch gelöscht", "weg")],
    "Entwürfe": [mail("Entwurf", "noch nicht fertig")],
}  # fmt: skip


@pytest.fixture(scope="session")
def mailserver(dovecot: DovecotServer) -> DovecotServer:
    """Dovecot with anna's mailbox filled; the other users stay for tests that change mail."""
    with dovecot.session("anna") as imap:
        for folder, messages in ANNA_MAILS.items():
            if folder not in ("INBOX", "Trash"):
                create(imap, folder)
            for data in messages:
                append(imap, folder, data)
    return dovecot


def make_source(
    server: DovecotServer,
    user: str = "anna",
    ssl: str = "none",
    acl_mode: str = "posix",
    acl_map: tuple[tuple[str, tuple[str, ...]], ...] = (),
    **options: Any,
) -> ImapSource:
    options = {
        "host": server.host,
        "port": server.port,
        "ssl": ssl,
        "username": user,
        "password": server.users.get(user, ""),
        "readers": [f"user:{user}"],
        **options,
    }
    config = SourceConfig(f"mail-{user}", "imap", server.host, acl_mode, acl_map, options)
    return ImapSource(config, SourceContext(data_dir=Path("/nonexistent"), timeout_s=10))


OpenSource = Callable[..., ImapSource]


@pytest.fixture
def open_source() -> Iterator[OpenSource]:
    """make_source, closing every source after the test (an open socket fails the test)."""
    opened: list[ImapSource] = []

    def factory(*args: Any, **kwargs: Any) -> ImapSource:
        opened.append(make_source(*args, **kwargs))
        return opened[-1]

    yield factory
    for source in opened:
        source.close()


@pytest.fixture
def anna(mailserver: DovecotServer, open_source: OpenSource) -> ImapSource:
    return open_source(mailserver)


@pytest.fixture
def scratch(dovecot: DovecotServer, request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh folder in the 'vertrieb' mailbox for tests that add and delete mail."""
    folder = re.sub(r"\W", "", request.node.name)[:40]
    with dovecot.session("vertrieb") as imap:
        create(imap, folder)
    yield folder
    with dovecot.session("vertrieb") as imap:
        imap.delete('"' + folder + '"')


def by_path(source: ImapSource) -> dict[str, SourceItem]:
    items = {item.path: item for item in source.list_items()}
    assert len(items) == len(list(source.list_items()))  # paths are unique
    return items


def uid_of(item: SourceItem) -> int:
    return int(item.version.split(":")[1])


def test_lists_mail_of_wanted_folders_with_paths_titles_and_versions(anna: ImapSource) -> None:
    items = by_path(anna)
    names = sorted(re.sub(r"/\d+ ", "/# ", p) for p in items)
    assert names == [
        "Geschäftsführung/# Übernahme Projekt Falke.eml",
        "INBOX/# Angebot für Müller GmbH.eml",
        "INBOX/# Kaputter Anhang.eml",
        "INBOX/# Protokoll Besprechung 3 2025.eml",  # ':' and '/' are no path characters
        "Projekte/Alt/# Altes Projekt.eml",
    ]  # Trash (special-use), Papierkorb and Entwürfe (by name) are skipped
    assert anna.listing_errors == []
    offer = next(i for p, i in items.items() if "Angebot" in p)
    assert offer.title == "Angebot für Müller GmbH"
    assert offer.path == f"INBOX/{uid_of(offer)} Angebot für Müller GmbH.eml"
    assert re.fullmatch(r"\d+:\d+", offer.version)
    assert offer.modified == SENT
    assert offer.mtime_ns == int(SENT.timestamp()) * 1_000_000_000
    assert offer.acl == {"user:anna"}
    # Listing again changes nothing: the sync sees every mail as unchanged.
    assert {p: (i.version, i.size, i.mtime_ns) for p, i in by_path(anna).items()} == {
        p: (i.version, i.size, i.mtime_ns) for p, i in items.items()
    }


def test_read_returns_the_stored_message_which_parses_with_attachments(
    anna: ImapSource,
) -> None:
    items = by_path(anna)
    registry = ParserRegistry()
    offer = next(i for p, i in items.items() if "Angebot" in p)
    data = anna.read(offer)
    assert len(data) == offer.size  # RFC822.SIZE is the size of what BODY[] returns
    doc = registry.parse_bytes(data, offer.path)
    assert doc.title == "Angebot für Müller GmbH"
    assert "Sehr geehrte Damen und Herren" in doc.text
    assert "Wartungsintervall für die Spindel" in doc.text  # from bericht.pdf

    protocol = registry.parse_bytes(anna.read(items[next(p for p in items if "Protokoll" in p)]),
                                    "x.eml")  # fmt: skip
    assert "Betriebshandbuch FM-200" in protocol.text  # from handbuch.docx

    broken = next(i for p, i in items.items() if "Kaputter" in p)
    doc = registry.parse_bytes(anna.read(broken), broken.path)
    assert "Übergabe erfolgt am Montag" in doc.text  # the mail survives its broken attachment
    assert any("kaputt.pdf" in w for w in doc.warnings)

    secret = next(i for p, i in items.items() if p.startswith("Geschäftsführung/"))
    assert b"Kranich GmbH" in anna.read(secret)  # a folder with a non-ASCII name


def test_reading_does_not_mark_mail_as_seen(
    open_source: OpenSource, dovecot: DovecotServer, scratch: str
) -> None:
    with dovecot.session("vertrieb") as imap:
        append(imap, scratch, mail("Ungelesen", "bitte nicht als gelesen markieren"))
    source = open_source(dovecot, "vertrieb", folders=[scratch])
    (item,) = source.list_items()
    assert b"bitte nicht als gelesen" in source.read(item)
    with dovecot.session("vertrieb") as imap:
        imap.select('"' + scratch + '"', readonly=True)
        _, data = imap.uid("FETCH", str(uid_of(item)), "(FLAGS)")
    assert b"\\Seen" not in data[0]


def test_mail_without_subject_or_with_raw_utf8_subject(
    open_source: OpenSource, dovecot: DovecotServer, scratch: str
) -> None:
    with dovecot.session("vertrieb") as imap:
        append(imap, scratch, b"From: a@b.de\r\nTo: c@d.de\r\n\r\nOhne Betreff.\r\n")
        raw = "From: a@b.de\r\nSubject: Grüße aus München\r\n\r\nHallo\r\n".encode()
        append(imap, scratch, raw)  # 8-bit header, as some mailers send it
    source = open_source(dovecot, "vertrieb", folders=[scratch])
    items = sorted(source.list_items(), key=uid_of)
    assert [(i.path.split("/", 1)[1], i.title) for i in items] == [
        (f"{uid_of(items[0])}.eml", None),
        (f"{uid_of(items[1])} Grüße aus München.eml", "Grüße aus München"),
    ]


def test_readers_and_the_most_specific_folder_readers(
    open_source: OpenSource, mailserver: DovecotServer
) -> None:
    source = open_source(
        mailserver,
        readers=["user:anna"],
        folder_readers={
            "*": ["assistenz"],
            "Projekte": ["group:projekt"],  # covers Projekte/Alt, and beats "*"
            "Gesch*": ["user:mia"],
            "Geschäftsführung": ["geschaeftsfuehrung"],  # beats the shorter "Gesch*"
        },
    )
    acls = {p.rpartition("/")[0]: i.acl for p, i in by_path(source).items()}
    assert acls == {
        "INBOX": {"user:anna", "group:assistenz"},
        "Geschäftsführung": {"user:anna", "group:geschaeftsfuehrung"},
        "Projekte/Alt": {"user:anna", "group:projekt"},
    }
    nobody = open_source(mailserver, readers=[])
    assert all(item.acl == frozenset() for item in nobody.list_items())  # deny by default


def test_acl_map_mode_uses_folder_prefixes(
    open_source: OpenSource, mailserver: DovecotServer
) -> None:
    rules = (("", ("group:mitarbeiter",)), ("Geschäftsführung", ("group:gf",)))
    source = open_source(mailserver, acl_mode="acl_map", acl_map=rules)
    acls = {p.split("/")[0]: i.acl for p, i in by_path(source).items()}
    assert acls["INBOX"] == {"group:mitarbeiter"}
    assert acls["Geschäftsführung"] == {"group:gf"}


def test_new_mail_appears_and_expunged_mail_disappears(
    open_source: OpenSource, dovecot: DovecotServer, scratch: str
) -> None:
    with dovecot.session("vertrieb") as imap:
        append(imap, scratch, mail("Erste", "eins"))
        append(imap, scratch, mail("Zweite", "zwei"))
    source = open_source(dovecot, "vertrieb", folders=[scratch])
    before = by_path(source)
    assert sorted(str(i.title) for i in before.values()) == ["Erste", "Zweite"]

    with dovecot.session("vertrieb") as imap:
        append(imap, scratch, mail("Dritte", "drei"))
        imap.select('"' + scratch + '"')
        first = next(i for i in before.values() if i.title == "Erste")
        imap.uid("STORE", str(uid_of(first)), "+FLAGS", "(\\Deleted)")
        imap.expunge()
    after = by_path(source)
    assert sorted(str(i.title) for i in after.values()) == ["Dritte", "Zweite"]
    second = next(p for p, i in before.items() if i.title == "Zweite")
    assert after[second].version == before[second].version  # unchanged mail, same token
    with pytest.raises(SourceError, match="no longer exists"):
        source.read(first)


def test_renumbered_folder_gives_new_versions(
    open_source: OpenSource, dovecot: DovecotServer, scratch: str
) -> None:
    with dovecot.session("vertrieb") as imap:
        append(imap, scratch, mail("Vorher", "alt"))
    source = open_source(dovecot, "vertrieb", folders=[scratch])
    (old,) = source.list_items()
    dovecot.set_uidvalidity("vertrieb", scratch, int(old.version.split(":")[0]) + 1000)
    (new,) = source.list_items()
    assert new.version.split(":")[0] != old.version.split(":")[0]
    with pytest.raises(SourceError, match="renumbered"):
        source.read(old)
    assert b"alt" in source.read(new)


def test_folder_that_cannot_be_opened_is_a_listing_error(
    open_source: OpenSource, dovecot: DovecotServer, scratch: str
) -> None:
    with dovecot.session("vertrieb") as imap:
        create(imap, "Gesperrt")
        append(imap, "Gesperrt", mail("Intern", "x"))
        append(imap, scratch, mail("Offen", "y"))
    folder = dovecot.maildir("vertrieb", "Gesperrt")
    source = open_source(dovecot, "vertrieb", folders=[scratch, "Gesperrt"])
    folder.chmod(0o000)
    try:
        items = list(source.list_items())
    finally:
        folder.chmod(0o700)
        with dovecot.session("vertrieb") as imap:
            imap.delete('"Gesperrt"')
    assert [i.title for i in items] == ["Offen"]
    assert [prefix for prefix, _ in source.listing_errors] == ["Gesperrt"]
    assert "cannot open the mail folder" in source.listing_errors[0][1]


def test_wrong_password_is_a_clear_error(
    open_source: OpenSource, mailserver: DovecotServer
) -> None:
    source = open_source(mailserver, password="falsch")
    with pytest.raises(SourceError, match="login failed for user 'anna'"):
        list(source.list_items())


def test_server_down_is_a_source_error(open_source: OpenSource, mailserver: DovecotServer) -> None:
    source = open_source(mailserver, port=free_port())
    with pytest.raises(SourceError, match="cannot connect to the IMAP server"):
        list(source.list_items())


def test_tls_verifies_the_certificate(open_source: OpenSource, mailserver: DovecotServer) -> None:
    trusted = open_source(
        mailserver, ssl="tls", port=mailserver.tls_port, ca_file=str(mailserver.ca_file)
    )
    assert len(list(trusted.list_items())) == 5
    untrusted = open_source(mailserver, ssl="tls", port=mailserver.tls_port)
    with pytest.raises(SourceError, match=r"certificate .* is not trusted"):
        list(untrusted.list_items())


def test_starttls_on_the_plain_port(open_source: OpenSource, mailserver: DovecotServer) -> None:
    source = open_source(mailserver, ssl="starttls", ca_file=str(mailserver.ca_file))
    assert len(list(source.list_items())) == 5


def test_utf8_password_and_shared_mailbox_via_master_user(
    open_source: OpenSource, dovecot: DovecotServer
) -> None:
    with dovecot.session("archiv") as imap:
        append(imap, "INBOX", mail("Archivierte Rechnung", "Rechnung 4711"))
    own = open_source(dovecot, "archiv")  # password 'Schlüssel-2025'
    assert [i.title for i in own.list_items()] == ["Archivierte Rechnung"]
    shared = open_source(
        dovecot, "admin", password="master-geheim", authorize_as="archiv",
        readers=["group:buchhaltung"],
    )  # fmt: skip
    (item,) = shared.list_items()
    assert item.acl == {"group:buchhaltung"}
    assert b"Rechnung 4711" in shared.read(item)


def test_bad_options_are_config_errors(open_source: OpenSource, mailserver: DovecotServer) -> None:
    with pytest.raises(ConfigError, match="ssl"):
        open_source(mailserver, ssl="sometimes")
    with pytest.raises(ConfigError, match="folder_readrs"):
        open_source(mailserver, folder_readrs={"*": ["x"]})
    with pytest.raises(ConfigError, match="password"):
        open_source(mailserver, user="nobody", password=None)
    with pytest.raises(ConfigError, match="cannot load ca_file"):
        open_source(mailserver, ssl="tls", ca_file="/nonexistent/ca.pem")


@pytest.mark.parametrize(
    ("name", "encoded"),
    [
        ("Geschäftsführung", "Gesch&AOQ-ftsf&APw-hrung"),
        ("Entwürfe", "Entw&APw-rfe"),
        ("R&D", "R&-D"),
        ("日本語", "&ZeVnLIqe-"),
        ("INBOX", "INBOX"),
    ],
)
def test_modified_utf7_round_trip(name: str, encoded: str) -> None:
    assert encode_mailbox_name(name) == encoded
    assert decode_mailbox_name(encoded) == name


def test_sync_engine_indexes_and_deletes_mail(
    open_source: OpenSource, dovecot: DovecotServer, scratch: str, tmp_path: Path
) -> None:
    from tests.conftest import make_app

    with dovecot.session("vertrieb") as imap:
        append(imap, scratch, mail("Lieferung Getriebe HX", "Die Lieferung kommt am Freitag."))
        append(imap, scratch, mail("Rechnung", "Bitte überweisen."))
    source = open_source(dovecot, "vertrieb", folders=[scratch])
    app = make_app(tmp_path / "data")
    app.store.add_source(source.config)
    with contextlib.closing(app), contextlib.closing(source):
        report = app.syncer.sync(source)
        assert (report.listed, report.errors) == (2, [])
        with dovecot.session("vertrieb") as imap:
            imap.select('"' + scratch + '"')
            imap.uid("STORE", "1:*", "+FLAGS", "(\\Deleted)")
            imap.expunge()
            append(imap, scratch, mail("Neu", "frisch"))
        report = app.syncer.sync(source)
        assert (report.listed, report.deleted) == (1, 2)
