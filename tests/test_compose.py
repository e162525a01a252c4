"""docker-compose.yml and deploy/nginx.conf, checked without a Docker engine: every
command the services run exists (``hub`` subcommands through click, ``celery -A workers``
through the Celery app and its queues), every environment variable the hub's services
set is one the code reads, services wait for the migration, and nginx serves the feed
formats with the right content types and conditional GET.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from hub.cli import main as hub_cli

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = ROOT / "docker-compose.yml"
NGINX = ROOT / "deploy" / "nginx.conf"

REQUIRED = ("redis", "postgres", "migrate", "web", "poll-worker", "publish-worker", "beat", "nginx")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    services = compose["services"]
    assert isinstance(services, dict)
    return services


def _ours(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Services running the hub's image (a ``hub`` or ``celery`` command)."""
    return {
        name: svc
        for name, svc in _services(compose).items()
        if svc.get("command") and svc["command"][0] in ("hub", "celery")
    }


def _healthcheck_commands(svc: dict[str, Any]) -> list[list[str]]:
    test = svc.get("healthcheck", {}).get("test")
    if not test:
        return []
    if test[0] == "CMD-SHELL":
        return [test[1].split()]
    if test[0] == "CMD":
        return [list(test[1:])]
    return [list(test)]


def code_env_names() -> set[str]:
    """HUB_*/CELERY_*/PROMETHEUS_* names in the sources of hub/ and workers/ that read the
    environment."""
    names: set[str] = set()
    for package in ("hub", "workers"):
        for path in (ROOT / package).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            if "environ" not in text and "getenv" not in text and "env.get" not in text:
                continue
            names.update(re.findall(r"""["']((?:HUB|CELERY|PROMETHEUS)_[A-Z0-9_]+)["']""", text))
    return names


def test_required_services_and_volumes(compose: dict[str, Any]) -> None:
    services = _services(compose)
    for name in REQUIRED:
        assert name in services, name
    declared = set(compose.get("volumes") or {})
    for name, svc in services.items():
        for volume in svc.get("volumes", []):
            source = volume.split(":")[0]
            if not source.startswith((".", "/")):
                assert source in declared, f"{name}: volume {source} is not declared"
    assert {"postgres-data", "redis-data", "public"} <= declared


def test_hub_commands_exist(compose: dict[str, Any]) -> None:
    runner = CliRunner()
    checked = 0
    for name, svc in _services(compose).items():
        for command in [svc.get("command") or [], *_healthcheck_commands(svc)]:
            if not command or command[0] != "hub":
                continue
            result = runner.invoke(hub_cli, [*command[1:], "--help"])
            assert result.exit_code == 0, f"{name}: {' '.join(command)}: {result.output}"
            checked += 1
    assert checked >= 3  # migrate, export, web


def test_celery_commands_resolve(compose: dict[str, Any]) -> None:
    import workers
    from workers.app import app

    assert workers.app is app
    queues = {q.name for q in app.conf.task_queues}
    assert {"poll", "publish"} <= queues
    registered = set(app.tasks)
    assert {"hub.poll_source", "hub.publish", "hub.dispatch_due"} <= registered
    for route in app.conf.task_routes.values():
        assert route["queue"] in queues
    schedule = app.conf.beat_schedule
    assert [entry["task"] for entry in schedule.values()] == ["hub.dispatch_due"]
    seen = set()
    for name, svc in _services(compose).items():
        for command in [svc.get("command") or [], *_healthcheck_commands(svc)]:
            if not command or command[0] != "celery":
                continue
            assert command[1:3] == ["-A", "workers"], f"{name}: {command}"
            sub = command[3]
            assert sub in ("worker", "beat", "inspect"), f"{name}: {sub}"
            seen.add(sub)
            if sub == "worker" and "-Q" in command:
                wanted = command[command.index("-Q") + 1].split(",")
                assert set(wanted) <= queues, f"{name}: unknown queue in {wanted}"
    assert {"worker", "beat"} <= seen
    workers_q = {
        n: svc["command"][svc["command"].index("-Q") + 1]
        for n, svc in _ours(compose).items()
        if "worker" in svc["command"]
    }
    assert workers_q == {"poll-worker": "poll", "publish-worker": "publish"}


def test_environment_names_are_read_by_the_code(compose: dict[str, Any]) -> None:
    known = code_env_names()
    from workers.settings import ENV_VARS

    assert set(ENV_VARS) <= known
    for name, svc in _ours(compose).items():
        env = svc.get("environment") or {}
        assert isinstance(env, dict), f"{name}: use the mapping form of environment"
        for key in env:
            assert key in known, f"{name}: {key} is set but no code reads it"
        assert "HUB_DATABASE_URL" in env and env["HUB_DATABASE_URL"].startswith("postgresql")
        assert "HUB_CONFIG" in env


def test_services_wait_for_the_migration(compose: dict[str, Any]) -> None:
    services = _services(compose)
    assert services["migrate"]["command"] == ["hub", "db", "upgrade"]
    assert services["migrate"].get("restart") == "no"
    for name, svc in _ours(compose).items():
        if name == "migrate":
            continue
        deps = svc.get("depends_on") or {}
        assert deps.get("migrate", {}).get("condition") == "service_completed_successfully", name
    for name in ("redis", "postgres", "web", "poll-worker", "publish-worker", "nginx"):
        assert "healthcheck" in services[name], f"{name} has no healthcheck"


def test_export_directory_is_shared_with_nginx(compose: dict[str, Any]) -> None:
    services = _services(compose)
    export_dir = services["publish-worker"]["environment"]["HUB_EXPORT_DIR"]
    assert f"public:{export_dir}" in services["publish-worker"]["volumes"]
    assert f"public:{export_dir}:ro" in services["nginx"]["volumes"]
    assert services["export"]["command"] == ["hub", "publish", "--out", export_dir]
    conf = NGINX.read_text(encoding="utf-8")
    assert f"root {export_dir};" in conf


def test_nginx_types_and_conditional_get() -> None:
    conf = NGINX.read_text(encoding="utf-8")
    for mime, ext in (
        ("application/atom+xml", "atom"),
        ("application/rss+xml", "rss"),
        ("application/feed+json", "json"),
    ):
        assert re.search(rf"^\s*{re.escape(mime)}\s+{ext};", conf, re.M), ext
    assert "default_type text/x-opml;" in conf
    assert "charset utf-8;" in conf
    charset_types = re.search(r"charset_types([^;]+);", conf)
    assert charset_types is not None
    for mime in ("application/atom+xml", "application/rss+xml", "text/x-opml"):
        assert mime in charset_types.group(1)
    assert "application/feed+json" not in charset_types.group(1)
    assert re.search(r"^\s*etag on;", conf, re.M)
    assert re.search(r"^\s*if_modified_since (exact|before);", conf, re.M)
    assert conf.count("{") == conf.count("}")
