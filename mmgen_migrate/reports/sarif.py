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


# GitHub keeps only the first few annotations of each kind per step (10
# errors, 10 warnings, 10 notices; 50 per job): one annotation per file and
# rule, most urgent first, and the full list in the step summary.
_GITHUB_ORDER = {"error": 0, "warning": 1, "notice": 2}
_SEVERITY_ORDER = {"error": 0, "unsupported": 1, "review": 2, "exact": 3}


def github_annotations(doc: dict, *, exact: bool = False) -> list[tuple[str, str, object, str, str]]:
    """``(level, path, lines, title, message)`` per file and rule, errors first."""
    out = []
    check = doc.get("check")
    for f in doc["files"]:
        path = f["source"]
        if f["status"] == "failed":
            out.append(("error", path, None, "mmgen-migrate: cannot convert", f["error"] or "failed"))
            continue
        if check and f["status"] == "converted":
            n = len(f["changes"])
            out.append(("error", path, None, "mmgen-migrate: needs migration",
                        f"this config needs migration to MMagic 1.x ({n} change{'s' if n != 1 else ''}); "
                        "run `mmgen-migrate convert` on it"))
        groups: dict[str, list[dict]] = {}
        for c in f["changes"]:
            if c["severity"] == "exact" and not exact:
                continue
            groups.setdefault(c["rule"], []).append(c)
        for rule, changes in groups.items():
            changes.sort(key=lambda c: (_SEVERITY_ORDER[c["severity"]], c["index"]))
            first = changes[0]
            n = len(changes)
            title = f"{rule} {first['rule_name'] or ''} ({first['severity']}".replace("  ", " ")
            title += f", {n} findings)" if n > 1 and first["severity"] != "exact" else \
                (f", {n} changes)" if n > 1 else ")")
            message = _message(first)
            if n > 1:
                lines = sorted({c["source_lines"][0] for c in changes[1:] if c.get("source_lines")})
                at = f" (line{'s' if len(lines) > 1 else ''} {', '.join(map(str, lines))})" if lines else ""
                message += f" -- and {n - 1} more{at}; the full list is in the step summary"
            out.append((GITHUB_LEVEL[first["severity"]], path, first["source_lines"], title, message))
    # stable: files keep their order within a rank
    out.sort(key=lambda a: (_GITHUB_ORDER[a[0]], a[3] != "mmgen-migrate: cannot convert",
                            a[3] == "mmgen-migrate: needs migration"))
    return out


def render_github(doc: dict, *, exact: bool = False) -> str:
    """Annotations: ``error`` for a failed file (and, with ``--check``, for a
    file that needs migration), ``warning`` for review/unsupported findings;
    exact changes as ``notice`` only when ``exact`` (``-v``), so a large zoo
    does not bury the findings.  One annotation per file and rule."""
    lines = [_command(*a) for a in github_annotations(doc, exact=exact)]
    return "\n".join(lines) + ("\n" if lines else "")


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def github_step_summary(doc: dict, *, exact: bool = False, limit: int = 900_000) -> str:
    """Markdown for ``$GITHUB_STEP_SUMMARY``: every finding (every change with
    ``exact``), one table row each, failed files first.  GitHub takes at most
    1 MiB per step; past ``limit`` characters the rest is counted, not listed."""
    s = doc["summary"]
    head = [f"## mmgen-migrate: {s['files']} files, {s['converted']} "
            f"{'need migration' if doc.get('check') else 'converted'}, {s['failed']} failed, "
            f"{s['needs_review']} need review", ""]
    rows = []
    for f in doc["files"]:
        if f["status"] == "failed":
            rows.append((0, f"| `{_cell(f['source'])}` | | failed | | {_cell(f['error'] or 'failed')} |"))
        for c in f["changes"]:
            if c["severity"] == "exact" and not exact:
                continue
            lines = c.get("source_lines")
            where = (str(lines[0]) if lines[0] == lines[1] else f"{lines[0]}-{lines[1]}") if lines else ""
            rows.append((1 + _SEVERITY_ORDER[c["severity"]],
                         f"| `{_cell(f['source'])}` | {where} | {c['severity']} | {c['rule']} | "
                         f"{_cell(_message(c))} |"))
    if not rows:
        return "\n".join(head + ["No findings.", ""])
    rows.sort(key=lambda r: r[0])
    out = head + ["| file | line | severity | rule | finding |", "|---|---|---|---|---|"]
    size = sum(len(x) + 1 for x in out)
    for i, (_, row) in enumerate(rows):
        if size + len(row) + 1 > limit:
            out.append("")
            out.append(f"... and {len(rows) - i} more (see the JSON or HTML report)")
            break
        out.append(row)
        size += len(row) + 1
    return "\n".join(out) + "\n"
