"""The synthetic county behind `crosscheck generate` (see README.md).

`generate()` builds a population, its programs and payments, the other
departments' registers and the planted findings, writes every delivery of
every source from --start to --end, and the truth file beside the landing.
"""

from __future__ import annotations

from crosscheck.generator.county import Options, build, write, write_truth


def generate(opts: Options, progress) -> dict:
    from crosscheck.generator.planted import plant

    county = build(opts, progress)
    plant(county)
    progress.step(f"planted {len(county.findings)} findings, {len(county.near_misses)} near misses")
    stats = write(county, progress)
    write_truth(county)
    return stats


__all__ = ["Options", "generate"]
