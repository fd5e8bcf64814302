"""Rendering for the CLI: JSON shapes (stable, see README) and human-readable tables."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from pydantic import BaseModel, SecretStr
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from wissenswerk.answering.events import AnswerEvent
from wissenswerk.config.settings import Settings
from wissenswerk.core.errors import ConfigError, WissenswerkError
from wissenswerk.core.models import Answer, Hit, SourceConfig, User
from wissenswerk.indexing import EmbedProgress, SyncProgress, SyncReport
from wissenswerk.indexing.ocr import OcrProgress, OcrReport
from wissenswerk.sources.base import redacted
from wissenswerk.store.base import FailedItem, ProblemRecord, RunRecord

if TYPE_CHECKING:
    from wissenswerk.app import DirectorySyncReport, Wissenswerk
    from wissenswerk.evaluation.runner import EvalReport
    from wissenswerk.search.service import SearchResult

out = Console()


# --- JSON shapes -------------------------------------------------------------------------
def user_dict(user: User) -> dict[str, Any]:
    return {"user": user.name, "groups": list(user.groups), "active": user.active}


def source_dict(source: SourceConfig) -> dict[str, Any]:
    return {
        "name": source.name,
        "kind": source.kind,
        "folder": source.location,  # kept for scripts written against 0.1 (folder only)
        "location": source.location,
        "acl_mode": source.acl_mode,
        "acl_rules": len(source.acl_map),
        "options": redacted(source.options),
        "sync_every_minutes": source.sync_every_minutes,
        "permissions_every_minutes": source.permissions_every_minutes,
    }


def parse_options(pairs: tuple[str, ...], options_file: Path | None) -> dict[str, Any]:
    """Connector options from --options-file (JSON object) and KEY=VALUE pairs; a value
    that parses as JSON (numbers, true, lists) is taken as such, anything else as text."""
    options: dict[str, Any] = {}
    if options_file is not None:
        try:
            loaded = json.loads(options_file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigError(f"Cannot read the options file {options_file}: {exc}") from exc
        if not isinstance(loaded, dict):
            raise ConfigError(f"The options file {options_file} must hold a JSON object.")
        options.update(loaded)
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"Option {pair!r} must look like KEY=VALUE.")
        try:
            value: Any = json.loads(raw)
        except ValueError:
            value = raw
        options[key.strip()] = value
    return options


def hit_dict(hit: Hit) -> dict[str, Any]:
    return {
        "source": hit.source,
        "path": hit.path,
        "member": hit.member,
        "page": hit.page,
        "text": hit.text,
        "score": round(hit.score, 6),
    }


def answer_dict(answer: Answer) -> dict[str, Any]:
    return {
        "answer": answer.answer,
        "found": answer.found,
        "mode": answer.mode,
        "citations": [
            {
                "number": c.number,
                "source": c.source,
                "path": c.path,
                "member": c.member,
                "page": c.page,
                "quote": c.quote,
            }
            for c in answer.citations
        ],
    }


# --- progress ----------------------------------------------------------------------------
def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TimeRemainingColumn(),
        TextColumn("[dim]{task.fields[current]}", justify="left"),
        console=console,
        transient=False,
        disable=not console.is_terminal,
    )


@contextmanager
def sync_progress(console: Console, name: str) -> Iterator[Callable[[SyncProgress], None]]:
    with _progress(console) as bar:
        task = bar.add_task(f"Sync {name}", total=None, current="")

        def update(p: SyncProgress) -> None:
            label = {"listing": "Auflisten", "permissions": "Rechte"}.get(p.phase, "Sync")
            c = p.counts
            news = f"neu {c.get('added', 0)} · geändert {c.get('updated', 0)}"
            bar.update(
                task,
                description=f"{label} {name}",
                total=p.total or None,
                completed=p.done,
                current=f"{news} {p.current[-40:]}",
            )

        yield update


@contextmanager
def ocr_progress(console: Console) -> Iterator[Callable[[OcrProgress], None]]:
    with _progress(console) as bar:
        task = bar.add_task("OCR (Seiten)", total=None, current="")

        def update(p: OcrProgress) -> None:
            bar.update(
                task,
                total=p.total_pages or None,
                completed=p.done_pages,
                current=f"{p.pages_per_minute:.0f}/min {p.current[-40:]}",
            )

        yield update


@contextmanager
def embed_progress(console: Console) -> Iterator[Callable[[EmbedProgress], None]]:
    with _progress(console) as bar:
        task = bar.add_task("Vektoren", total=None, current="")

        def update(p: EmbedProgress) -> None:
            bar.update(task, total=p.total, completed=p.done, current=f"{p.per_second:.1f}/s")

        yield update


def run_embedding(app: Wissenswerk, on_progress: Callable[[EmbedProgress], None]) -> EmbedProgress:
    return app.embed_missing(on_progress)


def failed_dict(f: FailedItem, max_attempts: int) -> dict[str, Any]:
    return {
        "source": f.source,
        "path": f.path,
        "failures": f.failures,
        "dead": f.failures >= max_attempts,
        "retry_at": f.retry_at,
        "error": f.last_error,
    }


# --- human output ------------------------------------------------------------------------
def print_ocr_report(console: Console, r: OcrReport) -> None:
    if r.unavailable:
        console.print(
            f"[yellow]OCR nicht möglich:[/] {r.unavailable}. Gescannte Seiten bleiben als "
            "'braucht OCR' gelistet (wissenswerk status).",
            highlight=False,
        )
        return
    console.print(
        f"OCR: {r.documents} Dokumente · {r.pages} Seiten · ohne erkennbaren Text "
        f"{r.pages_without_text} · Fehler {len(r.failed)} · {r.seconds:.1f} s"
    )
    for path, reason in r.failed:
        console.print(f"  [red]OCR-Fehler[/] {path}: {reason}", highlight=False)


def print_directory_report(console: Console, r: DirectorySyncReport) -> None:
    console.print(
        f"Verzeichnis: {r.users} Benutzer · neu {r.added} · geändert {r.changed} · "
        f"deaktiviert {len(r.deactivated)}"
        + (f" ({', '.join(r.deactivated[:5])})" if r.deactivated else "")
    )


def print_failed(items: list[FailedItem], max_attempts: int) -> None:
    if not items:
        out.print("Keine fehlgeschlagenen Einträge.")
        return
    table = Table("Quelle", "Pfad", "Versuche", "Status", "Fehler")
    for f in items:
        dead = f.failures >= max_attempts
        state = "aufgegeben" if dead else "wird wiederholt"
        table.add_row(f.source, f.path, str(f.failures), state, f.last_error)
    out.print(table)


def print_users(users: list[User]) -> None:
    table = Table("Benutzer", "Gruppen", "aktiv")
    for u in users:
        table.add_row(u.name, ", ".join(u.groups), "ja" if u.active else "nein")
    out.print(table)


def print_sources(sources: list[SourceConfig]) -> None:
    table = Table("Quelle", "Art", "Ort", "Rechte", "Sync", "Rechte-Abgleich")
    for s in sources:
        rights = {
            "acl_map": f"ACL-Zuordnung ({len(s.acl_map)} Regeln)",
            "posix": "POSIX",
        }.get(s.acl_mode, "aus der Quelle")
        table.add_row(
            s.name,
            s.kind,
            s.location,
            rights,
            _every(s.sync_every_minutes),
            _every(s.permissions_every_minutes),
        )
    out.print(table)


def _every(minutes: int) -> str:
    return "nur manuell" if minutes <= 0 else f"alle {minutes} min"


def print_sync_report(console: Console, r: SyncReport) -> None:
    console.print(
        f"[bold]{r.source}[/]: {r.listed} Dateien · neu {r.added} · geändert {r.updated} · "
        f"unverändert {r.unchanged} · gelöscht {r.deleted} · Rechte geändert "
        f"{r.permissions_changed} · Fehler {len(r.errors)} · OCR nötig {len(r.needs_ocr)} · "
        f"{r.chunks_written} Abschnitte · {r.seconds:.1f} s"
    )
    if r.retry_scheduled or r.waiting or r.dead:
        console.print(
            f"  Wiederholung geplant {r.retry_scheduled} · wartet auf Wiederholung {r.waiting} · "
            f"aufgegeben {r.dead} (Liste: wissenswerk failed)"
        )
    for path, reason in r.errors:
        console.print(f"  [red]Fehler[/] {path}: {reason}", highlight=False)
    for path in r.needs_ocr:
        console.print(f"  [yellow]OCR nötig[/] {path}", highlight=False)
    if r.without_readers:
        console.print(
            f"  [yellow]{len(r.without_readers)} Datei(en) ohne Leserechte[/] (keine Regel passt), "
            f"z. B. {r.without_readers[0]}",
            highlight=False,
        )


def print_status(
    console: Console,
    counts: dict[str, int],
    problems: list[ProblemRecord],
    runs: list[RunRecord] | None = None,
) -> None:
    console.print(
        f"{counts['sources']} Quellen · {counts['documents']} Dokumente · {counts['chunks']} "
        f"Abschnitte · {counts['errors']} Fehler · {counts['needs_ocr']} brauchen OCR · "
        f"{counts.get('failed', 0)} Lesefehler · {counts['users']} Benutzer"
    )
    for run in runs or []:
        what = "Sync" if run.kind == "content" else "Rechte-Abgleich"
        state = {
            "running": f"läuft ({run.phase}, {run.done}/{run.total})",
            "completed": "fertig",
            "failed": f"fehlgeschlagen: {run.error or '?'}",
            "interrupted": "abgebrochen (wird beim nächsten Sync fortgesetzt)",
        }.get(run.status, run.status)
        when = run.finished_at or run.started_at
        console.print(f"  {what} {run.source}: {state} · {when}", highlight=False)
    for p in problems:
        console.print(f"  {p.status:9} {p.source}:{p.path} — {p.reason}", highlight=False)


def run_dict(run: RunRecord) -> dict[str, Any]:
    return {
        "source": run.source,
        "kind": run.kind,
        "status": run.status,
        "phase": run.phase,
        "done": run.done,
        "total": run.total,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "counts": run.counts,
        "error": run.error,
    }


def _locator(path: str, member: str | None, page: int | None) -> str:
    loc = path + (f" › {member}" if member else "")
    return loc + (f", S. {page}" if page else "")


def print_hits(result: SearchResult) -> None:
    if not result.hits:
        out.print("Keine Treffer.")
        return
    for i, hit in enumerate(result.hits, start=1):
        out.print(f"[bold]{i}. {_locator(hit.path, hit.member, hit.page)}[/]  ({hit.source})")
        snippet = " ".join(hit.text.split())
        out.print(f"   {snippet[:300]}{'…' if len(snippet) > 300 else ''}", highlight=False)


def print_answer(answer: Answer) -> None:
    out.print(terminal_text(answer.answer), highlight=False, soft_wrap=True, markup=False)
    _print_sources(answer)


def stream_answer(events: Iterable[AnswerEvent], status: Console) -> Answer:
    """Print the answer as it is written (its pieces are checked before they come, so what
    is printed stands), then its notes and sources; status lines go to ``status``."""
    answer: Answer | None = None
    for event in events:
        if event.kind == "status" and event.text in _STATUS:
            status.print(f"[dim]{_STATUS[event.text]}[/]")
        elif event.kind == "delta":
            out.print(
                terminal_text(event.text), end="", highlight=False, soft_wrap=True, markup=False
            )
            out.file.flush()
        elif event.kind == "done":
            answer = event.answer
    if answer is None:
        raise WissenswerkError("The answerer ended without an answer; see the log (-v).")
    out.print()
    _print_sources(answer)
    return answer


def _print_sources(answer: Answer) -> None:
    for note in answer.notes:
        if note not in answer.answer:  # extractive answers carry theirs in the text
            out.print(f"[yellow]Hinweis:[/] {escape(note)}", highlight=False, soft_wrap=True)
    if answer.citations:
        out.print()
        for c in answer.citations:
            flag = ""
            if c.hidden_text:
                flag = f" [yellow]⚠ versteckter Text: {escape(c.hidden_text)}[/]"
            where = escape(f"[{c.number}] {_locator(c.path, c.member, c.page)} ({c.source})")
            out.print(where + flag, highlight=False, soft_wrap=True)


_STATUS = {
    "rewriting": "Rückfrage wird mit dem Verlauf gelesen …",
    "searching": "Suche in den Dokumenten …",
    "generating": "Die Antwort wird geschrieben …",
    "fallback": "Das Sprachmodell antwortet nicht; es folgen wörtliche Auszüge …",
}
# Markdown escapes the sanitiser wrote ("\[Link entfernt\]"); a terminal renders no
# Markdown, so they are shown as the characters they stand for.
_ESCAPED = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|<>~])")


def terminal_text(markdown: str) -> str:
    return _ESCAPED.sub(r"\1", markdown)


def print_eval(report: EvalReport) -> None:
    table = Table("Kennzahl", "Wert")
    for key, value in report.as_dict().items():
        table.add_row(key, f"{value:.4f}" if isinstance(value, float) else str(value))
    out.print(table)


# --- batch questions ---------------------------------------------------------------------
def ask_batch(app: Wissenswerk, path: Path) -> None:
    """One JSON line out per line in; a bad line gets an error line, the batch goes on."""
    with path.open(encoding="utf-8") as lines:
        for line_no, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            item_id: Any = None
            try:
                item = json.loads(line)
                item_id = item.get("id")
                question, user = item["question"], item["user"]
                answer = app.answerer.ask(question, user)
                app.emit("question", user, {"question": question, "found": answer.found})
                row = {"id": item_id, **answer_dict(answer)}
            except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
                row = {"id": item_id, "error": f"line {line_no}: invalid input ({exc})"}
            except WissenswerkError as exc:
                row = {"id": item_id, "error": str(exc)}
            click.echo(json.dumps(row, ensure_ascii=False))


# --- settings ----------------------------------------------------------------------------
def settings_rows(settings: Settings, explicit_data_dir: Path | None) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []

    def walk(model: BaseModel, prefix: str) -> None:
        for name, field in type(model).model_fields.items():
            value = getattr(model, name)
            key = f"{prefix}{name}"
            if isinstance(value, BaseModel):
                walk(value, f"{key}.")
                continue
            env = "WISSENSWERK_" + key.upper().replace(".", "__")
            if key == "data_dir" and explicit_data_dir is not None:
                origin = "--data-dir"
            elif env in os.environ:
                origin = f"env {env}"
            else:
                origin = "default"
            shown = "********" if isinstance(value, SecretStr) else str(value)
            rows.append(
                {
                    "key": key,
                    "value": shown,
                    "origin": origin,
                    "description": field.description or "",
                }
            )

    walk(settings, "")
    return rows


def print_settings(rows: list[dict[str, str]]) -> None:
    table = Table("Einstellung", "Wert", "Herkunft", "Bedeutung")
    for r in rows:
        table.add_row(r["key"], r["value"], r["origin"], r["description"])
    out.print(table)
