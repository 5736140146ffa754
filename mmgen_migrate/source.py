"""A config file's source as the emitter edits it: top-level statements with
their comment and blank lines, expressions as Python's own ``ast`` nodes with
their exact text.

The split follows the concrete syntax tree conventions the edit was first
written against (LibCST's): lines before the first statement are the
module's header, lines after the last one its footer, the lines above any
other statement are its leading lines, and the rest of a simple
statement's last line (spaces, a comment, the newline) is its trailing
part.  A compound statement (``if``/``for``) keeps the comment lines after
its block that are indented into it.  ``tests/test_source.py`` checks the
split against LibCST's on every fixture.

Reading this costs one ``ast.parse`` and one tokenization of the file; a
full CST costs several times more, and printing it again more still.
"""

from __future__ import annotations

import ast
import bisect
import io
import keyword
import re
import tokenize
from dataclasses import dataclass, field, replace

NEWLINE = re.compile(r"\r\n|\r|\n")
_PHYSICAL_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
_PARENTHESIZED = re.compile(r"[ \t\f]*(?:#[^\r\n]*)?(?:\r\n|\r|\n)")


@dataclass(frozen=True)
class Line:
    """A line holding no code: blank, or only a comment."""

    text: str  # the whole line, its newline included
    comment: str | None = None

    @classmethod
    def of_comment(cls, comment: str, newline: str) -> "Line":
        return cls(comment + newline, comment)


@dataclass(frozen=True)
class Statement:
    """A top-level statement (the statements sharing one line are one).

    ``code`` runs from its first character to the end of its last token (a
    compound statement: to the end of its block, newline and the comment
    lines kept with it included, ``trailing`` empty); ``trailing`` is the
    rest of the last line; ``nodes`` its ``ast`` statements (none for a
    statement the emitter wrote, which has ``name``)."""

    code: str
    trailing: str = "\n"
    leading: tuple = ()
    nodes: tuple = ()
    name: str | None = None
    offset: int = -1  # where ``code`` starts in the source (-1: written)

    @property
    def comment(self) -> str | None:
        """The comment ending the statement's last line."""
        i = self.trailing.find("#")
        return NEWLINE.split(self.trailing[i:], 1)[0] if i >= 0 else None

    @property
    def text(self) -> str:
        return "".join(line.text for line in self.leading) + self.code + self.trailing

    def with_leading(self, lines) -> "Statement":
        return replace(self, leading=tuple(lines))

    def with_trailing(self, trailing: str) -> "Statement":
        return replace(self, trailing=trailing)

    def single_line(self) -> bool:
        return "\n" not in self.code and "\r" not in self.code


@dataclass
class Module:
    source: str  # as read (a final newline added where the file lacks one)
    header: list = field(default_factory=list)
    body: list = field(default_factory=list)
    footer: list = field(default_factory=list)
    newline: str = "\n"
    indent: str = "    "
    has_trailing_newline: bool = True
    _line_starts: list = field(default_factory=list, repr=False)
    _tokens: list = field(default_factory=list, repr=False)  # (start, end, type, string), no comments/NL
    _token_starts: list = field(default_factory=list, repr=False)
    _comments: list = field(default_factory=list, repr=False)  # (start, text)
    _comment_starts: list = field(default_factory=list, repr=False)
    _ascii_lines: list = field(default_factory=list, repr=False)
    _spans: dict = field(default_factory=dict, repr=False)

    # -- positions ---------------------------------------------------------
    def offset(self, lineno: int, col: int) -> int:
        """Offset in ``source`` of an ``ast`` position (``col`` in UTF-8 bytes)."""
        start = self._line_starts[lineno - 1]
        if not self._ascii_lines[lineno - 1]:
            end = self._line_starts[lineno] if lineno < len(self._line_starts) else len(self.source)
            col = len(self.source[start:end].encode("utf-8")[:col].decode("utf-8", "replace"))
        return start + col

    def span(self, node: ast.AST) -> tuple[int, int]:
        """``node``'s text, from ``ast``'s positions, widened to the
        parentheses around it that are its own (not a call's)."""
        hit = self._spans.get(id(node))
        if hit is not None and hit[0] is node:
            return hit[1]
        start = self.offset(node.lineno, node.col_offset)
        end = self.offset(node.end_lineno, node.end_col_offset)
        toks, starts = self._tokens, self._token_starts
        i = bisect.bisect_left(starts, start)  # the node's first token
        j = bisect.bisect_left(starts, end)  # the token after it
        while 0 < i and j < len(toks) and toks[i - 1][3] == "(" and toks[j][3] == ")":
            if i >= 2:
                before = toks[i - 2]
                if before[3] in (")", "]") or before[2] == tokenize.STRING or (
                        before[2] == tokenize.NAME and not keyword.iskeyword(before[3])):
                    break  # a call's parentheses
            i -= 1
            j += 1
            start, end = toks[i][0], toks[j - 1][1]
        self._spans[id(node)] = (node, (start, end))
        return start, end

    def code_of(self, node: ast.AST) -> str:
        start, end = self.span(node)
        return self.source[start:end]

    def tokens_in(self, start: int, end: int) -> list:
        lo = bisect.bisect_left(self._token_starts, start)
        hi = bisect.bisect_left(self._token_starts, end)
        return self._tokens[lo:hi]

    def comments_in(self, start: int, end: int) -> list[str]:
        lo = bisect.bisect_left(self._comment_starts, start)
        hi = bisect.bisect_left(self._comment_starts, end)
        return [text for _, text in self._comments[lo:hi]]

    # -- layouts the edit works on -------------------------------------------
    def _call_parens(self, node: ast.Call) -> tuple[int, int, int, int] | None:
        """(start of the widened call, end of its "(", offset of its ")",
        end of the widened call); None where the name is not followed by
        its "(" (``(dict)(...)``)."""
        start, end = self.span(node)
        call_end = self.offset(node.end_lineno, node.end_col_offset)
        func_end = self.offset(node.func.end_lineno, node.func.end_col_offset)
        toks = self.tokens_in(func_end, call_end)
        if not toks or toks[0][3] != "(" or self.source[call_end - 1] != ")":
            return None
        return start, toks[0][1], call_end - 1, end

    def call_layout(self, node: ast.Call) -> CallLayout | None:
        """``dict(k=v, ...)`` split as written; None unless every argument
        is a keyword argument (no positional ones, no ``**``)."""
        src = self.source
        parens = self._call_parens(node)
        if parens is None or node.args or not node.keywords:
            return None
        start, open_end, close, end = parens
        starts = [self.offset(k.lineno, k.col_offset) for k in node.keywords]
        args = []
        for i, k in enumerate(node.keywords):
            if k.arg is None:
                return None
            vs, ve = self.span(k.value)
            nxt = starts[i + 1] if i + 1 < len(starts) else close
            commas = [t for t in self.tokens_in(ve, nxt) if t[3] == ","]
            if commas:
                c = commas[0][0]
                comma, after = (src[ve:c], src[c + 1:nxt]), ""
            else:
                comma, after = None, src[ve:nxt]
            args.append(Arg(k.arg, src[starts[i] + len(k.arg):vs], k.value, comma, after))
        return CallLayout(src[start:open_end], src[open_end:starts[0]], args, src[close:end])

    def arg_regions(self, node: ast.Call) -> tuple[int, list, int, int] | None:
        """(end of the call's "(", [(start, end, keyword or None, value)] of
        every argument in source order -- an argument's region runs to the next
        one's start -- , offset of its ")", end of the widened call)."""
        parens = self._call_parens(node)
        if parens is None:
            return None
        _, open_end, close, end = parens
        items = [(self.span(a)[0], None, a) for a in node.args] + \
            [(self.offset(k.lineno, k.col_offset), k.arg, k.value) for k in node.keywords]
        items.sort(key=lambda item: item[0])
        regions = [(s, items[i + 1][0] if i + 1 < len(items) else close, kw, v) for i, (s, kw, v) in enumerate(items)]
        return open_end, regions, close, end

    def seq_layout(self, node: ast.expr) -> SeqLayout | None:
        """A list or (parenthesized) tuple split as written."""
        src = self.source
        s = self.offset(node.lineno, node.col_offset)
        e = self.offset(node.end_lineno, node.end_col_offset)
        if src[s] not in "[(" or not node.elts:
            return None
        spans = [self.span(el) for el in node.elts]
        close = e - 1
        elements = []
        closing, trailing = "", False
        for i, (vs, ve) in enumerate(spans):
            nxt = spans[i + 1][0] if i + 1 < len(spans) else close
            found = [t for t in self.tokens_in(ve, nxt) if t[3] == ","]
            if i + 1 < len(spans):
                elements.append((node.elts[i], src[vs:ve], src[ve:nxt]))
            elif found:
                elements.append((node.elts[i], src[vs:ve], src[ve:found[0][1]]))
                closing, trailing = src[found[0][1]:e], True
            else:
                elements.append((node.elts[i], src[vs:ve], ""))
                closing = src[ve:e]
        return SeqLayout(src[s:spans[0][0]], elements, closing, trailing)

    # -- printing ----------------------------------------------------------
    def code_for(self, header, body, footer) -> str:
        out = "".join(line.text for line in header) + "".join(s.text for s in body) + \
            "".join(line.text for line in footer)
        if not self.has_trailing_newline:
            for nl in ("\r\n", "\n", "\r"):
                if out.endswith(nl):
                    return out[: -len(nl)]
        return out

    @property
    def code(self) -> str:
        return self.code_for(self.header, self.body, self.footer)


def physical_lines(code: str) -> list[str]:
    """``code``'s lines as Python numbers them (ends kept): broken at
    ``\n``, ``\r\n`` and ``\r`` only, not at the form feeds and other
    separators ``str.splitlines`` also breaks at."""
    return _PHYSICAL_LINE.findall(code)


def _detect_newline(text: str) -> str:
    m = NEWLINE.search(text)
    return m.group(0) if m else "\n"


def _block_indent(node: ast.stmt, module: Module) -> int | None:
    """Column (characters) of the last block of a compound statement, None
    for a one-line suite (``if x: a = 1``)."""
    body = None
    if isinstance(node, (ast.If, ast.For, ast.AsyncFor, ast.While)):
        body = node.orelse or node.body
    elif isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
        body = node.finalbody or node.orelse or (node.handlers[-1].body if node.handlers else node.body)
    elif isinstance(node, (ast.With, ast.AsyncWith, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        body = node.body
    elif type(node).__name__ == "Match":
        body = node.cases[-1].body
    if not body:
        return None
    first = body[0]
    first_line_start = module._line_starts[first.lineno - 1]
    start = module.offset(first.lineno, first.col_offset)
    if module.source[first_line_start:start].strip(" \t\f"):
        return None  # on its clause's line
    return start - first_line_start


def _blank_or_comment(line: str) -> str | None:
    """None for a line with code, else "" (blank) or its comment."""
    s = line.lstrip(" \t\f")
    if not s or s[0] in "\r\n":
        return ""
    if s[0] == "#":
        return NEWLINE.split(s, 1)[0]
    return None


def parse(text: str) -> Module:
    """``text`` as a :class:`Module`; raises ``SyntaxError`` (and
    ``ValueError``, ``RecursionError``, ``MemoryError``) as ``ast.parse``."""
    newline = _detect_newline(text)
    has_nl = text == "" or text.endswith(("\n", "\r"))
    source = text if has_nl else text + newline
    tree = ast.parse(source)
    lines = physical_lines(source)
    m = Module(source=source, newline=newline, has_trailing_newline=has_nl)
    starts, pos = [], 0
    for ln in lines:
        starts.append(pos)
        pos += len(ln)
    m._line_starts = starts
    m._ascii_lines = [ln.isascii() for ln in lines]
    toks, comments = [], []
    indent = None
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.INDENT and indent is None:
            indent = tok.string
        if tok.type in (tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER):
            continue
        if tok.start[0] > len(starts):
            continue
        s = starts[tok.start[0] - 1] + tok.start[1]
        e = (starts[tok.end[0] - 1] if tok.end[0] <= len(starts) else len(source)) + tok.end[1]
        if tok.type == tokenize.COMMENT:
            comments.append((s, tok.string))
        else:
            toks.append((s, e, tok.type, tok.string))
    m._tokens, m._token_starts = toks, [t[0] for t in toks]
    m._comments, m._comment_starts = comments, [c[0] for c in comments]
    m.indent = indent if indent is not None else "    "

    # group the ast statements sharing lines
    groups: list[list[ast.stmt]] = []
    for stmt in tree.body:
        if groups and stmt.lineno <= (groups[-1][-1].end_lineno or groups[-1][-1].lineno):
            groups[-1].append(stmt)
        else:
            groups.append([stmt])
    line_no = 1  # next line not yet given to anything
    pending: list[Line] = []

    def take_lines(upto: int) -> None:  # lines line_no .. upto-1: no code
        nonlocal line_no
        for n in range(line_no, upto):
            pending.append(Line(lines[n - 1], _blank_or_comment(lines[n - 1]) or None))
        line_no = max(line_no, upto)

    for gi, group in enumerate(groups):
        first = group[0]
        first_line = min([first.lineno] + [d.lineno for d in getattr(first, "decorator_list", [])])
        take_lines(first_line)
        leading = pending
        pending = []
        start = starts[first_line - 1] + len(lines[first_line - 1]) - len(lines[first_line - 1].lstrip(" \t\f"))
        last = group[-1]
        compound = len(group) == 1 and not isinstance(last, _SIMPLE)
        end_line = last.end_lineno or last.lineno
        if compound:
            end = starts[end_line - 1] + len(lines[end_line - 1])
            line_no = end_line + 1
            indent = _block_indent(last, m)
            if indent is not None:
                keep = line_no
                n = line_no
                while n <= len(lines):
                    c = _blank_or_comment(lines[n - 1])
                    if c is None:
                        break
                    if c:
                        col = len(lines[n - 1]) - len(lines[n - 1].lstrip(" \t\f"))
                        if col < indent:
                            break
                        keep = n + 1
                    n += 1
                if keep > line_no:
                    end = starts[keep - 1] if keep <= len(lines) else len(source)
                    line_no = keep
            code, trailing = source[start:end], ""
        else:
            end = m.offset(last.end_lineno, last.end_col_offset)
            line_end = starts[end_line - 1] + len(lines[end_line - 1])
            rest = source[end:line_end]
            # a `;` after the last statement is the statement's
            k = 0
            while k < len(rest) and rest[k] in " \t\f;":
                k += 1
            semi = rest.rfind(";", 0, k)
            if semi >= 0:
                end += semi + 1
                rest = rest[semi + 1:]
            code, trailing = source[start:end], rest
            line_no = end_line + 1
        stmt = Statement(code=code, trailing=trailing, leading=tuple(leading) if gi else (),
                         nodes=tuple(group), offset=start)
        if gi == 0:
            m.header = leading
        m.body.append(stmt)
    take_lines(len(lines) + 1)
    if m.body:
        m.footer = pending
    else:
        m.header = pending
    return m


_SIMPLE = (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.Expr, ast.Pass, ast.Delete, ast.Import, ast.ImportFrom,
           ast.Global, ast.Nonlocal, ast.Assert, ast.Raise, ast.Return, ast.Break, ast.Continue)


def written(code: str, name: str | None, newline: str) -> Statement:
    """A statement the emitter wrote (``code``: one statement, ending in
    ``"\\n"``)."""
    body = code[:-1] if code.endswith("\n") else code
    return Statement(code=body.replace("\n", newline), trailing=newline, name=name)


def is_parenthesized_ws(ws: str) -> bool:
    """Would LibCST hold this whitespace as a line break (comment, newline)
    rather than as spaces?"""
    return _PARENTHESIZED.match(ws) is not None


@dataclass
class Arg:
    """A keyword argument of a call, as written: ``keyword`` + ``eq`` +
    the value + the comma (``(text before it, text after it)``, None when
    there is none) + ``after`` (the text up to ``)`` when no comma)."""

    keyword: str
    eq: str
    value: ast.expr
    comma: tuple | None
    after: str


@dataclass
class CallLayout:
    prefix: str  # up to the call's "(" (its own parentheses and name included)
    before_args: str  # between "(" and the first argument
    args: list
    suffix: str  # from its ")" on (its own parentheses included)


@dataclass
class SeqLayout:
    opening: str  # the bracket and the text after it, up to the first element
    elements: list  # (value node, its text, the text after it: its comma and up to the next one)
    closing: str  # the text after the last comma (or value), the bracket included
    trailing_comma: bool
