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
