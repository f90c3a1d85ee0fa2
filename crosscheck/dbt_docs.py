"""`make docs`: the dbt docs site, generated offline into <CROSSCHECK_HOME>/dbt-docs.

Models, their descriptions and contracts, the lineage graph and the
exposures (the brief, the workbooks, the hold list, the notebooks), with the
catalog read from a private copy of the serving copy: neither the live
warehouse nor the readers' copy is opened for writing, so it runs beside the
nightly job. `static_index.html` is one self-contained file (manifest and
catalog inside, no CDN): it opens from disk, offline.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from crosscheck import config, yamlfile
from crosscheck.errors import CrosscheckError


def _as_of(serving: Path):
    """The serving copy's as-of date (what the docs' compiled SQL shows)."""
    import datetime as dt

    import duckdb

    con = duckdb.connect(str(serving), read_only=True)
    try:
        row = con.execute("SELECT max(as_of) FROM marts.source_status").fetchone()
    except duckdb.Error:
        row = None
    finally:
        con.close()
    if row and row[0]:
        return row[0]
    project = yamlfile.read(config.DBT_PROJECT_DIR / "dbt_project.yml")
    return dt.date.fromisoformat(str(project["vars"]["as_of"]))


def generate(warehouse: Path | str | None = None, out: Path | str | None = None) -> Path:
    """Write the docs site into `out`; return the one-file static page."""
    from crosscheck.build import dbt_args, run_dbt
    from crosscheck.review.privacy import private_dir

    warehouse = Path(warehouse or config.default_warehouse())
    serving = config.serving_path(warehouse)
    if not serving.exists():
        raise CrosscheckError(
            f"no serving copy at {serving}: run the nightly job first (make demo, crosscheck run)"
        )
    out = private_dir(Path(out) if out else config.home() / "dbt-docs").resolve()
    with tempfile.TemporaryDirectory(prefix="crosscheck-docs-") as tmp:
        copy = Path(tmp) / warehouse.name  # same file name: same database name in dbt
        shutil.copy2(serving, copy)
        args = dbt_args("docs", copy)
        args.insert(1, "generate")
        args[args.index("--target-path") + 1] = str(out)
        args += ["--static"]
        res = run_dbt(args, copy, _as_of(serving))
    if not res.success:
        raise CrosscheckError(f"dbt docs generate failed: {res.exception or 'see the dbt log'}")
    page = out / "static_index.html"
    if not page.exists():
        raise CrosscheckError(f"dbt wrote no {page.name} in {out}")
    return page


def main() -> int:
    from crosscheck.review.privacy import owner_only_process

    owner_only_process()
    try:
        page = generate()
    except CrosscheckError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(f"dbt docs: {page}  (one file, offline: open it in a browser)")
    print(f"          {page.parent / 'index.html'} with manifest.json and catalog.json beside it")
    return 0


if __name__ == "__main__":
    sys.exit(main())
