"""The ``hub`` command.

Exit codes: 0 success; 1 a problem the operator must fix (invalid feeds.yaml, a failed
poll with ``hub poll``, unknown source id); 2 usage errors (click). Errors print one line
(or one line per feeds.yaml problem), never a traceback.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import click
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from hub import pipeline
from hub.config import Config, config_path_from_env, load_config
from hub.errors import ConfigError, HubError
from hub.fetch import Fetcher
from hub.store import DEFAULT_URL, Store
from hub.timeutil import SHANGHAI, utc_now
from hub.types import FeedKey

__all__ = ["main"]


def _console(*, stderr: bool = False) -> Console:
    """A rich console made per command, so ``COLUMNS`` set by the caller applies."""
    return Console(stderr=stderr)


def _err(message: str) -> None:
    """One plain line on stderr (never wrapped, never styled)."""
    click.echo(message, err=True)


def database_url(explicit: str | None = None) -> str:
    """``--database`` > ``$HUB_DATABASE_URL`` > ``sqlite:///hub.db`` (embedded default)."""
    return explicit or os.environ.get("HUB_DATABASE_URL") or DEFAULT_URL


def _load(config_opt: str | None) -> Config:
    path = config_path_from_env(config_opt)
    try:
        return load_config(path)
    except ConfigError as exc:
        for problem in exc.problems:
            _err(str(problem))
        raise SystemExit(1) from None
    except OSError as exc:
        _err(f"{path}: cannot read: {exc.strerror or exc}")
        raise SystemExit(1) from None


@contextmanager
def _store(url: str, *, migrate: bool) -> Iterator[Store]:
    try:
        store = Store(url)
    except HubError as exc:
        _err(f"error: {exc}")
        raise SystemExit(1) from None
    try:
        if migrate:
            store.upgrade()
        yield store
    except HubError as exc:
        _err(f"error: {exc}")
        raise SystemExit(1) from None
    finally:
        store.close()


config_option = click.option(
    "--config",
    "config_opt",
    default=None,
    help="feeds.yaml path (default $HUB_CONFIG or ./feeds.yaml).",
)
database_option = click.option(
    "--database",
    "database_opt",
    default=None,
    help="SQLAlchemy URL (default $HUB_DATABASE_URL or sqlite:///hub.db).",
)
replay_option = click.option(
    "--replay",
    "replay_dir",
    default=None,
    type=click.Path(exists=True, file_okay=False),
    help="Answer upstream requests from recorded responses (DIR/responses.jsonl).",
)


@click.group()
@click.option("-v", "--verbose", count=True, help="More log output (-v info, -vv debug).")
def main(verbose: int) -> None:
    """Syndication hub for Chinese government announcements."""
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


@main.command()
@config_option
def check(config_opt: str | None) -> None:
    """Validate feeds.yaml; print every problem as FILE:LINE: KEY: PROBLEM."""
    config = _load(config_opt)
    _console().print(
        f"{config.path}: ok — {len(config.sources)} sources, {len(config.categories)} categories"
    )


@main.group()
def db() -> None:
    """Database schema (Alembic migrations)."""


@db.command("upgrade")
@database_option
def db_upgrade(database_opt: str | None) -> None:
    """Apply migrations up to the newest revision."""
    url = database_url(database_opt)
    with _store(url, migrate=True):
        pass
    _console().print(f"database at {Store(url).engine.url.render_as_string()} is up to date")


def _fetcher(config: Config, replay_dir: str | None) -> Fetcher:
    from hub.runner import make_fetcher

    try:
        return make_fetcher(config, replay_dir)
    except ValueError as exc:
        _err(f"error: {exc}")
        raise SystemExit(1) from None


@main.command()
@click.argument("source_ids", nargs=-1)
@config_option
@database_option
@replay_option
@click.option("--force", is_flag=True, help="Ignore stored ETag/Last-Modified.")
def poll(
    source_ids: tuple[str, ...],
    config_opt: str | None,
    database_opt: str | None,
    replay_dir: str | None,
    force: bool,
) -> None:
    """Poll sources once (all enabled ones by default), store, publish, print a table."""
    config = _load(config_opt)
    unknown = [s for s in source_ids if s not in config.sources]
    if unknown:
        _err(f"error: unknown source id {unknown[0]!r}")
        raise SystemExit(1)
    ids = list(source_ids) or [s.id for s in config.sources.values() if s.enabled]
    fetcher = _fetcher(config, replay_dir)
    reports = []
    with _store(database_url(database_opt), migrate=True) as store, fetcher:
        with Progress(console=_console(stderr=True), transient=True) as progress:
            task = progress.add_task("polling", total=len(ids))
            for sid in ids:
                progress.update(task, description=f"polling {sid}")
                reports.append(
                    pipeline.poll_source(config, store, fetcher, sid, now=utc_now(), force=force)
                )
                progress.advance(task)
        changed = {k for r in reports for k in r.changed_feeds}
        keys: list[FeedKey] | None = pipeline.keys_from_storage(sorted(changed))
        if not store.get_feed("all:", "atom"):
            keys = None  # first publish: render every feed
        pipeline.publish_and_notify(config, store, keys, now=utc_now())
    table = Table(title="poll")
    table.add_column("source", no_wrap=True)
    for col in ("outcome", "new", "updated", "unchanged", "failed", "detail"):
        table.add_column(col, overflow="fold")
    failed_any = False
    for r in reports:
        ok = r.outcome in ("ok", "not_modified", "stale")
        failed_any |= not ok
        table.add_row(
            r.source_id,
            r.outcome if ok else f"[red]{r.outcome}[/red]",
            str(r.new),
            str(r.updated),
            str(r.unchanged),
            str(r.failed_items),
            r.detail[:200],
        )
    _console().print(table)
    if failed_any:
        raise SystemExit(1)


@main.command()
@config_option
@database_option
@click.option("--out", "out_dir", default=None, type=click.Path(file_okay=False))
def publish(config_opt: str | None, database_opt: str | None, out_dir: str | None) -> None:
    """Render every feed into the database (and, with --out, write static files)."""
    config = _load(config_opt)
    with _store(database_url(database_opt), migrate=True) as store:
        result = pipeline.publish_and_notify(config, store, None, now=utc_now())
        _console().print(
            f"{result.rendered} feeds rendered, {len(result.changed)} documents changed"
        )
        if out_dir:
            from hub.export import export_static

            written = export_static(config, store, Path(out_dir))
            _console().print(f"{out_dir}: {written} files written")


@main.command()
@config_option
@database_option
def sources(config_opt: str | None, database_opt: str | None) -> None:
    """Source health: last outcome, last success, entries, next poll."""
    config = _load(config_opt)
    with _store(database_url(database_opt), migrate=True) as store:
        states = store.all_states()
    table = Table(title="sources (times in Asia/Shanghai)")
    for col in ("source", "outcome", "detail", "last success", "entries", "next poll"):
        table.add_column(col, overflow="fold")
    for s in config.sources.values():
        st = states.get(s.id)
        outcome = (st.last_outcome if st else None) or "never polled"
        table.add_row(
            s.id,
            outcome if s.enabled else f"disabled ({outcome})",
            ((st.last_detail if st else None) or "")[:120],
            _local(st.last_success_at if st else None, "—"),
            str(st.entry_count if st else 0),
            _local(st.next_poll_at if st else None, "due" if s.enabled else "—"),
        )
    _console().print(table)


def _local(value: datetime | None, missing: str) -> str:
    """An aware time as Asia/Shanghai wall time (``2022-04-27 08:00:00+08:00``)."""
    if value is None:
        return missing
    return value.astimezone(SHANGHAI).isoformat(sep=" ", timespec="seconds")


def _uvicorn_run(app: object, host: str, port: int) -> None:
    import uvicorn

    uvicorn.run(app, host=host, port=port, log_level="info")  # type: ignore[arg-type]


@main.command()
@config_option
@database_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
def serve(config_opt: str | None, database_opt: str | None, host: str, port: int) -> None:
    """Serve the published feeds without polling (workers poll elsewhere)."""
    from hub.metrics import queue_depth_from_env
    from hub.serve import create_app

    config = _load(config_opt)
    try:
        store = Store(database_url(database_opt))
        store.count_entries()  # fail now, in one line, rather than 503 on every request
    except HubError as exc:
        _err(f"error: {exc}")
        raise SystemExit(1) from None
    _uvicorn_run(create_app(config, store, queue_depth=queue_depth_from_env()), host, port)


@main.command()
@config_option
@database_option
@replay_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=4, show_default=True, type=int, help="Polls in flight.")
def run(
    config_opt: str | None,
    database_opt: str | None,
    replay_dir: str | None,
    host: str,
    port: int,
    workers: int,
) -> None:
    """Embedded mode: poll every source on its interval, publish, and serve."""
    from hub.runner import Poller, publish_all
    from hub.serve import create_app

    config = _load(config_opt)
    url = database_url(database_opt)
    try:
        store = Store(url)
        store.upgrade()
        publish_all(config, store)
    except HubError as exc:
        _err(f"error: {exc}")
        raise SystemExit(1) from None
    fetcher = _fetcher(config, replay_dir)
    poller = Poller(config, store, fetcher, workers=workers)
    poller.start()
    _err(
        f"hub: {len(config.sources)} sources, serving http://{host}:{port}/ "
        f"({'replay ' + replay_dir if replay_dir else 'live upstream'})"
    )
    try:
        _uvicorn_run(create_app(config, store), host, port)
    finally:
        poller.stop()
        fetcher.close()
        store.close()


@main.command()
@click.argument("source_id")
@config_option
@replay_option
def preview(source_id: str, config_opt: str | None, replay_dir: str | None) -> None:
    """Fetch one source and print what it would publish; stores nothing."""
    from hub.pipeline import preview_source

    config = _load(config_opt)
    if source_id not in config.sources:
        _err(f"error: unknown source id {source_id!r}")
        raise SystemExit(1)
    with _fetcher(config, replay_dir) as fetcher:
        try:
            entries = preview_source(config, fetcher, source_id, now=utc_now())
        except HubError as exc:
            _err(f"{source_id}: {exc.code}: {exc}")
            raise SystemExit(1) from None
    table = Table(title=f"preview {source_id}")
    for col in ("title", "link", "origin", "author", "published", "body"):
        table.add_column(col, overflow="fold")
    for e in entries:
        table.add_row(
            e.title,
            e.link,
            e.origin or "—",
            e.author or "—",
            e.published.date().isoformat() if e.date_only else e.published.isoformat(),
            f"{len(e.content_html)} chars" + (" (article missing)" if e.article_missing else ""),
        )
    _console().print(table)


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--url", required=True, help="The URL the page was served at.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object (keys in the README).")
def extract(file: str, url: str, as_json: bool) -> None:
    """Extract one saved article page and print its fields."""
    from hub.encoding import decode_body
    from hub.parse.article import article_json, extract_article

    body = Path(file).read_bytes()
    try:
        text, _ = decode_body(body, None)
    except HubError as exc:
        _err(f"{file}: {exc}")
        raise SystemExit(1) from None
    try:
        data = article_json(extract_article(text, url, now=utc_now()), url)
    except HubError as exc:
        _err(f"{file}: {exc}")
        raise SystemExit(1) from None
    if as_json:
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        return
    for key, value in data.items():
        _console().print(f"{key}: {value}", markup=False, highlight=False)


if __name__ == "__main__":  # pragma: no cover
    main()
