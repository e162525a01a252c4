"""GB/T 2260 administrative divisions: lookup by code or slug, roll-up to province.

The table is ``hub/data/regions.csv`` (columns ``code,name,slug,name_en,level,parent``),
built by ``scripts/build_regions.py`` from a data package; see ``hub/data/README.md`` for
the edition and the slug rule. Codes are ``PPCCDD`` (DOMAIN.md, "Regions"): province
``PP0000``, prefecture ``PPCC00``, county ``PPCCDD``. A division's ``parent`` is the
enclosing division by prefix: ``PPCC00`` when that prefecture exists, otherwise ``PP0000``
(districts of 北京 110000 and province-administered cities such as 仙桃 429004).

``100000`` (``quanguo``, 全国) is the hub's own top-level row for national bodies: level
``province`` with no parent, but not listed by :meth:`RegionTable.provinces`.

The table has no ``110100``-style 市辖区/县 placeholder rows; such a code (``PP0100`` or
``PP0200`` of a province with no prefectures, as older editions and some sites use for the
municipalities) is read as the province itself.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Literal, cast

from hub.types import Region

__all__ = ["NATIONAL_CODE", "RegionTable", "load_regions", "parse_regions_csv"]

#: The hub's row for national bodies (not a GB/T 2260 division).
NATIONAL_CODE = "100000"

_CODE = re.compile(r"^\d{6}$")
_COLUMNS = ("code", "name", "slug", "name_en", "level", "parent")
_LEVELS = ("province", "prefecture", "county")


class RegionTable:
    """An immutable, indexed set of :class:`~hub.types.Region` values, in code order."""

    __slots__ = ("_by_code", "_by_slug", "_children", "_order")

    def __init__(self, regions: Iterable[Region]) -> None:
        """Index ``regions``.

        Raises ``ValueError`` on a duplicate code or slug, a malformed code, or a parent
        code that is not in the table.
        """
        self._order: tuple[Region, ...] = tuple(sorted(regions, key=lambda r: r.code))
        self._by_code: dict[str, Region] = {}
        self._by_slug: dict[str, Region] = {}
        children: dict[str, list[Region]] = {}
        for region in self._order:
            if not _CODE.match(region.code):
                raise ValueError(f"region code {region.code!r} is not six digits")
            if region.code in self._by_code:
                raise ValueError(f"duplicate region code {region.code}")
            if region.slug in self._by_slug:
                raise ValueError(f"duplicate region slug {region.slug!r}")
            self._by_code[region.code] = region
            self._by_slug[region.slug] = region
            if region.parent is not None:
                children.setdefault(region.parent, []).append(region)
        for parent in children:
            if parent not in self._by_code:
                raise ValueError(f"parent code {parent} is not in the table")
        self._children = {code: tuple(kids) for code, kids in children.items()}

    def _resolve(self, code: str) -> str | None:
        """The table code for ``code``: itself, or the province for ``PP0100``/``PP0200``."""
        if code in self._by_code:
            return code
        if _CODE.match(code) and code[2:] in ("0100", "0200"):
            province = code[:2] + "0000"
            if province in self._by_code and not any(
                kid.level == "prefecture" for kid in self._children.get(province, ())
            ):
                return province
        return None

    def get(self, code_or_slug: str) -> Region | None:
        """The region with this six-digit code or slug (case-insensitive), else ``None``.

        ``get("610000")`` and ``get("shaanxi")`` are 陕西省; ``get("110100")`` is 北京市.
        """
        key = code_or_slug.strip()
        if _CODE.match(key):
            code = self._resolve(key)
            return self._by_code[code] if code is not None else None
        return self._by_slug.get(key.lower())

    def by_code(self, code: str) -> Region:
        """The region with this six-digit code; raises ``KeyError`` when there is none."""
        resolved = self._resolve(code)
        if resolved is None:
            raise KeyError(code)
        return self._by_code[resolved]

    def ancestors(self, code: str) -> tuple[Region, ...]:
        """The division itself, then each enclosing division up to its province.

        宝鸡市 610300 → (610300, 610000); 渭滨区 610302 → (610302, 610300, 610000);
        东城区 110101 → (110101, 110000). Raises ``KeyError`` for an unknown code.
        """
        region = self.by_code(code)
        chain = [region]
        while region.parent is not None:
            region = self._by_code[region.parent]
            chain.append(region)
        return tuple(chain)

    def province_of(self, code: str) -> Region:
        """The province-level division ``code`` rolls up to; ``KeyError`` when unknown."""
        return self.ancestors(code)[-1]

    def provinces(self) -> tuple[Region, ...]:
        """Province-level divisions in code order (31 mainland plus 710000/810000/820000).

        The national row ``100000`` is not among them.
        """
        return tuple(r for r in self._order if r.level == "province" and r.code != NATIONAL_CODE)

    def children(self, code: str) -> tuple[Region, ...]:
        """Divisions whose parent is ``code``, in code order; ``KeyError`` when unknown."""
        return self._children.get(self.by_code(code).code, ())

    def __contains__(self, code_or_slug: object) -> bool:
        return isinstance(code_or_slug, str) and self.get(code_or_slug) is not None

    def __iter__(self) -> Iterator[Region]:
        return iter(self._order)

    def __len__(self) -> int:
        return len(self._order)

    def __repr__(self) -> str:
        return f"RegionTable({len(self)} regions)"


def parse_regions_csv(text: str) -> RegionTable:
    """Parse the regions CSV text (header ``code,name,slug,name_en,level,parent``).

    Raises ``ValueError`` naming the line of a malformed row.
    """
    reader = csv.DictReader(io.StringIO(text))
    if tuple(reader.fieldnames or ()) != _COLUMNS:
        raise ValueError(f"regions CSV header must be {','.join(_COLUMNS)}")
    regions = []
    for row in reader:
        level = row.get("level")
        if level not in _LEVELS or any(row.get(c) is None for c in _COLUMNS):
            raise ValueError(f"regions CSV line {reader.line_num}: malformed row")
        regions.append(
            Region(
                code=row["code"],
                slug=row["slug"],
                name=row["name"],
                name_en=row["name_en"],
                level=cast(Literal["province", "prefecture", "county"], level),
                parent=row["parent"] or None,
            )
        )
    return RegionTable(regions)


@lru_cache(maxsize=8)
def load_regions(path: Path | None = None) -> RegionTable:
    """The region table from ``path``, or the packaged ``hub/data/regions.csv``. Cached.

    Raises ``OSError`` when the file cannot be read and ``ValueError`` when it is malformed.
    """
    if path is None:
        text = resources.files("hub").joinpath("data/regions.csv").read_text(encoding="utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8")
    return parse_regions_csv(text)
