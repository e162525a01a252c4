"""hub.timeutil: Chinese date forms, RFC 822 oddities, year-less list dates, URL dates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.timeutil import (
    SHANGHAI,
    ParsedDate,
    clamp_future,
    date_from_url,
    format_published,
    parse_date,
    to_shanghai,
    utc_now,
)

NOW = datetime(2026, 11, 29, 4, 0, tzinfo=UTC)


def sh(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("text", "value", "date_only"),
    [
        ("2021-08-30", sh(2021, 8, 30), True),
        ("2021/8/30", sh(2021, 8, 30), True),
        ("2021.08.30", sh(2021, 8, 30), True),
        ("2021年08月30日", sh(2021, 8, 30), True),
        ("2021年8月30日", sh(2021, 8, 30), True),
        ("2019年06月15日08:18", sh(2019, 6, 15, 8, 18), False),
        ("2020年07月04日 12:10", sh(2020, 7, 4, 12, 10), False),
        ("2005年3月11日12:12", sh(2005, 3, 11, 12, 12), False),
        ("2021-08-30 10:05", sh(2021, 8, 30, 10, 5), False),
        ("2021-08-30 10:05:12", sh(2021, 8, 30, 10, 5, 12), False),
        (" 2019-12-10 07:57:40", sh(2019, 12, 10, 7, 57, 40), False),
        ("( 2022-04-26)", sh(2022, 4, 26), True),
        ("[2017-10-13]", sh(2017, 10, 13), True),
        ("2022.01.20 16:31", sh(2022, 1, 20, 16, 31), False),
        ("2007-08-20-23:59:59", sh(2007, 8, 20, 23, 59, 59), False),
        ("2005-5-28 16:05:36", sh(2005, 5, 28, 16, 5, 36), False),
        ("发布时间：2022-02-13 04:22:18", sh(2022, 2, 13, 4, 22, 18), False),
        ("２０２１年８月３０日", sh(2021, 8, 30), True),
        ("20220426", sh(2022, 4, 26), True),
        ("Tue, 27 Dec 2005 13:08:54+0900", datetime(2005, 12, 27, 4, 8, 54, tzinfo=UTC), False),
        ("Sat, 22 Jul 2017 15:55:00", sh(2017, 7, 22, 15, 55), False),
        ("Sat, 22 Jul 2017 15:55:00 GMT", datetime(2017, 7, 22, 15, 55, tzinfo=UTC), False),
        ("Sat, 22 Jul 2017 15:55:00 +0800", sh(2017, 7, 22, 15, 55), False),
        ("Sat, 22 Jul 2017 15:55:00 CST", sh(2017, 7, 22, 15, 55), False),
        ("Sun, 19 Apr 2026 06:22:34 +0800", sh(2026, 4, 19, 6, 22, 34), False),
        ("2005-12-21T22:51:36Z", datetime(2005, 12, 21, 22, 51, 36, tzinfo=UTC), False),
        (
            "2005-12-21T22:51:36+02:00",
            datetime(2005, 12, 21, 22, 51, 36, tzinfo=timezone(timedelta(hours=2))),
            False,
        ),
        # year-less: the most recent occurrence not after now + 1 day (now = 2026-11-29)
        ("[08-30]", sh(2026, 8, 30), True),
        ("10-19", sh(2026, 10, 19), True),
        ("10.11", sh(2026, 10, 11), True),
        ("12-25", sh(2025, 12, 25), True),
        ("11-30", sh(2026, 11, 30), True),
        ("05/20 7:03 am", sh(2026, 5, 20, 7, 3), False),
        ("05/20 7:03 pm", sh(2026, 5, 20, 19, 3), False),
    ],
)
def test_formats(text: str, value: datetime, date_only: bool) -> None:
    parsed = parse_date(text, now=NOW)
    assert parsed is not None
    assert parsed.value == value
    assert parsed.date_only is date_only
    assert parsed.value.utcoffset() is not None


def test_zone_less_means_shanghai_not_host() -> None:
    parsed = parse_date("2021-08-30 10:05")
    assert parsed is not None
    assert parsed.value.astimezone(UTC) == datetime(2021, 8, 30, 2, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    "text", [None, "", "garbage", "12:30", "2021-13-45", "2021-02-30", "9999-01-01", "第1号"]
)
def test_garbage_is_none(text: str | None) -> None:
    assert parse_date(text, now=NOW) is None


def test_yearless_needs_now() -> None:
    assert parse_date("10-19") is None


def test_clamp_future() -> None:
    assert clamp_future(NOW + timedelta(hours=20), NOW) == (NOW + timedelta(hours=20), False)
    assert clamp_future(NOW + timedelta(days=3), NOW) == (NOW, True)
    assert clamp_future(NOW + timedelta(days=3), NOW, slack=timedelta(days=5))[1] is False


def test_to_shanghai_and_format() -> None:
    assert to_shanghai(datetime(2021, 1, 1, 16, tzinfo=UTC)) == sh(2021, 1, 2)
    assert to_shanghai(datetime(2021, 1, 1)).tzinfo is SHANGHAI
    assert format_published(ParsedDate(sh(2021, 8, 30), True)) == "2021-08-30"
    assert (
        format_published(ParsedDate(sh(2021, 8, 30, 10, 5), False)) == "2021-08-30T10:05:00+08:00"
    )


def test_utc_now_is_aware() -> None:
    assert utc_now().tzinfo is UTC


@pytest.mark.parametrize(
    ("url", "day"),
    [
        ("http://x.gov.cn/202108/t20210830_123.html", sh(2021, 8, 30)),
        ("http://x.gov.cn/art/2021/8/30/art_1234_56789.html", sh(2021, 8, 30)),
        ("http://www.xinhuanet.com/world/2019-12/10/c_1125327450.htm", sh(2019, 12, 10)),
        ("https://wsjkw.sh.gov.cn/xwfb/20220426/d4d847dc.html", sh(2022, 4, 26)),
        ("http://www.chinanews.com/ll/2020/07-04/9229287.shtml", sh(2020, 7, 4)),
        ("http://culture.people.com.cn/n1/2019/0615/c1013-31153719.html", sh(2019, 6, 15)),
        ("https://www.dfa66.com/dfaets/contents/2020/7/2-0123.html", sh(2020, 7, 2)),
        ("http://chanye.finance.sina.com.cn/sm/2005-03-21/244339.shtml", sh(2005, 3, 21)),
    ],
)
def test_date_from_url(url: str, day: datetime) -> None:
    parsed = date_from_url(url)
    assert parsed == ParsedDate(day, True)


def test_date_from_url_none() -> None:
    assert date_from_url("http://www.gov.cn/zhengce/index.htm") is None
    assert date_from_url("") is None


@given(st.text())
def test_never_raises_and_always_aware(text: str) -> None:
    parsed = parse_date(text, now=NOW)
    if parsed is not None:
        assert parsed.value.utcoffset() is not None


dates = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2090, 12, 31))


@given(dates, st.booleans())
def test_iso_round_trip_is_idempotent(naive: datetime, date_only: bool) -> None:
    value = naive.replace(microsecond=0, tzinfo=SHANGHAI)
    if date_only:
        value = value.replace(hour=0, minute=0, second=0)
    first = ParsedDate(value, date_only)
    again = parse_date(format_published(first))
    assert again == first
    assert again is not None and parse_date(format_published(again)) == again


@given(st.dates(min_value=datetime(1990, 1, 1).date(), max_value=datetime(2090, 1, 1).date()))
def test_date_only_is_midnight_shanghai(day: object) -> None:
    parsed = parse_date(f"{day}")
    assert parsed is not None and parsed.date_only
    assert parsed.value.tzinfo is SHANGHAI
    assert (parsed.value.hour, parsed.value.minute, parsed.value.second) == (0, 0, 0)


def test_zone_less_times_are_shanghai_whatever_the_host_zone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import time as _time

    results = []
    for zone in ("UTC", "America/New_York", "Asia/Kolkata"):
        monkeypatch.setenv("TZ", zone)
        _time.tzset()
        parsed = parse_date("2021-08-30 10:05")
        assert parsed is not None
        results.append(parsed.value.isoformat())
    monkeypatch.delenv("TZ")
    _time.tzset()
    assert results == ["2021-08-30T10:05:00+08:00"] * 3
