"""ID numbers (GB 11643-1999): check digits, vectorized construction, typing variants."""

from __future__ import annotations

import numpy as np

WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
CHECK_CHARS = "10X98765432"
FULLWIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def check_char(body17: str) -> str:
    s = sum(int(c) * int(w) for c, w in zip(body17, WEIGHTS, strict=True))
    return CHECK_CHARS[s % 11]


def make_id(body17: str) -> str:
    return body17 + check_char(body17)


def is_valid(value: str) -> bool:
    import datetime as dt

    if (
        len(value) != 18
        or not value[:17].isdigit()
        or not (value[17].isdigit() or value[17] == "X")
    ):
        return False
    try:
        dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    return check_char(value[:17]) == value[17]


def legacy_15(id18: str) -> str:
    """The pre-1999 15-digit form of an 18-digit number born 19xx."""
    if id18[6:8] != "19":
        raise ValueError(f"{id18} was not born in the 1900s")
    return id18[:6] + id18[8:17]


def make_ids(area: np.ndarray, birth_yyyymmdd: np.ndarray, seq: np.ndarray) -> np.ndarray:
    """18-digit IDs from integer arrays (area 6 digits, birth 8 digits, seq 3 digits)."""
    body = area.astype(np.int64) * 10**11 + birth_yyyymmdd.astype(np.int64) * 1000 + seq
    digits: np.ndarray = np.empty((len(body), 17), dtype=np.int64)
    rest = body.copy()
    for k in range(16, -1, -1):
        digits[:, k] = rest % 10
        rest //= 10
    check = np.array(list(CHECK_CHARS), dtype=object)[(digits @ WEIGHTS) % 11]
    body_txt = np.char.zfill(body.astype(str), 17).astype(object)
    return body_txt + check
