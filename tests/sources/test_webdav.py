"""The WebDAV connector against a real WsgiDAV server on loopback (tests/servers/webdav.py)."""

from __future__ import annotations

import contextlib
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.servers.ports import free_port
from tests.servers.webdav import WebDavServer, webdav
from wissenswerk.core.errors import ConfigError, SourceError
from wissenswerk.core.models import SourceConfig, SourceItem
from wissenswerk.sources.base import SourceContext
from wissenswerk.sources.webdav import WebDavSource, parse_multistatus

__all__ = ["webdav"]  # the session fixture, imported for pytest

FILES = {
    "Verträge 2025/Müller & Söhne.txt": "Rahmenvertrag mit Müller & Söhne, Laufzeit drei Jahre.",
    "Verträge 2025/Entwurf (alt).md": "# Entwurf\n\nNicht mehr gültig.",
    "Technik/Wartung.md": "# Wartung\n\nDas Intervall beträgt 2.000 Stunden.",
    "Preise/50% Rabatt #1 + mehr?.txt": "Sonderkonditionen für Großkunden.",
    "Personal/Gehälter/2025.csv": "name;gehalt\nanna;50000\n",
    "A/B/C/tief.txt": "ganz unten",
    "wurzel.txt": "im Stammordner",
    ".versteckt": "hidden",
    "Technik/~$Wartung.docx": "Office lock file",
}
LISTED = sorted(p for p in FILES if not p.rsplit("/", 1)[-1].startswith((".", "~$")))


@pytest.fixture
def share(webdav: WebDavServer, request: pytest.FixtureRequest) -> Iterator[Path]:
    """A fresh folder on the server for one test, filled with FILES."""
    root = webdav.root / re.sub(r"\W", "", request.node.name)[:50]
    for rel, text in FILES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    yield root
    for folder in [root, *root.rglob("*")]:
        if folder.is_dir():
            folder.chmod(0o755)


OpenSource = Callable[..., WebDavSource]


@pytest.fixture
def open_source(webdav: WebDavServer, share: Path) -> Iterator[OpenSource]:
    """A WebDAV source on the test's folder; closed after the test."""
    opened: list[WebDavSource] = []

    def factory(
        acl_mode: str = "posix",
        acl_map: tuple[tuple[str, tuple[str, ...]], ...] = (),
        **options: Any,
    ) -> WebDavSource:
        options = {
            "url": webdav.url(share.name),
            "username": "anna",
            "password": webdav.users["anna"],
            "readers": ["group:mitarbeiter"],
            **options,
        }
        config = SourceConfig("cloud", "webdav", options["url"], acl_mode, acl_map, options)
        opened.append(WebDavSource(config, SourceContext(data_dir=share, timeout_s=10)))
        return opened[-1]

    yield factory
    for source in opened:
        source.close()


def listing(source: WebDavSource) -> dict[str, SourceItem]:
    return {item.path: item for item in source.list_items()}


def test_lists_files_with_decoded_paths_sizes_mtimes_and_etags(
    open_source: OpenSource, share: Path
) -> None:
    source = open_source()
    items = listing(source)
    assert sorted(items) == LISTED  # hidden files and Office lock files are skipped
    assert source.listing_errors == []
    contract = items["Verträge 2025/Müller & Söhne.txt"]
    on_disk = (share / contract.path).stat()
    assert contract.size == on_disk.st_size
    assert contract.mtime_ns == int(on_disk.st_mtime) * 1_000_000_000
    assert contract.version == f"{on_disk.st_ino}-{int(on_disk.st_mtime)}-{on_disk.st_size}"
    assert contract.url is not None and "Vertr%C3%A4ge%202025/" in contract.url
    assert contract.acl == {"group:mitarbeiter"}
    assert listing(source) == items  # listing twice: equal versions, nothing to sync


def test_read_round_trips_names_with_umlauts_spaces_and_url_characters(
    open_source: OpenSource, share: Path
) -> None:
    source = open_source()
    items = listing(source)
    for path in LISTED:
        assert source.read(items[path]) == (share / path).read_bytes(), path
    fresh = open_source()  # a new source reads without a listing (paths from the index)
    item = items["Preise/50% Rabatt #1 + mehr?.txt"]
    assert fresh.read(item) == "Sonderkonditionen für Großkunden.".encode()


def test_changes_show_as_new_etags_and_deleted_files_disappear(
    open_source: OpenSource, share: Path
) -> None:
    source = open_source()
    before = listing(source)
    changed = share / "Technik/Wartung.md"
    changed.write_text("# Wartung\n\nDas Intervall beträgt jetzt 2.500 Stunden.", "utf-8")
    later = time.time() + 60
    os.utime(changed, (later, later))
    (share / "wurzel.txt").unlink()
    (share / "Technik/Neu.md").write_text("neu", encoding="utf-8")
    after = listing(source)
    assert set(after) == set(before) - {"wurzel.txt"} | {"Technik/Neu.md"}
    assert after["Technik/Wartung.md"].version != before["Technik/Wartung.md"].version
    assert b"2.500 Stunden" in source.read(after["Technik/Wartung.md"])
    unchanged = "Verträge 2025/Müller & Söhne.txt"
    assert after[unchanged].version == before[unchanged].version
    with pytest.raises(SourceError, match="no longer exists"):
        source.read(before["wurzel.txt"])


def test_path_readers_longest_prefix_wins(open_source: OpenSource) -> None:
    source = open_source(
        readers=["mitarbeiter"],
        path_readers={"Personal": ["personal", "user:chef"], "Verträge 2025/": ["vertrieb"]},
    )
    acls = {path: item.acl for path, item in listing(source).items()}
    assert acls["Technik/Wartung.md"] == {"group:mitarbeiter"}
    assert acls["Personal/Gehälter/2025.csv"] == {"group:personal", "user:chef"}
    assert acls["Verträge 2025/Müller & Söhne.txt"] == {"group:vertrieb"}
    nobody = open_source(readers=[])
    assert all(item.acl == frozenset() for item in nobody.list_items())  # deny by default


def test_acl_map_mode_uses_the_sources_acl_map(open_source: OpenSource) -> None:
    rules = (("", ("everyone",)), ("Personal", ("group:personal",)))
    acls = {p: i.acl for p, i in listing(open_source("acl_map", rules)).items()}
    assert acls["wurzel.txt"] == {"everyone"}
    assert acls["Personal/Gehälter/2025.csv"] == {"group:personal"}


def test_unlistable_subfolder_is_a_listing_error_and_the_rest_is_listed(
    open_source: OpenSource, share: Path
) -> None:
    (share / "Personal").chmod(0o000)
    source = open_source()
    items = listing(source)
    assert source.listing_errors == [("Personal", "cannot list folder: HTTP 403 Forbidden")]
    assert sorted(items) == [p for p in LISTED if not p.startswith("Personal/")]


def test_include_and_exclude_globs(open_source: OpenSource) -> None:
    only_text = open_source(include=["*.txt"], exclude=["A/B", "Preise/*"])
    assert sorted(listing(only_text)) == ["Verträge 2025/Müller & Söhne.txt", "wurzel.txt"]


def test_wrong_password_is_a_clear_login_error(open_source: OpenSource) -> None:
    source = open_source(password="falsch")
    with pytest.raises(SourceError, match="login failed for user 'anna'"):
        list(source.list_items())


def test_digest_login_and_a_utf8_password(webdav: WebDavServer, open_source: OpenSource) -> None:
    source = open_source(auth="digest", username="mia", password=webdav.users["mia"])
    assert len(listing(source)) == len(LISTED)
    source = open_source(username="mia", password=webdav.users["mia"])  # Basic
    assert len(listing(source)) == len(LISTED)


def test_server_down_or_missing_root_is_fatal(
    open_source: OpenSource, webdav: WebDavServer
) -> None:
    down = open_source(url=f"http://127.0.0.1:{free_port()}/dav/")
    with pytest.raises(SourceError, match=r"cannot list .* cannot reach"):
        list(down.list_items())
    missing = open_source(url=webdav.url("gibt-es-nicht"))
    with pytest.raises(SourceError, match="HTTP 404"):
        list(missing.list_items())


@contextlib.contextmanager
def redirecting_server(target: str) -> Iterator[str]:
    """A server that moved: every request is answered with 308 to ``target``."""

    class Moved(BaseHTTPRequestHandler):
        def do_PROPFIND(self) -> None:
            self.send_response(308)
            self.send_header("Location", target)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the test output is not the place for an access log."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Moved)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/dav/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_redirect_to_another_server_is_not_followed_with_credentials(
    open_source: OpenSource, webdav: WebDavServer, share: Path
) -> None:
    with redirecting_server(webdav.url(share.name)) as old_url:
        source = open_source(url=old_url)
        with pytest.raises(SourceError, match=r"redirected to another server .* set url"):
            list(source.list_items())


def test_downloads_above_the_size_limit_are_refused(open_source: OpenSource) -> None:
    source = open_source(max_file_mb=0.00001)  # about 10 bytes
    item = listing(source)["Verträge 2025/Müller & Söhne.txt"]
    with pytest.raises(SourceError, match="larger than 1e-05 MB"):
        source.read(item)


def test_bad_options_are_config_errors(open_source: OpenSource) -> None:
    with pytest.raises(ConfigError, match="not an http"):
        open_source(url="ftp://cloud.firma.de/")
    with pytest.raises(ConfigError, match="path_reader"):
        open_source(path_reader={"x": ["y"]})
    with pytest.raises(ConfigError, match="password"):
        open_source(password=None)
    with pytest.raises(ConfigError, match="cannot load ca_file"):
        open_source(ca_file="/nonexistent/ca.pem")


NEXTCLOUD_ANSWER = b"""<?xml version="1.0"?>
<d:multistatus xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns">
 <d:response><d:href>/remote.php/dav/files/anna/Dokumente/</d:href>
  <d:propstat><d:prop><d:resourcetype><d:collection/></d:resourcetype></d:prop>
   <d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>
 <d:response><d:href>/remote.php/dav/files/anna/Dokumente/Angebot%20M%C3%BCller.pdf</d:href>
  <d:propstat><d:prop><d:getcontentlength>1234</d:getcontentlength>
   <d:getlastmodified>Fri, 14 Mar 2025 09:30:00 GMT</d:getlastmodified>
   <d:getetag>W/&quot;5f3a&quot;</d:getetag><d:resourcetype/><oc:permissions>RGDNVW</oc:permissions>
  </d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat>
  <d:propstat><d:prop><oc:share-types/></d:prop>
   <d:status>HTTP/1.1 404 Not Found</d:status></d:propstat></d:response>
 <d:response><d:href>/remote.php/dav/files/anna/Dokumente/gesperrt.txt</d:href>
  <d:status>HTTP/1.1 403 Forbidden</d:status></d:response>
</d:multistatus>"""


def test_parses_a_nextcloud_style_answer() -> None:
    folder, offer = parse_multistatus(NEXTCLOUD_ANSWER)  # the 403 member is left out
    assert folder.collection and not offer.collection
    assert (offer.size, offer.etag) == (1234, "5f3a")
    assert offer.modified is not None and offer.modified.isoformat() == "2025-03-14T09:30:00+00:00"


def test_rejects_xml_entity_bombs() -> None:
    from wissenswerk.sources import webdav as module

    bomb = b"""<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">
<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
<d:multistatus xmlns:d="DAV:"><d:response><d:href>&b;</d:href></d:response></d:multistatus>"""
    with pytest.raises(module._FolderError, match="not valid XML"):
        parse_multistatus(bomb)


def test_sync_engine_indexes_changes_and_keeps_unlisted_folders(
    open_source: OpenSource, share: Path, tmp_path: Path
) -> None:
    from tests.conftest import make_app

    source = open_source()
    app = make_app(tmp_path / "data")
    app.store.add_source(source.config)
    with contextlib.closing(app):
        report = app.syncer.sync(source)
        assert (report.listed, report.errors) == (len(LISTED), [])
        (share / "wurzel.txt").unlink()
        (share / "Personal").chmod(0o000)
        report = app.syncer.sync(source)
        # The deleted file goes; the files below the unreadable folder stay indexed.
        assert report.deleted == 1
        assert report.errors == [("Personal", "cannot list folder: HTTP 403 Forbidden")]
