"""The dbt sources declare exactly the raw tables of crosscheck/ingest/sources.yml and
the meta/review tables crosscheck/warehouse.py creates."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from crosscheck.ingest.sources import SOURCE_NAMES
from crosscheck.warehouse import META_DDL, REVIEW_DDL

SOURCES_YML = Path(__file__).resolve().parents[2] / "dbt_project" / "models" / "sources.yml"


def declared() -> dict[str, set[str]]:
    data = yaml.safe_load(SOURCES_YML.read_text(encoding="utf-8"))
    return {s["schema"]: {t["name"] for t in s["tables"]} for s in data["sources"]}


def created(ddl: list[str], schema: str) -> set[str]:
    return {m for d in ddl for m in re.findall(rf"CREATE TABLE IF NOT EXISTS {schema}\.(\w+)", d)}


def test_raw_sources_match_ingestion_declarations():
    assert declared()["raw"] == set(SOURCE_NAMES)


def test_meta_and_review_sources_exist_in_warehouse_ddl():
    d = declared()
    assert d["meta"] <= created(META_DDL, "meta")
    assert d["review"] == created(REVIEW_DDL, "review")


def test_linkage_source_exists_in_warehouse_ddl():
    from crosscheck.linkage.link import DDL

    assert declared()["linkage"] == created([DDL], "linkage") == {"identity_links"}
