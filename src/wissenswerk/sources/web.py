"""Web sites and intranets, crawled over HTTP(S).

Options (``SourceConfig.options``; ``location`` is the first start URL)::

    start_urls        ["https://intranet/"]         pages the crawl starts from
    sitemaps          ["https://intranet/sitemap.xml"]; robots.txt "Sitemap:" lines are
                      read too (sitemaps_from_robots, default true)
    allowed_hosts     default: the hosts of the start URLs ("same site"); host or host:port
    include, exclude  URL path prefixes ("/handbuch/") or globs ("*/archiv/*")
    max_pages 5000, max_depth 20, max_bytes 50 MB per page, delay_s 0.25 between requests
    user_agent / admin_contact   "wissenswerk/<version> (+<admin_contact>)"
    username + password (or password_env / password_file): HTTP basic auth
    headers {"X-Team": "wiki"}; headers_env {"Authorization": "INTRANET_TOKEN"} for secrets
    verify_tls        true, false, or the path of a CA bundle (company CA)
    readers           principals that may read every page, e.g. ["everyone"] or
                      ["group:mitarbeiter"]; required unless acl_mode is "acl_map"

Web pages carry no permissions of their own that the crawler could read, so the admin says
who may read them: ``readers`` for the whole site, and/or an ACL map (acl_mode "acl_map")
whose prefixes are item paths such as ``intranet/personal``. An empty ACL means nobody.

robots.txt is respected for the user agent token ``wissenswerk`` (Crawl-delay up to
``max_crawl_delay_s``). See ``web_crawl`` for the crawl and its change detection.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from datetime import datetime

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from wissenswerk import __version__
from wissenswerk.core.acl import principal_for_group_token
from wissenswerk.core.errors import ConfigError, SourceError
from wissenswerk.core.models import SourceConfig, SourceItem
from wissenswerk.sources.acl_map import acl_for
from wissenswerk.sources.base import SourceContext, option_problems, secret
from wissenswerk.sources.web_crawl import Crawler, CrawlRules, record_mtime_ns
from wissenswerk.sources.web_state import CrawlState, PageRecord
from wissenswerk.sources.web_urls import DEFAULT_IGNORED_PARAMS, host_of, normalise_url

log = logging.getLogger(__name__)


class WebOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start_urls: list[str] = Field(default_factory=list)
    sitemaps: list[str] = Field(default_factory=list)
    sitemaps_from_robots: bool = True
    trust_sitemap_lastmod: bool = True
    allowed_hosts: list[str] = Field(default_factory=list)
    include: list[str] = Field(default_factory=list)
    exclude: list[str] = Field(default_factory=list)
    ignore_query_params: list[str] = Field(default_factory=lambda: list(DEFAULT_IGNORED_PARAMS))
    max_pages: int = Field(5000, ge=1)
    max_depth: int = Field(20, ge=0)
    max_bytes: int = Field(50_000_000, ge=1024)
    delay_s: float = Field(0.25, ge=0)
    max_crawl_delay_s: float = Field(10.0, ge=0)
    respect_robots: bool = True
    user_agent: str | None = None
    admin_contact: str | None = None
    username: str | None = None
    password: str | None = None
    password_env: str | None = None
    password_file: str | None = None
    headers: dict[str, str] = Field(default_factory=dict)
    headers_env: dict[str, str] = Field(default_factory=dict)
    verify_tls: bool | str = True
    readers: list[str] = Field(default_factory=list)
    # Content types of plugin parsers: {"application/vnd.oasis.opendocument.text": ".odt"}.
    content_types: dict[str, str] = Field(default_factory=dict)


def parse_options(config: SourceConfig) -> WebOptions:
    try:
        return WebOptions.model_validate(config.options)
    except ValidationError as exc:
        problems = option_problems(exc)
        raise ConfigError(f"Source {config.name!r}: invalid web options ({problems}).") from exc


class WebSource:
    def __init__(self, config: SourceConfig, context: SourceContext) -> None:
        self.name = config.name
        self.config = config
        self.listing_errors: list[tuple[str, str]] = []
        options = parse_options(config)
        self.options = options
        self.rules = _rules(config.name, config.location, options)
        self.readers = frozenset(principal_for_group_token(r) for r in options.readers if r)
        if not self.readers and config.acl_mode != "acl_map":
            raise ConfigError(
                f"Source {config.name!r}: web pages have no permissions of their own, so the "
                "source needs readers (e.g. readers=['everyone'] or ['group:mitarbeiter']) "
                "or acl_mode 'acl_map' with path prefixes; without them nobody could find "
                "the pages."
            )
        self.state = CrawlState(context.data_dir / "sources" / config.name)
        self._timeout_s = context.timeout_s
        self._headers = {"User-Agent": _user_agent(options), **options.headers}
        for header, variable in options.headers_env.items():
            self._headers[header] = secret({"value_env": variable}, "value", config.name)
        self._auth: httpx.BasicAuth | None = None
        if options.username:
            password = secret(config.options, "password", config.name)
            self._auth = httpx.BasicAuth(options.username, password)
        self._client: httpx.Client | None = None

    @property
    def client(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(
                headers=self._headers,
                auth=self._auth,
                timeout=self._timeout_s,
                verify=self.options.verify_tls,
                follow_redirects=False,  # the crawler follows them itself, within the site
            )
        return self._client

    def list_items(self) -> Iterator[SourceItem]:
        self.listing_errors = []
        previous = self.state.load()
        self.state.clear_bodies()
        crawler = Crawler(self.name, self.client, self.rules, self.state, previous)
        try:
            for record in crawler.run():
                yield self._item(record)
        finally:
            self.listing_errors = list(crawler.errors)
        self.state.save(crawler.pages)

    def _item(self, record: PageRecord) -> SourceItem:
        assert record.path is not None
        acl = frozenset(self.readers)
        if self.config.acl_mode == "acl_map":
            acl = acl_for(record.path, self.config.acl_map) or acl
        return SourceItem(
            path=record.path,
            size=record.size,
            mtime_ns=record_mtime_ns(record),
            acl=acl,
            modified=datetime.fromisoformat(record.modified) if record.modified else None,
            version=record.version,
            url=record.url,
        )

    def read(self, item: SourceItem) -> bytes:
        cached = self.state.read_body(item.path, item.version)
        if cached is not None:
            return cached
        # Not downloaded by this crawl (unchanged since the last one): fetch it now.
        url = item.url or ""
        host = host_of(url)
        if host not in self.rules.allowed_hosts:
            raise SourceError(f"Source {self.name!r}: {item.path} has no URL on this site.")
        if self.rules.delay_s:
            time.sleep(self.rules.delay_s)
        try:
            response = self.client.get(url, follow_redirects=False)
        except httpx.HTTPError as exc:
            raise SourceError(f"Source {self.name!r}: cannot fetch {url}: {exc}.") from exc
        if response.status_code != 200:
            raise SourceError(
                f"Source {self.name!r}: cannot fetch {url}: HTTP {response.status_code}; "
                "the next sync crawls it again."
            )
        if len(response.content) > self.rules.max_bytes:
            raise SourceError(
                f"Source {self.name!r}: {url} is larger than max_bytes={self.rules.max_bytes}."
            )
        return response.content

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


def _user_agent(options: WebOptions) -> str:
    if options.user_agent:
        return options.user_agent
    contact = f" (+{options.admin_contact})" if options.admin_contact else ""
    return f"wissenswerk/{__version__}{contact}"


def _rules(name: str, location: str, options: WebOptions) -> CrawlRules:
    raw = options.start_urls or ([location] if location else [])
    if not raw:
        raise ConfigError(
            f"Source {name!r} needs start URLs: set the location or the option start_urls, "
            "e.g. https://intranet.firma.de/."
        )
    starts: list[str] = []
    for url in raw:
        normal = normalise_url(url)
        if normal is None:
            raise ConfigError(
                f"Source {name!r}: start URL {url!r} is not an http(s) URL; write it in full, "
                "e.g. https://intranet.firma.de/."
            )
        starts.append(normal)
    hosts = {_host(name, h) for h in options.allowed_hosts} or {host_of(u) for u in starts}
    return CrawlRules(
        start_urls=tuple(starts),
        allowed_hosts=frozenset(hosts),
        sitemaps=tuple(options.sitemaps),
        sitemaps_from_robots=options.sitemaps_from_robots,
        include=tuple(options.include),
        exclude=tuple(options.exclude),
        ignored_params=tuple(p.lower() for p in options.ignore_query_params),
        max_pages=options.max_pages,
        max_depth=options.max_depth,
        max_bytes=options.max_bytes,
        delay_s=options.delay_s,
        max_crawl_delay_s=options.max_crawl_delay_s,
        respect_robots=options.respect_robots,
        trust_sitemap_lastmod=options.trust_sitemap_lastmod,
        content_types=tuple((k.lower(), v) for k, v in options.content_types.items()),
    )


def _host(name: str, value: str) -> str:
    """An allowed host as written by an admin (``intranet``, ``intranet:8080``, or a URL)."""
    url = value if "://" in value else f"http://{value}/"
    normal = normalise_url(url)
    if normal is None:
        raise ConfigError(f"Source {name!r}: allowed host {value!r} is not a host name.")
    return host_of(normal)


def create(config: SourceConfig, context: SourceContext) -> WebSource:
    """The factory registered as source kind ``web``."""
    return WebSource(config, context)


__all__ = ["WebOptions", "WebSource", "create"]
