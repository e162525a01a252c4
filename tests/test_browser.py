"""The index and /sources pages in a real headless browser (Debian's chromium through
Selenium and /usr/bin/chromedriver) over the app served by uvicorn on 127.0.0.1, with a
store filled from recorded pages: no console errors, autodiscovery links present, every
link on the index that points at the hub answers 200, and a feed link clicks through.

Skips with a reason when chromium, chromedriver or selenium is missing (``scripts/test``
installs the Debian packages when it runs as root).
"""

from __future__ import annotations

import dataclasses
import shutil
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urljoin

import httpx
import pytest
from loopback import free_port, uvicorn_serving

from hub import catalog, pipeline
from hub.config import Config, load_config
from hub.runner import make_fetcher
from hub.serve import create_app
from hub.store import Store

pytestmark = pytest.mark.slow

CONFIG = Path(__file__).parent / "data" / "e2e-feeds.yaml"
NOW = datetime(2026, 4, 20, 0, 0, tzinfo=UTC)
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory, replay_dir: Path
) -> Iterator[tuple[str, Config]]:
    """The app on ``http://127.0.0.1:<port>``, its config's base_url set to that address
    so the absolute links on the pages point at this server."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    config = load_config(CONFIG)
    config = dataclasses.replace(
        config, settings=dataclasses.replace(config.settings, base_url=base)
    )
    store = Store(f"sqlite:///{tmp_path_factory.mktemp('browser') / 'hub.db'}")
    store.upgrade()
    with make_fetcher(config, str(replay_dir)) as fetcher:
        for sid in config.sources:
            pipeline.poll_source(config, store, fetcher, sid, now=NOW)
    pipeline.publish(config, store, None, now=NOW)
    try:
        with uvicorn_serving(create_app(config, store), port) as served_at:
            assert served_at == base
            yield base, config
    finally:
        store.close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Headless Debian chromium driven by /usr/bin/chromedriver, isolated profile, no
    background network traffic; browser console captured at level ALL."""
    if CHROMIUM is None or CHROMEDRIVER is None:
        pytest.skip(
            "chromium/chromedriver not installed (Debian: apt-get install chromium "
            "chromium-driver; scripts/test does this when run as root)"
        )
    webdriver = pytest.importorskip(
        "selenium.webdriver", reason="selenium not installed (pip install -e '.[test]')"
    )
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-default-apps",
        "--disable-extensions",
        "--disable-domain-reliability",
        "--disable-client-side-phishing-detection",
        "--no-default-browser-check",
        "--no-first-run",
        "--dns-prefetch-disable",
        # nothing but 127.0.0.1: no name resolves (no DNS query leaves the machine), and
        # any non-loopback request goes to a dead local proxy
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
        "--proxy-server=http://127.0.0.1:9",
        "--window-size=1280,1000",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # explicit binary and driver paths: Selenium Manager never runs (no downloads)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.set_page_load_timeout(15)
    try:
        yield driver
    finally:
        driver.quit()


def _severe(driver: Any) -> list[dict[str, Any]]:
    return [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]


def test_index_in_browser(browser: Any, served: tuple[str, Config]) -> None:
    from selenium.webdriver.common.by import By

    base, config = served
    browser.get(base + "/")
    assert browser.title == config.settings.title
    assert browser.execute_script("return document.documentElement.lang") == "zh-CN"
    assert browser.execute_script("return document.characterSet") == "UTF-8"
    assert _severe(browser) == []

    # autodiscovery: an Atom alternate for every feed, RSS and JSON for the all feed
    alternates = {
        (el.get_attribute("type"), el.get_attribute("href"))
        for el in browser.find_elements(By.CSS_SELECTOR, 'head link[rel="alternate"]')
    }
    for key in catalog.all_feed_keys(config):
        path = catalog.feed_info(config, key).path
        assert ("application/atom+xml", f"{base}{path}.atom") in alternates, path
    assert ("application/rss+xml", f"{base}/feeds/all.rss") in alternates
    assert ("application/feed+json", f"{base}/feeds/all.json") in alternates

    # no resource from anywhere else, no scripts
    assert browser.find_elements(By.CSS_SELECTOR, "script, img, iframe, [src]") == []
    resources = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
    )
    assert resources == []

    # every link on the page that points at this server answers 200
    hrefs = {
        el.get_attribute("href")
        for el in browser.find_elements(By.CSS_SELECTOR, "a[href], link[href]")
    }
    ours = {urldefrag(urljoin(base + "/", h)).url for h in hrefs if h}
    ours = {h for h in ours if h.startswith(base + "/")}
    assert {f"{base}/opml.xml", f"{base}/sources", f"{base}/feeds/all.json"} <= ours
    assert len(ours) > 3 * len(catalog.all_feed_keys(config))  # every feed × 3 formats
    with httpx.Client(timeout=10) as client:
        failures = {
            h: r.status_code for h in sorted(ours) if (r := client.get(h)).status_code != 200
        }
    assert failures == {}

    # the matrix renders as a table: 甘肃省's prefecture 定西市 is indented past it
    gansu = browser.find_element(By.XPATH, "//table[@class='matrix']//th[starts-with(., '甘肃省')]")
    dingxi = browser.find_element(
        By.XPATH, "//table[@class='matrix']//th[starts-with(., '定西市')]"
    )
    assert dingxi.value_of_css_property("padding-left") != gansu.value_of_css_property(
        "padding-left"
    )

    # click through: the source-health link, then back and a feed link
    browser.find_element(By.CSS_SELECTOR, f'nav a[href="{base}/sources"]').click()
    assert browser.current_url == f"{base}/sources"
    assert "来源状态" in browser.title
    browser.back()
    link = browser.find_element(By.CSS_SELECTOR, f'a[href="{base}/feeds/region/gansu.atom"]')
    link.click()
    deadline = time.monotonic() + 10
    while browser.current_url != f"{base}/feeds/region/gansu.atom" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert browser.current_url == f"{base}/feeds/region/gansu.atom"
    assert "定西" in browser.page_source
    # an XML document has no <link rel="icon">, so chromium asks the server for
    # /favicon.ico, which the app does not serve; nothing else may fail
    assert [e for e in _severe(browser) if "/favicon.ico " not in e["message"]] == []


def test_sources_in_browser(browser: Any, served: tuple[str, Config]) -> None:
    from selenium.webdriver.common.by import By

    base, config = served
    browser.get(base + "/sources")
    assert _severe(browser) == []
    rows = browser.find_elements(By.CSS_SELECTOR, "tbody tr")
    assert len(rows) == len(config.sources)
    ok = browser.find_element(By.CSS_SELECTOR, "#src-dingxi-tzgg .o")
    bad = browser.find_element(By.CSS_SELECTOR, "#src-broken-404 .o")
    assert ok.text == "ok" and bad.text == "http_error"
    assert ok.value_of_css_property("background-color") != bad.value_of_css_property(
        "background-color"
    )
    browser.find_element(By.CSS_SELECTOR, f'a[href="{base}/"]').click()
    assert browser.current_url == f"{base}/"
    assert _severe(browser) == []
