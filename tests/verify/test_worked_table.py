"""docs/semantics.md §7: the worked 24-iteration table, every row, both rules.

For each (d, g, A) the 0.x replay must produce the table's D.step and
G.step iterations and G pass counts; the 1.x conversion with the
fractional rule (discriminator_steps = d / A) must verify as equivalent;
the integer rule (d // A) must verify as equivalent exactly where the
table says "yes", and as different (naming the cause) elsewhere.
"""
from __future__ import annotations

from collections import Counter

import pytest

from mmgen_migrate.verify import verify_configs

from _pairs import cgan_pair

pytest.importorskip("torch")

ALL = list(range(24))
ODD = list(range(1, 24, 2))

# (d, g, A): (0.x D.step iterations, 0.x G.step iteration -> count, 0.x G passes, integer rule same?)
TABLE = {
    (1, 1, 1): (ALL, {i: 1 for i in ALL}, 24, True),
    (5, 1, 1): (ALL, {4: 1, 9: 1, 14: 1, 19: 1}, 4, True),
    (8, 1, 8): ([7, 15, 23], {7: 1, 15: 1, 23: 1}, 24, True),
    (2, 1, 2): (ODD, {i: 1 for i in ODD}, 24, True),
    (4, 2, 2): (ODD, {i: 2 for i in (3, 7, 11, 15, 19, 23)}, 24, True),
    (3, 1, 2): (ODD, {i: 1 for i in (2, 5, 8, 11, 14, 17, 20, 23)}, 16, False),
    (1, 3, 1): (ALL, {i: 3 for i in ALL}, 72, True),
    (1, 1, 2): (ODD, {i: 1 for i in ALL}, 48, False),
    (6, 1, 4): ([3, 7, 11, 15, 19, 23], {5: 1, 11: 1, 17: 1, 23: 1}, 16, False),
    (2, 1, 4): ([3, 7, 11, 15, 19, 23], {i: 1 for i in ODD}, 48, False),
}


def _iters(steps):
    return [i for i, _ in steps]


@pytest.mark.parametrize("dga", list(TABLE), ids=lambda t: "d%d-g%d-A%d" % t)
def test_fractional_rule_is_equivalent_and_legacy_matches_table(dga):
    d, g, A = dga
    d_steps, g_steps, g_passes, _ = TABLE[dga]
    old, new = cgan_pair(d, g, A, Dk=d / A)
    r = verify_configs(old, new, iters=24, device="cpu")

    # The 0.x replay reproduces the table (independently of the 1.x side).
    assert _iters(r.steps["discriminator"]["old"]) == d_steps
    assert Counter(_iters(r.steps["generator"]["old"])) == Counter(g_steps)
    assert sum(p for _, p in r.steps["generator"]["old"]) == g_passes
    # Every step is the mean over A passes in both versions.
    assert {p for _, p in r.steps["discriminator"]["old"]} == {A}
    assert {p for _, p in r.steps["generator"]["old"]} == {A}

    assert r.verdict == "equivalent", r.reasons
    assert r.exit_code == 0
    assert r.steps["generator"]["new"] == r.steps["generator"]["old"]
    assert r.steps["discriminator"]["new"] == r.steps["discriminator"]["old"]
    assert all(p["allclose"] for p in r.parameters.values())


@pytest.mark.parametrize("dga", list(TABLE), ids=lambda t: "d%d-g%d-A%d" % t)
def test_integer_rule_matches_table_verdict(dga):
    d, g, A = dga
    same = TABLE[dga][3]
    old, new = cgan_pair(d, g, A)  # discriminator_steps = d // A
    r = verify_configs(old, new, iters=24, device="cpu")
    if same:
        assert r.verdict == "equivalent", r.reasons
        assert r.first_difference is None
        return
    assert r.verdict == "different"
    assert r.exit_code == 1
    if d < A:  # Dk = 0
        crash = [x for x in r.differences if x.kind == "crash"]
        assert crash and crash[0].iteration == 0
        assert "ZeroDivisionError" in crash[0].message
        assert f"fractional discriminator_steps = {d / A:g}" in crash[0].message
        assert r.first_difference == 0
    else:
        steps = [x for x in r.differences if x.kind == "steps" and x.module == "generator"]
        assert steps, r.reasons
        assert "discriminator_steps" in steps[0].message
        assert "integer rule" in steps[0].message
        assert f"{d / A:g}" in steps[0].message
        # The table's 1.x column: G phases every A iterations with A passes each.
        new_g = _iters(r.steps["generator"]["new"])
        assert new_g == list(range(A - 1, 24, A))
        assert sum(p for _, p in r.steps["generator"]["new"]) == 24
        first = min(set(new_g) ^ set(_iters(r.steps["generator"]["old"])))
        assert r.first_difference == first


def test_timeline_shows_mismatch_at_a_glance():
    old, new = cgan_pair(3, 1, 2)
    r = verify_configs(old, new, iters=12, device="cpu")
    t = r.timelines["generator"]
    assert t.old == "··S··S··S··S"
    assert t.new == "·S·S·S·S·S·S"
    assert t.marks.startswith(" ^^^")
    assert r.timelines["discriminator"].old == ":S" * 6
    assert not r.timelines["discriminator"].marks.strip()


@pytest.mark.parametrize("dga", [(8, 1, 8), (4, 2, 2), (3, 1, 2)], ids=lambda t: "d%d-g%d-A%d" % t)
def test_loss_is_averaged_over_accumulated_passes(dga):
    # Adam hides a constant loss factor; SGD does not. Both versions divide
    # the loss by A (docs/semantics.md §2.8), so with SGD the parameters still agree.
    d, g, A = dga
    old, new = cgan_pair(d, g, A, Dk=d / A)
    for cfg in (old["optimizer"], {k: w["optimizer"] for k, w in new["optim_wrapper"].items()
                                   if k != "constructor"}):
        for opt in cfg.values():
            opt.clear()
            opt.update(type="SGD", lr=0.1)
    r = verify_configs(old, new, iters=24, device="cpu")
    assert r.verdict == "equivalent", r.reasons
    assert r.parameters["generator"]["max_abs_diff"] < 1e-6
