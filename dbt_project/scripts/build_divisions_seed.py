"""Write seeds/divisions.csv from the synthetic county's divisions.

The seed is operator-maintained: in production it holds the county's own
codes and names (rows may be added or renamed by hand). For the demo county
its rows come from the generator (crosscheck/generator/population.py); a test
checks the seed still names every code the generator writes.

    .venv/bin/python dbt_project/scripts/build_divisions_seed.py
"""

from __future__ import annotations

import csv

from crosscheck.divisions import SEED, SEED_COLUMNS
from crosscheck.generator.population import division_rows


def main() -> None:
    with SEED.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(SEED_COLUMNS)
        w.writerows(division_rows())
    print(f"wrote {SEED}")


if __name__ == "__main__":
    main()
