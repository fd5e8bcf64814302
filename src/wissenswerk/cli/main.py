"""The ``wissenswerk`` command line. Stable for scripting: see README "Interface"."""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console

from wissenswerk import __version__
from wissenswerk.app import Wissenswerk
from wissenswerk.cli import output
from wissenswerk.config.settings import Settings
from wissenswerk.core.errors import (
    ConfigError,
    NotFoundError,
    PermissionDeniedError,
    WissenswerkError,
)
from wissenswerk.store.base import RunRecord

F = TypeVar("F", bound=Callable[..., Any])
WATCH_POLL_S = 30.0
err = Console(stderr=True)


class State:
    def __init__(self, data_dir: Path | None) -> None:
        self.data_dir = data_dir
        self._app: Wissenswerk | None = None

    def settings(self) -> Settings:
        overrides: dict[str, Any] = {}
        if self.data_dir is not None:
            overrides["data_dir"] = self.data_dir
        return Settings(**overrides)

    @property
    def app(self) -> Wissenswerk:
        if self._app is None:
            self._app = Wissenswerk.from_settings(self.settings())
        return self._app

    def close(self) -> None:
        if self._app is not None:
            self._app.close()


@contextmanager
def handled(as_json: bool = False) -> Iterator[None]:
    """Turn our errors into a clear message and a non-zero exit code, never a traceback."""
    try:
        yield
    except WissenswerkError as exc:
        code = 2 if isinstance(exc, ConfigError | NotFoundError | PermissionDeniedError) else 1
        if as_json:
            click.echo(json.dumps({"error": str(exc)}, ensure_ascii=False))
        err.print(f"[bold red]Fehler:[/] {exc}", highlight=False)
        sys.exit(code)


@click.group()
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path, file_okay=False),
    envvar="WISSENSWERK_DATA_DIR",
    default=None,
    help="Data directory (default ./wissenswerk-data, env WISSENSWERK_DATA_DIR).",
)
@click.option("-v", "--verbose", is_flag=True, help="Log details to stderr.")
@click.version_option(__version__, prog_name="wissenswerk")
@click.pass_context
def cli(ctx: click.Context, data_dir: Path | None, verbose: bool) -> None:
    """wissenswerk — Firmenwissen durchsuchen und zitierte Antworten erhalten."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    state = State(data_dir)
    ctx.obj = state
    ctx.call_on_close(state.close)


pass_state = click.make_pass_decorator(State)


# --- users -------------------------------------------------------------------------------
@cli.group()
def users() -> None:
    """Benutzer und Gruppen verwalten."""


@users.command("import")
@click.argument("csv_file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@pass_state
def users_import(state: State, csv_file: Path) -> None:
    """Benutzer aus einer CSV-Datei (Kopfzeile user,groups; Gruppen mit ; getrennt) importieren."""
    with handled():
        imported = state.app.import_users(csv_file)
    err.print(f"{len(imported)} Benutzer importiert.")


@users.command("add")
@click.argument("name")
@click.option("--groups", default="", help="Gruppen, mit ; getrennt.")
@pass_state
def users_add(state: State, name: str, groups: str) -> None:
    """Einen Benutzer anlegen oder seine Gruppen ersetzen."""
    with handled():
        user = state.app.store.upsert_user(name, groups.split(";"))
    err.print(f"Benutzer {user.name} mit Gruppen: {', '.join(user.groups) or '—'}")


@users.command("sync")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def users_sync(state: State, as_json: bool) -> None:
    """Benutzer und Gruppen (auch verschachtelte) aus LDAP/Active Directory übernehmen."""
    with handled(as_json):
        report = state.app.sync_directory()
    if as_json:
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False))
    else:
        output.print_directory_report(err, report)


@users.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def users_list(state: State, as_json: bool) -> None:
    """Alle Benutzer mit ihren Gruppen."""
    with handled(as_json):
        all_users = state.app.store.list_users()
    if as_json:
        click.echo(json.dumps({"users": [output.user_dict(u) for u in all_users]}))
    else:
        output.print_users(all_users)


# --- sources -----------------------------------------------------------------------------
@cli.group()
def sources() -> None:
    """Datenquellen verwalten."""


@sources.command("add")
@click.argument("name")
@click.option(
    "--folder",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Lokaler oder eingebundener Ordner (Kurzform für --kind folder --location PFAD).",
)
@click.option(
    "--kind",
    default=None,
    help="Art der Quelle: folder, smb, imap, webdav, web, sql, graph, confluence.",
)
@click.option("--location", default=None, help="Ordner, Server-URL oder Datenbank-URL.")
@click.option(
    "--option",
    "option_pairs",
    multiple=True,
    metavar="KEY=VALUE",
    help="Einstellung der Quelle (mehrfach); Werte als JSON, z. B. folders='[\"INBOX\"]'.",
)
@click.option(
    "--options-file",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    default=None,
    help="JSON-Datei mit den Einstellungen der Quelle.",
)
@click.option(
    "--acl-map",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    default=None,
    help="CSV path_prefix,groups; ohne: Rechte aus der Quelle (POSIX, NTFS, Freigaben).",
)
@click.option("--every", type=click.IntRange(0), default=60, help="Sync alle N Minuten (0 = nie).")
@click.option(
    "--permissions-every",
    type=click.IntRange(0),
    default=15,
    help="Nur Rechte abgleichen alle N Minuten (0 = nie).",
)
@pass_state
def sources_add(
    state: State,
    name: str,
    folder: Path | None,
    kind: str | None,
    location: str | None,
    option_pairs: tuple[str, ...],
    options_file: Path | None,
    acl_map: Path | None,
    every: int,
    permissions_every: int,
) -> None:
    """Eine Quelle hinzufügen (Ordner, Windows-Freigabe, Postfach, WebDAV, Website, SQL …)."""
    with handled():
        if folder is not None:
            kind, location = kind or "folder", str(folder)
        if not kind or location is None:
            raise ConfigError(
                "Give --folder PATH, or --kind KIND --location URL "
                "(e.g. --kind imap --location imaps://mail.firma.de)."
            )
        options = output.parse_options(option_pairs, options_file)
        config = state.app.add_source(
            name, kind, location, options, acl_map, every, permissions_every
        )
    rights = {"acl_map": "ACL-Zuordnung", "posix": "POSIX-Rechte"}.get(
        config.acl_mode, "Rechte aus der Quelle"
    )
    err.print(
        f"Quelle {config.name} ({config.kind}) → {config.location} ({rights}). "
        f"Jetzt: wissenswerk sync {config.name}"
    )


@sources.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def sources_list(state: State, as_json: bool) -> None:
    """Alle Quellen."""
    with handled(as_json):
        configs = state.app.store.list_sources()
    if as_json:
        click.echo(json.dumps({"sources": [output.source_dict(s) for s in configs]}))
    else:
        output.print_sources(configs)


@sources.command("remove")
@click.argument("name")
@pass_state
def sources_remove(state: State, name: str) -> None:
    """Eine Quelle samt ihrem Index entfernen."""
    with handled():
        state.app.store.remove_source(name)
    err.print(f"Quelle {name} entfernt.")


# --- indexing ----------------------------------------------------------------------------
@cli.command()
@click.argument("name", required=False)
@click.option("--no-embed", is_flag=True, help="Nur lexikalisch indexieren; Vektoren später.")
@click.option(
    "--permissions",
    "permissions_only",
    is_flag=True,
    help="Nur Benutzer/Gruppen aus dem Verzeichnis und Rechte abgleichen (schnell).",
)
@click.option(
    "--watch",
    is_flag=True,
    help="Weiterlaufen und jede Quelle nach ihrem Zeitplan synchronisieren (Strg+C beendet).",
)
@click.option("--json", "as_json", is_flag=True, help="Bericht als JSON auf stdout.")
@pass_state
def sync(
    state: State,
    name: str | None,
    no_embed: bool,
    permissions_only: bool,
    watch: bool,
    as_json: bool,
) -> None:
    """Quellen synchronisieren (alle oder NAME). Exit 0, auch wenn einzelne Dateien fehlschlagen."""
    if watch:
        _watch(state)
        return
    with handled(as_json):
        app = state.app
        names = [name] if name else [s.name for s in app.store.list_sources()]
        if not names:
            raise ConfigError(
                "No source configured. Add one: wissenswerk sources add NAME --folder PATH"
            )
        directory = None
        if permissions_only and app.directory is not None:
            directory = app.sync_directory()
            if not as_json:
                output.print_directory_report(err, directory)
        reports = []
        for source_name in names:
            with output.sync_progress(err, source_name) as on_progress:
                if permissions_only:
                    report = app.refresh_permissions(source_name, on_progress)
                else:
                    report = app.sync_source(source_name, on_progress)
            reports.append(report)
            if not as_json:
                output.print_sync_report(err, report)
        ocr = None
        if not permissions_only and app.settings.ocr.enabled and app.store.count_ocr_pending():
            with output.ocr_progress(err) as on_progress:
                ocr = app.run_ocr(on_progress)
            if not as_json:
                output.print_ocr_report(err, ocr)
        embedded = None
        if not no_embed and not permissions_only and app.embedders:
            with output.embed_progress(err) as on_progress:
                embedded = output.run_embedding(app, on_progress)
            if not as_json and embedded.done:
                err.print(
                    f"Vektoren: {embedded.done} Abschnitte eingebettet "
                    f"({embedded.per_second:.1f}/s)."
                )
    if as_json:
        click.echo(
            json.dumps(
                {
                    "sources": [r.as_dict() for r in reports],
                    "embedded": embedded.done if embedded else 0,
                    "ocr": ocr.as_dict() if ocr else None,
                    "directory": directory.as_dict() if directory else None,
                },
                ensure_ascii=False,
            )
        )


def _watch(state: State) -> None:
    """Run the scheduler until interrupted; one round every WATCH_POLL_S seconds."""
    app = state.app
    err.print(
        "Zeitplan läuft (Strg+C beendet). Quellen: "
        + ", ".join(f"{s.name} (alle {s.sync_every_minutes} min)" for s in app.store.list_sources())
    )
    try:
        while True:
            with handled():
                app.run_due(on_report=lambda r: output.print_sync_report(err, r))
            time.sleep(WATCH_POLL_S)
    except KeyboardInterrupt:
        err.print("Beendet.")


@cli.command()
@click.option("--json", "as_json", is_flag=True)
@pass_state
def ocr(state: State, as_json: bool) -> None:
    """Texterkennung (Tesseract) für gescannte Seiten nachholen, die ein Sync vorgemerkt hat."""
    with handled(as_json):
        app = state.app
        with output.ocr_progress(err) as on_progress:
            report = app.run_ocr(on_progress)
    if as_json:
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False))
    else:
        output.print_ocr_report(err, report)


@cli.command()
@click.option("--source", default=None, help="Nur diese Quelle.")
@click.option("--retry", is_flag=True, help="Alle sofort beim nächsten Sync erneut versuchen.")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def failed(state: State, source: str | None, retry: bool, as_json: bool) -> None:
    """Einträge, deren Lesen fehlschlug: werden wiederholt oder wurden aufgegeben."""
    with handled(as_json):
        app = state.app
        items = app.store.failed_items(source)
        reset = app.store.reset_failures(source) if retry else 0
    max_attempts = app.settings.sync.max_attempts
    if as_json:
        click.echo(
            json.dumps(
                {"failed": [output.failed_dict(f, max_attempts) for f in items], "reset": reset},
                ensure_ascii=False,
            )
        )
        return
    output.print_failed(items, max_attempts)
    if retry:
        err.print(f"{reset} Einträge werden beim nächsten Sync erneut versucht.")


@cli.command()
@pass_state
def embed(state: State) -> None:
    """Fehlende Vektoren berechnen (holt nach, was 'sync --no-embed' ausgelassen hat)."""
    with handled():
        app = state.app
        if not app.embedders:
            raise ConfigError("Dense search is switched off (embeddings.provider = none).")
        with output.embed_progress(err) as on_progress:
            done = output.run_embedding(app, on_progress)
    err.print(f"{done.done} Abschnitte eingebettet ({done.per_second:.1f}/s).")


@cli.command()
@click.option("--json", "as_json", is_flag=True)
@pass_state
def status(state: State, as_json: bool) -> None:
    """Zahlen zum Index und Liste der Dateien mit Problemen."""
    with handled(as_json):
        counts = state.app.store.counts()
        problems = state.app.store.problems()
        latest: dict[str, RunRecord] = {}
        for run in state.app.store.runs(limit=200):
            latest.setdefault(run.source, run)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "counts": counts,
                    "runs": [output.run_dict(r) for r in latest.values()],
                    "problems": [
                        {"source": p.source, "path": p.path, "status": p.status, "reason": p.reason}
                        for p in problems
                    ],
                },
                ensure_ascii=False,
            )
        )
    else:
        output.print_status(err, counts, problems, list(latest.values()))


# --- search and answers ------------------------------------------------------------------
@cli.command()
@click.argument("query")
@click.option("--user", "user", required=True, help="Suche mit den Rechten dieses Benutzers.")
@click.option("--limit", type=click.IntRange(1, 1000), default=None)
@click.option("--json", "as_json", is_flag=True)
@pass_state
def search(state: State, query: str, user: str, limit: int | None, as_json: bool) -> None:
    """Dokumente durchsuchen (nur solche, die USER lesen darf)."""
    with handled(as_json):
        result = state.app.search.search(query, user, limit)
    if as_json:
        click.echo(
            json.dumps(
                {"results": [output.hit_dict(h) for h in result.hits], "total": result.total},
                ensure_ascii=False,
            )
        )
    else:
        output.print_hits(result)


@cli.command()
@click.argument("question", required=False)
@click.option("--user", "user", default=None, help="Frage mit den Rechten dieses Benutzers.")
@click.option(
    "--batch",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    default=None,
    help='JSONL mit {"id","question","user"} je Zeile; Ausgabe eine JSON-Zeile je Eingabe.',
)
@click.option("--json", "as_json", is_flag=True)
@pass_state
def ask(
    state: State, question: str | None, user: str | None, batch: Path | None, as_json: bool
) -> None:
    """Eine Frage stellen und eine Antwort mit Quellenangaben erhalten."""
    if batch is not None:
        with handled(as_json):
            output.ask_batch(state.app, batch)
        return
    if not question or not user:
        raise click.UsageError("Give a QUESTION and --user, or --batch FILE.jsonl.")
    with handled(as_json):
        if as_json:
            answer = state.app.answerer.ask(question, user)
        else:  # printed as it is written
            answer = output.stream_answer(state.app.answerer.stream(question, user), err)
        state.app.emit(
            "question",
            user,
            {
                "question": question,
                "found": answer.found,
                "citations": len(answer.citations),
                "mode": answer.mode,
                "model": answer.model,
                "usage": answer.usage,  # tokens and latency, for the value tracker
            },
        )
    if as_json:
        click.echo(json.dumps(output.answer_dict(answer), ensure_ascii=False))


# --- evaluation and demo -----------------------------------------------------------------
@cli.command("eval")
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False, exists=True))
@click.option("--json", "as_json", is_flag=True)
@click.option("--max-queries", type=click.IntRange(1), default=None, help="Stichprobe (Seed 0).")
@click.option("--lexical-only", is_flag=True, help="Ohne Vektorsuche (schnell).")
@click.option(
    "--index-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Index hier behalten und beim nächsten Lauf wiederverwenden (z. B. zum Tunen).",
)
@pass_state
def eval_cmd(
    state: State,
    directory: Path,
    as_json: bool,
    max_queries: int | None,
    lexical_only: bool,
    index_dir: Path | None,
) -> None:
    """Suchqualität auf einem BEIR-Verzeichnis messen (corpus.jsonl, queries.jsonl, qrels/)."""
    from wissenswerk.evaluation.runner import run_beir

    with handled(as_json):
        settings = state.settings()
        if lexical_only:
            settings.embeddings.provider = "none"
        report = run_beir(
            directory, settings, max_queries=max_queries, progress=err, index_dir=index_dir
        )
    if as_json:
        click.echo(json.dumps(report.as_dict()))
    else:
        output.print_eval(report)


@cli.command()
@click.option("--no-embed", is_flag=True, help="Ohne Vektorsuche (schneller Start).")
@pass_state
def demo(state: State, no_embed: bool) -> None:
    """Beispielfirma anlegen, indexieren und Beispielfragen beantworten."""
    from wissenswerk.cli.demo import run_demo

    with handled():
        run_demo(state, console=Console(), embed=not no_embed)


@cli.command()
@click.option("--host", default=None, help="Adresse (Standard 127.0.0.1, Einstellung web.host).")
@click.option("--port", type=int, default=None, help="Port (Standard 8000, Einstellung web.port).")
@click.option(
    "--no-scheduler",
    is_flag=True,
    help="Quellen nicht nach Zeitplan synchronisieren (z. B. wenn 'sync --watch' das tut).",
)
@pass_state
def serve(state: State, host: str | None, port: int | None, no_scheduler: bool) -> None:
    """Die Weboberfläche starten (Standard http://127.0.0.1:8000)."""
    import uvicorn

    from wissenswerk.web import create_app

    with handled():
        web = state.app.settings.web
        app = create_app(state.app)
    host = host or web.host
    port = port if port is not None else web.port
    shown = f"[{host}]" if ":" in host else host
    err.print(f"wissenswerk läuft auf http://{shown}:{port}/ (beenden mit Strg+C)")
    stop = threading.Event()
    if not no_scheduler:
        threading.Thread(
            target=state.app.run_scheduler, args=(stop,), name="scheduler", daemon=True
        ).start()
    # Forwarded headers are honoured by the app itself, and only when web.trust_proxy says so.
    uvicorn.run(
        app,
        host=host,
        port=port,
        proxy_headers=False,
        server_header=False,
        access_log=False,
        log_level="warning",
    )
    stop.set()


MCP_TOKEN_ENV = "WISSENSWERK_MCP_TOKEN"


@cli.command()
@click.option(
    "--token-file",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    default=None,
    help=f"Datei mit dem API-Token (statt der Umgebungsvariable {MCP_TOKEN_ENV}).",
)
@pass_state
def mcp(state: State, token_file: Path | None) -> None:
    """MCP-Server über stdin/stdout für KI-Assistenten (Werkzeuge search, ask, get_document),
    mit den Rechten des Benutzers, dem das API-Token gehört."""
    from wissenswerk.web.mcp_server import check_token, run_stdio

    with handled():
        if token_file is not None:
            try:
                token = token_file.read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise ConfigError(f"Cannot read the token file {token_file}: {exc}.") from exc
        else:
            token = os.environ.get(MCP_TOKEN_ENV, "").strip()
        if not token:
            raise ConfigError(
                f"The MCP server needs an API token: set {MCP_TOKEN_ENV} or pass --token-file "
                "(create a token with the scopes search, ask and documents in the web app)."
            )
        user = check_token(state.app, token)
    # stdout carries the protocol: messages for people go to stderr.
    err.print(f"wissenswerk MCP-Server für {user} (stdio)")
    run_stdio(state.app, token)


# --- language models ---------------------------------------------------------------------
@cli.group()
def models() -> None:
    """Empfohlene Sprachmodelle (GGUF) für lokale Antworten anzeigen und herunterladen."""


def _models_dir(state: State, directory: Path | None) -> Path:
    from wissenswerk.answering.llm.registry import models_dir

    settings = state.settings()
    return directory or models_dir(settings.llm, settings.data_dir)


@models.command("list")
@click.option(
    "--dir",
    "directory",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Modellordner (Standard: Einstellung llm.models_dir, sonst DATA_DIR/models).",
)
@click.option("--json", "as_json", is_flag=True)
@pass_state
def models_list(state: State, directory: Path | None, as_json: bool) -> None:
    """Empfohlene deutschsprachige Modelle und ob sie schon heruntergeladen sind."""
    from rich.table import Table

    from wissenswerk.answering.llm.catalog import CATALOG

    with handled(as_json):
        folder = _models_dir(state, directory)
    rows = [
        {
            "name": e.name,
            "repo": e.repo,
            "file": e.filename,
            "size_gb": e.approx_size_gb,
            "context_size": e.context_size,
            "license": e.license,
            "sha256": e.sha256,
            "downloaded": (folder / e.filename).is_file(),
            "path": str(folder / e.filename),
            "description": e.description,
        }
        for e in CATALOG
    ]
    if as_json:
        click.echo(json.dumps({"models": rows, "models_dir": str(folder)}, ensure_ascii=False))
        return
    table = Table()
    table.add_column("Name", no_wrap=True)  # names are typed into commands: never cut them
    for header in ("Größe", "Kontext", "Geladen", "Lizenz, Beschreibung"):
        table.add_column(header)
    for r in rows:
        table.add_row(
            str(r["name"]),
            f"~{r['size_gb']} GB",
            str(r["context_size"]),
            "ja" if r["downloaded"] else "–",
            f"{r['license']}. {r['description']}",
        )
    Console().print(table)
    click.echo(f"Modellordner: {folder}")


@models.command("pull")
@click.argument("name")
@click.option(
    "--dir",
    "directory",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Zielordner (Standard: Einstellung llm.models_dir, sonst DATA_DIR/models).",
)
@click.option("--json", "as_json", is_flag=True)
@pass_state
def models_pull(state: State, name: str, directory: Path | None, as_json: bool) -> None:
    """Modell NAME von Hugging Face laden und per SHA-256 prüfen (setzt abgebrochene fort)."""
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    from wissenswerk.answering.llm.catalog import catalog_entry
    from wissenswerk.answering.llm.download import pull

    with handled(as_json):
        entry = catalog_entry(name)
        folder = _models_dir(state, directory)
        bar = Progress(
            f"{entry.name}",
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=err,
            disable=not err.is_terminal,
        )
        with bar:
            task = bar.add_task("download", total=None)
            path = pull(
                entry,
                folder,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
    if as_json:
        click.echo(json.dumps({"name": entry.name, "path": str(path)}, ensure_ascii=False))
        return
    click.echo(f"{path} (SHA-256 geprüft)")
    click.echo(
        "Verwenden mit: WISSENSWERK_LLM__PROVIDER=llama-cpp "
        f"WISSENSWERK_LLM__MODEL={entry.name} WISSENSWERK_LLM__CONTEXT_SIZE={entry.context_size}"
    )


@cli.group()
def config() -> None:
    """Einstellungen anzeigen."""


@config.command("show")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def config_show(state: State, as_json: bool) -> None:
    """Alle Einstellungen mit Wert und Herkunft (Standard, Umgebung, Aufruf)."""
    with handled(as_json):
        rows = output.settings_rows(state.settings(), explicit_data_dir=state.data_dir)
    if as_json:
        click.echo(json.dumps({"settings": rows}, ensure_ascii=False))
    else:
        output.print_settings(rows)


def main() -> None:
    from wissenswerk.plugins import Plugins

    Plugins().hook.register_commands(cli=cli)
    cli(prog_name="wissenswerk")


if __name__ == "__main__":
    main()
