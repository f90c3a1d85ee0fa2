"""The saved model and its explanation, without a warehouse."""

from __future__ import annotations

from crosscheck.linkage import explain, model


def test_saved_model_has_the_declared_comparisons_and_trained_parameters():
    m = model.load()
    names = [c["output_column_name"] for c in m["comparisons"]]
    assert names == list(model.LEVELS)
    for c in m["comparisons"]:
        levels = [lv for lv in c["comparison_levels"] if not lv.get("is_null_level")]
        assert [lv["label_for_charts"] for lv in levels] == [
            code for code, _ in model.LEVELS[c["output_column_name"]]
        ]
        for lv in levels:
            assert 0 < lv["m_probability"] <= 1 and 0 < lv["u_probability"] <= 1
    name_exact = m["comparisons"][0]["comparison_levels"][1]
    assert name_exact["tf_adjustment_column"] == "name"


def test_prior_shrinks_with_the_register():
    assert model.prior_for(1_000_000) < model.prior_for(1_000) < 1


def test_gamma_codes_follow_the_level_order():
    assert model.level_codes("division_code") == {-1: "null", 1: "exact", 0: "different"}


def test_agreement_in_plain_chinese():
    levels = {
        "name": "exact",
        "id_number": "check_char",
        "birth_date": "exact",
        "division_code": "exact",
    }
    assert explain.in_chinese(levels) == "姓名相同；身份证号仅校验位不同；出生日期相同；乡镇相同"
    steps = explain.waterfall(levels, dict.fromkeys(levels, 1.234))
    assert steps[1] == {"comparison": "id_number", "level": "check_char", "match_weight": 1.23}
