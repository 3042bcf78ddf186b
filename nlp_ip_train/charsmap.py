"""A SentencePiece ``precompiled_charsmap`` built from a per-character mapping.

SentencePiece (and the ``tokenizers`` ``Precompiled`` normalizer that mirrors it)
stores its normalisation table as a blob: a little-endian ``uint32`` byte size
of a darts-clone double-array trie, the trie's ``uint32`` units, then the
replacement strings, each ending in NUL. The trie maps the UTF-8 bytes of a
source string to the offset of its replacement.

Unit layout read by the lookup (one ``uint32`` per slot):

* internal unit: bits 0-7 label byte, bit 8 "a key ends here", bit 9 offset
  shifted by 8, bits 10-30 offset; bit 31 clear.
* leaf unit: bit 31 set, bits 0-30 the value (here: offset of the replacement).

From a node at position ``p`` whose unit holds offset ``o``, the child with
label ``c`` sits at ``p ^ o ^ c``; the leaf sits at ``p ^ o`` (label 0).
"""

from __future__ import annotations

import struct
from collections import deque
from collections.abc import Mapping

_LEAF_BIT = 1 << 31
_HAS_LEAF_BIT = 1 << 8
#: Offsets below this fit the unit directly (bits 10-30); the trie stays far smaller.
_MAX_DIRECT_OFFSET = 1 << 21
#: How far back from the end of the array a free base is looked for.
_SEARCH_WINDOW = 1024


class _Node:
    __slots__ = ("children", "value")

    def __init__(self) -> None:
        self.children: dict[int, _Node] = {}
        self.value: int | None = None


def _build_trie(keys: Mapping[bytes, int]) -> _Node:
    root = _Node()
    for key, value in keys.items():
        if not key or 0 in key:
            raise ValueError(f"charsmap keys must be non-empty and free of NUL bytes; got {key!r}")
        node = root
        for byte in key:
            node = node.children.setdefault(byte, _Node())
        node.value = value
    return root


class _DoubleArray:
    """Places trie nodes in a flat array so that every node has a base of its own."""

    def __init__(self) -> None:
        self.units: list[int] = [0]          # slot 0 is the root
        self.used = [True]
        self.bases: set[int] = set()

    def _grow(self, size: int) -> None:
        if size > len(self.units):
            extra = size - len(self.units)
            self.units.extend([0] * extra)
            self.used.extend([False] * extra)

    def used_at(self, slot: int) -> bool:
        return slot < len(self.used) and self.used[slot]

    def _fits(self, base: int, labels: list[int]) -> bool:
        if base in self.bases:
            return False
        for label in labels:
            slot = base ^ label
            if slot < len(self.used) and self.used[slot]:
                return False
        return True

    def find_base(self, labels: list[int]) -> int:
        """An unused base whose slots ``base ^ label`` are all free.

        The search starts near the end of the array (holes further back rarely
        fit a node), which keeps building linear at the cost of a few empty slots.
        """
        slot = max(1, len(self.used) - _SEARCH_WINDOW)
        while True:
            base = slot ^ labels[0]
            if not self.used_at(slot) and base > 0 and self._fits(base, labels):
                return base
            slot += 1

    def claim(self, base: int, labels: list[int]) -> None:
        self.bases.add(base)
        self._grow(max(base ^ label for label in labels) + 1)
        for label in labels:
            self.used[base ^ label] = True


def _encode_offset(offset: int) -> int:
    if offset >= _MAX_DIRECT_OFFSET:
        raise ValueError(f"double-array offset {offset} does not fit a unit; the table is "
                         "too large for this builder")
    return offset << 10


def compile_charsmap(mapping: Mapping[str, str]) -> bytes:
    """The ``precompiled_charsmap`` blob that rewrites each key of ``mapping`` to its value.

    Keys are matched on their UTF-8 bytes; a value may be empty (the key is
    deleted). The result is deterministic: same mapping, same bytes.
    """
    normalized = bytearray()
    value_offset: dict[str, int] = {}
    keys: dict[bytes, int] = {}
    for source in sorted(mapping):
        target = mapping[source]
        if "\0" in target:
            raise ValueError(f"charsmap replacement for {source!r} contains NUL")
        if target not in value_offset:
            value_offset[target] = len(normalized)
            normalized += target.encode("utf-8") + b"\0"
        keys[source.encode("utf-8")] = value_offset[target]

    trie = _build_trie(keys)
    array = _DoubleArray()
    pending: deque[tuple[_Node, int]] = deque([(trie, 0)])   # (node, its slot)
    while pending:
        node, slot = pending.popleft()
        labels = ([0] if node.value is not None else []) + sorted(node.children)
        if not labels:
            continue
        base = array.find_base(labels)
        array.claim(base, labels)
        label_bits = array.units[slot] & 0xFF if slot else 0
        has_leaf = _HAS_LEAF_BIT if node.value is not None else 0
        array.units[slot] = label_bits | has_leaf | _encode_offset(slot ^ base)
        if node.value is not None:
            array.units[base] = _LEAF_BIT | node.value
        for label in sorted(node.children):
            array.units[base ^ label] = label
            pending.append((node.children[label], base ^ label))

    trie_bytes = struct.pack(f"<{len(array.units)}I", *array.units)
    return struct.pack("<I", len(trie_bytes)) + trie_bytes + bytes(normalized)
