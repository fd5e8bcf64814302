"""The web crawler against a real HTTP server on loopback (tests/servers/http_site.py)."""

from __future__ import annotations

import gzip
import time
from pathlib import Path

import pytest

from tests.conftest import DATA, make_app
from tests.servers.http_site import Page, Site, http_site
from wissenswerk.core.acl import EVERYONE
from wissenswerk.core.errors import ConfigError, SourceError
from wissenswerk.core.models import SourceConfig, SourceItem
from wissenswerk.sources.base import SourceContext
from wissenswerk.sources.sitemap import SitemapError, parse_sitemap
from wissenswerk.sources.web import WebSource
from wissenswerk.sources.web_urls import item_path, normalise_url

__all__ = ["http_site"]  # the fixture, imported for pytest


def build_site(site: Site) -> None:
    """A small intranet: German pages, a PDF, robots.txt, a sitemap and traps."""
    base = site.base_url
    other_host = base.replace("127.0.0.1", "localhost")  # same server, other host name
    site.html(
        "/robots.txt",
        f"User-agent: *\nDisallow: /intern/\n\nSitemap: {base}/sitemap.xml\n",
        content_type="text/plain",
    )
    site.html(
        "/",
        f"""<html><head><title>Intranet Müller GmbH</title></head><body>
        <h1>Willkommen im Intranet</h1>
        <a href="/handbuch/">Handbuch</a>
        <a href="handbuch/urlaub#antrag">Urlaub</a>
        <a href="/%C3%BCber-uns">Über uns</a>
        <a href="/intern/gehaelter">Gehälter (gesperrt per robots.txt)</a>
        <a href="/dokumente/bericht.pdf">Jahresbericht</a>
        <a href="/dokumente/logo.png">Logo</a>
        <a href="{other_host}/extern">Partnerseite</a>
        <a href="/nicht-folgen" rel="nofollow">Werbung</a>
        <a href="/liste?seite=2&amp;utm_source=newsletter">Liste, Seite 2</a>
        <a href="/liste?utm_campaign=x&amp;seite=2">Liste, Seite 2 (doppelt)</a>
        <a href="/alt">Alte Adresse</a>
        <a href="/geschuetzt/">Geschützt</a>
        <a href="/druckansicht">Urlaub drucken</a>
        <a href="/entwurf">Entwurf</a>
        <a href="mailto:it@firma.de">IT</a>
        </body></html>""",
    )
    site.html(
        "/handbuch/",
        """<html><head><title>Handbuch</title></head><body><h1>Handbuch</h1>
        <a href="urlaub">Urlaub</a> <a href="reisekosten">Reisekosten</a>
        <a href="../formulare">Formulare</a></body></html>""",
    )
    site.html(
        "/handbuch/urlaub",
        """<html><head><title>Urlaubsantrag</title></head><body><h1>Urlaub</h1>
        <p>Der Urlaubsantrag wird über das Portal gestellt. Resturlaub verfällt am 31. März.</p>
        </body></html>""",
    )
    site.html(
        "/handbuch/reisekosten",
        """<html><body><h1>Reisekosten</h1><p>Die Kilometerpauschale beträgt 0,30 €.</p>
        <a href="tief/anhang">Anhang</a></body></html>""",
        etag=False,  # only Last-Modified: If-Modified-Since must work too
    )
    site.html(
        "/handbuch/tief/anhang",
        "<html><body><p>Anhang zur Reisekostenrichtlinie.</p></body></html>",
    )
    site.html("/%C3%BCber-uns", "<html><body><h1>Über uns</h1><p>Gegründet 1952.</p></body></html>")
    site.html(
        "/druckansicht",
        """<html><head><link rel="canonical" href="/handbuch/urlaub"></head>
        <body><p>Der Urlaubsantrag (Druckfassung).</p></body></html>""",
    )
    site.html(
        "/entwurf",
        """<html><head><meta name="robots" content="noindex"></head>
        <body><a href="/archiv">Archiv</a></body></html>""",
    )
    site.html("/archiv", "<html><body><p>Archiv der Rundschreiben.</p></body></html>")
    site.html("/formulare", "<html><body><p>Formular Dienstreiseantrag.</p></body></html>")
    site.html("/intern/gehaelter", "<html><body>Gehälter</body></html>")
    site.html("/nicht-folgen", "<html><body>Werbung</body></html>")
    site.html("/liste?seite=2", "<html><body><p>Zweite Seite der Liste.</p></body></html>")
    site.html("/nur-in-sitemap", "<html><body><p>Betriebsvereinbarung Gleitzeit.</p></body></html>")
    site.html("/alt", "", redirect="/handbuch/urlaub")
    site.html(
        "/geschuetzt/",
        "<html><body><p>Protokoll der Geschäftsleitung.</p></body></html>",
        auth=("leser", "geheim-123"),
    )
    site.pages["/dokumente/bericht.pdf"] = Page(
        body=(DATA / "bericht.pdf").read_bytes(), content_type="application/pdf"
    )
    site.pages["/dokumente/logo.png"] = Page(body=b"\x89PNG", content_type="image/png")
    site.html(
        "/sitemap.xml",
        f"""<?xml version="1.0" encoding="UTF-8"?>
        <urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
          <url><loc>{base}/nur-in-sitemap</loc><lastmod>2025-03-01</lastmod></url>
          <url><loc>{base}/handbuch/urlaub</loc></url>
          <url><loc>https://anderswo.example/seite</loc></url>
        </urlset>""",
        content_type="application/xml",
    )


def make_source(site: Site, tmp_path: Path, name: str = "intranet", **options: object) -> WebSource:
    opts: dict[str, object] = {"readers": ["everyone"], "delay_s": 0, **options}
    config = SourceConfig(name, "web", site.base_url + "/", options=opts)
    return WebSource(config, SourceContext(data_dir=tmp_path / "data", timeout_s=5))


def listed(source: WebSource) -> dict[str, SourceItem]:
    return {item.path: item for item in source.list_items()}


@pytest.fixture
def site(http_site: Site) -> Site:
    build_site(http_site)
    return http_site


def host(site: Site) -> str:
    return site.base_url.removeprefix("http://")


def test_crawls_the_site_within_robots_and_host_limits(site: Site, tmp_path: Path) -> None:
    source = make_source(site, tmp_path)
    items = listed(source)
    h = host(site)
    assert set(items) == {
        f"{h}/index.html",
        f"{h}/handbuch/index.html",
        f"{h}/handbuch/urlaub.html",
        f"{h}/handbuch/reisekosten.html",
        f"{h}/handbuch/tief/anhang.html",
        f"{h}/über-uns.html",
        f"{h}/dokumente/bericht.pdf",
        item_path(f"{site.base_url}/liste?seite=2", ".html"),
        f"{h}/nur-in-sitemap.html",
        f"{h}/formulare.html",
        f"{h}/archiv.html",  # linked only from a noindex page, which is not indexed itself
    }
    # The print view names the real page as canonical: indexed once, under that URL.
    assert site.downloads("/druckansicht") == 1
    # Never requested: robots.txt disallows it, rel=nofollow, an image, another host.
    assert site.requests("/intern/gehaelter") == 0
    assert site.requests("/nicht-folgen") == 0
    assert site.requests("/dokumente/logo.png") == 0
    assert site.requests("/extern") == 0
    # The two spellings of the list URL (tracking parameters, order) were fetched once.
    assert site.requests("/liste?seite=2") == 1
    # The redirect led to a page that was crawled once, under its own URL.
    assert site.downloads("/handbuch/urlaub") == 1
    # Without credentials the protected page is a listing error, not a deletion.
    assert "HTTP 401" in dict(source.listing_errors)[f"{h}/geschuetzt"]

    page = items[f"{h}/handbuch/urlaub.html"]
    assert page.acl == frozenset({EVERYONE})
    assert page.url == site.base_url + "/handbuch/urlaub"
    assert page.version.startswith("etag:")
    assert page.modified is not None and page.modified.year == 2023
    assert "Resturlaub verfällt" in source.read(page).decode("utf-8")
    assert items[f"{h}/nur-in-sitemap.html"].modified is not None
    pdf = items[f"{h}/dokumente/bericht.pdf"]
    assert source.read(pdf) == (DATA / "bericht.pdf").read_bytes()
    assert pdf.size == len((DATA / "bericht.pdf").read_bytes())
    source.close()


def test_recrawl_downloads_only_changed_pages(site: Site, tmp_path: Path) -> None:
    source = make_source(site, tmp_path)
    first = listed(source)
    site.reset_counts()
    site.html(
        "/handbuch/urlaub",
        "<html><body><h1>Urlaub</h1><p>Resturlaub verfällt jetzt am 30. April.</p></body></html>",
    )
    second = listed(source)
    h = host(site)
    assert set(second) == set(first)
    # Unchanged pages were asked for conditionally and answered 304, by ETag ...
    assert site.answers[("/handbuch/", 304)] == 1
    assert site.downloads("/handbuch/") == 0
    assert site.downloads("/dokumente/bericht.pdf") == 0
    # ... and by Last-Modified; the link list of a 304 page still leads the crawl on.
    assert site.answers[("/handbuch/reisekosten", 304)] == 1
    assert f"{h}/handbuch/tief/anhang.html" in second
    assert second[f"{h}/handbuch/reisekosten.html"] == first[f"{h}/handbuch/reisekosten.html"]
    # The changed page was downloaded once and is read from the crawl's cache.
    assert site.downloads("/handbuch/urlaub") == 1
    changed = second[f"{h}/handbuch/urlaub.html"]
    assert changed.version != first[f"{h}/handbuch/urlaub.html"].version
    assert "30. April" in source.read(changed).decode("utf-8")
    assert site.downloads("/handbuch/urlaub") == 1
    # An unchanged page was not downloaded by this crawl; reading it fetches it once.
    assert "1952" in source.read(second[f"{h}/über-uns.html"]).decode("utf-8")
    source.close()


def test_deleted_pages_vanish_and_failures_protect_their_subtree(
    site: Site, tmp_path: Path
) -> None:
    source = make_source(site, tmp_path)
    listed(source)
    h = host(site)
    del site.pages["/nur-in-sitemap"]
    site.pages["/%C3%BCber-uns"] = Page(status=410)
    site.pages["/handbuch/"].status = 500
    items = listed(source)
    assert f"{h}/nur-in-sitemap.html" not in items
    assert f"{h}/über-uns.html" not in items
    assert f"{h}/handbuch/index.html" not in items
    # Formulare is linked only from the failing page: the crawl reaches it anyway,
    # through the links the failing page had last time.
    assert f"{h}/formulare.html" in items
    assert f"{h}/handbuch/reisekosten.html" in items
    prefixes = {prefix: reason for prefix, reason in source.listing_errors}
    assert "HTTP 500" in prefixes[f"{h}/handbuch"]
    source.close()


def test_basic_auth_from_an_environment_variable(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INTRANET_PASSWORD", "geheim-123")
    source = make_source(site, tmp_path, username="leser", password_env="INTRANET_PASSWORD")
    items = listed(source)
    page = items[f"{host(site)}/geschuetzt/index.html"]
    assert "Geschäftsleitung" in source.read(page).decode("utf-8")
    assert source.listing_errors == []
    source.close()


def test_header_auth_and_user_agent(
    http_site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    http_site.html("/", "<html><body><p>Start</p></body></html>")
    http_site.pages["/"].auth = ("", "")  # never matches: only the header gets through
    monkeypatch.setenv("TOKEN", "Bearer abc")
    source = make_source(
        http_site, tmp_path, headers_env={"Authorization": "TOKEN"}, admin_contact="it@firma.de"
    )
    assert source.client.headers["Authorization"] == "Bearer abc"
    assert source.client.headers["User-Agent"] == "wissenswerk/0.1.0 (+it@firma.de)"
    assert list(listed(source)) == []
    assert "HTTP 401" in dict(source.listing_errors)[host(http_site)]
    source.close()


def test_acl_map_prefixes_and_include_exclude(site: Site, tmp_path: Path) -> None:
    h = host(site)
    config = SourceConfig(
        "intranet",
        "web",
        site.base_url + "/",
        acl_mode="acl_map",
        acl_map=((h, ("group:mitarbeiter",)), (f"{h}/handbuch", ("group:personal",))),
        options={"delay_s": 0, "include": ["/handbuch/"], "exclude": ["*/tief/*"]},
    )
    source = WebSource(config, SourceContext(data_dir=tmp_path / "data", timeout_s=5))
    items = listed(source)
    assert set(items) == {
        f"{h}/handbuch/index.html",
        f"{h}/handbuch/urlaub.html",
        f"{h}/handbuch/reisekosten.html",
    }
    assert items[f"{h}/handbuch/urlaub.html"].acl == {"group:personal"}
    assert site.requests("/handbuch/tief/anhang") == 0
    assert site.requests("/%C3%BCber-uns") == 0
    source.close()


def test_large_pages_are_reported_not_downloaded(http_site: Site, tmp_path: Path) -> None:
    http_site.html("/", '<html><body><a href="/gross.pdf">PDF</a></body></html>')
    http_site.pages["/gross.pdf"] = Page(body=b"%PDF" + b"0" * 5000, content_type="application/pdf")
    source = make_source(http_site, tmp_path, max_bytes=2048)
    items = listed(source)
    assert list(items) == [f"{host(http_site)}/index.html"]
    assert source.listing_errors[0][0] == f"{host(http_site)}/gross.pdf"
    assert "max_bytes" in source.listing_errors[0][1]
    source.close()


def test_crawl_delay_from_robots_txt_is_honoured_up_to_the_cap(
    http_site: Site, tmp_path: Path
) -> None:
    http_site.html("/robots.txt", "User-agent: wissenswerk\nCrawl-delay: 30\n")
    http_site.html("/", '<html><body><a href="/a">A</a> <a href="/b">B</a></body></html>')
    http_site.html("/a", "<html><body><p>A</p></body></html>")
    http_site.html("/b", "<html><body><p>B</p></body></html>")
    source = make_source(http_site, tmp_path, max_crawl_delay_s=0.2)
    started = time.monotonic()
    assert len(listed(source)) == 3
    assert 0.4 <= time.monotonic() - started < 5
    source.close()


def test_sitemap_lastmod_spares_requests_to_pages_without_validators(
    http_site: Site, tmp_path: Path
) -> None:
    base = http_site.base_url
    http_site.html("/", "<html><body><p>Start</p></body></html>")
    http_site.html("/statisch", "<p>Ohne ETag und Datum.</p>", etag=False, last_modified=None)
    http_site.html(
        "/karte.xml",
        f"""<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url>
        <loc>{base}/statisch</loc><lastmod>2025-01-15</lastmod></url></urlset>""",
        content_type="text/xml",
    )
    source = make_source(http_site, tmp_path, sitemaps=[f"{base}/karte.xml"])
    first = listed(source)
    second = listed(source)
    assert http_site.requests("/statisch") == 1
    assert second == first and len(second) == 2
    source.close()


def test_unreachable_site_is_a_source_error(tmp_path: Path) -> None:
    config = SourceConfig("weg", "web", "http://127.0.0.1:9/", options={"readers": ["everyone"]})
    source = WebSource(config, SourceContext(data_dir=tmp_path, timeout_s=2))
    with pytest.raises(SourceError, match="no page could be fetched"):
        list(source.list_items())
    source.close()


def test_robots_txt_server_error_skips_the_host_without_deleting(
    site: Site, tmp_path: Path
) -> None:
    source = make_source(site, tmp_path)
    listed(source)
    site.pages["/robots.txt"].status = 503
    site.reset_counts()
    with pytest.raises(SourceError):
        list(source.list_items())
    assert site.requests("/") == 0
    assert source.listing_errors[0][0] == host(site)
    source.close()


def test_sync_indexes_pages_and_skips_unchanged_ones(site: Site, tmp_path: Path) -> None:
    ww = make_app(tmp_path / "app")
    try:
        ww.import_users_csv("user,groups\nanna,mitarbeiter\n")
        # The source is built directly: registering the kind is the plugin's business.
        ww.store.add_source(make_source(site, tmp_path).config)
        first = ww.syncer.sync(make_source(site, tmp_path))
        assert first.added == 11
        assert "HTTP 401" in dict(first.errors)[f"{host(site)}/geschuetzt"]
        hits = ww.search.search("Resturlaub", "anna", limit=5).hits
        assert hits[0].path == f"{host(site)}/handbuch/urlaub.html"
        site.reset_counts()
        second = ww.syncer.sync(make_source(site, tmp_path))
        assert second.unchanged == 11 and second.added == 0 and second.deleted == 0
        assert sum(n for (_, status), n in site.answers.items() if status == 200) == 2
    finally:
        ww.close()


def test_options_are_validated(tmp_path: Path) -> None:
    context = SourceContext(data_dir=tmp_path)
    with pytest.raises(ConfigError, match="needs readers"):
        WebSource(SourceConfig("w", "web", "http://intranet/"), context)
    with pytest.raises(ConfigError, match="not an http"):
        WebSource(SourceConfig("w", "web", "ftp://intranet/", options={"readers": ["*"]}), context)
    with pytest.raises(ConfigError, match="max_pags"):
        WebSource(
            SourceConfig("w", "web", "http://intranet/", options={"readers": ["*"], "max_pags": 1}),
            context,
        )


def test_url_normalisation_and_item_paths() -> None:
    assert normalise_url("HTTP://Intranet:80/a/./b/../c#x") == "http://intranet/a/c"
    assert normalise_url("https://intranet/s?b=2&utm_source=n&a=1") == "https://intranet/s?a=1&b=2"
    assert normalise_url("https://intranet/%c3%bcber") == "https://intranet/%C3%BCber"
    assert normalise_url("mailto:it@firma.de") is None
    assert item_path("https://intranet/handbuch/urlaub", ".html") == "intranet/handbuch/urlaub.html"
    assert item_path("https://intranet/handbuch/", ".html") == "intranet/handbuch/index.html"
    assert item_path("https://intranet/a/b.pdf", ".pdf") == "intranet/a/b.pdf"
    assert item_path("https://intranet:8443/%C3%BCber", ".html") == "intranet:8443/über.html"
    assert item_path("https://intranet/a%2Fb", ".html") == "intranet/a%2Fb.html"
    with_query = item_path("https://intranet/liste.php?seite=2", ".html")
    assert with_query.startswith("intranet/liste.php~") and with_query.endswith(".html")
    assert with_query != item_path("https://intranet/liste.php?seite=3", ".html")


def test_sitemap_index_gzip_and_entity_bombs() -> None:
    index = b"""<?xml version="1.0"?>
    <sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
      <sitemap><loc>https://intranet/seiten.xml.gz</loc></sitemap>
    </sitemapindex>"""
    assert parse_sitemap(index, 10_000).sitemaps == ["https://intranet/seiten.xml.gz"]
    pages = gzip.compress(
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url>'
        b"<loc>https://intranet/a</loc><lastmod>2025-03-01T10:00:00+01:00</lastmod></url></urlset>"
    )
    parsed = parse_sitemap(pages, 10_000)
    assert parsed.pages[0].url == "https://intranet/a"
    assert parsed.pages[0].lastmod is not None and parsed.pages[0].lastmod.hour == 9
    bomb = b"""<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">
    <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><urlset>&b;</urlset>"""
    with pytest.raises(SitemapError):
        parse_sitemap(bomb, 10_000)
    with pytest.raises(SitemapError, match="max_bytes"):
        parse_sitemap(gzip.compress(b" " * 50_000), 10_000)
