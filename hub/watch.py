"""feeds.yaml that follows the file: edits take effect without restarting anything.

One ``ConfigWatcher`` per process (the web app, the embedded poller, each Celery worker):
``current()`` stats the file (one system call) and re-reads it when its (mtime, size,
inode) changed. An edit that does not validate is logged with every problem and the
previous config is kept, so a typo never takes a running hub down.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

from hub.config import Config, load_config
from hub.errors import ConfigError

__all__ = ["ConfigWatcher"]

log = logging.getLogger("hub.watch")

Stamp = tuple[int, int, int]


def _stamp(path: Path) -> Stamp:
    try:
        st = os.stat(path)
    except OSError:
        return (0, 0, 0)
    return (st.st_mtime_ns, st.st_size, st.st_ino)


class ConfigWatcher:
    """The current config of one feeds.yaml.

    Args:
        path: the feeds.yaml path.
        initial: the config just loaded from the file (else it is loaded on first use);
            it stays current until the file changes after this watcher was made.

    Thread-safe.
    """

    def __init__(self, path: str | Path, initial: Config | None = None) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._config = initial
        self._stamp = _stamp(self.path) if initial is not None else None

    def current(self) -> tuple[Config, bool]:
        """``(config, changed)``: the config as the file is now, and whether it was
        re-read by this call.

        Raises:
            ConfigError: the file is unreadable or invalid and no earlier version was
                loaded.
        """
        stamp = _stamp(self.path)
        with self._lock:
            if self._config is not None and stamp == self._stamp:
                return self._config, False
            try:
                config = load_config(self.path)
            except ConfigError as exc:
                if self._config is None:
                    raise
                log.error("feeds.yaml changed but is invalid; keeping the old one:\n%s", exc)
                self._stamp = stamp  # report once per edit
                return self._config, False
            if self._config is not None:
                log.info("feeds.yaml reloaded: %d sources", len(config.sources))
            self._config, self._stamp = config, stamp
            return config, True
