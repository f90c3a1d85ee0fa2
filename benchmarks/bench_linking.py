"""Accuracy and speed of the identity linking (issue 15) on a generated county.

Generates a county (default 1,000,000 persons; the generator plants one
mistyped ID per 1,000 persons plus homonym near misses, with the true person
in the truth file), ingests it, times `link_identities` against the whole
register, builds the warehouse, and scores against the truth:

- links at the declared threshold (dbt var `linked_match_probability`):
  precision, recall, homonyms linked, and recall per kind of typo;
- LINKED findings in marts.anomalies: precision and recall;
- a precision–recall curve of the links over thresholds (int_identity_links
  rebuilt with each threshold).

Writes results/linking.json.

    .venv/bin/python benchmarks/bench_linking.py [--persons 1000000] [--landing DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import yaml

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "benchmarks" / "results" / "linking.json"
START, END = dt.date(2026, 10, 30), dt.date(2026, 10, 31)
CURVE = [0.5, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999, 0.9999]


def declared_threshold() -> float:
    project = yaml.safe_load((REPO / "dbt_project" / "dbt_project.yml").read_text())
    return float(project["vars"]["linked_match_probability"])


def ratio(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


def score_links(warehouse: Path, truth: dict) -> dict:
    """Accepted links (intermediate.int_identity_links) against the planted typos."""
    con = duckdb.connect(str(warehouse))  # dbt may hold a connection in this process
    try:
        ledger = dict(
            con.execute(
                "select payment_id, linked_person_id from intermediate.int_linked_payments"
            ).fetchall()
        )
        links = con.execute(
            "select record_source, record_key, typed_id, person_id"
            " from intermediate.int_identity_links"
        ).fetchall()
    finally:
        con.close()
    deaths = {typed: person for src, _, typed, person in links if src != "ledger"}
    planted = truth["identity_typos"]
    true_of = {
        (t["record"] == "ledger", t["finding_key"] if t["record"] == "ledger" else t["typed_id"]): t
        for t in planted
    }
    tp = fp = 0
    for src, _key, typed, person in links:
        if src == "ledger":
            continue
        t = true_of.get((False, typed))
        tp += bool(t and t["true_person_id"] == person)
        fp += not (t and t["true_person_id"] == person)
    # ledger links are judged per payment (what a finding is raised on)
    for payment, person in ledger.items():
        t = true_of.get((True, payment))
        tp += bool(t and t["true_person_id"] == person)
        fp += not (t and t["true_person_id"] == person)
    with_person = [t for t in planted if t["true_person_id"]]
    found = {
        id(t)
        for t in with_person
        if (ledger.get(t["finding_key"]) if t["record"] == "ledger" else deaths.get(t["typed_id"]))
        == t["true_person_id"]
    }
    kinds: dict[str, list[int]] = {}
    for t in with_person:
        kinds.setdefault(t["kind"], [0, 0])
        kinds[t["kind"]][0] += id(t) in found
        kinds[t["kind"]][1] += 1
    homonyms = [t for t in planted if t["kind"] == "homonym"]
    return {
        "links": tp + fp,
        "correct": tp,
        "planted_with_true_person": len(with_person),
        "precision": ratio(tp, tp + fp),
        "recall": ratio(len(found), len(with_person)),
        "recall_by_kind": {k: ratio(a, b) for k, (a, b) in sorted(kinds.items())},
        "homonyms_planted": len(homonyms),
        "homonyms_linked": sum(t["finding_key"] in ledger for t in homonyms),
    }


def score_findings(warehouse: Path, truth: dict) -> dict:
    con = duckdb.connect(str(warehouse))  # dbt may hold a connection in this process
    try:
        got = set(
            con.execute(
                "select rule_code, finding_key, person_id from marts.anomalies"
                " where subtype = 'LINKED'"
            ).fetchall()
        )
    finally:
        con.close()
    want = {(f["rule_code"], f["finding_key"], f["person_id"]) for f in truth["linked_findings"]}
    return {
        "found": len(got),
        "planted": len(want),
        "precision": ratio(len(got & want), len(got)),
        "recall": ratio(len(got & want), len(want)),
        "by_rule": {
            r: {"found": sum(g[0] == r for g in got), "planted": sum(w[0] == r for w in want)}
            for r in ("R01", "R07", "R08", "R13")
        },
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--persons", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--landing", type=Path, help="an already generated landing folder")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = ap.parse_args(argv)
    os.environ.setdefault("DBT_QUIET", "true")

    from crosscheck.build import build
    from crosscheck.cli import main as cli
    from crosscheck.ingest.api import ingest
    from crosscheck.linkage import link_identities

    root = Path(tempfile.mkdtemp(prefix="bench_linking_"))
    try:
        landing = args.landing or root / "landing"
        out: dict = {"persons": args.persons, "seed": args.seed}
        if not args.landing:
            t0 = time.perf_counter()
            rc = cli(
                ["generate", "--out", str(landing), "--persons", str(args.persons),
                 "--seed", str(args.seed), "--start", START.isoformat(),
                 "--end", END.isoformat(), "--quiet"]
            )  # fmt: skip
            if rc:
                return rc
            out["generate_seconds"] = round(time.perf_counter() - t0, 1)
        truth = json.loads((landing.parent / "truth.json").read_text(encoding="utf-8"))
        warehouse = root / "warehouse.duckdb"
        t0 = time.perf_counter()
        ingest(landing, warehouse, as_of=END, data_docs=False)
        out["ingest_seconds"] = round(time.perf_counter() - t0, 1)

        link = link_identities(warehouse, END)
        out["link"] = {
            "register_persons": link.register_persons,
            "questioned_records": link.records,
            "candidates_stored": link.candidates,
            "seconds": round(link.seconds, 1),
        }
        print(link.line(), flush=True)
        t0 = time.perf_counter()
        res = build(warehouse, END)
        if not res.success:
            raise SystemExit(f"dbt build failed: {res.failures[:2]}")
        out["build_seconds"] = round(time.perf_counter() - t0, 1)

        threshold = declared_threshold()
        out["threshold"] = threshold
        out["links_at_threshold"] = score_links(warehouse, truth)
        out["linked_findings_at_threshold"] = score_findings(warehouse, truth)
        curve = []
        for t in CURVE:
            r = build(
                warehouse, END, select="int_identity_links int_linked_payments",
                extra_vars={"linked_match_probability": t},
            )  # fmt: skip
            if not r.success:
                raise SystemExit(f"dbt build at threshold {t} failed: {r.failures[:2]}")
            s = score_links(warehouse, truth)
            curve.append(
                {"threshold": t, "precision": s["precision"], "recall": s["recall"],
                 "links": s["links"], "homonyms_linked": s["homonyms_linked"]}
            )  # fmt: skip
            print(curve[-1], flush=True)
        out["precision_recall_curve"] = curve
        doc = {
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
            f"{platform.python_version()}",
            "command": "python benchmarks/bench_linking.py --persons N",
            "runs": [out],
        }
        if RESULTS.exists():
            old = json.loads(RESULTS.read_text())
            doc["runs"] = [r for r in old.get("runs", []) if r.get("persons") != args.persons]
            doc["runs"] = sorted(doc["runs"] + [out], key=lambda r: r["persons"])
        RESULTS.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n")
        print(json.dumps(out, ensure_ascii=False, indent=1))
        return 0
    finally:
        if args.keep:
            print(f"kept {root}", file=sys.stderr)
        else:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    from crosscheck.process import run

    run(main)
