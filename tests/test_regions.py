"""hub.regions: the packaged GB/T 2260 table and its lookups."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hub.regions import RegionTable, load_regions, parse_regions_csv
from hub.types import Region

#: the two-digit province prefixes of the 31 mainland provincial-level divisions
_PP = "11121314152122233132333435363741424344454650515253546162636465"
MAINLAND = [_PP[i : i + 2] + "0000" for i in range(0, len(_PP), 2)]


@pytest.fixture(scope="module")
def table() -> RegionTable:
    return load_regions()


def codes(regions: tuple[Region, ...]) -> list[str]:
    return [r.code for r in regions]


def test_all_31_mainland_provinces_present(table: RegionTable) -> None:
    provinces = codes(table.provinces())
    assert len(MAINLAND) == 31
    assert set(MAINLAND) <= set(provinces)
    assert set(provinces) - set(MAINLAND) == {"710000", "810000", "820000"}
    assert all(r.parent is None for r in table.provinces())


def test_national_row(table: RegionTable) -> None:
    national = table.get("quanguo")
    assert national is not None
    assert (national.code, national.name, national.parent) == ("100000", "全国", None)
    assert table.ancestors("100000") == (national,)
    assert national not in table.provinces()


def test_table_size_and_levels(table: RegionTable) -> None:
    levels = [r.level for r in table]
    assert len(table) == len(levels) > 3000
    assert levels.count("prefecture") == 333
    assert codes(tuple(table)) == sorted(codes(tuple(table)))


@pytest.mark.parametrize(
    ("slug", "code", "name"),
    [
        ("shaanxi", "610000", "陕西省"),
        ("shanxi", "140000", "山西省"),
        ("neimenggu", "150000", "内蒙古自治区"),
        ("guangxi", "450000", "广西壮族自治区"),
        ("xinjiang", "650000", "新疆维吾尔自治区"),
        ("xizang", "540000", "西藏自治区"),
        ("heilongjiang", "230000", "黑龙江省"),
        ("beijing", "110000", "北京市"),
        ("chongqing", "500000", "重庆市"),
        ("baoji", "610300", "宝鸡市"),
        ("jilin", "220000", "吉林省"),
        ("jilin-jilin", "220200", "吉林市"),
        ("hainan", "460000", "海南省"),
        ("qinghai-hainan", "632500", "海南藏族自治州"),
        ("chaoyang", "211300", "朝阳市"),
        ("beijing-chaoyang", "110105", "朝阳区"),
        ("changzhi", "140400", "长治市"),
    ],
)
def test_slugs(table: RegionTable, slug: str, code: str, name: str) -> None:
    region = table.get(slug)
    assert region is not None
    assert (region.code, region.name) == (code, name)
    assert table.by_code(code).slug == slug


def test_english_names(table: RegionTable) -> None:
    assert table.by_code("610000").name_en == "Shaanxi"
    assert table.by_code("140000").name_en == "Shanxi"
    assert table.by_code("110000").name_en == "Beijing"
    assert table.by_code("150000").name_en == "Inner Mongolia"


def test_slugs_unique_and_well_formed(table: RegionTable) -> None:
    slugs = [r.slug for r in table]
    assert len(set(slugs)) == len(slugs)
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", s) for s in slugs)


def test_prefecture_ancestors(table: RegionTable) -> None:
    assert codes(table.ancestors("610300")) == ["610300", "610000"]
    assert table.by_code("610300").level == "prefecture"


def test_county_rolls_up_to_prefecture_and_province(table: RegionTable) -> None:
    chain = table.ancestors("610302")
    assert [(r.code, r.level) for r in chain] == [
        ("610302", "county"),
        ("610300", "prefecture"),
        ("610000", "province"),
    ]
    assert chain[0].name == "渭滨区"
    assert table.province_of("610302").slug == "shaanxi"


def test_municipality_districts_sit_directly_under_it(table: RegionTable) -> None:
    assert codes(table.ancestors("110101")) == ["110101", "110000"]
    assert table.by_code("110101").level == "county"
    # older editions' 市辖区 placeholder reads as the municipality itself
    assert table.by_code("110100").code == "110000"
    got = table.get("500200")
    assert got is not None and got.code == "500000"
    assert table.by_code("610100").name == "西安市"  # a real prefecture, not an alias


def test_province_administered_city(table: RegionTable) -> None:
    assert codes(table.ancestors("429004")) == ["429004", "420000"]


def test_children(table: RegionTable) -> None:
    kids = table.children("610000")
    assert len(kids) == 10  # 陕西: 10 prefecture-level cities
    assert all(k.level == "prefecture" and k.parent == "610000" for k in kids)
    assert "610302" in codes(table.children("610300"))
    assert table.children("610302") == ()


def test_lookups(table: RegionTable) -> None:
    assert table.get("610000") == table.get("shaanxi") == table.get(" Shaanxi ")
    assert table.get("nowhere") is None
    assert table.get("999999") is None
    assert table.get("") is None
    assert "shaanxi" in table and "610000" in table and "x" not in table
    with pytest.raises(KeyError):
        table.by_code("999999")
    with pytest.raises(KeyError):
        table.ancestors("610399")
    with pytest.raises(KeyError):
        table.children("shaanxi")


def test_load_regions_is_cached() -> None:
    assert load_regions() is load_regions()


def test_load_from_path(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text(
        "code,name,slug,name_en,level,parent\n"
        "610000,陕西省,shaanxi,Shaanxi,province,\n"
        "610300,宝鸡市,baoji,Baoji,prefecture,610000\n",
        encoding="utf-8",
    )
    small = load_regions(path)
    assert len(small) == 2
    assert codes(small.ancestors("610300")) == ["610300", "610000"]


@pytest.mark.parametrize(
    "text",
    [
        "code,name\n610000,陕西省\n",
        "code,name,slug,name_en,level,parent\n610000,陕西省,shaanxi,Shaanxi,city,\n",
        "code,name,slug,name_en,level,parent\n61000,陕西省,shaanxi,Shaanxi,province,\n",
        "code,name,slug,name_en,level,parent\n610300,宝鸡市,baoji,Baoji,prefecture,610000\n",
        "code,name,slug,name_en,level,parent\n"
        "610000,陕西省,x,X,province,\n140000,山西省,x,X,province,\n",
    ],
)
def test_malformed_csv_rejected(text: str) -> None:
    with pytest.raises(ValueError):
        parse_regions_csv(text)
