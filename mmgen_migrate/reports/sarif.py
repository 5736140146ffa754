"""SARIF 2.1.0 (for GitHub code scanning and other SARIF viewers) and GitHub
Actions workflow-command annotations.

Both point at the *input* file (the 0.x config a pull request shows) and the
lines of the statement a change is about.  Levels: ``error`` for a file that
could not be converted or an internal error, ``warning`` for review and
unsupported findings, ``note`` for exact changes (a migration that is still
due, but needs no thought).
"""

from __future__ import annotations

from .. import __version__
from ..rules import REGISTRY

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/open-mmlab/mmagic/blob/main/docs/en/migration/overview.md"
FAILED_RULE = "failed"
LEVEL = {"error": "error", "unsupported": "warning", "review": "warning", "exact": "note"}


def _rule_descriptor(rid: str) -> dict:
    r = REGISTRY.get(rid)
    if r is None:
        text = {FAILED_RULE: "The config file could not be converted.",
                "internal": "mmgen-migrate found an internal inconsistency (a bug)."}.get(rid, rid)
        return {"id": rid, "name": rid, "shortDescription": {"text": text},
                "defaultConfiguration": {"level": "error"}}
    return {
        "id": r.id,
        "name": r.name,
        "shortDescription": {"text": r.summary},
        "fullDescription": {"text": r.summary},
        "help": {"text": r.doc, "markdown": r.doc},
        "defaultConfiguration": {"level": "warning"},
        "properties": {"topic": r.topic},
    }


def _location(uri: str, lines) -> dict:
    phys: dict = {"artifactLocation": {"uri": uri, "uriBaseId": "%SRCROOT%"}}
    if lines:
        phys["region"] = {"startLine": lines[0], "endLine": lines[1]}
    return {"physicalLocation": phys}


def _message(change: dict) -> str:
    where = ", ".join(change["old_paths"])
    if change["new_path"]:
        where = f"{where} -> {change['new_path']}" if where and where != change["new_path"] else change["new_path"]
    text = change["message"] or change["rule"]
    return f"{where}: {text}" if where else text


def render_sarif(doc: dict) -> dict:
    rule_ids: list[str] = []
    results = []

    def rule_index(rid: str) -> int:
        if rid not in rule_ids:
            rule_ids.append(rid)
        return rule_ids.index(rid)

    for f in doc["files"]:
        uri = f["source"]
        if f["status"] == "failed":
            results.append({
                "ruleId": FAILED_RULE,
                "ruleIndex": rule_index(FAILED_RULE),
                "level": "error",
                "message": {"text": f"cannot convert: {f['error']}"},
                "locations": [_location(uri, None)],
            })
            continue
        for c in f["changes"]:
            results.append({
                "ruleId": c["rule"],
                "ruleIndex": rule_index(c["rule"]),
                "level": LEVEL[c["severity"]],
                "message": {"text": _message(c)},
                "locations": [_location(uri, c["source_lines"])],
                "properties": {
                    "severity": c["severity"],
                    "oldPaths": c["old_paths"],
                    "newPath": c["new_path"],
                    "status": f["status"],
                },
            })
    run = {
        "tool": {
            "driver": {
                "name": "mmgen-migrate",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": INFORMATION_URI,
                "rules": [_rule_descriptor(rid) for rid in rule_ids],
            }
        },
        "invocations": [{"executionSuccessful": doc["summary"]["failed"] == 0}],
        "columnKind": "unicodeCodePoints",
        "results": results,
        "properties": {"summary": doc["summary"]},
    }
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


# -- GitHub Actions workflow commands ----------------------------------------
# https://docs.github.com/actions/reference/workflow-commands-for-github-actions

def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _command(level: str, path: str, lines, title: str, message: str) -> str:
    props = [f"file={_escape_property(path)}"]
    if lines:
        props += [f"line={lines[0]}", f"endLine={lines[1]}"]
    props.append(f"title={_escape_property(title)}")
    return f"::{level} {','.join(props)}::{_escape_data(message)}"


GITHUB_LEVEL = {"error": "error", "unsupported": "warning", "review": "warning", "exact": "notice"}


def render_github(doc: dict, *, exact: bool = False) -> str:
    """Annotations: ``error`` for a failed file (and, with ``--check``, for a
    file that needs migration), ``warning`` for review/unsupported findings;
    exact changes as ``notice`` only when ``exact`` (``-v``), so a large zoo
    does not bury the findings."""
    lines = []
    check = doc.get("check")
    for f in doc["files"]:
        path = f["source"]
        if f["status"] == "failed":
            lines.append(_command("error", path, None, "mmgen-migrate: cannot convert", f["error"] or "failed"))
            continue
        if check and f["status"] == "converted":
            n = len(f["changes"])
            lines.append(_command("error", path, None, "mmgen-migrate: needs migration",
                                  f"this config needs migration to MMagic 1.x ({n} change{'s' if n != 1 else ''}); "
                                  "run `mmgen-migrate convert` on it"))
        for c in f["changes"]:
            if c["severity"] == "exact" and not exact:
                continue
            title = f"{c['rule']} {c['rule_name'] or ''} ({c['severity']})".replace("  ", " ")
            lines.append(_command(GITHUB_LEVEL[c["severity"]], path, c["source_lines"], title, _message(c)))
    return "\n".join(lines) + ("\n" if lines else "")
