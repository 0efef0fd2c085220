"""A griffe extension (mkdocs.yml, `extensions:` of mkdocstrings) that adapts the library docstrings to Markdown.

The docstrings are written to be read in a terminal and run as doctests: `>>>` sessions and a few Sphinx roles
(`:class:`Accuracy``). Markdown would read `>>>` as three nested quotes and show the roles verbatim, so each
session is fenced as a `pycon` block and each role becomes a code span. Arguments described together
(`output_transform, device: as in Metric.`) are split into one item per name, which griffe's Google-style parser
needs to match them with the signature. The source files are not changed.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

__all__ = ["DocstringMarkup", "markdown_docstring", "split_joined_arguments"]

_ROLE = re.compile(r":(?:class|func|meth|attr|data|mod|exc|obj|ref):`(~?)([^`]+)`")
_PROMPT = re.compile(r"^(\s*)>>> ")
_FENCE = re.compile(r"^\s*(```|~~~)")
_ARGS_SECTION = re.compile(
    r"^(\s*)(Args|Arguments|Parameters|Params|Keyword Args|Keyword Arguments|Other Parameters):\s*$"
)
_JOINED_ITEM = re.compile(r"^(\s+)(\*{0,2}\w+(?:\s*,\s*\*{0,2}\w+)+)((?:\s*\([^)]*\))?:.*)$")


def _code_span(role: re.Match[str]) -> str:
    # As in Sphinx, a leading `~` shows only the last component of the dotted name.
    target = role.group(2).rsplit(".", 1)[-1] if role.group(1) else role.group(2)
    return f"`{target}`"


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def split_joined_arguments(text: str) -> str:
    """Give each name of an item like `a, b: text` of an Args section an item of its own with the same text.

    >>> print(split_joined_arguments("Args:\\n    x, y: coordinates,\\n        in pixels.\\n    z: depth."))
    Args:
        x: coordinates,
            in pixels.
        y: coordinates,
            in pixels.
        z: depth.
    """
    lines = text.splitlines()
    out: list[str] = []
    section_indent: int | None = None
    i = 0
    while i < len(lines):
        line = lines[i]
        header = _ARGS_SECTION.match(line)
        if header is not None:
            section_indent = len(header.group(1))
            out.append(line)
            i += 1
            continue
        indent = _indent(line)
        if section_indent is not None and line.strip() and indent <= section_indent:
            section_indent = None
        item = _JOINED_ITEM.match(line) if section_indent is not None else None
        if item is None:
            out.append(line)
            i += 1
            continue
        body = [item.group(3)]
        i += 1
        # The item's text runs on over deeper-indented lines, blank lines included when more text follows.
        while i < len(lines):
            following = i
            while following < len(lines) and not lines[following].strip():
                following += 1
            if following == len(lines) or _indent(lines[following]) <= indent:
                break
            body.extend(lines[i : following + 1])
            i = following + 1
        for name in (part.strip() for part in item.group(2).split(",")):
            out.append(f"{item.group(1)}{name}{body[0]}")
            out.extend(body[1:])
    return "\n".join(out)


def markdown_docstring(text: str) -> str:
    """Fence each `>>>` session (its prompts, continuations and output, up to a blank line) as `pycon` and turn
    Sphinx roles into code spans; lines inside an existing fenced block are left alone.

    >>> markdown_docstring("See :class:`~ignite.metrics.Accuracy`.\\n>>> 1 + 1\\n2").splitlines()
    ['See `Accuracy`.', '```pycon', '>>> 1 + 1', '2', '```']
    """
    out: list[str] = []
    lines = text.splitlines()
    fenced = False
    i = 0
    while i < len(lines):
        line = lines[i]
        if _FENCE.match(line):
            fenced = not fenced
        prompt = None if fenced else _PROMPT.match(line)
        if prompt is None:
            out.append(line if fenced else _ROLE.sub(_code_span, line))
            i += 1
            continue
        indent = prompt.group(1)
        out.append(f"{indent}```pycon")
        while i < len(lines) and lines[i].strip():
            out.append(lines[i])
            i += 1
        out.append(f"{indent}```")
    return "\n".join(out)


class DocstringMarkup(griffe.Extension):
    """Rewrite each docstring with `markdown_docstring` as griffe visits the sources (before it is parsed)."""

    def on_instance(self, *, node: Any, obj: griffe.Object, agent: Any, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = markdown_docstring(split_joined_arguments(obj.docstring.value))
