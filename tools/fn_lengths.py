#!/usr/bin/env python3
"""Lines per Rust function, by brace matching.

Counts each `fn` from the line of its `fn` keyword to the line of the brace
that closes its body (attributes and doc comments not counted; a nested fn
counts inside its outer one too). Comments, strings and char literals are
blanked first, so braces in them do not count.

    tools/fn_lengths.py                  # the library: src/ without src/bin and
                                         # the generated src/tensorboard/proto
    tools/fn_lengths.py --over 60 src/record
    tools/fn_lengths.py --max 100 --max-over-80 2   # exit 1 when over the goal

Prints the functions over --over lines (default 80), longest first, then how
many exceed 80 and 100. `--tests` also counts functions inside `#[cfg(test)]`
modules (left out by default: they are not the library's).
"""

import argparse
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
DEFAULT_EXCLUDE = ("src/bin", "src/tensorboard/proto")


def blank(src: str) -> str:
    """`src` with comments, strings and char literals replaced by spaces
    (newlines kept, so line numbers stay)."""
    out = []
    i, n = 0, len(src)

    def skip_to(j):
        # Blank src[i:j], keeping newlines.
        out.append("".join(c if c == "\n" else " " for c in src[i:j]))
        return j

    while i < n:
        c = src[i]
        if src.startswith("//", i):
            j = src.find("\n", i)
            i = skip_to(n if j < 0 else j)
        elif src.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if src.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif src.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            i = skip_to(j)
        elif m := re.compile(r'b?r(#*)"').match(src, i):
            if i > 0 and (src[i - 1].isalnum() or src[i - 1] == "_"):
                out.append(c)
                i += 1
                continue
            end = src.find('"' + m.group(1), m.end())
            i = skip_to(n if end < 0 else end + 1 + len(m.group(1)))
        elif c == '"' or (c == "b" and src.startswith('b"', i)):
            if c == "b" and i > 0 and (src[i - 1].isalnum() or src[i - 1] == "_"):
                out.append(c)
                i += 1
                continue
            j = i + (2 if c == "b" else 1)
            while j < n and src[j] != '"':
                j += 2 if src[j] == "\\" else 1
            i = skip_to(j + 1)
        elif c == "'":
            # A char literal ('x', '\n', '\u{1F600}', b'x') or a lifetime ('a).
            if i + 1 < n and src[i + 1] == "\\":
                j = src.find("'", i + 2)
                i = skip_to(j + 1)
            elif i + 2 < n and src[i + 2] == "'":
                i = skip_to(i + 3)
            else:
                out.append(c)
                i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


FN = re.compile(r"\bfn\s+([A-Za-z_][A-Za-z0-9_]*)")
TEST_MOD = re.compile(r"#\[cfg\(test\)\]\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+\w+\s*\{")


def matching(text: str, open_at: int) -> int:
    """The index of the brace closing the one at `open_at`."""
    depth = 0
    for j in range(open_at, len(text)):
        if text[j] == "{":
            depth += 1
        elif text[j] == "}":
            depth -= 1
            if depth == 0:
                return j
    return len(text) - 1


def functions(path: pathlib.Path, tests: bool):
    """(name, first line, lines) of each fn with a body in `path`."""
    text = blank(path.read_text())
    skip = []
    if not tests:
        for m in TEST_MOD.finditer(text):
            skip.append((m.start(), matching(text, m.end() - 1)))
    for m in FN.finditer(text):
        if any(a <= m.start() <= b for a, b in skip):
            continue
        # The body's brace: the first `{` outside parentheses and brackets;
        # a `;` first means a declaration without a body.
        depth, j = 0, m.end()
        while j < len(text):
            ch = text[j]
            if ch in "([":
                depth += 1
            elif ch in ")]":
                depth -= 1
            elif depth == 0 and ch in "{;":
                break
            j += 1
        if j >= len(text) or text[j] == ";":
            continue
        end = matching(text, j)
        first = text.count("\n", 0, m.start()) + 1
        last = text.count("\n", 0, end) + 1
        yield m.group(1), first, last - first + 1


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("paths", nargs="*", help="files or folders (default: src/)")
    ap.add_argument("--over", type=int, default=80, help="list functions longer than this")
    ap.add_argument("--tests", action="store_true", help="count #[cfg(test)] modules too")
    ap.add_argument("--max", type=int, help="fail when a function is longer")
    ap.add_argument("--max-over-80", type=int, help="fail when more functions exceed 80 lines")
    args = ap.parse_args()
    paths = [pathlib.Path(p) for p in args.paths] or [ROOT / "src"]
    excluded = [] if args.paths else [ROOT / e for e in DEFAULT_EXCLUDE]
    files = []
    for p in paths:
        files += sorted(p.rglob("*.rs")) if p.is_dir() else [p]
    found = []
    for f in files:
        if any(f.resolve().is_relative_to(e) for e in excluded):
            continue
        for name, line, length in functions(f, args.tests):
            found.append((length, f"{f.resolve().relative_to(ROOT)}:{line}", name))
    found.sort(key=lambda x: (-x[0], x[1]))
    for length, where, name in found:
        if length > args.over:
            print(f"{length:5}  {where}  {name}")
    over80 = sum(1 for x in found if x[0] > 80)
    over100 = sum(1 for x in found if x[0] > 100)
    print(f"{len(found)} functions in {len(files)} files; {over80} over 80 lines, {over100} over 100")
    failed = (args.max is not None and found and found[0][0] > args.max) or (
        args.max_over_80 is not None and over80 > args.max_over_80
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
