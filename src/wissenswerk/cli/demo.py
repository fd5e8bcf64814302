"""``wissenswerk demo``: a fictional company's file share, indexed and asked.

The share ships inside the package (``wissenswerk/demo/share``); it is copied into the
data directory so the source points at a stable, writable place. Re-running the demo
re-syncs incrementally and therefore finishes in seconds.
"""

from __future__ import annotations

import json
import secrets
import shutil
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.panel import Panel

from wissenswerk.cli import output

if TYPE_CHECKING:
    from wissenswerk.cli.main import State

DEMO_SOURCE = "demo"
SHOWCASE_USERS = ("anna.schmidt", "claudia.hoffmann")


def demo_files() -> Path:
    return Path(str(resources.files("wissenswerk.demo")))


def load_questions() -> list[dict[str, Any]]:
    return list(json.loads((demo_files() / "questions.json").read_text(encoding="utf-8")))


def run_demo(state: State, console: Console, embed: bool = True) -> None:
    app = state.app
    data_dir = app.settings.data_dir.resolve()
    share = data_dir / "demo-share"
    console.print(
        Panel.fit(
            "[bold]wissenswerk Demo[/] — Hoffmann Antriebstechnik GmbH (fiktiv)\n"
            f"Datenverzeichnis: {data_dir}"
        )
    )
    if not share.exists():
        shutil.copytree(demo_files() / "share", share)
    users = app.import_users(demo_files() / "users.csv")
    console.print(f"{len(users)} Demo-Benutzer angelegt: {', '.join(u.name for u in users)}")
    app.add_folder_source(DEMO_SOURCE, share, demo_files() / "acl.csv")
    source = app.source(DEMO_SOURCE)
    with output.sync_progress(console, DEMO_SOURCE) as on_progress:
        report = app.syncer.sync(source, on_progress)
    output.print_sync_report(console, report)
    if app.settings.ocr.enabled and app.store.count_ocr_pending():
        with output.ocr_progress(console) as on_ocr:
            ocr = app.run_ocr(on_ocr)
        output.print_ocr_report(console, ocr)
    if embed and app.embedders:
        with output.embed_progress(console) as on_progress:
            done = output.run_embedding(app, on_progress)
        if done.done:
            console.print(f"Vektoren: {done.done} Abschnitte ({done.per_second:.1f}/s)")

    questions = load_questions()
    restricted = next((q for q in questions if q.get("must_not_path_prefix")), None)
    shown = [q for q in questions if q.get("expected_path")][:3]
    for q in shown:
        _show(app, console, q["question"], q["user"])
    if restricted is not None:
        console.rule("[bold]Gleiche Frage, unterschiedliche Rechte")
        for user in SHOWCASE_USERS:
            _show(app, console, restricted["question"], user)
    logins = _web_logins(app, data_dir, [u.name for u in users])
    console.print(
        "\nWeboberfläche: "
        f"wissenswerk --data-dir {data_dir} serve  →  http://127.0.0.1:8000\n"
        f"  Anmeldungen (nur für die Demo, auch in {logins}):",
        highlight=False,
    )
    for line in logins.read_text(encoding="utf-8").splitlines():
        console.print(f"    {line}", highlight=False)
    console.print(
        "\nWeiter ausprobieren:\n"
        f'  wissenswerk --data-dir {data_dir} ask "Wie lang ist das Wartungsintervall?" '
        "--user anna.schmidt\n"
        f'  wissenswerk --data-dir {data_dir} search "Reisekosten" --user tom.becker\n'
        f"  wissenswerk --data-dir {data_dir} status",
        highlight=False,
    )


DEMO_ADMIN = "admin"


def _web_logins(app: Any, data_dir: Path, names: list[str]) -> Path:
    """Web passwords for the demo users and an admin, random per data dir, kept in a
    file readable only by its owner; created once, so re-running the demo keeps them."""
    path = data_dir / "demo-logins.txt"
    if path.exists():
        return path
    accounts = app.accounts
    lines = []
    if accounts.needs_setup():
        password = secrets.token_urlsafe(12)
        accounts.create_first_admin(DEMO_ADMIN, password)
        lines.append(f"{DEMO_ADMIN} / {password}  (Verwaltung)")
    for name in names:
        if name == DEMO_ADMIN:
            continue
        password = secrets.token_urlsafe(12)
        accounts.set_password(name, password)
        lines.append(f"{name} / {password}")
    path.touch(mode=0o600)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _show(app: Any, console: Console, question: str, user: str) -> None:
    groups = ", ".join(app.store.get_user(user).groups)
    console.rule(f"[bold]{user}[/] ({groups})")
    console.print(f"[bold cyan]Frage:[/] {question}", highlight=False)
    output.print_answer(app.answerer.ask(question, user))
