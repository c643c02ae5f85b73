"""A small HTML tree with each element's offsets in the decoded text, for readers of exported
HTML pages (Messenger/Instagram, Google Voice): the record's exact bytes are the text between
an element's start and end. Built on the stdlib parser; nothing is fetched or run.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser

#: Elements that never have an end tag.
VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                  "source", "track", "wbr"})


@dataclass(eq=False)
class Node:
    tag: str
    attrs: dict[str, str]
    start: int
    end: int = -1
    ordinal: int = 0                 # n-th div of the document (1-based), for locators
    children: list = field(default_factory=list)   # Node or str

    @property
    def elements(self) -> list[Node]:
        return [c for c in self.children if isinstance(c, Node)]

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())


class Tree(HTMLParser):
    """Builds ``Node``s with their offsets; ``title`` is the page's ``<title>`` text."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.text = text
        self.lines = [0] + [m.end() for m in re.finditer("\n", text)]
        self.root = Node("#root", {}, 0)
        self.stack = [self.root]
        self.open: dict[str, int] = {}   # open elements by tag: a stray end tag costs O(1)
        self.divs = 0
        self.title = ""

    def _offset(self) -> int:
        line, col = self.getpos()
        return self.lines[line - 1] + col

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs}, self._offset())
        if tag == "div":
            self.divs += 1
            node.ordinal = self.divs
        self.stack[-1].children.append(node)
        if tag in VOID:
            node.end = node.start + len(self.get_starttag_text() or "")
        else:
            self.stack.append(node)
            self.open[tag] = self.open.get(tag, 0) + 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            node = self.stack.pop()
            self.open[tag] -= 1
            node.end = node.start + len(self.get_starttag_text() or "")

    def handle_endtag(self, tag: str) -> None:
        if not self.open.get(tag):
            return                    # a stray end tag: browsers ignore it too
        close = self.text.find(">", self._offset())
        end = len(self.text) if close < 0 else close + 1
        while len(self.stack) > 1:
            node = self.stack.pop()
            node.end = end
            self.open[node.tag] -= 1
            if node.tag == tag:
                return

    def handle_data(self, data: str) -> None:
        if self.stack[-1].tag == "title":
            self.title += data
        self.stack[-1].children.append(data)

    def finish(self) -> Node:
        self.close()
        for node in self.stack[1:]:
            node.end = len(self.text)
        return self.root


def walk(node: Node) -> Iterator[Node]:
    """Every element below ``node`` in document order (no recursion: deep pages are data)."""
    todo = list(reversed(node.elements))
    while todo:
        n = todo.pop()
        yield n
        todo.extend(reversed(n.elements))
