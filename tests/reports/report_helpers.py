"""Helpers shared by the report tests (imported as a plain module)."""

from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).parent / "data"
ZOO = DATA / "zoo"
# The report tests run the two core rules only, so what they assert does not
# move each time another topic's rules learn something new.
CORE_RULES = ["OPT", "STP"]


def by_path(doc: dict, rel: str) -> dict:
    (entry,) = [f for f in doc["files"] if f["path"] == rel]
    return entry


class StubVerify:
    """Stands in for ``mmgen_migrate.verify.VerifyResult`` in renderer tests
    (the renderers only read ``to_json()`` and ``exit_code``)."""

    exit_code = 1

    def to_json(self) -> dict:
        return {
            "schema": "mmgen-migrate.verify/1",
            "verdict": "different",
            "exit_code": 1,
            "reasons": ["discriminator steps at iteration 3 in 0.x but at iteration 4 in 1.x"],
            "first_difference": 3,
            "timelines": {
                "discriminator": {"old": "SSSS·S", "new": "SSS·SS", "marks": "   ^^ "},
                "generator": {"old": "··S··S", "new": "··S··S", "marks": "      "},
            },
            "legend": {"S": "one optimizer step", "^": "the two runs differ at this iteration"},
        }


def generate_tree(root: Path, n_leaves: int = 110) -> dict:
    """Write a config tree of ``n_leaves`` leaves (plus their bases) as a
    large zoo looks: shared model bases, leaves that override steps and
    accumulation (every third one with a D period that does not divide: a
    review finding), a leaf with a missing base (fails), a 1.x config
    (unchanged), and one long leaf whose changed statements sit next to each
    other.  Returns what was written, by kind."""
    (root / "_base_" / "models").mkdir(parents=True)
    for k in range(4):
        (root / "_base_" / "models" / f"gan_{k}.py").write_text(
            f"# model base {k}\n"
            f"model = dict(type='BasiccGAN', generator=dict(type='G{k}'), discriminator=dict(type='D{k}'))\n"
            f"optimizer = dict(generator=dict(type='Adam', lr=1e-4), discriminator=dict(type='Adam', lr=4e-4))\n"
            f"train_cfg = dict(disc_steps=1)\n")
    kinds: dict[str, list[str]] = {"review": [], "exact": [], "failed": [], "unchanged": [], "long": []}
    for i in range(n_leaves):
        folder = root / f"family{i % 5}"
        folder.mkdir(exist_ok=True)
        rel = f"family{i % 5}/leaf_{i:03d}.py"
        if i % 3 == 0:  # 3 D passes per G phase, D steps every 2: two STP001 review findings
            steps = "train_cfg = dict(disc_steps=3, batch_accumulation_steps=2)"
            kinds["review"].append(rel)
        else:
            steps = f"train_cfg = dict(disc_steps={2 * (1 + i % 2)}, batch_accumulation_steps=2)"
            kinds["exact"].append(rel)
        (root / rel).write_text(
            f"_base_ = ['../_base_/models/gan_{i % 4}.py']\n\n"
            f"lr = {1 + i % 7}e-4  # per-leaf learning rate\n"
            f"{steps}\n"
            f"optimizer = dict(generator=dict(type='Adam', lr=lr), discriminator=dict(type='Adam', lr=lr * 2))\n"
            f"total_iters = {10000 * (1 + i % 9)}\n")
    (root / "misc").mkdir()
    (root / "misc" / "broken.py").write_text("_base_ = ['./missing.py']\ntrain_cfg = dict(disc_steps=2)\n")
    kinds["failed"].append("misc/broken.py")
    (root / "misc" / "modern.py").write_text(
        "model = dict(type='DCGAN', generator=dict(type='DCGANGenerator'))\n"
        "optim_wrapper = dict(generator=dict(optimizer=dict(type='Adam', lr=1e-4)))\n")
    kinds["unchanged"].append("misc/modern.py")
    long_lines = ["# a long config: its changed statements are neighbours"]
    long_lines += [f"setting_{k} = {k}" for k in range(20)]
    long_lines += [
        "model = dict(type='BasiccGAN', generator=dict(type='G'), discriminator=dict(type='D'))",
        "train_cfg = dict(disc_steps=5, batch_accumulation_steps=2)",
        "optimizer = dict(",
        "    generator=dict(type='Adam', lr=1e-4),",
        "    discriminator=dict(type='Adam', lr=4e-4))",
    ]
    long_lines += [f"other_{k} = 'x{k}'" for k in range(20)]
    (root / "misc" / "long.py").write_text("\n".join(long_lines) + "\n")
    kinds["long"].append("misc/long.py")
    return kinds
