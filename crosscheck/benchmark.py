"""`make benchmark`: the heavy runs, kept out of `make test`.

Runs every benchmarks/bench_*.py script in turn; each writes its figures to
benchmarks/results/<name>.json. Pass script names to run only some:
`python -m crosscheck.benchmark generate ingest`.
"""

from __future__ import annotations

import subprocess
import sys
import time

from crosscheck.config import REPO_ROOT

BENCH_DIR = REPO_ROOT / "benchmarks"


def main(argv: list[str]) -> int:
    scripts = sorted(BENCH_DIR.glob("bench_*.py"))
    if argv:
        wanted = {f"bench_{a}.py" for a in argv}
        scripts = [s for s in scripts if s.name in wanted]
    failed = 0
    for script in scripts:
        t0 = time.monotonic()
        print(f"== {script.name}", flush=True)
        rc = subprocess.run([sys.executable, str(script)], cwd=REPO_ROOT, check=False).returncode
        print(f"== {script.name}: exit {rc} after {time.monotonic() - t0:.0f}s", flush=True)
        failed += rc != 0
    print(f"figures in {BENCH_DIR / 'results'}")
    return 1 if failed else 0


if __name__ == "__main__":
    from crosscheck.process import run

    run(lambda: main(sys.argv[1:]))
