"""Dates and times as Chinese government pages and feeds write them (pure; one clock read).

Every zone-less value means Beijing time, Asia/Shanghai (UTC+8, no DST; DOMAIN.md "Dates
and time"), whatever the host's TZ. Storage keeps UTC; a *date-only* value is midnight
Asia/Shanghai of that day and carries ``date_only=True`` so nobody mistakes it for a time.

The formats come from the corpus (REPORT §4): ISO ``2021-08-30 10:05[:12]``, slashes and
dots ``2021/8/30``, ``2022.01.20 16:31``, Chinese ``2021年8月30日``, ``2019年06月15日08:18``,
gov.cn's ``2007-08-20-23:59:59``, RFC 822 with the zone glued to the time
(``13:08:54+0900``) or missing, and year-less list dates ``[08-30]``, ``10.11``,
``05/20 7:03 am``. feedparser's date handlers get most of these wrong (REPORT §4 table), so
this module uses only the stdlib (``email.utils`` for RFC 822) and its own regexes.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from email.utils import parsedate_tz
from zoneinfo import ZoneInfo

__all__ = [
    "SHANGHAI",
    "ParsedDate",
    "clamp_future",
    "date_from_url",
    "format_published",
    "parse_date",
    "to_shanghai",
    "utc_now",
]

SHANGHAI = ZoneInfo("Asia/Shanghai")

#: years outside this range are treated as garbage, not dates
MIN_YEAR = 1980
MAX_YEAR = 2100


def utc_now() -> datetime:
    """The current time, aware, in UTC — the only clock read in the hub."""
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class ParsedDate:
    """A parsed date: ``value`` is aware; when ``date_only`` it is midnight Asia/Shanghai."""

    value: datetime
    date_only: bool


def to_shanghai(dt: datetime) -> datetime:
    """``dt`` expressed in Asia/Shanghai; a naive ``dt`` is taken to mean Shanghai time."""
    if dt.tzinfo is None:
        return dt.replace(tzinfo=SHANGHAI)
    return dt.astimezone(SHANGHAI)


def format_published(parsed: ParsedDate) -> str:
    """``YYYY-MM-DD`` (Shanghai) for a date-only value, else ISO 8601 with its offset."""
    if parsed.date_only:
        return to_shanghai(parsed.value).date().isoformat()
    return parsed.value.isoformat()


def clamp_future(
    value: datetime, now: datetime, *, slack: timedelta = timedelta(days=1)
) -> tuple[datetime, bool]:
    """Return ``(now, True)`` when ``value`` is later than ``now + slack``, else ``(value, False)``.

    Upstream clocks and typos produce dates in the future; a feed must not pin such an
    entry to the top for months. Both datetimes must be aware.
    """
    if value > now + slack:
        return now, True
    return value, False


# --------------------------------------------------------------------------------------
# patterns (applied to NFKC-normalized text: full-width digits/colons become ASCII)

_TIME = (
    r"(?P<h>\d{1,2})\s*[:时]\s*(?P<mi>\d{2})(?:\s*[:分]\s*(?P<s>\d{2})(?:\.(?P<f>\d{1,6})\d*)?)?"
)
_ZONE = r"(?P<z>Z(?![A-Za-z])|[+-]\d{2}:?\d{2}(?!\d)|(?:GMT|UTC)(?:[+-]\d{1,2}(?::?\d{2})?)?)"
_AMPM = r"(?P<ap>[AaPp]\.?[Mm]\.?(?![A-Za-z])|上午|下午|晚上|凌晨)"

_NUMERIC = re.compile(
    r"(?<!\d)(?P<y>\d{4})\s*(?P<sep>[-/.])\s*(?P<mo>\d{1,2})\s*(?P=sep)\s*(?P<d>\d{1,2})(?!\d)"
    r"(?:(?:\s*T\s*|\s+|-|(?=\d{1,2}:))" + _TIME + r"(?:\s*" + _ZONE + r")?)?"
)
_CHINESE = re.compile(
    r"(?<!\d)(?P<y>\d{4})\s*年\s*(?P<mo>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]"
    r"(?:\s*(?:" + _AMPM + r")?\s*" + _TIME + r")?"
)
_COMPACT = re.compile(r"^\s*(?P<y>\d{4})(?P<mo>\d{2})(?P<d>\d{2})\s*$")
_RFC822 = re.compile(
    r"(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*\s*,?\s*)?"
    r"\d{1,2}\s+(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+\d{2,4}"
    r"\s+\d{1,2}:\d{2}(?::\d{2})?(?:\s*(?P<zone>[+-]\d{4}|[A-Z]{1,5}(?![A-Za-z])))?",
    re.IGNORECASE,
)
_GLUED_ZONE = re.compile(r"(\d{1,2}:\d{2}(?::\d{2})?)([+-]\d{4})")
_YEARLESS = re.compile(
    r"(?<![\d.:/-])(?P<mo>\d{1,2})\s*(?P<sep>[-/.])\s*(?P<d>\d{1,2})(?![\d]|[-/.]\d)"
    r"(?:\s+" + _TIME + r"(?:\s*" + _AMPM + r")?)?"
)
_YEARLESS_CN = re.compile(
    r"(?<!\d)(?P<mo>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号](?:\s*" + _TIME + r")?"
)

#: RFC 822 zone names Chinese feeds use; "CST" there means China Standard Time (UTC+8),
#: not US Central, so it is mapped before email.utils sees it.
_CHINA_ZONE_NAMES = re.compile(r"\b(?:CST|CCT|BJT|HKT)\b")


def _normalize(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    return text.replace("\u3000", " ")


def _zone(text: str | None, default: tzinfo) -> tzinfo | None:
    if not text:
        return default
    if text == "Z":
        return UTC
    text = text.upper().replace("GMT", "").replace("UTC", "")
    if not text:
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    if len(digits) <= 2:
        hours, minutes = int(digits), 0
    else:
        hours, minutes = int(digits[:-2]), int(digits[-2:])
    if hours > 14 or minutes > 59:
        return None
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def _hour(h: int, ap: str | None) -> int | None:
    if ap:
        marker = ap.lower().replace(".", "")
        if marker in ("pm", "下午", "晚上") and h < 12:
            h += 12
        elif marker in ("am", "凌晨", "上午") and h == 12:
            h = 0
    return h if 0 <= h <= 23 else None


def _build(
    y: int,
    mo: int,
    d: int,
    groups: dict[str, str | None],
    tz: tzinfo,
) -> ParsedDate | None:
    if not MIN_YEAR <= y <= MAX_YEAR:
        return None
    h_text = groups.get("h")
    try:
        if h_text is None:
            return ParsedDate(datetime(y, mo, d, tzinfo=SHANGHAI), True)
        hour = _hour(int(h_text), groups.get("ap"))
        if hour is None:
            return None
        second = int(groups.get("s") or 0)
        frac = groups.get("f")
        micro = int(frac.ljust(6, "0")) if frac else 0
        zone = _zone(groups.get("z"), tz)
        if zone is None:
            return None
        value = datetime(y, mo, d, hour, int(groups["mi"] or 0), second, micro, tzinfo=zone)
    except ValueError:
        return None
    return ParsedDate(value.astimezone(tz), False)


def _from_match(match: re.Match[str], tz: tzinfo) -> ParsedDate | None:
    g = match.groupdict()
    return _build(int(g["y"]), int(g["mo"]), int(g["d"]), g, tz)


def _rfc822(text: str, tz: tzinfo) -> ParsedDate | None:
    match = _RFC822.search(text)
    if not match:
        return None
    raw = _GLUED_ZONE.sub(r"\1 \2", match.group(0))
    raw = _CHINA_ZONE_NAMES.sub("+0800", raw)
    parts = parsedate_tz(raw)
    if parts is None:
        return None
    y, mo, d, h, mi, s = parts[:6]
    offset = parts[9]
    if not MIN_YEAR <= y <= MAX_YEAR:
        return None
    # email.utils reports a missing zone as +0000; a zone-less value means ``tz`` here
    has_zone = match.group("zone") is not None
    zone: tzinfo = tz if offset is None or not has_zone else timezone(timedelta(seconds=offset))
    try:
        value = datetime(y, mo, d, h, mi, s, tzinfo=zone)
    except ValueError:
        return None
    return ParsedDate(value.astimezone(tz), False)


def _yearless(text: str, now: datetime, tz: tzinfo) -> ParsedDate | None:
    match = _YEARLESS_CN.search(text) or _YEARLESS.search(text)
    if not match:
        return None
    g = match.groupdict()
    mo, d = int(g["mo"]), int(g["d"])
    limit = now + timedelta(days=1)
    local_now = now.astimezone(tz)
    for year in (local_now.year + 1, local_now.year, local_now.year - 1, local_now.year - 2):
        parsed = _build(year, mo, d, g, tz)
        if parsed is None:
            if mo == 2 and d == 29:
                continue  # not a leap year: try an earlier one
            return None
        if parsed.value <= limit:
            return parsed
    return None


def parse_date(
    text: str | None, *, now: datetime | None = None, tz: tzinfo = SHANGHAI
) -> ParsedDate | None:
    """Find and parse the first date in ``text``; None when there is none. Never raises.

    ``text`` may carry a label or brackets around the date (``发布时间：2022-02-13 04:22``,
    ``( 2022-04-26)``, ``[2017-10-13]``). Zone-less values mean ``tz`` (Asia/Shanghai);
    the result is converted to ``tz``. A date without a time gives midnight Asia/Shanghai
    and ``date_only=True``. Year-less values (``10-19``, ``[08-30]``, ``05/20 7:03 am``,
    ``10月19日``) need the aware ``now`` and take the most recent year that does not put
    them after ``now + 1 day``; without ``now`` they give None.
    """
    if not text or not isinstance(text, str):
        return None
    try:
        return _parse(text, now, tz)
    except (ValueError, OverflowError, TypeError, IndexError):
        return None


def _parse(text: str, now: datetime | None, tz: tzinfo) -> ParsedDate | None:
    norm = _normalize(text)[:2000]
    candidates: list[tuple[int, ParsedDate]] = []
    for pattern in (_NUMERIC, _CHINESE):
        for match in pattern.finditer(norm):
            parsed = _from_match(match, tz)
            if parsed is not None:
                candidates.append((match.start(), parsed))
                break
    if candidates:
        return min(candidates, key=lambda c: c[0])[1]
    compact = _COMPACT.match(norm)
    if compact:
        return _from_match(compact, tz)
    rfc = _rfc822(norm, tz)
    if rfc is not None:
        return rfc
    if now is not None and re.search(r"\d{4}", norm) is None:
        return _yearless(norm, now, tz)
    return None


# --------------------------------------------------------------------------------------
# dates in URLs (DOMAIN.md "Common site software")

_URL_PATTERNS = (
    # TRS WCM: ./202108/t20210830_123456.html
    re.compile(r"/t(?P<y>\d{4})(?P<mo>\d{2})(?P<d>\d{2})_\d+"),
    # Hanweb: /art/2021/8/30/art_1234_56789.html
    re.compile(r"/art/(?P<y>\d{4})/(?P<mo>\d{1,2})/(?P<d>\d{1,2})/"),
    # xinhuanet /2019-12/10/, chinaneast /2005-08/16/
    re.compile(r"/(?P<y>\d{4})-(?P<mo>\d{1,2})/(?P<d>\d{1,2})/"),
    # chinanews /2020/07-04/
    re.compile(r"/(?P<y>\d{4})/(?P<mo>\d{1,2})-(?P<d>\d{1,2})/"),
    # sina /2005-03-21/
    re.compile(r"/(?P<y>\d{4})-(?P<mo>\d{1,2})-(?P<d>\d{1,2})/"),
    # people.com.cn /n1/2019/0615/
    re.compile(r"/(?P<y>\d{4})/(?P<mo>\d{2})(?P<d>\d{2})/"),
    # dfa66 /2020/7/2-hex.html, generic /2020/07/02/
    re.compile(r"/(?P<y>\d{4})/(?P<mo>\d{1,2})/(?P<d>\d{1,2})[/-]"),
    # /xwfb/20220426/…, /20050311/n2246.shtml
    re.compile(r"/(?P<y>\d{4})(?P<mo>\d{2})(?P<d>\d{2})/"),
    # /20050311_123.html, t-less compact names
    re.compile(r"/(?P<y>\d{4})(?P<mo>\d{2})(?P<d>\d{2})[_-]\d+"),
)


def date_from_url(url: str) -> ParsedDate | None:
    """The publication day a URL path spells, date-only; None when the path has none.

    Recognizes ``/202108/t20210830_123.html``, ``/art/2021/8/30/``, ``/2021-08/30/``,
    ``/20220426/``, ``/2020/07-04/``, ``/2019/0615/``, ``/2005-03-21/``, ``/2020/7/2-…``.
    The TRS t-date can differ from the date shown on the list page (REPORT R2.2); use it
    only when the page gives no date.
    """
    if not url:
        return None
    for pattern in _URL_PATTERNS:
        for match in pattern.finditer(url):
            g = match.groupdict()
            parsed = _build(int(g["y"]), int(g["mo"]), int(g["d"]), {}, SHANGHAI)
            if parsed is not None:
                return parsed
    return None
