"""How a long command is shown: broken between its words, with the shell's ``\\`` continuations.

A form fills a one-line template, and a recipe builds some commands from values (an etcd key, a
certificate path), so the line the executor prints can be 300 columns long; a notebook's output
area then breaks it wherever the width ends, in the middle of a path. :func:`wrap_command`
breaks it between words, an option kept with its value and never inside a quoted word, with ``\\`` at
each line's end, so that the text still pastes into a shell as the same command.
"""

from __future__ import annotations

WIDTH = 100
"""Columns a shown command may take, the ``$ `` prompt and the trailing `` \\`` included."""

INDENT = "    "


def words(line: str) -> list[str] | None:
    """``line`` split at the spaces a shell splits at, each word as written (quotes kept); None if a quote is left open."""
    found: list[str] = []
    current = ""
    quote = ""
    escaped = False
    for char in line:
        if escaped:
            current, escaped = current + char, False
        elif char == "\\" and quote != "'":
            current, escaped = current + char, True
        elif quote:
            current += char
            quote = "" if char == quote else quote
        elif char in "'\"":
            current, quote = current + char, char
        elif char.isspace():
            if current:
                found.append(current)
            current = ""
        else:
            current += char
    if quote or escaped:
        return None
    return [*found, current] if current else found


def wrap_command(line: str, width: int = WIDTH) -> str:
    """``line`` as it is when it fits in ``width`` columns after ``$ `` (or already spans lines), else broken
    between words with `` \\`` continuations and indented follow-on lines.

    An option stays with the word after it (``-p 127.0.0.1::80``, ``-o FILE``); a word or pair
    longer than a line gets a line of its own.
    """
    if "\n" in line or len(line) + 2 <= width:
        return line
    split = words(line)
    if split is None:
        return line
    groups: list[str] = []
    for word in split:
        if groups and _takes_value(groups[-1]) and not word.startswith("-"):
            groups[-1] += f" {word}"  # an option and its value stay on one line
        else:
            groups.append(word)
    rows = [groups[0]]
    for group in groups[1:]:
        room = width - len(" \\") - (len("$ ") if len(rows) == 1 else len(INDENT))
        if len(rows[-1]) + 1 + len(group) <= room:
            rows[-1] += f" {group}"
        else:
            rows.append(group)
    return " \\\n".join([rows[0], *(INDENT + row for row in rows[1:])])


def _takes_value(word: str) -> bool:
    """Whether ``word`` is a lone option that may take the next word as its value (``-p``, not ``--rm=x`` or ``-p X``)."""
    return word.startswith("-") and len(word) > 1 and "=" not in word and " " not in word
