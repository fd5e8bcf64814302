"""E-mails in MIME format (EML) via the standard library; shared pieces for Outlook MSG.

An e-mail becomes: a header block (From/To/Cc/Date/Subject, so "Mail von Herrn Weber im März"
finds it), the body (plain text preferred, HTML otherwise), then every attachment parsed
through the registry as a member named after its file name.
"""

from __future__ import annotations

import email
import mimetypes
import re
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage, Message, MIMEPart

from wissenswerk.core.documents import Block, ParsedDocument
from wissenswerk.core.errors import ParseError
from wissenswerk.parsing.base import ParseContext
from wissenswerk.parsing.hidden import add_reasons, reasons_of
from wissenswerk.parsing.html import parse_html_text
from wissenswerk.parsing.text import decode_text, split_paragraphs

HEADER_FIELDS = ("From", "To", "Cc", "Date", "Subject")
_PATH_SEPARATORS = re.compile(r"[\\/]")


def header_block(fields: list[tuple[str, str]]) -> Block | None:
    lines = [f"{name}: {value}" for name, value in fields if value]
    return Block("\n".join(lines)) if lines else None


def body_blocks(
    plain: str | None, html: str | None, flag_into: ParsedDocument | None = None
) -> list[Block]:
    """Plain text wins: it is what the sender wrote; the HTML part is often generated from it.

    When the HTML part is read, its hidden-text reasons are added to ``flag_into`` (the message).
    """
    if plain and plain.strip():
        return [Block(paragraph) for paragraph in split_paragraphs(plain)]
    if html and html.strip():
        parsed = parse_html_text(html)
        if flag_into is not None:
            add_reasons(flag_into, reasons_of(parsed))
        return parsed.blocks
    return []


def attachment_name(raw: str | None, index: int, content_type: str) -> str:
    """The attachment's file name without client-side folders; made up if missing."""
    if raw:
        name = _PATH_SEPARATORS.split(raw.strip())[-1].strip()
        if name:
            return name
    extension = mimetypes.guess_extension(content_type) or ".bin"
    return f"anhang-{index}{extension}"


def add_member(doc: ParsedDocument, data: bytes, name: str, ctx: ParseContext) -> None:
    """Parse an attachment through the registry and merge it into ``doc``."""
    member = ctx.parse_member(data, name, ctx)
    doc.blocks.extend(member.blocks)
    doc.warnings.extend(member.warnings)


class EmlParser:
    name: str = "eml"
    extensions: tuple[str, ...] = (".eml",)

    def parse(self, data: bytes, filename: str, ctx: ParseContext) -> ParsedDocument:
        message = email.message_from_bytes(data, policy=policy.default)
        if not isinstance(message, EmailMessage) or not message.keys():
            raise ParseError(filename, "not an e-mail message (no header lines found)")
        fields = [(name, _header(message, name)) for name in HEADER_FIELDS]
        subject = dict(fields)["Subject"]
        doc = ParsedDocument(title=subject or None)
        doc.metadata.update({name.lower(): value for name, value in fields if value})
        block = header_block(fields)
        if block:
            doc.blocks.append(block)

        body = message.get_body(preferencelist=("plain", "html"))
        if body is not None:
            text = _text_content(body)
            if body.get_content_subtype() == "html":
                doc.blocks.extend(body_blocks(None, text, doc))
            else:
                doc.blocks.extend(body_blocks(text, None))

        for index, part in enumerate(_attachments(message, body), start=1):
            name = attachment_name(
                part.get_filename() or _attached_subject(part), index, part.get_content_type()
            )
            payload = _payload(part)
            if payload is None:
                doc.warnings.append(f"{name}: attachment could not be decoded, skipped")
                continue
            add_member(doc, payload, name, ctx)
        return doc


def _header(message: Message, name: str) -> str:
    """The decoded header value; the raw text if the structured parser chokes on it."""
    try:
        value = message.get(name)
    except (ValueError, IndexError, AttributeError):  # known failures on malformed addresses
        value = next((v for k, v in message.raw_items() if k.lower() == name.lower()), None)
    return " ".join(str(value).split()) if value is not None else ""


def _text_content(part: MIMEPart) -> str:
    try:
        content = part.get_content()
    except (LookupError, UnicodeError):  # unknown or wrong charset label
        raw = part.get_payload(decode=True)
        return decode_text(raw)[0] if isinstance(raw, bytes) else ""
    return content if isinstance(content, str) else ""


def _attachments(message: EmailMessage, body: MIMEPart | None) -> Iterator[MIMEPart]:
    """Leaf parts that are files: named, marked as attachment, or attached e-mails.

    Unnamed inline parts are the other renderings of the body or inline images; they are
    skipped.
    """
    stack: list[MIMEPart] = [message]
    while stack:
        part = stack.pop(0)
        if part.get_content_maintype() == "multipart":
            stack[:0] = list(part.iter_parts())
            continue
        if part is body:
            continue
        if (
            part.get_filename()
            or part.get_content_disposition() == "attachment"
            or part.get_content_type() == "message/rfc822"
        ):
            yield part


def _attached_subject(part: MIMEPart) -> str | None:
    """A forwarded e-mail is named after its subject, as mail clients show it."""
    if part.get_content_type() != "message/rfc822":
        return None
    inner = part.get_payload()
    if not isinstance(inner, list) or not inner:
        return None
    if not isinstance(inner[0], Message):
        return None
    subject = _header(inner[0], "Subject")
    return f"{subject}.eml" if subject else None


def _payload(part: MIMEPart) -> bytes | None:
    if part.get_content_type() == "message/rfc822":
        inner = part.get_payload()
        attached = inner[0] if isinstance(inner, list) and inner else None
        if not isinstance(attached, Message):
            return None
        try:
            return attached.as_bytes()
        except (UnicodeError, LookupError, ValueError):
            return None
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else None
