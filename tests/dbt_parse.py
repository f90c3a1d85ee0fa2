"""One dbt parse per test process for warehouses of one name (tests only).

dbt parses the whole project again (~3-10 s of CPU) for every warehouse at a
new path, for two reasons: dbt-duckdb's `path` is part of the profile hash
that partial parsing compares ("Unable to do partial parsing because profile
has changed"), and the saved parse lives in the target folder beside each
warehouse (`crosscheck.build.dbt_args`), which a new folder lacks. The suite
builds a hundred warehouses, each in a folder of its own.

`install(folder)` (tests/conftest.py, once in every test process) changes
that bookkeeping of dbt's in this process, nothing else:
- the profile hash is taken without the `path` (the database, i.e. the
  file's stem, the attached file and the settings stay in it), and
- a warehouse without a saved parse of its own starts from the process's last
  one for the same target and database (copied into its target folder), and
  every parse dbt saves is copied to `folder` for the next one.
dbt's partial parsing still compares the project's files, the vars and the
env vars it read, as it does for the nightly build at one path. dbt still
opens the warehouse at its own path, so DuckDB sees what it sees in
production. The manifest holds nothing that depends on the path (the nodes'
database is the stem): tests/pipeline/test_shared_parse.py builds warehouses
with and without it and compares every table. The folder is the process's
own (xdist workers never share one); processes the tests start (the CLI in a
subprocess, Airflow) are not patched and parse as in production.
"""

from __future__ import annotations

import pprint
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_ORIGINAL: dict[str, object] = {}


def install(folder: Path) -> None:
    """Patch dbt's ManifestLoader in this process (see the module doc)."""
    from crosscheck.build import _import_dbt_without_iri_grammar

    _import_dbt_without_iri_grammar()  # as crosscheck.build imports dbt
    from dbt.constants import PARTIAL_PARSE_FILE_NAME
    from dbt.contracts.files import FileHash
    from dbt.flags import get_flags
    from dbt.parser.manifest import ManifestLoader

    if _ORIGINAL:
        return
    for name in ("build_manifest_state_check", "read_manifest_for_partial_parse"):
        _ORIGINAL[name] = getattr(ManifestLoader, name)
    _ORIGINAL["write_manifest_for_partial_parse"] = ManifestLoader.write_manifest_for_partial_parse
    state_check = _ORIGINAL["build_manifest_state_check"]
    read = _ORIGINAL["read_manifest_for_partial_parse"]
    write = _ORIGINAL["write_manifest_for_partial_parse"]

    def files(loader) -> tuple[Path, Path]:
        project = loader.root_project
        key = f"{project.target_name}-{project.credentials.database}"
        return Path(project.project_target_path) / PARTIAL_PARSE_FILE_NAME, folder / key

    def build_manifest_state_check(self):
        check = state_check(self)
        info = self.root_project.credentials.connection_info()
        keys = sorted((k, v) for k, v in info if k != "path")  # as dbt does, less the path
        check.profile_hash = FileHash.from_contents(pprint.pformat(keys))
        return check

    def read_manifest_for_partial_parse(self):
        own, last = files(self)
        if not own.exists() and last.exists() and get_flags().PARTIAL_PARSE_FILE_PATH is None:
            own.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(last, own)
        return read(self)

    def write_manifest_for_partial_parse(self):
        write(self)
        own, last = files(self)
        tmp = last.with_suffix(".tmp")
        shutil.copyfile(own, tmp)
        tmp.replace(last)

    ManifestLoader.build_manifest_state_check = build_manifest_state_check
    ManifestLoader.read_manifest_for_partial_parse = read_manifest_for_partial_parse
    ManifestLoader.write_manifest_for_partial_parse = write_manifest_for_partial_parse


@contextmanager
def dbt_as_released() -> Iterator[None]:
    """dbt's own parse bookkeeping for the duration (test_shared_parse)."""
    from dbt.parser.manifest import ManifestLoader

    patched = {name: getattr(ManifestLoader, name) for name in _ORIGINAL}
    for name, original in _ORIGINAL.items():
        setattr(ManifestLoader, name, original)
    try:
        yield
    finally:
        for name, function in patched.items():
            setattr(ManifestLoader, name, function)
