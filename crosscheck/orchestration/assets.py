"""The Airflow Assets: one per source, updated when a delivery is promoted."""

from __future__ import annotations

from airflow.sdk import Asset


def source_asset(source: str) -> Asset:
    """raw.<source> in the warehouse, as the cross-check DAG sees it."""
    return Asset(name=f"crosscheck_raw_{source}", uri=f"crosscheck://warehouse/raw/{source}")
