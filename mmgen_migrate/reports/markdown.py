"""The Markdown review report: made to be posted as a pull-request comment.

Summary tables first, then per file what needs a human (failed files, then
unsupported and review findings), each with its rule, a one-line reason and
the old → new lines; exact changes are folded into ``<details>``.  GitHub
refuses comments over 65 536 characters, so a long report drops the exact
changes first and then lists the remaining files by name only.
"""

from __future__ import annotations

from .document import ATTENTION, SEVERITIES, attention_rank

COMMENT_LIMIT = 65_000
SEVERITY_LABEL = {"error": "error", "unsupported": "unsupported", "review": "review", "exact": "exact"}
SEVERITY_ICON = {"error": "⛔", "unsupported": "🟣", "review": "🟡", "exact": "🟢"}


def _cell(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _code(text: str) -> str:
    text = str(text)
    fence = "``" if "`" in text else "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _one_line(text: str, limit: int = 300) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _where(change: dict) -> str:
    olds = [p for p in change["old_paths"] if p != change["new_path"]]
    if change["new_path"]:
        new = _code(change["new_path"])
        return f"{', '.join(_code(p) for p in olds)} → {new}" if olds else new
    if olds:
        return ", ".join(_code(p) for p in olds) + (" (removed)" if "old_value" in change else "")
    return ""


def _diff_block(change: dict, indent: str = "  ") -> list[str]:
    if not change["removed"] and not change["added"]:
        return []
    body = [f"-{line}" for line in change["removed"]] + [f"+{line}" for line in change["added"]]
    fence = "````" if any("```" in b for b in body) else "```"
    return [f"{indent}{fence}diff"] + [indent + b for b in body] + [f"{indent}{fence}"]


def _change_item(change: dict, *, with_lines: bool = True) -> list[str]:
    sev = change["severity"]
    where = _where(change)
    lines_ref = ""
    if change.get("source_lines"):
        a, b = change["source_lines"]
        lines_ref = f" (line {a})" if a == b else f" (lines {a}–{b})"
    head = f"- {SEVERITY_ICON[sev]} **{sev}** `{change['rule']}`{lines_ref}"
    if where:
        head += f" {where}"
    out = [head, f"  {_one_line(change['message'])}" if change["message"] else ""]
    out = [line for line in out if line]
    if change.get("note"):
        out.append(f"  _note_: {_one_line(change['note'])}")
    if with_lines:
        out.extend(_diff_block(change))
    return out


def _summary(doc: dict) -> list[str]:
    s = doc["summary"]
    check = doc.get("check")
    out = [
        "| files | " + ("would be converted" if check else "converted") + " | unchanged | failed | need review |",
        "|---:|---:|---:|---:|---:|",
        f"| {s['files']} | {s['converted']} | {s['unchanged']} | {s['failed']} | {s['needs_review']} |",
        "",
    ]
    sev = s["by_severity"]
    out += [
        "| severity | " + " | ".join(SEVERITIES) + " |",
        "|---|" + "---:|" * len(SEVERITIES),
        "| changes | " + " | ".join(str(sev[k]) for k in SEVERITIES) + " |",
        "",
    ]
    if s["by_rule"]:
        out += ["| rule | name | " + " | ".join(SEVERITIES) + " |", "|---|---|" + "---:|" * len(SEVERITIES)]
        for rid, counts in s["by_rule"].items():
            name = doc["rules"].get(rid, {}).get("name", "")
            out.append(f"| `{rid}` | {_cell(name)} | " + " | ".join(str(counts[k] or "") for k in SEVERITIES) + " |")
        out.append("")
    if s.get("verify"):
        out.append("**Verify:** " + ", ".join(f"{n} {v}" for v, n in s["verify"].items()))
        out.append("")
    return out


def _verify_lines(v: dict) -> list[str]:
    out = [f"- **verify**: {v.get('verdict')}" + (f" (first difference at iteration {v['first_difference']})"
                                                   if v.get("first_difference") is not None else "")]
    for reason in v.get("reasons", [])[:5]:
        out.append(f"  - {_one_line(reason)}")
    return out


def _file_section(f: dict, *, exact_details: bool) -> list[str]:
    status = f["status"]
    label = {"converted": "converted", "unchanged": "unchanged", "failed": "**failed**"}[status]
    out = [f"### {_code(f['path'])} — {label}", ""]
    if status == "failed":
        out += [f"⛔ {_one_line(f['error'] or 'failed', 1000)}", ""]
        return out
    for i in f["findings"]:
        out += _change_item(f["changes"][i])
    if f.get("verify"):
        out += _verify_lines(f["verify"])
    exact = [c for c in f["changes"] if c["severity"] == "exact"]
    if exact:
        if exact_details:
            out += ["", f"<details><summary>{len(exact)} exact change{'s' if len(exact) != 1 else ''}</summary>",
                    ""]
            for c in exact:
                out += _change_item(c, with_lines=False)
            out += ["", "</details>"]
        else:
            out.append(f"- {len(exact)} exact change{'s' if len(exact) != 1 else ''} (see the JSON or HTML report)")
    out.append("")
    return out


def render(doc: dict, *, limit: int = COMMENT_LIMIT) -> str:
    """The Markdown report; at most ``limit`` characters."""
    text = _render(doc, exact_details=True, max_files=None)
    if len(text) <= limit:
        return text
    text = _render(doc, exact_details=False, max_files=None)
    if len(text) <= limit:
        return text
    lo, hi = 0, len(doc["files"])
    while lo < hi:  # the most file sections that still fit
        mid = (lo + hi + 1) // 2
        if len(_render(doc, exact_details=False, max_files=mid)) <= limit:
            lo = mid
        else:
            hi = mid - 1
    return _render(doc, exact_details=False, max_files=lo)


def _render(doc: dict, *, exact_details: bool, max_files: int | None) -> str:
    out = ["## mmgen-migrate report", ""]
    out += _summary(doc)
    files = sorted(
        (f for f in doc["files"] if f["status"] == "failed" or f["changes"] or f.get("verify")),
        key=attention_rank,
    )
    attention = [f for f in files if attention_rank(f) <= len(ATTENTION)]
    rest = [f for f in files if attention_rank(f) > len(ATTENTION)]
    shown = 0
    omitted: list[dict] = []
    for title, group in (("Needs review", attention), ("Converted, exact", rest)):
        if not group:
            continue
        out += [f"## {title}", ""]
        for f in group:
            if max_files is not None and shown >= max_files:
                omitted.append(f)
                continue
            out += _file_section(f, exact_details=exact_details)
            shown += 1
    if omitted:
        out += [f"… and {len(omitted)} more file{'s' if len(omitted) != 1 else ''} "
                "(the report was shortened to fit a comment; see the JSON or HTML report):", ""]
        names = ", ".join(_code(f["path"]) for f in omitted)
        out.append(names if len(names) < 2000 else names[:2000] + " …")
        out.append("")
    unchanged = [f["path"] for f in doc["files"] if f["status"] == "unchanged" and not f["changes"]]
    if unchanged:
        out += [f"<details><summary>{len(unchanged)} file{'s' if len(unchanged) != 1 else ''} already 1.x "
                "(unchanged)</summary>", ""]
        listing = ", ".join(_code(p) for p in unchanged)
        out += [listing if len(listing) < 4000 else listing[:4000] + " …", "", "</details>", ""]
    out.append(f"<sub>mmgen-migrate {doc['version']} · report schema {doc['schema']}</sub>")
    return "\n".join(out) + "\n"
