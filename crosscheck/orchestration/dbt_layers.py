"""The nightly dbt build as one Airflow task per layer: staging → intermediate → rules → marts.

Each task is one `dbt build --select <layer>` (models, seeds and their data
tests), so the Airflow grid shows which layer failed and the task's error
names the failing model or test (`LayerFailed`), instead of one opaque
`build` task. Identity linking runs before the first layer, as in
`crosscheck run`, so the rules read tonight's links.

The layers are dbt selections, not folders only: an intermediate model that
reads a rule or a mart (int_marts_*, int_finding_scores) belongs to the
marts layer, so every node is built after everything it reads.
tests/airflow/test_dbt_layers.py checks with dbt's own graph that the four
selections cover every model and seed exactly once and in order.

Why not astronomer-cosmos (a task per model): it adds a dependency tree to
the image and parses the dbt project whenever the dag-processor parses the
DAG file (its `dbt ls` load mode runs dbt at every parse, every 30 s by
default); a task per model starts dbt ~90 times a night, each start paying
dbt's parse and adapter set-up, while DuckDB's single writer runs them one
at a time anyway. Four invocations keep the cost of one build plus three
partial parses (figures in docs/DECISIONS.md, issue 13) and still point at
the failing model.

Tests attached to several layers run with the last of their parents
(`--indirect-selection buildable`).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path

from crosscheck.errors import CrosscheckError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Layer:
    name: str
    select: str
    exclude: str | None = None
    doc: str = ""


LAYERS = (
    Layer(
        "staging",
        "resource_type:seed path:models/staging",
        doc="seeds (reference tables) and staging views over the promoted raw deliveries",
    ),
    Layer(
        "intermediate",
        "path:models/intermediate",
        exclude="path:models/rules+ path:models/marts+",
        doc="intermediate views the rules read (payments, persons, links, calendar)",
    ),
    Layer("rules", "path:models/rules", doc="one table per rule of the rulebook (R01–R14)"),
    Layer(
        "marts",
        "path:models/rules+ path:models/marts+",
        exclude="path:models/rules",
        doc="findings, history, scores, weekly figures, hold list, source status",
    ),
)


class LayerFailed(CrosscheckError):
    """A dbt layer failed; the message starts with the failing model or test."""


def node_name(unique_id: str) -> str:
    """model.crosscheck.r01_deceased_recipient → r01_deceased_recipient (tests: their name)."""
    parts = unique_id.split(".")
    return parts[2] if len(parts) > 2 else unique_id


def build_layer(as_of: dt.date, layer: str, warehouse: Path | None = None) -> dict:
    """`dbt build` of one layer for the as-of date; raises LayerFailed naming the model."""
    from crosscheck.build import build
    from crosscheck.locking import run_as_writer
    from crosscheck.orchestration import settings

    spec = {x.name: x for x in LAYERS}.get(layer)
    if spec is None:
        raise CrosscheckError(f"unknown dbt layer {layer!r}: one of {[x.name for x in LAYERS]}")
    warehouse = Path(warehouse or settings.warehouse())
    result = run_as_writer(
        warehouse,
        build,
        warehouse,
        as_of,
        select=spec.select,
        exclude=spec.exclude,
        indirect_selection="buildable",
    )
    for w in result.warnings:
        log.warning("dbt warning: %s", w)
    if not result.success:
        if not result.failures:
            raise LayerFailed(f"dbt layer {layer} for {as_of} failed; see the dbt log")
        first = result.failures[0]
        unique_id, _, message = first.partition(": ")
        more = f" (+{len(result.failures) - 1} more)" if len(result.failures) > 1 else ""
        for f in result.failures:
            log.error("dbt failure: %s", f)
        raise LayerFailed(
            f"{node_name(unique_id)} failed in dbt layer {layer} for {as_of}: "
            f"{' '.join(message.split())[:300]}{more}"
        )
    log.info("dbt layer %s for %s: %d nodes built and tested", layer, as_of, result.nodes)
    return {"as_of": as_of.isoformat(), "layer": layer, "nodes": result.nodes}


def layer_tasks(as_of_xcom, pool: str):
    """Inside a DAG: the four layer tasks chained after `as_of_xcom` (an ISO date);
    returns the last one's output (the marts layer's summary)."""
    from airflow.sdk import task

    upstream = as_of_xcom
    for spec in LAYERS:

        @task(
            task_id=f"dbt_{spec.name}",
            pool=pool,
            doc_md=f"**dbt build of the {spec.name} layer**: {spec.doc}. "
            f"`--select {spec.select}`"
            + (f" `--exclude {spec.exclude}`" if spec.exclude else "")
            + ". *When it fails*, the error names the failing model or test (all failures in "
            "the task log and `<warehouse dir>/dbt/logs/dbt.log`); nothing is published. Fix, "
            "then **clear the task** (the layers after it run again).",
        )
        def run_layer(previous, layer: str = spec.name) -> str:
            as_of = previous if isinstance(previous, str) else previous["as_of"]
            build_layer(dt.date.fromisoformat(as_of), layer)
            return as_of

        upstream = run_layer(upstream)
    return upstream
