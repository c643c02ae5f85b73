"""A small writer of Unicode Outlook .pst files, from the public [MS-PST] specification.

No library on PyPI writes PST (libpff and the pure-Python readers only read), so the sample
file, the hostile corpus and the benchmark's 2 GB store are written by this module. It writes
what a reader needs and nothing it does not: the header (with both CRCs), allocation maps
(AMap pages), the node and block B-trees (NBT, BBT), data blocks and XBLOCKs, subnode
SLBLOCKs, heaps on nodes with property contexts (PC) and table contexts (TC): the message store,
the name-to-id map, the root folder, folders with hierarchy, contents and associated-contents
tables, messages with recipient and attachment tables and attachments. Not written: the
deprecated PMap/FMap/FPMap pages, the DList, search folders, the table templates and the
contents-table columns Outlook caches for its views (a reader takes every property from the
message itself). Uncompressed (``bCryptMethod`` 0), 512-byte pages, 8 KiB blocks.

    write_pst(path, [Folder("Inbox", [Mail(subject="hi", ...)])])

A store is written front to back in one pass, so a file of any size needs memory only for the
B-tree entries (~60 bytes per node and block).
"""

from __future__ import annotations

import datetime as dt
import struct
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

PAGE = 512
BLOCK_MAX = 8176            # data bytes in one block (8192 less the 16-byte trailer)
AMAP_FIRST = 0x4400
AMAP_SPAN = 0x3E000         # bytes one AMap page maps (496 bytes x 8 bits x 64 bytes)
HEAP_VALUE_MAX = 512        # larger property values go to subnodes (the spec allows 3580)

# NID types
NT_HID, NT_INTERNAL, NT_FOLDER, NT_MESSAGE, NT_ATTACHMENT = 0x00, 0x01, 0x02, 0x04, 0x05
NT_HIERARCHY, NT_CONTENTS, NT_ASSOC, NT_LTP = 0x0D, 0x0E, 0x0F, 0x1F
NID_STORE, NID_NAMEID, NID_ROOT = 0x21, 0x61, 0x122
NID_ATTACH_TABLE, NID_RECIP_TABLE = 0x671, 0x692

# property types
PT_I2, PT_I4, PT_BOOL, PT_I8, PT_TIME = 0x0002, 0x0003, 0x000B, 0x0014, 0x0040
PT_STRING8, PT_UNICODE, PT_BINARY = 0x001E, 0x001F, 0x0102
_FIXED = {PT_I2: 2, PT_I4: 4, PT_BOOL: 1, PT_I8: 8, PT_TIME: 8}


def crc(data: bytes) -> int:
    """[MS-PST] 5.3: the CRC-32 table of zlib, started at 0 and not inverted at the end."""
    return zlib.crc32(data, 0xFFFFFFFF) ^ 0xFFFFFFFF


def sig(ib: int, bid: int) -> int:
    """[MS-PST] 5.5 ComputeSig."""
    x = (ib ^ bid) & 0xFFFFFFFF
    return ((x >> 16) ^ x) & 0xFFFF


def filetime(when: dt.datetime) -> int:
    return int((when - dt.datetime(1601, 1, 1, tzinfo=dt.UTC)).total_seconds() * 10**7)


# --------------------------------------------------------------------------- what to write

@dataclass
class Attachment:
    name: str
    data: bytes
    mime: str = "application/octet-stream"


@dataclass
class Mail:
    subject: str = ""
    body: str | None = ""
    sender_name: str = ""
    sender_email: str = ""
    to: list[tuple[str, str]] = field(default_factory=list)       # (name, address)
    cc: list[tuple[str, str]] = field(default_factory=list)
    submitted: dt.datetime | None = None
    delivered: dt.datetime | None = None
    headers: str | None = None
    html: bytes | None = None
    message_id: str = ""
    message_class: str = "IPM.Note"
    attachments: list[Attachment] = field(default_factory=list)
    extra: dict[int, tuple[int, object]] = field(default_factory=dict)   # tag -> (type, value)


@dataclass
class Folder:
    name: str
    mails: Iterable[Mail] = ()
    folders: list[Folder] = field(default_factory=list)
    count: int | None = None        # number of mails, when ``mails`` is a generator
    unlisted: list[Mail] = field(default_factory=list)   # filed under it, not in its table


# --------------------------------------------------------------------------- nodes in memory

@dataclass
class _Node:
    """A node's data and its subnodes (each a node again), before they are placed in the file."""

    nid: int
    data: bytes
    subs: list[_Node] = field(default_factory=list)
    chunk: int = BLOCK_MAX           # a table's rows may not straddle blocks: rows per block


class _Heap:
    """A heap on node ([MS-PST] 2.3.1), one block: allocations addressed by HID."""

    def __init__(self, client_sig: int) -> None:
        self.client_sig = client_sig
        self.allocs: list[bytes] = []

    def add(self, data: bytes) -> int:
        self.allocs.append(data)
        return len(self.allocs) << 5            # hidIndex (1-based) << 5, block 0

    def bytes(self, user_root: int) -> bytes:
        body = b"".join(self.allocs)
        start = 12
        offsets = [start]
        for a in self.allocs:
            offsets.append(offsets[-1] + len(a))
        ib_map = start + len(body)
        pad = ib_map % 2
        ib_map += pad
        head = struct.pack("<HBBII", ib_map, 0xEC, self.client_sig, user_root, 0)
        pagemap = struct.pack("<HH", len(self.allocs), 0) + struct.pack(
            f"<{len(offsets)}H", *offsets)
        out = head + body + b"\0" * pad + pagemap
        if len(out) > BLOCK_MAX:
            raise ValueError("heap over one block: put larger values in subnodes")
        return out


class _Subs:
    """Hands out subnode ids of one node."""

    def __init__(self) -> None:
        self.index = 1
        self.nodes: list[_Node] = []

    def add(self, data: bytes, nid_type: int = NT_LTP, *, subs: list[_Node] | None = None,
            chunk: int = BLOCK_MAX, nid: int | None = None) -> int:
        if nid is None:
            nid = (self.index << 5) | nid_type
            self.index += 1
        self.nodes.append(_Node(nid, data, subs or [], chunk))
        return nid


def _value_bytes(ptype: int, value: object) -> bytes:
    if ptype == PT_UNICODE:
        return str(value).encode("utf-16-le", "surrogatepass")
    if ptype == PT_STRING8:
        return value if isinstance(value, bytes) else str(value).encode("cp1252")
    if ptype == PT_BINARY:
        return bytes(value)
    if ptype == PT_TIME:
        v = filetime(value) if isinstance(value, dt.datetime) else int(value)
        return struct.pack("<Q", v)
    if ptype == PT_I8:
        return struct.pack("<q", int(value))
    if ptype == PT_I4:
        return struct.pack("<I", int(value) & 0xFFFFFFFF)
    if ptype == PT_I2:
        return struct.pack("<H", int(value) & 0xFFFF)
    if ptype == PT_BOOL:
        return b"\x01" if value else b"\x00"
    raise ValueError(f"property type {ptype:#x} not written")


def _hnid(heap: _Heap, subs: _Subs, data: bytes) -> int:
    """Where a variable-size value goes: the heap when small, else a subnode."""
    return heap.add(data) if len(data) <= HEAP_VALUE_MAX else subs.add(data)


def property_context(props: dict[int, tuple[int, object]], subs: _Subs) -> bytes:
    """A PC ([MS-PST] 2.3.3): a BTH of (property id -> type, value or HNID)."""
    heap = _Heap(0xBC)
    records = []
    for pid in sorted(props):
        ptype, value = props[pid]
        data = _value_bytes(ptype, value)
        if ptype in (PT_I2, PT_I4, PT_BOOL):
            ref = struct.unpack("<I", data.ljust(4, b"\0"))[0]
        else:
            ref = _hnid(heap, subs, data)
        records.append(struct.pack("<HHI", pid, ptype, ref))
    leaf = heap.add(b"".join(records))
    header = heap.add(struct.pack("<BBBBI", 0xB5, 2, 6, 0, leaf))
    return heap.bytes(header)


def table_context(columns: list[tuple[int, int]], rows: list[dict[int, object]],
                  subs: _Subs) -> tuple[bytes, int]:
    """A TC ([MS-PST] 2.3.4); columns (property id, type) beside the row id and version.

    Rows give ``{property id: value}`` and must carry 0x67F2 (PidTagLtpRowId). Returns the
    heap bytes and the rows per block of its row matrix (when it goes to a subnode).
    """
    heap = _Heap(0x7C)
    cols = [(0x67F2, PT_I4), (0x67F3, PT_I4)] + [c for c in columns
                                                  if c[0] not in (0x67F2, 0x67F3)]
    width = {c: (_FIXED.get(c[1], 4)) for c in cols}
    order = sorted(cols[2:], key=lambda c: -width[c])
    placed: dict[tuple[int, int], tuple[int, int]] = {}
    ib = 8
    placed[cols[0]], placed[cols[1]] = (0, 0), (4, 1)
    ends = {}
    for size in (8, 4, 2, 1):
        for c in (c for c in order if width[c] == size):
            placed[c] = (ib, 0)
            ib += size
        ends[size] = ib
    for bit, c in enumerate(cols[2:], start=2):
        placed[c] = (placed[c][0], bit)
    ceb = (len(cols) + 7) // 8
    row_size = ends[1] + ceb
    matrix = bytearray()
    for row in rows:
        cell = bytearray(row_size)
        bits = bytearray(ceb)
        for c in cols:
            pid, ptype = c
            if pid not in row:
                continue
            at, bit = placed[c]
            data = _value_bytes(ptype, row[pid])
            if ptype in _FIXED:
                cell[at:at + width[c]] = data[:width[c]].ljust(width[c], b"\0")
            else:
                cell[at:at + 4] = struct.pack("<I", _hnid(heap, subs, data))
            bits[bit // 8] |= 0x80 >> (bit % 8)
        cell[ends[1]:] = bits
        matrix += cell
    index = b"".join(struct.pack("<II", r[0x67F2], i) for i, r in
                     sorted(enumerate(rows), key=lambda t: t[1][0x67F2]))
    per_block = BLOCK_MAX // row_size
    if not rows:
        hid_rows, hid_index_leaf = 0, 0
    else:
        if len(index) > 3580:
            raise ValueError("more rows than one row-index leaf holds (447): split the folder")
        hid_index_leaf = heap.add(index)
        if len(matrix) <= HEAP_VALUE_MAX:
            hid_rows = heap.add(bytes(matrix))
        else:
            hid_rows = subs.add(bytes(matrix), chunk=per_block * row_size)
    row_index = heap.add(struct.pack("<BBBBI", 0xB5, 4, 4, 0, hid_index_leaf))
    descs = b"".join(struct.pack("<IHBB", (pid << 16) | ptype, placed[(pid, ptype)][0],
                                 width[(pid, ptype)], placed[(pid, ptype)][1])
                     for pid, ptype in sorted(cols, key=lambda c: (c[0] << 16) | c[1]))
    info = struct.pack("<BB4HIII", 0x7C, len(cols), ends[4], ends[2], ends[1], row_size,
                       row_index, hid_rows, 0) + descs
    return heap.bytes(heap.add(info)), per_block * row_size


# --------------------------------------------------------------------------- objects -> nodes

_HIER_COLS = [(0x3001, PT_UNICODE), (0x3602, PT_I4), (0x3603, PT_I4), (0x360A, PT_BOOL)]
_CONTENT_COLS = [(0x0E07, PT_I4), (0x0E08, PT_I4), (0x0039, PT_TIME), (0x0E06, PT_TIME)]
_RECIP_COLS = [(0x0C15, PT_I4), (0x3001, PT_UNICODE), (0x3002, PT_UNICODE),
               (0x3003, PT_UNICODE), (0x39FE, PT_UNICODE)]
_ATTACH_COLS = [(0x0E20, PT_I4), (0x3705, PT_I4), (0x3707, PT_UNICODE)]


def _mail_props(m: Mail) -> dict[int, tuple[int, object]]:
    p: dict[int, tuple[int, object]] = {
        0x001A: (PT_UNICODE, m.message_class), 0x0037: (PT_UNICODE, m.subject),
        0x0E07: (PT_I4, 1), 0x0E1B: (PT_BOOL, bool(m.attachments)),
    }
    for pid, value in ((0x0C1A, m.sender_name), (0x0042, m.sender_name),
                       (0x0C1F, m.sender_email), (0x0065, m.sender_email),
                       (0x1035, m.message_id)):
        if value:
            p[pid] = (PT_UNICODE, value)
    if m.sender_email:
        p[0x0C1E] = p[0x0064] = (PT_UNICODE, "SMTP")
        p[0x5D01] = (PT_UNICODE, m.sender_email)
    if m.body is not None:
        p[0x1000] = (PT_UNICODE, m.body)
    if m.headers is not None:
        p[0x007D] = (PT_UNICODE, m.headers)
    if m.html is not None:
        p[0x1013] = (PT_BINARY, m.html)
    if m.submitted:
        p[0x0039] = (PT_TIME, m.submitted)
    if m.delivered:
        p[0x0E06] = (PT_TIME, m.delivered)
    for pid, (names, _) in ((0x0E04, (m.to, 1)), (0x0E03, (m.cc, 2))):
        if names:
            p[pid] = (PT_UNICODE, "; ".join(n for n, _ in names))
    p.update(m.extra)
    return p


def _mail_node(nid: int, m: Mail) -> _Node:
    subs = _Subs()
    recips = [(1, n, a) for n, a in m.to] + [(2, n, a) for n, a in m.cc]
    rows = [{0x67F2: i, 0x67F3: 0, 0x0C15: kind, 0x3001: name, 0x3002: "SMTP", 0x3003: addr,
             0x39FE: addr} for i, (kind, name, addr) in enumerate(recips)]
    rsubs = _Subs()
    data, chunk = table_context(_RECIP_COLS, rows, rsubs)
    subs.add(data, nid=NID_RECIP_TABLE, subs=rsubs.nodes, chunk=BLOCK_MAX)
    if m.attachments:
        arows = []
        for i, att in enumerate(m.attachments):
            asubs = _Subs()
            aprops = {0x3705: (PT_I4, 1), 0x3707: (PT_UNICODE, att.name),
                      0x3704: (PT_UNICODE, att.name[:12]), 0x3701: (PT_BINARY, att.data),
                      0x370E: (PT_UNICODE, att.mime), 0x0E20: (PT_I4, len(att.data))}
            anid = ((0x8000 + i) << 5) | NT_ATTACHMENT
            subs.add(property_context(aprops, asubs), nid=anid, subs=asubs.nodes)
            arows.append({0x67F2: anid, 0x67F3: 0, 0x0E20: len(att.data), 0x3705: 1,
                          0x3707: att.name})
        tsubs = _Subs()
        data, _ = table_context(_ATTACH_COLS, arows, tsubs)
        subs.add(data, nid=NID_ATTACH_TABLE, subs=tsubs.nodes)
    pc = property_context(_mail_props(m), subs)
    return _Node(nid, pc, sorted(subs.nodes, key=lambda n: n.nid))


def _table_node(nid: int, columns: list, rows: list) -> _Node:
    subs = _Subs()
    data, chunk = table_context(columns, rows, subs)
    return _Node(nid, data, subs.nodes)


def _folder_pc(name: str, count: int, has_subs: bool) -> bytes:
    subs = _Subs()
    data = property_context({0x3001: (PT_UNICODE, name), 0x3602: (PT_I4, count),
                             0x3603: (PT_I4, 0), 0x360A: (PT_BOOL, has_subs),
                             0x3613: (PT_UNICODE, "IPF.Note")}, subs)
    assert not subs.nodes
    return data


# --------------------------------------------------------------------------- the file

class _File:
    """Places blocks and pages front to back, around the AMap pages."""

    def __init__(self, fh) -> None:
        self.fh = fh
        self.at = AMAP_FIRST + PAGE
        self.next_bid = 4
        self.next_page_bid = 4
        self.bbt: list[tuple[int, int, int]] = []          # (bid, ib, cb)
        self.used: list[tuple[int, int]] = []              # (ib, size) of what is allocated

    def _place(self, size: int, align: int) -> int:
        at = -(-self.at // align) * align
        start = AMAP_FIRST + (at - AMAP_FIRST) // AMAP_SPAN * AMAP_SPAN
        if at < start + PAGE:                              # never on an AMap page
            at = start + PAGE
        if at + size > start + AMAP_SPAN:                  # nor across the next one
            at = start + AMAP_SPAN + PAGE
        self.at = at + size
        return at

    def block(self, data: bytes, internal: bool = False) -> int:
        bid = self.next_bid | (2 if internal else 0)
        self.next_bid += 4
        size = -(-(len(data) + 16) // 64) * 64
        ib = self._place(size, 64)
        trailer = struct.pack("<HHIQ", len(data), sig(ib, bid), crc(data), bid)
        self.fh.seek(ib)
        self.fh.write(data + b"\0" * (size - len(data) - 16) + trailer)
        self.bbt.append((bid, ib, len(data)))
        self.used.append((ib, size))
        return bid

    def page(self, body: bytes, ptype: int) -> tuple[int, int]:
        bid = self.next_page_bid
        self.next_page_bid += 4
        ib = self._place(PAGE, PAGE)
        self._write_page(ib, body, ptype, bid, sig(ib, bid))
        self.used.append((ib, PAGE))
        return bid, ib

    def _write_page(self, ib: int, body: bytes, ptype: int, bid: int, wsig: int) -> None:
        body = body.ljust(496, b"\0")
        self.fh.seek(ib)
        self.fh.write(body + struct.pack("<BBHIQ", ptype, ptype, wsig, crc(body), bid))

    def data(self, data: bytes, chunk: int = BLOCK_MAX) -> int:
        """A node's data: one block, or an XBLOCK over blocks of ``chunk`` bytes."""
        if len(data) <= BLOCK_MAX:
            return self.block(data)
        bids = [self.block(data[i:i + chunk]) for i in range(0, len(data), chunk)]
        if len(bids) > 1021:
            raise ValueError("node data over 8 MB: an XXBLOCK would be needed")
        return self.block(struct.pack("<BBHI", 1, 1, len(bids), len(data))
                          + struct.pack(f"<{len(bids)}Q", *bids), internal=True)

    def subnodes(self, nodes: list[_Node]) -> int:
        if not nodes:
            return 0
        entries = []
        for n in sorted(nodes, key=lambda n: n.nid):
            entries.append(struct.pack("<QQQ", n.nid, self.data(n.data, n.chunk),
                                       self.subnodes(n.subs)))
        if len(entries) > 340:
            raise ValueError("more than 340 subnodes in one node")
        return self.block(struct.pack("<BBHI", 2, 0, len(entries), 0) + b"".join(entries),
                          internal=True)


def _btree(f: _File, leaves: list[tuple[int, bytes]], ptype: int, cb_ent: int,
           max_ent: int) -> tuple[int, int]:
    """Leaf entries (key, bytes) -> pages, bottom up; the root page's (bid, ib)."""
    level, entries = 0, leaves
    while True:
        refs = []
        for i in range(0, max(len(entries), 1), max_ent):
            chunk = entries[i:i + max_ent]
            body = b"".join(e for _, e in chunk).ljust(488, b"\0")
            body += struct.pack("<BBBBI", len(chunk), max_ent, cb_ent, level, 0)
            bid, ib = f.page(body, ptype)
            refs.append((chunk[0][0] if chunk else 0, bid, ib))
        if len(refs) == 1:
            return refs[0][1], refs[0][2]
        entries = [(k, struct.pack("<QQQ", k, bid, ib)) for k, bid, ib in refs]
        level, cb_ent, max_ent = level + 1, 24, 20


def _amaps(f: _File, eof: int) -> tuple[int, int]:
    """Write every AMap page; (offset of the last, free bytes)."""
    count = (eof - AMAP_FIRST + AMAP_SPAN - 1) // AMAP_SPAN
    bits = [bytearray(496) for _ in range(count)]

    def mark(ib: int, size: int) -> None:
        for slot in range(ib // 64, (ib + size + 63) // 64):
            off = slot * 64 - AMAP_FIRST
            page, bit = off // AMAP_SPAN, (off % AMAP_SPAN) // 64
            if page < count:
                bits[page][bit // 8] |= 0x80 >> (bit % 8)

    for k in range(count):
        mark(AMAP_FIRST + k * AMAP_SPAN, PAGE)
    for ib, size in f.used:
        mark(ib, size)
    free = 0
    for k, b in enumerate(bits):
        ib = AMAP_FIRST + k * AMAP_SPAN
        f._write_page(ib, bytes(b), 0x84, ib, 0)
        free += sum(8 - bin(x).count("1") for x in b) * 64
    return AMAP_FIRST + (count - 1) * AMAP_SPAN, free


def _header(eof: int, amap_last: int, amap_free: int, nbt: tuple[int, int],
            bbt: tuple[int, int], next_bid: int, next_page: int, nid_next: int,
            client: bytes = b"SM") -> bytes:
    rgnid = [0x400] * 32
    rgnid[NT_FOLDER] = rgnid[NT_MESSAGE] = nid_next
    root = struct.pack("<IQQQQQQQQBBH", 0, eof, amap_last, amap_free, 0, nbt[0], nbt[1],
                       bbt[0], bbt[1], 2, 0, 0)
    head = bytearray(564)
    struct.pack_into("<4sI2sHHBBII", head, 0, b"!BDN", 0, client, 23, 19, 1, 1, 0, 0)
    struct.pack_into("<QQI", head, 24, 0, next_page, 1)
    struct.pack_into("<32I", head, 44, *rgnid)
    head[180:252] = root
    head[256:512] = b"\xff" * 256
    head[512], head[513] = 0x80, 0
    struct.pack_into("<Q", head, 516, next_bid)
    struct.pack_into("<I", head, 4, crc(bytes(head[8:8 + 471])))
    struct.pack_into("<I", head, 524, crc(bytes(head[8:8 + 516])))
    return bytes(head)


def _entry_id(record_key: bytes, nid: int) -> bytes:
    return b"\0\0\0\0" + record_key + struct.pack("<I", nid)


def write_pst(path: str | Path, folders: list[Folder], *, name: str = "Personal Folders",
              file_class: type[_File] = _File, client: bytes = b"SM") -> Path:
    """Write a Unicode PST whose IPM subtree ("Top of Personal Folders") holds ``folders``.

    ``client=b"SO"`` marks it an offline store (.ost, Outlook 2003-2010 layout)."""
    path = Path(path)
    record_key = bytes(range(0x10, 0x20))
    nbt: list[tuple[int, bytes]] = []
    counter = {"folder": 0x402, "message": 0x10001}

    with open(path, "wb") as fh:
        f = file_class(fh)

        def put(node: _Node, parent: int) -> None:
            bid = f.data(node.data, node.chunk)
            sub = f.subnodes(node.subs)
            nbt.append((node.nid, struct.pack("<QQQII", node.nid, bid, sub, parent, 0)))

        def folder(nid: int, parent: int, name: str, mails: Iterable[Mail],
                   children: list[Folder], unlisted: Iterable[Mail] = ()) -> None:
            rows = []
            for m in unlisted:
                mid = (counter["message"] << 5) | NT_MESSAGE
                counter["message"] += 1
                put(_mail_node(mid, m), nid)
            for m in mails:
                mid = (counter["message"] << 5) | NT_MESSAGE
                counter["message"] += 1
                put(_mail_node(mid, m), nid)
                rows.append({0x67F2: mid, 0x67F3: 0, 0x0E07: 1, 0x0E08: 0,
                             **({0x0039: m.submitted} if m.submitted else {}),
                             **({0x0E06: m.delivered} if m.delivered else {})})
            hier = []
            for child in children:
                cid = (counter["folder"] << 5) | NT_FOLDER
                counter["folder"] += 1
                folder(cid, nid, child.name, child.mails, child.folders, child.unlisted)
                hier.append({0x67F2: cid, 0x67F3: 0, 0x3001: child.name, 0x3602: 0,
                             0x3603: 0, 0x360A: bool(child.folders)})
            put(_Node(nid, _folder_pc(name, len(rows), bool(children))), parent)
            base = nid & ~0x1F
            put(_table_node(base | NT_HIERARCHY, _HIER_COLS, hier), 0)
            put(_table_node(base | NT_CONTENTS, _CONTENT_COLS, rows), 0)
            put(_table_node(base | NT_ASSOC, _CONTENT_COLS, []), 0)

        top = (0x401 << 5) | NT_FOLDER
        subs = _Subs()
        store = property_context({
            0x0FF9: (PT_BINARY, record_key), 0x3001: (PT_UNICODE, name),
            0x35E0: (PT_BINARY, _entry_id(record_key, top)),
        }, subs)
        put(_Node(NID_STORE, store, subs.nodes), 0)
        subs = _Subs()
        # Two named properties (one numeric in PS_MAPI, one by name in PS_PUBLIC_STRINGS):
        # readers expect the GUID, entry and string streams to hold something.
        guid = bytes.fromhex("2903020000000000c000000000000046")
        name16 = "Keywords".encode("utf-16-le")
        nameid = property_context({
            0x0001: (PT_I4, 251), 0x0002: (PT_BINARY, guid),
            0x0003: (PT_BINARY, struct.pack("<IHHIHH", 0x8501, 2, 0, 0, (3 << 1) | 1, 1)),
            0x0004: (PT_BINARY, struct.pack("<I", len(name16)) + name16)}, subs)
        put(_Node(NID_NAMEID, nameid, subs.nodes), 0)
        # The root folder holds the IPM subtree; the IPM subtree holds the user's folders.
        top_folder = Folder("Top of Personal Folders", (), folders)
        root_children = [top_folder]
        rows = []
        for child in root_children:
            folder(top, NID_ROOT, child.name, child.mails, child.folders)
            rows.append({0x67F2: top, 0x67F3: 0, 0x3001: child.name, 0x3602: 0, 0x3603: 0,
                         0x360A: True})
        put(_Node(NID_ROOT, _folder_pc("", 0, True)), NID_ROOT)
        base = NID_ROOT & ~0x1F
        put(_table_node(base | NT_HIERARCHY, _HIER_COLS, rows), 0)
        put(_table_node(base | NT_CONTENTS, _CONTENT_COLS, []), 0)
        put(_table_node(base | NT_ASSOC, _CONTENT_COLS, []), 0)

        nbt.sort(key=lambda e: e[0])
        bbt_entries = [(bid, struct.pack("<QQHHI", bid, ib, cb, 2, 0))
                       for bid, ib, cb in sorted(f.bbt)]
        nbt_root = _btree(f, nbt, 0x81, 32, 15)
        bbt_root = _btree(f, bbt_entries, 0x80, 24, 20)
        eof = -(-f.at // PAGE) * PAGE
        fh.truncate(eof)
        amap_last, amap_free = _amaps(f, eof)
        fh.seek(0)
        fh.write(_header(eof, amap_last, amap_free, nbt_root, bbt_root, f.next_bid,
                         f.next_page_bid, max(counter.values()) + 1, client))
    return path


class BombFile(_File):
    """Writes every node whose data is ``BOMB_MARK`` as one XXBLOCK whose ``refs`` XBLOCK
    references all name one XBLOCK of 1021 references to one block: ``refs`` x 8.3 MB of
    value from 16 KB of file (the hostile corpus's amplification store)."""

    refs = 2
    shared: int | None = None

    def data(self, data: bytes, chunk: int = BLOCK_MAX) -> int:
        if data != BOMB_MARK:
            return super().data(data, chunk)
        if self.shared is None:
            leaf = self.block(b"A\0" * (BLOCK_MAX // 2))
            x = self.block(struct.pack("<BBHI", 1, 1, 1021, 1021 * BLOCK_MAX)
                           + struct.pack("<1021Q", *[leaf] * 1021), internal=True)
            self.shared = self.block(struct.pack("<BBHI", 1, 2, self.refs,
                                                 self.refs * 1021 * BLOCK_MAX)
                                     + struct.pack(f"<{self.refs}Q", *[x] * self.refs),
                                     internal=True)
        return self.shared


#: The body that ``BombFile`` writes as its amplified value (long enough for a subnode).
BOMB_BODY = "BOMB" * 200
BOMB_MARK = BOMB_BODY.encode("utf-16-le")


def iter_mails(count: int, make) -> Iterator[Mail]:
    """``make(i)`` for i in range(count), lazily (a benchmark folder of any size)."""
    return (make(i) for i in range(count))
