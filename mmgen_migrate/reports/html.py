"""The HTML review report: one self-contained page (inline CSS and script, no
network: a Content-Security-Policy forbids every fetch).

Per file a side-by-side old/new view of each changed hunk, annotated by the
rules that changed it and their severity; filters by severity, rule and file
status; the verifier's timelines when ``--verify`` ran.
"""

from __future__ import annotations

import json
from html import escape

from .document import ATTENTION, SEVERITIES, attention_rank

CSP = ("default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
       "img-src data:; base-uri 'none'; form-action 'none'")

STYLE = """
:root { --exact:#1a7f37; --review:#9a6700; --unsupported:#8250df; --error:#cf222e; --line:#d0d7de;
        --del:#ffebe9; --del-strong:#ffcecb; --ins:#dafbe1; --ins-strong:#aceebb; --muted:#57606a; }
* { box-sizing: border-box; }
body { font: 14px/1.45 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 0; color: #1f2328; }
header { padding: 16px 24px; border-bottom: 1px solid var(--line); background: #f6f8fa; }
h1 { font-size: 20px; margin: 0 0 8px; }
.cards { display: flex; gap: 12px; flex-wrap: wrap; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 6px 12px; background: #fff; }
.card b { font-size: 18px; display: block; }
main { display: grid; grid-template-columns: 260px 1fr; }
nav { padding: 16px; border-right: 1px solid var(--line); position: sticky; top: 0; align-self: start;
      max-height: 100vh; overflow: auto; }
nav h2 { font-size: 13px; text-transform: uppercase; color: var(--muted); margin: 16px 0 6px; }
nav label { display: block; cursor: pointer; padding: 1px 0; }
nav .count { color: var(--muted); }
#path-filter { width: 100%; padding: 3px 6px; border: 1px solid var(--line); border-radius: 6px; }
#files { padding: 16px 24px; min-width: 0; }
.file { border: 1px solid var(--line); border-radius: 6px; margin-bottom: 20px; overflow: hidden; }
.file > h3 { margin: 0; padding: 8px 12px; background: #f6f8fa; border-bottom: 1px solid var(--line);
             font: 600 14px ui-monospace, SFMono-Regular, Menlo, monospace; display: flex; gap: 8px;
             align-items: center; flex-wrap: wrap; }
.badge { font: 600 11px -apple-system, sans-serif; border-radius: 10px; padding: 1px 8px; color: #fff; }
.sev-exact { background: var(--exact); } .sev-review { background: var(--review); }
.sev-unsupported { background: var(--unsupported); } .sev-error { background: var(--error); }
.st-converted { background: #0969da; } .st-unchanged { background: var(--muted); } .st-failed { background: var(--error); }
.rule { font: 600 12px ui-monospace, monospace; }
.notes, .error, .verify { padding: 8px 12px; border-bottom: 1px solid var(--line); }
.error { color: var(--error); }
.anns { list-style: none; margin: 0; padding: 6px 12px; background: #fffbe6; border-top: 1px solid var(--line);
        border-bottom: 1px solid var(--line); }
.ann { padding: 2px 0; }
.ann::before { content: attr(data-severity); font: 600 11px -apple-system, sans-serif; border-radius: 10px;
               padding: 1px 8px; color: #fff; background: var(--exact); margin-right: 6px; }
.ann[data-severity="review"]::before { background: var(--review); }
.ann[data-severity="unsupported"]::before { background: var(--unsupported); }
.ann[data-severity="error"]::before { background: var(--error); }
.ann .paths { font-family: ui-monospace, monospace; font-size: 12px; }
.ann .msg { color: #1f2328; }
.ann .note { color: var(--muted); font-style: italic; }
.ann .lines { color: var(--muted); font-size: 12px; margin-left: 6px; }
.ann.ref { font-size: 12px; color: var(--muted); }
table.diff { width: 100%; border-collapse: collapse; table-layout: fixed;
             font: 12px/1.5 ui-monospace, SFMono-Regular, Menlo, monospace; }
table.diff td { padding: 0 6px; white-space: pre-wrap; word-break: break-all; vertical-align: top; }
table.diff td.no { width: 44px; color: var(--muted); text-align: right; user-select: none; }
table.diff tr.hh td { background: #ddf4ff; color: var(--muted); }
td.del { background: var(--del); } td.ins { background: var(--ins); }
td.no.del { background: var(--del-strong); } td.no.ins { background: var(--ins-strong); }
td.old { border-right: 1px solid var(--line); }
.hidden { display: none !important; }
pre.timeline { margin: 4px 0; font: 12px/1.3 ui-monospace, monospace; overflow-x: auto; }
details.folded > summary { padding: 6px 12px; color: var(--muted); cursor: pointer; background: #fffbe6; }
.timeline-note { margin: 0 0 6px; color: var(--muted); font-size: 12px; }
.verdict-equivalent { color: var(--exact); font-weight: 600; }
.verdict-different { color: var(--error); font-weight: 600; }
.verdict-not-verified { color: var(--review); font-weight: 600; }
#empty { color: var(--muted); }
footer { padding: 12px 24px; color: var(--muted); font-size: 12px; }
"""

SCRIPT = r"""
(function () {
  'use strict';
  var shared = JSON.parse(document.getElementById('messages').textContent);
  document.querySelectorAll('.msg[data-m]').forEach(function (m) {
    m.textContent = shared[Number(m.dataset.m)];
  });
  function checked(name) {
    var out = {};
    document.querySelectorAll('input[data-filter="' + name + '"]').forEach(function (box) {
      out[box.value] = box.checked;
    });
    return out;
  }
  function apply() {
    var sev = checked('severity'), rule = checked('rule'), status = checked('status');
    var plain = document.getElementById('show-plain').checked;
    var needle = document.getElementById('path-filter').value.trim().toLowerCase();
    var shownFiles = 0;
    document.querySelectorAll('.ann').forEach(function (a) {
      a.classList.toggle('hidden', !(sev[a.dataset.severity] && rule[a.dataset.rule]));
    });
    document.querySelectorAll('.hunk').forEach(function (h) {
      var anns = h.querySelectorAll('.ann');
      var visible = h.querySelectorAll('.ann:not(.hidden)').length > 0;
      h.classList.toggle('hidden', !(visible || (anns.length === 0 && plain)));
    });
    document.querySelectorAll('.file').forEach(function (f) {
      var anns = f.querySelectorAll('.ann');
      var any = anns.length === 0 ? (f.dataset.status === 'failed' || plain)
                                   : f.querySelectorAll('.ann:not(.hidden)').length > 0;
      var show = status[f.dataset.status] && (any || f.dataset.status === 'failed') &&
                 (needle === '' || f.dataset.path.toLowerCase().indexOf(needle) !== -1);
      f.classList.toggle('hidden', !show);
      if (show) { shownFiles += 1; }
    });
    document.getElementById('shown').textContent = String(shownFiles);
    document.getElementById('empty').classList.toggle('hidden', shownFiles !== 0);
  }
  document.querySelectorAll('nav input[type="checkbox"]').forEach(function (box) {
    box.addEventListener('change', apply);
  });
  document.getElementById('path-filter').addEventListener('input', apply);
  document.getElementById('only-attention').addEventListener('click', function (ev) {
    ev.preventDefault();
    document.querySelectorAll('input[data-filter="severity"]').forEach(function (box) {
      box.checked = box.value !== 'exact';
    });
    document.getElementById('show-plain').checked = false;
    apply();
  });
  document.getElementById('show-all').addEventListener('click', function (ev) {
    ev.preventDefault();
    document.querySelectorAll('nav input[type="checkbox"]').forEach(function (box) { box.checked = true; });
    document.getElementById('path-filter').value = '';
    apply();
  });
  apply();
})();
"""


_URGENCY = ATTENTION + ("exact",)


def _e(value) -> str:
    return escape("" if value is None else str(value), quote=True)


def _paths(c: dict) -> str:
    olds = [p for p in c["old_paths"] if p != c["new_path"]]
    if c["new_path"]:
        return (", ".join(olds) + " → " if olds else "") + c["new_path"]
    return ", ".join(olds) + (" (removed)" if olds and "old_value" in c else "")


def _where(c: dict) -> str:
    lines = c.get("source_lines") or c.get("old_lines")
    if lines:
        return f'line {lines[0]}' if lines[0] == lines[1] else f'lines {lines[0]}–{lines[1]}'
    if c.get("new_lines"):
        a, b = c["new_lines"]
        return f'new line{"s" if a != b else ""} {a}{"–" + str(b) if a != b else ""}'
    return ""


def _annotation(group: list, rules: dict, messages: dict | None = None) -> str:
    """One item for changes of one rule with the same message (a rule that
    moves three keys says so once, with the three paths).  The severity and
    rule are drawn from the item's data attributes (CSS), the rule's summary
    is in the filter panel, and a message many items share is written once
    (``messages``: text -> id, filled in by the page's script)."""
    c = group[0]
    sev = c["severity"]
    note = f' <span class="note"># {_e(c["note"])}</span>' if c.get("note") else ""
    paths = "; ".join(_e(_paths(x)) for x in group)
    where = _where(c) if len(group) == 1 else ""
    where = f' <span class="lines">{_e(where)}</span>' if where else ""
    indices = " ".join(str(x["index"]) for x in group)
    shared = (messages or {}).get(c["message"])
    msg = f'<span class="msg" data-m="{shared}"></span>' if shared is not None else \
        f'<span class="msg">{_e(c["message"])}</span>'
    return (
        f'<li class="ann" data-rule="{_e(c["rule"])}" data-severity="{_e(sev)}" data-index="{indices}">'
        f'<span class="rule">{_e(c["rule"])}</span> <span class="paths">{paths}</span>{where}<br>{msg}{note}</li>'
    )


def _annotations(changes: list, rules: dict, messages: dict | None = None) -> str:
    groups: dict = {}
    for c in changes:
        groups.setdefault((c["rule"], c["severity"], c["message"], c.get("note")), []).append(c)
    return "".join(_annotation(g, rules, messages) for g in groups.values())


SHARED_MESSAGE = 3  # a message on this many annotations or more is written once


def _cells(no, text, side: str, kind: str) -> str:
    cls = ""
    if kind != "equal" and no is not None:
        cls = " del" if side == "old" else " ins"
    if no is None:
        return f'<td class="no"></td><td class="{side}"></td>'
    return f'<td class="no{cls}">{no}</td><td class="{side}{cls}">{_e(text)}</td>'


def _reference(group: list) -> str:
    """Changes annotated on another hunk that also touch this one (they read
    or removed these lines), one item per rule, severity and place: a
    pointer there, with their paths."""
    c = group[0]
    lines = c.get("new_lines")
    where = f" (annotated at new line{'s' if lines and lines[0] != lines[1] else ''} " \
        f"{lines[0]}{'–' + str(lines[1]) if lines and lines[0] != lines[1] else ''})" if lines else ""
    indices = " ".join(str(x["index"]) for x in group)
    paths = "; ".join(_paths(x) for x in group)
    return (f'<li class="ann ref" data-rule="{_e(c["rule"])}" data-severity="{_e(c["severity"])}" '
            f'data-index="{indices}"><span class="rule">{_e(c["rule"])}</span> '
            f'<span class="paths">{_e(paths)}</span><span class="lines">{_e(where)}</span></li>')


def _references(changes: list) -> str:
    groups: dict = {}
    for c in changes:
        groups.setdefault((c["rule"], c["severity"], tuple(c.get("new_lines") or ())), []).append(c)
    return "".join(_reference(g) for g in groups.values())


def _hunk(h: dict, changes: list, rules: dict, messages: dict | None = None) -> str:
    order = sorted(h["changes"], key=lambda i: (_URGENCY.index(changes[i]["severity"]), i))
    anns = _annotations([changes[i] for i in order], rules, messages)
    refs = sorted(h.get("refs") or [], key=lambda i: (_URGENCY.index(changes[i]["severity"]), i))
    anns += _references([changes[i] for i in refs])
    sevs = " ".join(sorted({changes[i]["severity"] for i in h["changes"] + list(h.get("refs") or [])}))
    out = [f'<div class="hunk" data-severities="{_e(sevs)}">']
    if anns:
        out.append(f'<ul class="anns">{anns}</ul>')
    out.append('<table class="diff"><colgroup><col style="width:44px"><col><col style="width:44px"><col></colgroup>')
    out.append(f'<tr class="hh"><td colspan="4">{_e(h["header"])}</td></tr>')
    for kind, old_no, old, new_no, new in h["rows"]:
        out.append(f'<tr class="{kind}">{_cells(old_no, old, "old", kind)}{_cells(new_no, new, "new", kind)}</tr>')
    out.append("</table></div>")
    return "".join(out)


def _verify(v: dict) -> str:
    verdict = v.get("verdict", "")
    out = [f'<div class="verify"><b>Verify:</b> <span class="verdict-{_e(verdict.replace(" ", "-"))}">'
           f'{_e(verdict)}</span>']
    if v.get("first_difference") is not None:
        out.append(f" — first difference at iteration {_e(v['first_difference'])}")
    reasons = v.get("reasons") or []
    if reasons:
        out.append("<ul>" + "".join(f"<li>{_e(r)}</li>" for r in reasons) + "</ul>")
    timelines = v.get("timelines") or {}
    for name, tl in timelines.items():
        width = max(len("old"), len("new"), len("marks"))
        rows = [f"{'old':<{width}} {tl.get('old', '')}", f"{'new':<{width}} {tl.get('new', '')}"]
        if (tl.get("marks") or "").strip():
            rows.append(f"{'':<{width}} {tl['marks']}")
        note = f'<p class="timeline-note">{_e(tl["note"])}</p>' if tl.get("note") else ""
        out.append(f'<div class="timeline-block"><b>{_e(name)}</b><pre class="timeline">{_e(chr(10).join(rows))}'
                   f"</pre>{note}</div>")
    legend = v.get("legend") or {}
    if timelines and legend:
        out.append("<details><summary>legend</summary><ul>"
                   + "".join(f"<li><code>{_e(k)}</code> {_e(m)}</li>" for k, m in legend.items())
                   + "</ul></details>")
    out.append("</div>")
    return "".join(out)


def _file(f: dict, rules: dict, messages: dict | None = None) -> str:
    status = f["status"]
    counts = {}
    for c in f["changes"]:
        counts[c["severity"]] = counts.get(c["severity"], 0) + 1
    badges = "".join(f' <span class="badge sev-{s}">{counts[s]} {s}</span>' for s in ATTENTION + ("exact",)
                     if counts.get(s))
    out = [f'<section class="file" id="f-{_e(f["path"])}" data-status="{_e(status)}" data-path="{_e(f["path"])}">',
           f'<h3>{_e(f["path"])} <span class="badge st-{_e(status)}">{_e(status)}</span>{badges}</h3>']
    if status == "failed":
        out.append(f'<div class="error">{_e(f["error"])}</div>')
    hunks = f.get("hunks") or []
    placed = {i for h in hunks for i in h["changes"]}
    unplaced = [c for c in f["changes"] if c["index"] not in placed]
    # findings on lines no hunk shows stay on top; the many exact changes of
    # settings the file does not write (a leaf's inherited optimizer, hooks,
    # ...) fold away, so they do not bury its hunks
    shown = [c for c in unplaced if c["severity"] != "exact"]
    folded = [c for c in unplaced if c["severity"] == "exact"]
    if shown or folded:
        out.append('<div class="hunk file-level">')
        if shown:
            out.append('<ul class="anns">' + _annotations(shown, rules, messages) + "</ul>")
        if folded:
            out.append(f'<details class="folded"><summary>{len(folded)} exact change'
                       f'{"s" if len(folded) != 1 else ""} on no changed line of this file (settings it '
                       'inherits or keeps as written)</summary><ul class="anns">'
                       + _annotations(folded, rules, messages) + "</ul></details>")
        out.append("</div>")
    if f.get("verify"):
        out.append(_verify(f["verify"]))
    for h in hunks:
        out.append(_hunk(h, f["changes"], rules, messages))
    out.append("</section>")
    return "".join(out)


def _checkbox(group: str, value: str, label: str, count: int | None = None, title: str = "") -> str:
    n = f' <span class="count">{count}</span>' if count is not None else ""
    t = f' title="{_e(title)}"' if title else ""
    return (f'<label{t}><input type="checkbox" data-filter="{group}" value="{_e(value)}" checked> '
            f"{label}{n}</label>")


def render(doc: dict) -> str:
    s = doc["summary"]
    rules = doc["rules"]
    files = sorted(doc["files"], key=attention_rank)
    all_rules = sorted({c["rule"] for f in doc["files"] for c in f["changes"]})
    nav = ['<nav aria-label="filters"><h2>File</h2>'
           '<input type="search" id="path-filter" placeholder="path contains…" aria-label="filter files by path">'
           '<h2>Severity</h2>']
    for sev in ("error", "unsupported", "review", "exact"):
        nav.append(_checkbox("severity", sev, f'<span class="badge sev-{sev}">{sev}</span>', s["by_severity"][sev]))
    nav.append("<h2>Rule</h2>")
    for rid in all_rules:
        total = sum(s["by_rule"].get(rid, {}).values())
        name = rules.get(rid, {}).get("name", "")
        nav.append(_checkbox("rule", rid, f'<span class="rule">{_e(rid)}</span> {_e(name)}', total,
                             rules.get(rid, {}).get("summary", "")))
    nav.append("<h2>File status</h2>")
    for st in ("failed", "converted", "unchanged"):
        nav.append(_checkbox("status", st, st, s[st]))
    nav.append("<h2>View</h2>")
    nav.append('<label><input type="checkbox" id="show-plain" checked> hunks without a rule</label>')
    nav.append('<p><a href="#" id="only-attention">only what needs review</a> · <a href="#" id="show-all">all</a></p>')
    nav.append("</nav>")
    cards = [("files", s["files"]), ("would be converted" if doc.get("check") else "converted", s["converted"]),
             ("unchanged", s["unchanged"]), ("failed", s["failed"]), ("need review", s["needs_review"])]
    cards += [(sev, s["by_severity"][sev]) for sev in SEVERITIES]
    if s.get("verify"):
        cards += [(f"verify: {k}", n) for k, n in s["verify"].items()]
    header = ('<header><h1>mmgen-migrate review report</h1><div class="cards">'
              + "".join(f'<div class="card"><b>{_e(n)}</b>{_e(label)}</div>' for label, n in cards)
              + f'</div><p>Showing <span id="shown">{len(files)}</span> of {len(files)} files.</p></header>')
    counts: dict = {}
    for f in files:
        for c in f["changes"]:
            counts[c["message"]] = counts.get(c["message"], 0) + 1
    shared = [m for m, n in counts.items() if n >= SHARED_MESSAGE]
    messages = {m: i for i, m in enumerate(shared)}
    body = "".join(_file(f, rules, messages) for f in files)
    # `</` cannot end the script early: json escapes it as `<\/`
    table = json.dumps(shared, ensure_ascii=False).replace("</", "<\\/")
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>mmgen-migrate report: {s['converted']} converted, {s['needs_review']} need review</title>"
        f"<style>{STYLE}</style></head><body>{header}<main>{''.join(nav)}"
        f'<div id="files">{body}<p id="empty" class="hidden">No file matches the filters.</p></div></main>'
        f"<footer>mmgen-migrate {_e(doc['version'])} · report schema {_e(doc['schema'])}</footer>"
        f'<script type="application/json" id="messages">{table}</script>'
        f"<script>{SCRIPT}</script></body></html>\n"
    )
