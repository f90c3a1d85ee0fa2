"""Persons and households of the synthetic county (vectorized with numpy).

Households of 1–6 persons: head (02), spouse (10), children (20/30) and, in
larger households, a parent (50). Members share the 户号 and the township.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from crosscheck.generator.ids import make_ids

COUNTY = "500230"
AREAS = (COUNTY, "500231", "500233", "500234", "500235", "500236", "500237", "500238")
# The county's name is the national code's (GB/T 2260); the townships' codes and
# names are the demo's own (towns 1xx 镇, townships 2xx 乡, as in the statistical
# division codes). dbt_project/seeds/divisions.csv carries them (a test pins it).
COUNTY_NAME = "丰都县"
TOWNSHIP_NAMES = {
    "101": "龙河镇",
    "102": "青石镇",
    "103": "白沙镇",
    "104": "双路镇",
    "105": "高峰镇",
    "201": "三元乡",
    "202": "太平乡",
    "203": "新华乡",
}
TOWNSHIPS = tuple(TOWNSHIP_NAMES)
# A province is generated in parts (crosscheck/generator/__init__.py): part 0 is the
# county above, with the planted cases; part k >= 1 is background whose persons were
# born in other areas (area codes 5000k0..5000k7 in hundreds, never the county's) and
# whose household serials start at k million, so no ID or 户号 repeats across parts.
MAX_PARTS = 10


def part_areas(part: int) -> tuple[str, ...]:
    """The ID area codes of a part's persons (part 0: the county and its neighbours)."""
    if part == 0:
        return AREAS
    return tuple(str(500000 + 100 * part + j) for j in range(len(AREAS)))


def division_rows() -> list[tuple[str, str, str, str]]:
    """The generated county's divisions as seed rows: (code, name, level, parent_code)."""
    return [(COUNTY, COUNTY_NAME, "county", "")] + [
        (COUNTY + t, name, "township", COUNTY) for t, name in TOWNSHIP_NAMES.items()
    ]


SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = list(
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国文辉玲红梅鹏飞云海波宇浩然欣怡子涵思雨梓轩晨阳佳琪博文"
    "雪峰志强永红德明春兰秋菊冬梅小龙大勇国庆建华丽萍淑珍玉兰凤英金花桂芳成林家豪俊杰宏伟晓东慧敏婷婷琳琳"
)


def _names(rng: np.random.Generator, surname_idx: np.ndarray) -> np.ndarray:
    n = len(surname_idx)
    sur = np.array(SURNAMES, dtype=object)[surname_idx]
    g = np.array(GIVEN, dtype=object)
    first = g[rng.integers(0, len(g), n)]
    second = np.where(rng.random(n) < 0.7, g[rng.integers(0, len(g), n)], "")
    return sur + first + second


def build_population(n: int, rng: np.random.Generator, ref: dt.date, part: int = 0) -> pd.DataFrame:
    """One row per person; `ref` is the date ages are counted at; `part` of a province."""
    areas = part_areas(part)
    sizes = rng.choice(np.arange(1, 7), size=n, p=[0.16, 0.27, 0.24, 0.18, 0.10, 0.05])
    cut = int(np.searchsorted(np.cumsum(sizes), n)) + 1
    sizes = sizes[:cut]
    sizes[-1] -= int(sizes.sum() - n)
    sizes = sizes[sizes > 0]
    nh = len(sizes)
    hh: np.ndarray = np.repeat(np.arange(nh), sizes)
    pos = np.arange(n) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    size_p = sizes[hh]

    head_age = np.where(
        sizes == 1, rng.integers(20, 92, nh), rng.integers(24, 80, nh)
    )  # singles include many elderly
    head_male = rng.random(nh) < 0.72
    rel: np.ndarray = np.full(n, "20", dtype=object)
    age: np.ndarray = np.zeros(n, dtype=np.int64)
    male: np.ndarray = np.zeros(n, dtype=bool)
    ha = head_age[hh]
    is_head = pos == 0
    is_spouse = (pos == 1) & (size_p >= 2)
    is_parent = (pos == size_p - 1) & (size_p >= 4) & (ha < 60)
    is_child = ~(is_head | is_spouse | is_parent)
    rel[is_head] = "02"
    rel[is_spouse] = "10"
    rel[is_parent] = "50"
    age[is_head] = ha[is_head]
    male[is_head] = head_male[hh][is_head]
    age[is_spouse] = np.clip(ha[is_spouse] + rng.integers(-5, 4, is_spouse.sum()), 20, 95)
    male[is_spouse] = ~head_male[hh][is_spouse]
    age[is_parent] = np.clip(ha[is_parent] + rng.integers(22, 33, is_parent.sum()), 45, 99)
    male[is_parent] = rng.random(is_parent.sum()) < 0.45
    age[is_child] = np.clip(ha[is_child] - rng.integers(20, 36, is_child.sum()), 0, 60)
    male[is_child] = rng.random(is_child.sum()) < 0.52
    rel[is_child] = np.where(male[is_child], "20", "30")

    ref64 = np.datetime64(ref, "D")
    birth = ref64 - (age * 365 + rng.integers(0, 365, n)).astype("timedelta64[D]")
    bser = pd.DatetimeIndex(birth)
    birth_int = (bser.year * 10000 + bser.month * 100 + bser.day).to_numpy().astype(np.int64)

    # sequence codes: odd for men, even for women, unique per birth date and sex
    order = np.lexsort((rng.random(n), male, birth_int))
    key = birth_int[order] * 2 + male[order]
    starts = np.r_[0, np.flatnonzero(np.diff(key)) + 1]
    rank_sorted = np.arange(n) - np.repeat(starts, np.diff(np.r_[starts, n]))
    rank: np.ndarray = np.empty(n, dtype=np.int64)
    rank[order] = rank_sorted
    # past 390 persons per birth date and sex, numbers come from neighbouring counties
    # (people born elsewhere); sequence codes >= 900 of the county are kept for planted cases
    area = np.array([int(a) for a in areas])[np.minimum(rank // 390, len(areas) - 1)]
    if rank.max() >= 390 * len(areas):
        raise ValueError("population too dense for unique ID sequence codes")
    rank = rank % 390
    seq = np.where(male, 2 * rank + 1, 2 * rank + 2) + 100  # 101..880
    ids = make_ids(area, birth_int, seq)

    township = np.array(TOWNSHIPS, dtype=object)[rng.integers(0, len(TOWNSHIPS), nh)]
    hh_no = township + pd.Series(np.arange(nh) + 1 + part * 10**6).astype(str).str.zfill(
        6
    ).to_numpy(object)
    head_surname = rng.integers(0, len(SURNAMES), nh)
    sur = head_surname[hh]
    other = ~(is_head | is_child) | (is_child & ~head_male[hh])
    sur = np.where(
        is_spouse | is_parent, rng.integers(0, len(SURNAMES), n), sur
    )  # spouses and parents keep their own surname
    del other
    names = _names(rng, sur)

    df = pd.DataFrame(
        {
            "hh": hh,
            "pos": pos,
            "id": ids,
            "name": names,
            "sex": np.where(male, "1", "2"),
            "birth": pd.Series(birth_int).astype(str).to_numpy(object),
            "age": age,
            "relation": rel,
            "household_no": hh_no[hh],
            "division": COUNTY + township[hh],
            "hh_size": size_p,
        }
    )
    # registration status other than active, for a few non-heads (before history)
    u = rng.random(n)
    status: np.ndarray = np.full(n, "0", dtype=object)
    non_head = ~is_head
    status[non_head & (u < 0.015)] = "2"
    status[non_head & (u >= 0.015) & (u < 0.018)] = "3"
    status[non_head & (u >= 0.018) & (u < 0.021)] = "4"
    status[non_head & (u >= 0.021) & (u < 0.022)] = "9"
    df["status"] = status
    dereg = ref64 - rng.integers(400, 4000, n).astype("timedelta64[D]")
    df["dereg"] = np.where(status != "0", dereg, np.datetime64("NaT"))
    df["rural"] = (rng.random(nh) < 0.7)[hh]
    return df
