"""hub.encoding.decode_body on synthetic bytes and on every corpus file."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from hub.encoding import decode_body, normalize_codec
from hub.errors import EncodingError

TEXT = "陕西省民政厅关于做好2021年社会救助工作的通知，来源：本网"


@pytest.mark.parametrize(
    ("label", "codec"),
    [
        ("gb2312", "gb18030"),
        ("GBK", "gb18030"),
        ("x-gbk", "gb18030"),
        ("gb_2312-80", "gb18030"),
        ("Big5", "big5hkscs"),
        ("UTF8", "utf-8"),
        ("no-such-codec", None),
        (None, None),
    ],
)
def test_normalize_codec(label: str | None, codec: str | None) -> None:
    assert normalize_codec(label) == codec


def test_http_charset_param_wins() -> None:
    body = TEXT.encode("gbk")
    assert decode_body(body, "text/html; charset=GBK") == (TEXT, "gb18030")


def test_meta_charset() -> None:
    html = f'<html><head><meta charset="gb2312"></head><body>{TEXT}</body></html>'
    text, codec = decode_body(html.encode("gb18030"), "text/html")
    assert codec == "gb18030" and TEXT in text


def test_meta_http_equiv_and_comment_skipped() -> None:
    html = (
        '<!-- <meta charset="big5"> --><meta http-equiv="Content-Type" '
        f'content="text/html; charset=GBK"><p>{TEXT}</p>'
    )
    text, codec = decode_body(html.encode("gbk"), None)
    assert codec == "gb18030" and TEXT in text


def test_xml_declaration() -> None:
    xml = '<?xml version="1.0" encoding="big5"?><rss><title>臺灣新聞</title></rss>'
    text, codec = decode_body(xml.encode("big5"), "text/xml")
    assert codec == "big5hkscs" and "臺灣新聞" in text


def test_bom_beats_declaration() -> None:
    body = b"\xef\xbb\xbf" + f'<meta charset="gbk">{TEXT}'.encode()
    text, codec = decode_body(body, "text/html; charset=gbk")
    assert codec == "utf-8" and text.startswith("<meta") and TEXT in text


def test_lying_gb2312_declaration_over_utf8_bytes() -> None:
    html = f'<meta http-equiv="Content-Type" content="text/html; charset=GB2312"><p>{TEXT}</p>'
    text, codec = decode_body(html.encode("utf-8"), None)
    assert codec == "utf-8" and TEXT in text


def test_invalid_pair_gives_replacement_not_failure() -> None:
    body = TEXT.encode("gbk") + b"\xa3\x7f" + "结束".encode("gbk")
    text, codec = decode_body(body, "text/html; charset=gbk")
    assert codec == "gb18030"
    assert text.startswith(TEXT) and text.endswith("结束")


def test_undeclared_short_page_is_not_korean() -> None:
    body = "通知公告".encode("gbk")
    text, codec = decode_body(body, None)
    assert codec in {"gb18030", "big5hkscs"}
    assert codec == "gb18030" and text == "通知公告"


def test_undeclared_utf8_preferred() -> None:
    assert decode_body("公告".encode(), None) == ("公告", "utf-8")


def test_empty_body() -> None:
    assert decode_body(b"", None) == ("", "utf-8")


def test_garbage_raises_encoding_error() -> None:
    with pytest.raises(EncodingError):
        decode_body(b"ab\x80\xff" * 300, "text/html; charset=utf-8")


def _manifest(corpus_dir: Path) -> list[dict[str, str]]:
    with (corpus_dir / "MANIFEST.tsv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def _content_types(corpus_dir: Path) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for line in (
        (corpus_dir / "replay" / "responses.jsonl").read_text(encoding="utf-8").splitlines()
    ):
        row = json.loads(line)
        out[row["body"].removeprefix("../")] = row["headers"].get("Content-Type")
    return out


def _expected_codec(actual: str) -> str:
    actual = actual.lower()
    if actual.startswith("utf-8"):
        return "utf-8"
    if actual.startswith(("gb2312", "gbk", "gb18030")):
        return "gb18030"
    if actual.startswith("big5"):
        return "big5hkscs"
    raise AssertionError(actual)


def test_every_corpus_file(corpus_dir: Path) -> None:
    types = _content_types(corpus_dir)
    rows = _manifest(corpus_dir)
    assert len(rows) >= 50
    for row in rows:
        path = corpus_dir / row["file"]
        body = path.read_bytes()
        text, codec = decode_body(body, types.get(row["file"]))
        expected = _expected_codec(row["actual_encoding"])
        assert codec == expected, row["file"]
        if expected == "gb18030":
            assert text == body.decode("gb18030", errors="replace"), row["file"]
        elif expected == "big5hkscs":
            assert text.count("\ufffd") <= 2, row["file"]
        else:
            assert text == body.decode("utf-8").removeprefix("\ufeff"), row["file"]


def test_corpus_with_declared_charset_header(corpus_dir: Path) -> None:
    """A server that says GBK for a page that is GBK (people-gb2312, strict GB2312 bytes)."""
    body = (corpus_dir / "upstream-html" / "people-gb2312__article__1.html").read_bytes()
    text, codec = decode_body(body, "text/html; charset=GBK")
    assert codec == "gb18030" and "江苏多地要求中高风险地区师生员工暂不返校" in text
    # and a lying header over UTF-8 bytes (people: meta says GB2312, bytes are UTF-8)
    body = (corpus_dir / "upstream-html" / "people__article__1.html").read_bytes()
    text, codec = decode_body(body, "text/html; charset=gb2312")
    assert codec == "utf-8" and "郑板桥" in text


@pytest.mark.parametrize(
    "text",
    ["通知", "关于", "公告", "转发", "的通知", "新闻", "关于做好2021年度社会组织年检工作的通知"],
)
@pytest.mark.parametrize("codec", ["gbk", "utf-8"])
def test_short_undeclared_pages_decode_right(text: str, codec: str) -> None:
    """GBK bytes of 通知 are valid UTF-8 (Hebrew points) and those of 关于 look like Big5:
    undeclared short pages still decode to the right Chinese text."""
    body = f"<html><body><p>{text}</p></body></html>".encode(codec)
    decoded, _ = decode_body(body, None)
    assert f"<p>{text}</p>" in decoded


def test_short_undeclared_big5_page() -> None:
    decoded, codec = decode_body("<p>臺灣新聞 公告</p>".encode("big5"), None)
    assert "臺灣新聞 公告" in decoded and codec == "big5hkscs"


def test_a_gb_declaration_is_kept_when_utf8_reads_worse() -> None:
    decoded, codec = decode_body('<meta charset="gb2312"><p>通知</p>'.encode("gbk"), "text/html")
    assert "通知" in decoded and codec == "gb18030"
