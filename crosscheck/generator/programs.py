"""Who receives what: the background program mix and the assistance roster.

Clean by construction (see README.md): means-tested programs (10, 11, 12,
13, 15) go to the 低保 and 特困 households only; 11 never meets 10/14/15 in
one person; every roster program payment month lies in a roster spell.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crosscheck.generator.workdays import months_add


def _pick(rng, mask: np.ndarray, p: float) -> np.ndarray:
    return mask & (rng.random(len(mask)) < p)


def _cents(rng, n: int, lo: int, hi: int, step: int = 10) -> np.ndarray:
    """Whole-yuan amounts in steps of `step` between lo and hi (inclusive), as fen."""
    return rng.integers(lo // step, hi // step + 1, n) * step * 100


def assign_programs(
    persons: pd.DataFrame, rng: np.random.Generator, first_month: int, start_month: int
) -> tuple[pd.DataFrame, np.ndarray]:
    """Enrolments (person, program, amount) and the means-tested household mask.

    Roster programs get a spell per enrolment; a few start inside the history
    (new recipients) and a few end inside it (exits); none after `start_month`.
    """
    n = len(persons)
    hh = persons["hh"].to_numpy()
    nh = int(hh.max()) + 1
    active = persons["status"].to_numpy() == "0"
    age = persons["age"].to_numpy()
    head = persons["relation"].to_numpy() == "02"
    size = persons["hh_size"].to_numpy()
    rural = persons["rural"].to_numpy()

    dibao_hh = rng.random(nh) < 0.045
    dibao = dibao_hh[hh] & active
    tekun = ~dibao & (size == 1) & (age >= 60) & active & (rng.random(n) < 0.15)
    means_hh = dibao_hh.copy()
    means_hh[hh[tekun]] = True

    rows = []

    def add(mask, program, cents):
        idx = np.flatnonzero(mask)
        rows.append(pd.DataFrame({"person": idx, "program": program, "cents": cents[idx]}))

    add(dibao, "10", _cents(rng, n, 200, 880))
    add(tekun, "11", _cents(rng, n, 700, 1150))
    add(_pick(rng, dibao & (age >= 75), 0.5), "13", _cents(rng, n, 100, 400, 50))
    d15 = _pick(rng, dibao & (age >= 16), 0.12)
    add(d15, "15", _cents(rng, n, 60, 150))
    add(_pick(rng, active & ~tekun & ~d15 & (age >= 6), 0.012), "14", _cents(rng, n, 60, 150))
    add(
        _pick(rng, active & ~tekun & (age < 18) & ~dibao, 0.003),
        "16",
        _cents(rng, n, 900, 1500, 50),
    )
    add(_pick(rng, dibao, 0.05), "12", _cents(rng, n, 300, 3000, 100))
    add(
        _pick(rng, active & (age >= 49) & (age <= 85), 0.005), "09", _cents(rng, n, 1200, 2700, 300)
    )
    add(_pick(rng, active & rural & (age >= 60), 0.04), "08", _cents(rng, n, 960, 1200, 240))
    add(_pick(rng, active & (age >= 18), 0.02), "03", _cents(rng, n, 600, 600))
    add(_pick(rng, active & (age >= 18), 0.006), "04", _cents(rng, n, 600, 600))
    add(_pick(rng, active & (age >= 18), 0.002), "17", _cents(rng, n, 300, 2500, 100))
    add(_pick(rng, head & rural, 0.8), "01", _cents(rng, n, 80, 2400))
    add(_pick(rng, head & rural, 0.10), "05", _cents(rng, n, 100, 1800, 20))
    add(_pick(rng, head & rural, 0.08), "06", _cents(rng, n, 200, 3000, 20))
    add(_pick(rng, head & rural, 0.15), "07", _cents(rng, n, 50, 900))
    add(_pick(rng, head & rural, 0.004), "02", _cents(rng, n, 1000, 30000, 100))
    add(_pick(rng, head & rural, 0.003), "18", _cents(rng, n, 8000, 35000, 500))
    enr = pd.concat(rows, ignore_index=True)

    # roster spells: most long-running, some new, some exited inside the history
    m = len(enr)
    roster = enr["program"].isin(["10", "11", "13", "14", "15", "16"]).to_numpy()
    span = max(
        1,
        (start_month // 100 * 12 + start_month % 100)
        - (first_month // 100 * 12 + first_month % 100),
    )
    u = rng.random(m)
    spell_start = months_add(np.full(m, first_month), -rng.integers(0, 60, m))
    new = roster & (u < 0.08)
    offs = rng.integers(1, span + 1, m)
    spell_start = np.where(new, months_add(np.full(m, first_month), offs), spell_start)
    ended = roster & (u > 0.96) & (span >= 2)
    end_off = rng.integers(0, max(1, span - 1), m)
    spell_end = np.where(ended, months_add(np.full(m, first_month), end_off), 0)
    spell_start = np.where(ended, np.minimum(spell_start, first_month), spell_start)
    enr["spell_start"] = np.where(roster, spell_start, 0)
    enr["spell_end"] = spell_end
    return enr, means_hh
