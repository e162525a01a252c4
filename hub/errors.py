"""The hub's exception tree.

::

    HubError                                code="error"
    ├── ConfigError(ValueError)             one or more feeds.yaml problems, each with line and key
    ├── SourceError                         carries source_id
    │   ├── FetchError                      carries url; retryable by default   "fetch_error"
    │   │   ├── FetchTimeout                                                    "timeout"
    │   │   ├── HTTPStatusError             carries status; retryable for 429/5xx "http_error"
    │   │   ├── ResponseTooLarge            body over the cap (after decompression) "too_large"
    │   │   ├── RobotsDisallowed            not retryable                       "robots_disallowed"
    │   │   ├── BlockedAddress              SSRF guard, not retryable           "blocked_address"
    │   │   └── ChallengePage               anti-bot wall, not parsed           "challenge"
    │   ├── EncodingError                   bytes cannot be decoded             "encoding_error"
    │   ├── ParseError                      page or feed unreadable             "parse_error"
    │   └── SelectorDrift                   200 but no items where there were   "selector_drift"
    ├── StorageError                        database unavailable or constraint broken "storage"
    │   └── NotFoundError(LookupError)
    └── PublishError                        an invariant broke while writing a feed (a bug)

``code`` is what the store keeps as a source's last outcome and what ``hub sources`` shows;
``retryable`` is what Celery's ``autoretry_for`` looks at. ``str(e)`` reads
``message: source-id: CauseType: cause``. "Not modified" is a result value, not an error.
"""

from __future__ import annotations

from dataclasses import dataclass


class HubError(Exception):
    """Base of every error the hub raises on purpose."""

    code: str = "error"
    retryable: bool = False

    def __init__(self, message: str = "") -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        parts = [self.message or type(self).__name__]
        source_id = getattr(self, "source_id", None)
        if source_id:
            parts.append(source_id)
        cause = self.__cause__
        if cause is not None:
            parts.append(f"{type(cause).__name__}: {cause}")
        return ": ".join(parts)


@dataclass(frozen=True, slots=True)
class ConfigProblem:
    """One problem in feeds.yaml: ``path:line: key: message`` (line is 1-based)."""

    path: str
    line: int
    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.key}: {self.message}"


class ConfigError(HubError, ValueError):
    """feeds.yaml (or the environment) is invalid; ``problems`` lists every problem."""

    code = "config.invalid"

    def __init__(self, problems: list[ConfigProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))

    def __str__(self) -> str:
        return self.message


class SourceError(HubError):
    """A problem with one source's poll; never stops the run."""

    code = "error"

    def __init__(self, message: str = "", *, source_id: str | None = None) -> None:
        super().__init__(message)
        self.source_id = source_id


class FetchError(SourceError):
    code = "fetch_error"
    retryable = True

    def __init__(
        self, message: str = "", *, url: str | None = None, source_id: str | None = None
    ) -> None:
        super().__init__(message, source_id=source_id)
        self.url = url


class FetchTimeout(FetchError):
    code = "timeout"


class HTTPStatusError(FetchError):
    code = "http_error"

    def __init__(
        self,
        message: str = "",
        *,
        status: int,
        url: str | None = None,
        retry_after_s: float | None = None,
        source_id: str | None = None,
    ) -> None:
        super().__init__(message or f"HTTP {status}", url=url, source_id=source_id)
        self.status = status
        self.retry_after_s = retry_after_s
        self.retryable = status == 429 or status >= 500


class ResponseTooLarge(FetchError):
    code = "too_large"
    retryable = False


class RobotsDisallowed(FetchError):
    code = "robots_disallowed"
    retryable = False


class BlockedAddress(FetchError):
    code = "blocked_address"
    retryable = False


class ChallengePage(FetchError):
    code = "challenge"
    retryable = False


class EncodingError(SourceError):
    code = "encoding_error"


class ParseError(SourceError):
    code = "parse_error"


class SelectorDrift(SourceError):
    code = "selector_drift"


class StorageError(HubError):
    code = "storage"
    retryable = True


class NotFoundError(StorageError, LookupError):
    code = "not_found"
    retryable = False


class PublishError(HubError):
    code = "publish"
