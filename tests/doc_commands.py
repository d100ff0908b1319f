"""The commands and configuration blocks the documentation gives, as tests run them: a doc's
recipe is exactly what a test proved."""

from __future__ import annotations

import re


def code_blocks(text: str) -> list[str]:
    """The bodies of the fenced code blocks of a Markdown text."""
    return re.findall(r"^```[a-z]*\n(.*?)^```", text, re.S | re.M)


def documented_commands(text: str, programs: tuple[str, ...]) -> list[str]:
    """Command lines of `programs` in the fenced blocks and `inline code` of a Markdown text
    (continuation lines joined, trailing `  # comments` dropped)."""
    commands: list[str] = []
    for block in code_blocks(text):
        for line in block.replace("\\\n", " ").splitlines():
            line = line.split("  #")[0].strip()
            if line.split(" ", 1)[0] in programs:
                commands.append(line)
    for inline in re.findall(r"`([^`\n]+)`", text):
        if inline.split(" ", 1)[0] in programs and " " in inline:
            commands.append(inline)
    return commands
