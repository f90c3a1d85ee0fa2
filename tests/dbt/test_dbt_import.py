"""The build process imports dbt without compiling jsonschema's IRI grammar
(crosscheck.build._import_dbt_without_iri_grammar, issue 11), and a later
import of that module still works."""

from __future__ import annotations

import subprocess
import sys

CHECK = """
import sys
from crosscheck.build import _import_dbt_without_iri_grammar
_import_dbt_without_iri_grammar()
from dbt.cli.main import dbtRunner
import jsonschema
assert "rfc3987_syntax" not in sys.modules, "the grammar was compiled"
assert "jsonschema" in sys.modules
import rfc3987_syntax  # not blocked afterwards
print("ok")
"""


def test_dbt_is_imported_without_the_iri_grammar():
    out = subprocess.run(
        [sys.executable, "-c", CHECK], capture_output=True, text=True, check=False, timeout=120
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "ok"
