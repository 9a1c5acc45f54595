"""A small YAML subset loader (stdlib only) for the conformance manifests.

Used when PyYAML is not importable (the PATH python3 may be a pyenv build without it).
Supported: multi-document streams (`---`), comments, block mappings and sequences (including
compact `- key: value` items and sequences at the indentation of their parent key), flow
collections (`[a, b]`, `{a: b}`, may span lines), plain / single-quoted / double-quoted scalars
with the YAML 1.1 core types PyYAML resolves here (null, bool, int, float), and block scalars
(`|`, `|-`, `|+`, `>`, `>-`). Not supported: anchors/aliases, tags, complex keys, directives.
test_runner_selftest.py compares it with PyYAML on every corpus manifest when PyYAML exists.
"""

import re

__all__ = ["load_all", "load", "YamlError"]


class YamlError(ValueError):
    pass


_INT_RE = re.compile(r"^[-+]?(0|[1-9][0-9_]*)$")
_OCT_RE = re.compile(r"^0o?[0-7_]+$")
_HEX_RE = re.compile(r"^0x[0-9a-fA-F_]+$")
_FLOAT_RE = re.compile(r"^[-+]?([0-9][0-9_]*)?\.[0-9_]*([eE][-+][0-9]+)?$")


def _resolve_plain(s):
    if s in ("", "~", "null", "Null", "NULL"):
        return None
    if s in ("true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON"):
        return True
    if s in ("false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF"):
        return False
    if _INT_RE.match(s):
        return int(s.replace("_", ""))
    if _HEX_RE.match(s):
        return int(s.replace("_", ""), 16)
    if _OCT_RE.match(s) and len(s) > 1:
        return int(s.replace("_", "").replace("o", ""), 8)
    if _FLOAT_RE.match(s) and any(ch.isdigit() for ch in s):
        return float(s.replace("_", ""))
    if s in (".inf", ".Inf", ".INF", "+.inf"):
        return float("inf")
    if s in ("-.inf", "-.Inf", "-.INF"):
        return float("-inf")
    if s in (".nan", ".NaN", ".NAN"):
        return float("nan")
    return s


_ESCAPES = {"0": "\0", "a": "\a", "b": "\b", "t": "\t", "\t": "\t", "n": "\n", "v": "\v",
            "f": "\f", "r": "\r", "e": "\x1b", " ": " ", '"': '"', "/": "/", "\\": "\\",
            "N": "\x85", "_": "\xa0", "L": "\u2028", "P": "\u2029"}


def _strip_comment(line):
    """Removes a trailing comment (a '#' at line start or after whitespace, outside quotes)."""
    quote = None
    i = 0
    while i < len(line):
        c = line[i]
        if quote:
            if quote == '"' and c == "\\":
                i += 2
                continue
            if c == quote:
                if quote == "'" and i + 1 < len(line) and line[i + 1] == "'":
                    i += 2
                    continue
                quote = None
        elif c in ("'", '"'):
            # A quote starts a quoted scalar only at a token start.
            if i == 0 or line[i - 1] in " \t[{,:-?":
                quote = c
        elif c == "#" and (i == 0 or line[i - 1] in " \t"):
            return line[:i].rstrip()
        i += 1
    return line.rstrip()


class _Flow:
    """Parser for one flow / inline value (already comment-stripped, possibly multi-line joined)."""

    def __init__(self, text):
        self.s = text
        self.i = 0

    def ws(self):
        while self.i < len(self.s) and self.s[self.i] in " \t\n\r":
            self.i += 1

    def value(self, in_flow):
        self.ws()
        if self.i >= len(self.s):
            return None
        c = self.s[self.i]
        if c == "[":
            self.i += 1
            out = []
            while True:
                self.ws()
                if self.i >= len(self.s):
                    raise YamlError("unterminated flow sequence")
                if self.s[self.i] == "]":
                    self.i += 1
                    return out
                item = self.value(True)
                self.ws()
                # "[a: b]" single-pair mappings
                if self.i < len(self.s) and self.s[self.i] == ":":
                    self.i += 1
                    item = {item: self.value(True)}
                    self.ws()
                out.append(item)
                if self.i < len(self.s) and self.s[self.i] == ",":
                    self.i += 1
        if c == "{":
            self.i += 1
            out = {}
            while True:
                self.ws()
                if self.i >= len(self.s):
                    raise YamlError("unterminated flow mapping")
                if self.s[self.i] == "}":
                    self.i += 1
                    return out
                key = self.value(True)
                self.ws()
                val = None
                if self.i < len(self.s) and self.s[self.i] == ":":
                    self.i += 1
                    val = self.value(True)
                    self.ws()
                out[key] = val
                if self.i < len(self.s) and self.s[self.i] == ",":
                    self.i += 1
        if c == '"':
            return self.double()
        if c == "'":
            return self.single()
        return self.plain(in_flow)

    def double(self):
        self.i += 1
        out = []
        while True:
            if self.i >= len(self.s):
                raise YamlError("unterminated double-quoted scalar")
            c = self.s[self.i]
            if c == '"':
                self.i += 1
                return "".join(out)
            if c == "\\":
                n = self.s[self.i + 1]
                if n == "x":
                    out.append(chr(int(self.s[self.i + 2:self.i + 4], 16)))
                    self.i += 4
                    continue
                if n == "u":
                    out.append(chr(int(self.s[self.i + 2:self.i + 6], 16)))
                    self.i += 6
                    continue
                if n == "U":
                    out.append(chr(int(self.s[self.i + 2:self.i + 10], 16)))
                    self.i += 10
                    continue
                if n == "\n":
                    self.i += 2
                    while self.i < len(self.s) and self.s[self.i] in " \t":
                        self.i += 1
                    continue
                out.append(_ESCAPES.get(n, n))
                self.i += 2
                continue
            if c == "\n":
                # line folding inside a quoted scalar
                while out and out[-1] in " \t":
                    out.pop()
                j = self.i + 1
                blank = 0
                while j < len(self.s) and self.s[j] in " \t\n":
                    if self.s[j] == "\n":
                        blank += 1
                    j += 1
                out.append("\n" * blank if blank else " ")
                self.i = j
                continue
            out.append(c)
            self.i += 1

    def single(self):
        self.i += 1
        out = []
        while True:
            if self.i >= len(self.s):
                raise YamlError("unterminated single-quoted scalar")
            c = self.s[self.i]
            if c == "'":
                if self.i + 1 < len(self.s) and self.s[self.i + 1] == "'":
                    out.append("'")
                    self.i += 2
                    continue
                self.i += 1
                return "".join(out)
            if c == "\n":
                while out and out[-1] in " \t":
                    out.pop()
                j = self.i + 1
                while j < len(self.s) and self.s[j] in " \t":
                    j += 1
                out.append(" ")
                self.i = j
                continue
            out.append(c)
            self.i += 1

    def plain(self, in_flow):
        start = self.i
        while self.i < len(self.s):
            c = self.s[self.i]
            if in_flow and c in ",[]{}":
                break
            if c == ":" and (self.i + 1 >= len(self.s) or self.s[self.i + 1] in " \t\n,[]{}"):
                if in_flow:
                    break
            self.i += 1
        text = " ".join(part.strip() for part in self.s[start:self.i].split("\n")).strip()
        return _resolve_plain(text)


def _find_key_sep(text):
    """Index of the ': ' (or final ':') separating a block mapping key, or -1."""
    quote = None
    depth = 0
    i = 0
    if text[:1] in ("'", '"'):
        quote = text[0]
        i = 1
        while i < len(text):
            c = text[i]
            if quote == '"' and c == "\\":
                i += 2
                continue
            if c == quote:
                if quote == "'" and text[i + 1:i + 2] == "'":
                    i += 2
                    continue
                i += 1
                break
            i += 1
        rest = text[i:].lstrip()
        if rest.startswith(":") and (len(rest) == 1 or rest[1] in " \t"):
            return i + (len(text[i:]) - len(rest))
        return -1
    if text[:1] in "[{":
        return -1
    while i < len(text):
        c = text[i]
        if c == ":" and (i + 1 == len(text) or text[i + 1] in " \t"):
            return i
        i += 1
    return -1


class _Block:
    def __init__(self, raw_lines):
        # (indent, stripped text, raw line); blank/comment lines keep text == ""
        self.raw = raw_lines
        self.lines = []
        for r in raw_lines:
            t = _strip_comment(r.rstrip("\n"))
            s = t.lstrip(" ")
            self.lines.append([len(t) - len(s), s])
        self.i = 0

    def skip(self):
        while self.i < len(self.lines) and self.lines[self.i][1] == "":
            self.i += 1

    def cur(self):
        self.skip()
        return self.lines[self.i] if self.i < len(self.lines) else None

    @staticmethod
    def is_seq(text):
        return text == "-" or text.startswith("- ") or text.startswith("-\t")

    def node(self, min_indent):
        c = self.cur()
        if c is None or c[0] < min_indent:
            return None
        ind, text = c
        if self.is_seq(text):
            return self.seq(ind)
        if _find_key_sep(text) >= 0:
            return self.mapping(ind)
        return self.inline(ind - 1, text)

    def seq(self, ind):
        out = []
        while True:
            c = self.cur()
            if c is None or c[0] != ind or not self.is_seq(c[1]):
                return out
            rest = c[1][1:]
            stripped = rest.lstrip(" \t")
            if stripped == "":
                self.i += 1
                out.append(self.node(ind + 1))
            else:
                # Re-read the rest of the line as if it started a new line at its own column.
                col = ind + 1 + (len(rest) - len(stripped))
                self.lines[self.i] = [col, stripped]
                out.append(self.node(col))

    def mapping(self, ind):
        out = {}
        while True:
            c = self.cur()
            if c is None or c[0] != ind or self.is_seq(c[1]):
                return out
            text = c[1]
            sep = _find_key_sep(text)
            if sep < 0:
                raise YamlError("expected 'key: value' at line %d: %r" % (self.i + 1, text))
            key = _Flow(text[:sep].strip()).value(False)
            rest = text[sep + 1:].strip()
            line_no = self.i
            self.i += 1
            if rest == "":
                n = self.cur()
                if n is not None and (n[0] > ind or (n[0] == ind and self.is_seq(n[1]))):
                    out[key] = self.node(n[0])
                else:
                    out[key] = None
            elif rest[0] in "|>":
                out[key] = self.block_scalar(ind, rest, line_no)
            else:
                out[key] = self.inline(ind, rest)

    def inline(self, ind, text):
        """A scalar or flow value; continuation lines are those more indented than `ind`."""
        if self.i < len(self.lines) and self.lines[self.i][1] == text:
            self.i += 1
        parts = [text]
        opening = text[:1]
        if opening in "[{\"'":
            # keep appending lines until the value parses
            while True:
                try:
                    f = _Flow("\n".join(parts))
                    v = f.value(False)
                    f.ws()
                    return v
                except (YamlError, IndexError):
                    if self.i >= len(self.lines):
                        raise YamlError("unterminated value: %r" % text)
                    parts.append(self.raw[self.i].rstrip("\n").strip()
                                 if opening in "\"'" else self.lines[self.i][1])
                    self.i += 1
        while True:
            c = self.cur()
            if c is None or c[0] <= ind or self.is_seq(c[1]) and c[0] <= ind + 1 \
                    or _find_key_sep(c[1]) >= 0:
                break
            parts.append(c[1])
            self.i += 1
        return _Flow("\n".join(parts)).value(False)

    def block_scalar(self, ind, header, line_no):
        style = header[0]
        chomp = "clip"
        explicit = None
        for ch in header[1:].strip():
            if ch == "-":
                chomp = "strip"
            elif ch == "+":
                chomp = "keep"
            elif ch.isdigit():
                explicit = int(ch)
        body = []
        block_indent = None
        while self.i < len(self.raw):
            raw = self.raw[self.i].rstrip("\n")
            if raw.strip() == "":
                body.append("")
                self.i += 1
                continue
            n = len(raw) - len(raw.lstrip(" "))
            if block_indent is None:
                block_indent = ind + explicit if explicit else n
                if block_indent <= ind:
                    break
            if n < block_indent:
                break
            body.append(raw[block_indent:])
            self.i += 1
        # trailing blank lines belong to chomping
        trailing = 0
        while body and body[-1] == "":
            body.pop()
            trailing += 1
        if style == "|":
            text = "\n".join(body)
        else:
            text = ""
            prev_more = False
            for k, line in enumerate(body):
                more = line.startswith(" ") or line == ""
                if k == 0:
                    text = line
                elif line == "":
                    text += "\n"
                elif more or prev_more or text.endswith("\n"):
                    text += ("\n" if not text.endswith("\n") else "") + line
                else:
                    text += " " + line
                prev_more = line.startswith(" ")
        if not body:
            return "" if chomp != "keep" else "\n" * trailing
        if chomp == "strip":
            return text
        if chomp == "keep":
            return text + "\n" + "\n" * trailing
        return text + "\n"


def split_documents(text):
    """Splits a YAML stream into document texts (on `---` lines)."""
    docs = []
    cur = []
    for line in text.splitlines(keepends=True):
        if line.startswith("---") and line[3:].strip() == "" or line.startswith("--- "):
            docs.append("".join(cur))
            cur = [line[4:]] if line.startswith("--- ") and line[4:].strip() else []
            continue
        if line.rstrip() == "...":
            continue
        cur.append(line)
    docs.append("".join(cur))
    return docs


def load(text):
    b = _Block(text.splitlines(keepends=True))
    v = b.node(0)
    if b.cur() is not None:
        raise YamlError("unexpected content at line %d: %r" % (b.i + 1, b.lines[b.i][1]))
    return v


def load_all(text):
    out = []
    for doc in split_documents(text):
        v = load(doc)
        if v is not None:
            out.append(v)
    return out
