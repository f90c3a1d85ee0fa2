"""The Fellegi–Sunter model: comparisons, blocking, training and the saved artefact.

Comparisons (each level has a code, used in the evidence and the workbook):
name (exact, with term-frequency adjustment for common names; one character
off; declared m), ID number (the first 17 characters equal = only the check character
differs; one edit or two swapped digits; two edits; the typed number is a
household member's = a relative's number), birth date (taken from the typed
number where it parses) and township. Candidates are blocked on the name, on
the household of the typed number, and on birth date + township.

The trained parameters live in `identity_model.json` beside this module (the
versioned artefact; `crosscheck link-train` rebuilds it). The prior
probability that a record and a register person are the same is set at link
time from the register's size (each record has at most one true person), so
one model serves a county of 1,500 and one of 1,000,000.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

MODEL_PATH = Path(__file__).with_name("identity_model.json")
# share of questioned records assumed to have their true person in the register
PRIOR_LINKABLE_SHARE = 0.5
# floors for what training never observed: a u that random sampling never met,
# an m of a level no same-person pair showed (one in a thousand, not impossible)
MIN_U = 1e-8
MIN_M = 1e-3

# (comparison, [(level code, SQL condition or None for null/else)]), strongest level first
ID17 = "substr(id_number_l, 1, 17)", "substr(id_number_r, 1, 17)"
# DuckDB's edit distances count bytes (a Chinese character is three): count differing
# characters instead, for names of up to four characters of equal length
ONE_CHAR_OFF = (
    "length(name_l) = length(name_r) and ("
    + " + ".join(
        f"case when substr(name_l, {i}, 1) <> substr(name_r, {i}, 1) then 1 else 0 end"
        for i in range(1, 5)
    )
    + ") <= 1"
)
LEVELS: dict[str, list[tuple[str, str]]] = {
    "name": [
        ("exact", "name_l = name_r"),
        ("one_char", ONE_CHAR_OFF),
        ("different", ""),
    ],
    "id_number": [
        ("exact", "id_number_l = id_number_r"),
        ("check_char", f"{ID17[0]} = {ID17[1]}"),
        ("one_edit", f"damerau_levenshtein({ID17[0]}, {ID17[1]}) <= 1"),
        ("two_edits", f"damerau_levenshtein({ID17[0]}, {ID17[1]}) <= 2"),
        ("relative", "household_no_l = household_no_r"),
        ("different", ""),
    ],
    "birth_date": [
        ("exact", "birth_date_l = birth_date_r"),
        ("same_year", "substr(birth_date_l, 1, 4) = substr(birth_date_r, 1, 4)"),
        ("different", ""),
    ],
    "division_code": [
        ("exact", "division_code_l = division_code_r"),
        ("different", ""),
    ],
}
# How often the name typed on a record differs from the register for the SAME person.
# Declared, not estimated: every questioned record has a questionable ID, and the
# ID digits carry the birth date, so any blocking that lets EM see the name
# (birth date, ID prefix) also makes the ID levels agree for non-matches, and EM
# then learns that "same person" means "different name" (tried: docs/DECISIONS.md).
# A wholly different name is as rare as a level never observed (MIN_M): the same
# birth date and township plus a near number must not make another person a match.
NAME_M = {"exact": 0.9, "one_char": 0.099, "different": 0.001}
NULL_CONDITION = {"id_number": "id_number_l is null or id_number_r is null"}


def _comparisons():
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    out = []
    for column, levels in LEVELS.items():
        null = NULL_CONDITION.get(column, f"{column}_l is null or {column}_r is null")
        built = [cll.CustomLevel(null, "null").configure(is_null_level=True)]
        for code, condition in levels:
            if not condition:
                built.append(cll.ElseLevel().configure(label_for_charts=code))
                continue
            level = cll.CustomLevel(condition, code)
            if column == "name":
                level = level.configure(m_probability=NAME_M[code], fix_m_probability=True)
            if column == "name" and code == "exact":
                level = level.configure(tf_adjustment_column="name", tf_adjustment_weight=1.0)
            built.append(level)
        if column == "name":
            built[-1] = built[-1].configure(
                m_probability=NAME_M["different"], fix_m_probability=True
            )
        out.append(cl.CustomComparison(built, output_column_name=column))
    return out


def quiet_db():
    """An in-memory DuckDB for Splink, without progress bars in the logs."""
    from splink import DuckDBAPI

    db = DuckDBAPI()
    db.duckdb_con.execute("SET enable_progress_bar = false")
    return db


def blocking_rules():
    from splink import block_on

    return [block_on("name"), block_on("household_no"), block_on("birth_date", "division_code")]


def settings(prior: float | None = None):
    from splink import SettingsCreator

    return SettingsCreator(
        link_type="link_only",
        comparisons=_comparisons(),
        blocking_rules_to_generate_predictions=blocking_rules(),
        probability_two_random_records_match=prior or 1e-4,
        retain_matching_columns=True,
        retain_intermediate_calculation_columns=True,
        additional_columns_to_retain=["record_source", "record_key", "typed_name"],
    )


def prior_for(register_size: int) -> float:
    return min(0.5, PRIOR_LINKABLE_SHARE / max(register_size, 1))


def level_codes(column: str) -> dict[int, str]:
    """Splink's comparison vector value (gamma) → our level code."""
    levels = LEVELS[column]
    codes = {-1: "null"}
    for k, (code, _) in enumerate(levels):
        codes[len(levels) - 1 - k] = code
    return codes


def _floor(model: dict) -> dict:
    for comparison in model["comparisons"]:
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level"):
                continue
            for key, floor in (("m_probability", MIN_M), ("u_probability", MIN_U)):
                value = level.get(key)
                if value is None or value < floor:
                    level[key] = floor
    return model


def train(register, records, *, seed: int = 1, max_pairs: float = 2e6) -> dict:
    """Estimate u by random sampling and m by expectation maximisation; the model dict."""
    from splink import Linker, block_on

    db = quiet_db()
    reg = db.register(register, dataset_display_name="register")
    rec = db.register(records, dataset_display_name="records")
    linker = Linker([reg, rec], settings(prior_for(register.num_rows)))
    logging.getLogger("splink").setLevel(logging.WARNING)
    linker.training.estimate_u_using_random_sampling(max_pairs=max_pairs, seed=seed)
    # name fixed: learns how ID, birth date and township differ for the same person
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("name"), record_sample_proportion=1.0
    )
    model = linker.misc.save_model_to_json()
    return _floor(model)


def load(path: Path = MODEL_PATH) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def save(model: dict, path: Path = MODEL_PATH) -> Path:
    Path(path).write_text(json.dumps(model, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return Path(path)
