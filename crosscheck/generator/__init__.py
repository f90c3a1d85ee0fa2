"""The synthetic county behind `crosscheck generate` (see README.md).

`generate()` builds a population, its programs and payments, the other
departments' registers and the planted findings, writes every delivery of
every source from --start to --end, and the truth file beside the landing.
"""

from __future__ import annotations

import dataclasses
import gc

from crosscheck.generator.county import (
    Options,
    add_findings,
    build,
    unseen_deregistrations,
    write,
    write_truth,
)
from crosscheck.generator.population import MAX_PARTS

PART_SIZE = 1_000_000
"""Persons generated at once: a larger county (a province) is generated in parts of at
most this many persons, one after the other, each appending to the delivery files,
so that memory follows the part (~4 GB) and not the province."""


def parts_of(persons: int, part_size: int = PART_SIZE) -> list[int]:
    """The sizes of the parts a county of `persons` is generated in (one up to part_size)."""
    n = -(-persons // part_size)
    if n > MAX_PARTS:
        raise ValueError(f"at most {MAX_PARTS * part_size:,} persons ({MAX_PARTS} parts)")
    return [persons // n + (1 if k < persons % n else 0) for k in range(n)]


def generate(opts: Options, progress, part_size: int = PART_SIZE) -> dict:
    """Generate the county; a province part by part. Part 0 is the county with the planted
    cases (the truth file is its own); the other parts are background persons of other
    areas (unique IDs, households, cards, accounts, plates, certificates, payment IDs),
    paid and registered in the same divisions, whose rows are appended to the same
    deliveries."""
    from crosscheck.generator.planted import plant

    sizes = parts_of(opts.persons, part_size)
    shared: dict | None = None if len(sizes) == 1 else {}
    stats: dict = {}
    for k, size in enumerate(sizes):
        county = build(dataclasses.replace(opts, persons=size, part=k), progress)
        if k == 0:
            plant(county)
            progress.step(
                f"planted {len(county.findings)} findings, {len(county.near_misses)} near misses"
            )
        if shared is not None:
            shared.update(first=k == 0, last=k == len(sizes) - 1)
            progress.step(f"part {k + 1} of {len(sizes)}: {size} persons")
        unseen = unseen_deregistrations(county)  # R13 by the deployment's hukou cadence
        stats = write(county, progress, shared)
        if k == 0:
            county.findings.extend(unseen)
            write_truth(county)
        elif unseen:
            add_findings(opts.truth, unseen)
        del county
        gc.collect()
    return stats


__all__ = ["Options", "generate"]
