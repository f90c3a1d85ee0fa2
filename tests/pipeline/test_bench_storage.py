"""`crosscheck bench` tells where the warehouse file's bytes are (issue 11: the warehouse
grows with changed rows, not with the number of snapshots)."""

from __future__ import annotations

from crosscheck.benchmark import _warehouse_cell, storage
from crosscheck.warehouse import open_warehouse


def test_storage_names_blocks_in_use_free_and_per_group(tmp_path):
    path = tmp_path / "warehouse.duckdb"  # named like the bench's: attached under an alias
    con = open_warehouse(path)
    con.execute(
        "INSERT INTO raw.hukou_history (id_number, name) "
        "SELECT 'P' || i, md5(i::VARCHAR) FROM range(300000) t(i)"
    )
    con.execute("CREATE TABLE raw.scratch AS SELECT range AS i FROM range(2000000)")
    con.execute("CHECKPOINT")
    con.execute("DROP TABLE raw.scratch")
    con.execute("CHECKPOINT")
    con.close()
    st = storage(path)
    assert abs(st["total_mib"] - st["used_mib"] - st["free_mib"]) <= 0.1  # rounded MiB
    assert st["free_mib"] > 0  # the dropped table's blocks stay in the file, free
    groups = st["groups_mib"]
    assert groups["snapshot history"] > 0
    assert groups["raw incremental"] == 0 and groups["intermediate"] == 0
    cell = _warehouse_cell({"warehouse_mib": st["total_mib"], "storage": st})
    assert "free" in cell
