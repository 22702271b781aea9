#!/usr/bin/env python3
"""Draws osv address spaces from a console log, as one HTML page.

Reads text holding `vmsnap` snapshots (format: tools/vmpictures/README.md)
or `vmmap -p` listings, and writes a self-contained HTML page: one figure
per snapshot, with each process's virtual pages grouped by region, the
physical frames in the middle (each once), an arrow from every mapped page
to its frame, and what changed since the previous snapshot highlighted and
said in words.

Frames are named F1, F2, ... in order of first appearance in the log:
physical addresses differ from boot to boot, so only identity matters
(same frame or not); the address is printed small beside the name.

    vmpictures.py [--out=FILE] [--only=STEP] [--title=TEXT] [LOG]

LOG defaults to standard input, --out to standard output. --only draws the
one snapshot named STEP (what changed is still against the one before it).
Exit status 1 when the input holds no snapshot. Standard library only.
"""

import argparse
import html
import os
import re
import sys
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

PAGE_SIZE = 4096

# ---------------------------------------------------------------- the model


@dataclass
class Page:
    va: int
    kind: str
    perm: str
    sharing: str
    refs: int
    frame: int

    @property
    def writable(self) -> bool:
        return self.perm[1] == "w"


@dataclass
class Region:
    kind: str
    perm: str
    start: int
    end: int
    mapped: int
    pages: List[Page] = field(default_factory=list)

    def contains(self, va: int) -> bool:
        return self.start <= va < self.end


@dataclass
class Process:
    pid: Optional[int]
    label: str
    regions: List[Region] = field(default_factory=list)

    def pages(self) -> Dict[int, Page]:
        return {p.va: p for r in self.regions for p in r.pages}

    def key(self):
        return self.pid if self.pid is not None else self.label


@dataclass
class Snapshot:
    step: str
    caption: str
    processes: List[Process] = field(default_factory=list)


# ---------------------------------------------------------------- parsing

_VMSNAP = re.compile(r"vmsnap (begin|proc|region|page|end)\b(.*)$")
_BEGIN = re.compile(r'\s*(\S+)\s+"([^"]*)"\s*$')
_PROC = re.compile(r"\s*(\d+)\s+(\S+)\s*$")
_REGION = re.compile(r"\s*(\w+)\s+([r-][w-][x-])\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\d+)\s*$")
_PAGE = re.compile(
    r"\s*(\w+)\s+([r-][w-][x-])\s+0x([0-9a-f]+)\s+([\w-]+)\s+(\d+)\s+0x([0-9a-f]+)\s*$"
)

# What `vmmap -p` prints (userland/lib/vmmap_print.c).
_VMMAP_CMD = re.compile(r"vmmap\s+(?:-p\s+)?(?:(\d+)\s*)?(?:-p\s*)?$")
_VMMAP_REGION = re.compile(
    r"^\s*region 0x([0-9a-f]+)-0x([0-9a-f]+) ([r-][w-][x-]) (\w+) (\d+)/\d+ pages\s*$"
)
_VMMAP_PAGE = re.compile(
    r"^\s*page 0x([0-9a-f]+) ([r-][w-][x-]) refs (\d+) ([\w-]+) -> frame 0x([0-9a-f]+)"
)


def parse(text: str) -> List[Snapshot]:
    """Every complete snapshot in text, in order: vmsnap blocks, and each
    listing of `vmmap -p` as a snapshot of one process."""
    snapshots: List[Snapshot] = []
    current: Optional[Snapshot] = None
    listing: Optional[Snapshot] = None
    listings = 0
    last_command_pid: Optional[int] = None
    for raw in text.splitlines():
        line = raw.rstrip("\r")
        m = _VMSNAP.search(line)
        if m:
            listing = _close_listing(listing, snapshots)
            current = _vmsnap_line(m.group(1), m.group(2), current, snapshots)
            continue
        mr = _VMMAP_REGION.match(line)
        mp = _VMMAP_PAGE.match(line)
        if current is None and (mr or (mp and listing is not None)):
            if listing is None:
                listings += 1
                label = "pid %d" % last_command_pid if last_command_pid else "vmmap"
                listing = Snapshot(
                    "vmmap-%d" % listings,
                    "vmmap -p%s, from the console"
                    % (" %d" % last_command_pid if last_command_pid else ""),
                    [Process(last_command_pid, label)],
                )
            proc = listing.processes[0]
            if mr:
                proc.regions.append(
                    Region(mr.group(4), mr.group(3), int(mr.group(1), 16), int(mr.group(2), 16),
                           int(mr.group(5)))
                )
            elif proc.regions:
                va = int(mp.group(1), 16)
                region = next((r for r in proc.regions if r.contains(va)), proc.regions[-1])
                region.pages.append(
                    Page(va, region.kind, mp.group(2), mp.group(4), int(mp.group(3)),
                         int(mp.group(5), 16))
                )
            continue
        if line.strip() == "...":
            continue  # an elision in a hand-edited listing
        listing = _close_listing(listing, snapshots)
        if line.strip():
            # The pid of a listing is the one its command line names.
            cmd = _VMMAP_CMD.search(line)
            last_command_pid = int(cmd.group(1)) if cmd and cmd.group(1) else None
    _close_listing(listing, snapshots)
    return snapshots


def _close_listing(listing, snapshots):
    if listing is not None and listing.processes[0].regions:
        snapshots.append(listing)
    return None


def _vmsnap_line(verb, rest, current, snapshots):
    """Applies one vmsnap line; returns the snapshot being read, if any."""
    if verb == "begin":
        m = _BEGIN.match(rest)
        return Snapshot(m.group(1), m.group(2)) if m else None
    if current is None:
        return None
    if verb == "end":
        snapshots.append(current)
        return None
    if verb == "proc":
        m = _PROC.match(rest)
        if not m:
            return None
        current.processes.append(Process(int(m.group(1)), m.group(2)))
        return current
    if not current.processes:
        return None
    proc = current.processes[-1]
    if verb == "region":
        m = _REGION.match(rest)
        if not m:
            return None
        proc.regions.append(
            Region(m.group(1), m.group(2), int(m.group(3), 16), int(m.group(4), 16),
                   int(m.group(5)))
        )
        return current
    m = _PAGE.match(rest)
    if not m or not proc.regions:
        return None
    proc.regions[-1].pages.append(
        Page(int(m.group(3), 16), m.group(1), m.group(2), m.group(4), int(m.group(5)),
             int(m.group(6), 16))
    )
    return current


# ---------------------------------------------------------------- diffing


@dataclass
class PageChange:
    """How one virtual page of one process changed between two snapshots.
    kind: new, removed, frame (another frame), perm (same frame, another
    permission), state (same frame and permission, other sharing or
    refcount)."""

    kind: str
    proc: Process
    va: int
    before: Optional[Page]
    after: Optional[Page]


@dataclass
class Changes:
    pages: List[PageChange] = field(default_factory=list)
    regions: List[Tuple[Process, Region, Optional[Region]]] = field(default_factory=list)
    new_processes: List[Process] = field(default_factory=list)
    gone_processes: List[Process] = field(default_factory=list)

    def of_page(self, proc: Process, va: int) -> Optional[PageChange]:
        for c in self.pages:
            if c.proc.key() == proc.key() and c.va == va:
                return c
        return None


def diff(before: Optional[Snapshot], after: Snapshot) -> Changes:
    """What changed from `before` to `after`, process by process (matched
    by pid). Nothing is new in the first snapshot (before is None)."""
    changes = Changes()
    if before is None:
        return changes
    old = {p.key(): p for p in before.processes}
    new_keys = {p.key() for p in after.processes}
    for proc in after.processes:
        prev = old.get(proc.key())
        if prev is None:
            changes.new_processes.append(proc)
            continue
        was = prev.pages()
        now = proc.pages()
        for va in sorted(set(was) | set(now)):
            a, b = was.get(va), now.get(va)
            kind = None
            if a is None:
                kind = "new"
            elif b is None:
                kind = "removed"
            elif a.frame != b.frame:
                kind = "frame"
            elif a.perm != b.perm:
                kind = "perm"
            elif a.sharing != b.sharing or a.refs != b.refs:
                kind = "state"
            if kind:
                changes.pages.append(PageChange(kind, proc, va, a, b))
        old_regions = {(r.kind, r.start): r for r in prev.regions}
        for region in proc.regions:
            o = old_regions.get((region.kind, region.start))
            if o is None or o.end != region.end:
                changes.regions.append((proc, region, o))
    changes.gone_processes = [p for p in before.processes if p.key() not in new_keys]
    return changes


class FrameNames:
    """F1, F2, ... for physical frames, in order of first appearance."""

    def __init__(self, snapshots: List[Snapshot]):
        self.names: Dict[int, str] = {}
        for snap in snapshots:
            for proc in snap.processes:
                for region in proc.regions:
                    for page in region.pages:
                        if page.frame not in self.names:
                            self.names[page.frame] = "F%d" % (len(self.names) + 1)

    def __call__(self, frame: int) -> str:
        return self.names.get(frame, "0x%x" % frame)


def describe(changes: Changes, names: FrameNames) -> List[str]:
    """What changed, in words, one sentence per kind of change and process;
    pages that changed the same way are listed together."""
    out = []
    for proc in changes.new_processes:
        pages = proc.pages()
        out.append("New process: %s (pid %s), %d pages mapped." % (proc.label, proc.pid,
                                                                   len(pages)))
    for proc in changes.gone_processes:
        out.append("Process gone: %s (pid %s); its mappings are dropped." % (proc.label,
                                                                            proc.pid))
    for proc, region, old in changes.regions:
        if old is None:
            out.append("%s: new %s region %s." % (proc.label, region.kind, _range(region)))
        else:
            grown = (region.end - old.end) // PAGE_SIZE
            out.append("%s: %s region %s -> %s (%s%d page%s)." % (
                proc.label, region.kind, _range(old), _range(region), "+" if grown > 0 else "",
                grown, "" if abs(grown) == 1 else "s"))
    groups: Dict[Tuple, List[PageChange]] = {}
    for c in changes.pages:
        a, b = c.before, c.after
        key = (c.proc.label, c.kind,
               (a.perm, a.sharing) if a else None, (b.perm, b.sharing) if b else None)
        groups.setdefault(key, []).append(c)
    for (label, kind, was, now), cs in groups.items():
        where = ", ".join(_page_name(c, names) for c in cs)
        n = len(cs)
        pages = "page" if n == 1 else "%d pages" % n
        if kind == "new":
            out.append("%s: new mapping, %s %s: %s." % (label, now[0], now[1], where))
        elif kind == "removed":
            out.append("%s: %s unmapped (was %s %s): %s." % (label, pages, was[0], was[1], where))
        elif kind == "frame":
            out.append("%s: frame changed (a copy), now %s %s: %s." % (label, now[0], now[1],
                                                                      where))
        elif kind == "perm":
            out.append("%s: permission %s -> %s on the same frame, %s -> %s: %s." % (
                label, was[0], now[0], was[1], now[1], where))
        else:
            out.append("%s: %s -> %s (refcount changed): %s." % (label, was[1], now[1], where))
    return out


def _range(region: Region) -> str:
    return "0x%x-0x%x" % (region.start, region.end)


def _page_name(c: PageChange, names: FrameNames) -> str:
    page = c.after or c.before
    if c.kind == "frame":
        return "%s 0x%x %s->%s" % (page.kind, c.va, names(c.before.frame), names(c.after.frame))
    return "%s 0x%x (%s)" % (page.kind, c.va, names(page.frame))


# ---------------------------------------------------------------- drawing

ROW = 24  # height of a page row
GAP = 4  # between rows
HEAD = 22  # a region's header
COL = 320  # a process column
BADGE = 96  # room for change badges outside a column
LANE = 100  # between a column and the frames
FRAME_W = 220
TOP = 56  # above the first row: the process titles
LEGEND_H = 96  # the legend of a wide (two-process) figure; a narrow one is taller
LONG_RUN = 8  # mapped pages alike in a row: more than this are collapsed

STATE_COLOUR = {
    "private": "#2b6cb0",
    "shared": "#6b46c1",
    "cow-shared": "#c05621",
    "cow-last": "#2f855a",
}
STATE_WORDS = {
    "private": "the process's own frame",
    "shared": "read-only region, frame shared (code)",
    "cow-shared": "copy-on-write, refcount > 1: a write copies",
    "cow-last": "copy-on-write, refcount 1: a write keeps the frame",
}
HIGHLIGHT = "#fde68a"

STYLE = """
body { font-family: 'DejaVu Sans', sans-serif; margin: 16px; color: #1a202c;
       background: #ffffff; }
h1 { font-size: 20px; margin: 0 0 4px 0; }
p.source { margin: 0 0 12px 0; color: #4a5568; font-size: 13px; }
figure.snapshot { margin: 0 0 28px 0; padding: 10px 12px; border: 1px solid #cbd5e0;
                  border-radius: 6px; width: max-content; }
figcaption { font-size: 15px; margin-bottom: 6px; max-width: 1150px; }
figcaption .stepno { color: #4a5568; margin-right: 6px; }
figcaption .step { font-family: 'DejaVu Sans Mono', monospace; font-weight: bold; }
div.changes { font-size: 13px; max-width: 1150px; }
div.changes ul { margin: 4px 0 0 0; padding-left: 20px; }
div.changes li { margin: 1px 0; }
svg text { font-family: 'DejaVu Sans', sans-serif; }
svg .mono { font-family: 'DejaVu Sans Mono', monospace; }
"""


class Svg:
    """A small SVG writer: elements appended in drawing order."""

    def __init__(self):
        self.parts: List[str] = []

    def add(self, tag: str, attrs: Dict[str, object], text: Optional[str] = None):
        a = " ".join('%s="%s"' % (k.rstrip("_").replace("_", "-"), html.escape(str(v)))
                     for k, v in attrs.items() if v is not None)
        if text is None:
            self.parts.append("<%s %s/>" % (tag, a))
        else:
            self.parts.append("<%s %s>%s</%s>" % (tag, a, html.escape(text), tag))

    def open(self, tag: str, attrs: Dict[str, object]):
        a = " ".join('%s="%s"' % (k.rstrip("_").replace("_", "-"), html.escape(str(v)))
                     for k, v in attrs.items() if v is not None)
        self.parts.append("<%s %s>" % (tag, a))

    def close(self, tag: str):
        self.parts.append("</%s>" % tag)


@dataclass
class Row:
    """One line of a process column: a region header, a page, a ghost of a
    page removed since the previous snapshot, or a run of pages collapsed."""

    kind: str  # header, page, ghost, absent, more
    y: int = 0
    region: Optional[Region] = None
    page: Optional[Page] = None
    text: str = ""
    change: Optional[PageChange] = None
    region_changed: str = ""  # how the region changed, for its note


def _rows(proc: Process, changes: Changes) -> List[Row]:
    """The rows of one process's column, top to bottom, in address order."""
    removed = [c for c in changes.pages if c.proc.key() == proc.key() and c.kind == "removed"]
    changed_regions = {}
    for p, r, old in changes.regions:
        if p.key() == proc.key():
            changed_regions[(r.kind, r.start)] = (
                "new region" if old is None else "grew" if r.end > old.end else "shrank")
    rows: List[Row] = []
    placed = set()
    for i, region in enumerate(proc.regions):
        rows.append(Row("header", region=region,
                        region_changed=changed_regions.get((region.kind, region.start), "")))
        # Ghosts belong to the region that holds them, or to the nearest
        # region of their kind below them (a shrunk heap).
        ghosts = []
        for c in removed:
            if c.va in placed:
                continue
            nxt = proc.regions[i + 1] if i + 1 < len(proc.regions) else None
            if region.contains(c.va) or (
                    c.before.kind == region.kind and c.va >= region.end
                    and (nxt is None or c.va < nxt.start)):
                ghosts.append(c)
                placed.add(c.va)
        items = [(p.va, Row("page", region=region, page=p, change=changes.of_page(proc, p.va)))
                 for p in region.pages]
        items += [(c.va, Row("ghost", region=region, page=c.before, change=c)) for c in ghosts]
        items.sort(key=lambda t: t[0])
        if not items and region.start == region.end:
            rows.append(Row("absent", region=region,
                            text="empty: the break is at 0x%x" % region.start))
            continue
        cursor = region.start
        run: List[Row] = []
        for va, row in items:
            if va > cursor and cursor < region.end:
                rows.extend(_collapse_alike(None, run))
                rows.append(_absent(region, cursor, min(va, region.end)))
            rows.extend(_collapse_alike(row, run))
            cursor = max(cursor, va + PAGE_SIZE)
        rows.extend(_collapse_alike(None, run))
        if cursor < region.end:
            rows.append(_absent(region, cursor, region.end))
    return rows


def _collapse_alike(row: Optional[Row], run: List[Row]) -> List[Row]:
    """Gathers unchanged mapped pages held the same way into `run`; when the
    run ends (row differs, or None), returns it with more than LONG_RUN pages
    reduced to the first and last three and a row saying how many between."""
    if row is not None and row.kind == "page" and row.change is None and (
            not run or (run[-1].page.perm, run[-1].page.sharing, run[-1].page.va + PAGE_SIZE)
            == (row.page.perm, row.page.sharing, row.page.va)):
        run.append(row)
        return []
    out = run[:]
    run.clear()
    if len(out) > LONG_RUN:
        hidden = out[3:-3]
        p = hidden[0].page
        more = Row("more", region=out[0].region,
                   text="%d more pages %s %s (frames not drawn)" % (len(hidden), p.perm,
                                                                    p.sharing))
        out = out[:3] + [more] + out[-3:]
    if row is not None:
        if row.kind == "page" and row.change is None:
            run.append(row)
        else:
            out.append(row)
    return out


def _badge(change: PageChange) -> str:
    """The short note beside a changed page."""
    if change.kind == "new":
        return "new"
    if change.kind == "removed":
        return "unmapped"
    if change.kind == "frame":
        return "copied"
    if change.kind == "perm":
        return "now " + change.after.perm
    return "now " + change.after.sharing


def _absent(region: Region, lo: int, hi: int) -> Row:
    n = (hi - lo) // PAGE_SIZE
    if n == 1:
        text = "0x%x  not mapped" % lo
    else:
        text = "0x%x-0x%x  %d pages not mapped" % (lo, hi - 1, n)
    return Row("absent", region=region, text=text)


def _layout(rows: List[Row]) -> int:
    """Gives each row its y; returns the y below the last one."""
    y = TOP
    for row in rows:
        if row.kind == "header":
            y += 8
            row.y = y
            y += HEAD + GAP
        else:
            row.y = y
            y += ROW + GAP
    return y


def draw(snap: Snapshot, changes: Changes, names: FrameNames, number: int) -> str:
    """One figure: its caption, its picture and what changed in words."""
    procs = snap.processes[:2]
    two = len(procs) == 2
    left_x = BADGE
    frames_x = left_x + COL + LANE
    right_x = frames_x + FRAME_W + LANE
    width = (right_x + COL + BADGE) if two else (frames_x + FRAME_W + 30)

    columns = []
    bottom = TOP
    for i, proc in enumerate(procs):
        rows = _rows(proc, changes)
        bottom = max(bottom, _layout(rows))
        columns.append((proc, rows, left_x if i == 0 else right_x, i == 0))

    # Frames: each once, placed level with the pages that map it, then
    # pushed apart so that none overlaps.
    refs: Dict[int, List[Tuple[Row, bool]]] = {}
    ghost_frames: Dict[int, List[Tuple[Row, bool]]] = {}
    for proc, rows, x, is_left in columns:
        for row in rows:
            if row.kind == "page":
                refs.setdefault(row.page.frame, []).append((row, is_left))
            elif row.kind == "ghost":
                ghost_frames.setdefault(row.page.frame, []).append((row, is_left))
    for f in list(ghost_frames):
        if f in refs:
            del ghost_frames[f]  # still mapped: the ghost's arrow points at it
    wanted = []
    for f, users in list(refs.items()) + list(ghost_frames.items()):
        wanted.append((sum(r.y for r, _ in users) / len(users), f))
    wanted.sort()
    frame_y: Dict[int, int] = {}
    y_min = TOP
    for want, f in wanted:
        y = max(int(round(want)), y_min)
        frame_y[f] = y
        y_min = y + ROW + GAP
    bottom = max(bottom, y_min)
    prev_frames = set()
    for c in changes.pages:
        if c.before is not None:
            prev_frames.add(c.before.frame)
    new_frames = {c.after.frame for c in changes.pages
                  if c.kind in ("new", "frame") and c.after.frame not in prev_frames}

    legend_y = bottom + 16
    height = legend_y + LEGEND_H + (0 if two else 36)
    svg = Svg()
    svg.open("svg", {"xmlns": "http://www.w3.org/2000/svg", "width": width, "height": height,
                     "viewBox": "0 0 %d %d" % (width, height), "role": "img",
                     "aria-label": "step %d: %s" % (number, snap.step)})
    svg.open("defs", {})
    for state, colour in STATE_COLOUR.items():
        svg.open("marker", {"id": "head-%s-%d" % (state, number), "viewBox": "0 0 10 10",
                            "refX": 9, "refY": 5, "markerWidth": 7, "markerHeight": 7,
                            "orient": "auto-start-reverse"})
        svg.add("path", {"d": "M0,0 L10,5 L0,10 z", "fill": colour})
        svg.close("marker")
    svg.close("defs")
    svg.add("rect", {"x": 0, "y": 0, "width": width, "height": height, "fill": "#ffffff"})

    svg.add("text", {"x": frames_x + FRAME_W / 2, "y": 22, "text-anchor": "middle",
                     "font-size": 15, "font-weight": "bold"}, "physical frames")
    svg.add("text", {"x": frames_x + FRAME_W / 2, "y": 40, "text-anchor": "middle",
                     "font-size": 11, "fill": "#4a5568"}, "name, address, refcount")
    for proc, rows, x, is_left in columns:
        _draw_column(svg, proc, rows, x, is_left, changes)

    # Arrows under the frames, so that heads stay visible at the frame edge.
    for f, users in list(refs.items()) + list(ghost_frames.items()):
        for row, is_left in users:
            _draw_arrow(svg, row, is_left, frames_x, frame_y[f], number, left_x + COL, right_x)
    for f, y in frame_y.items():
        users = refs.get(f)
        _draw_frame(svg, f, y, frames_x, names, users, f in new_frames)

    _draw_legend(svg, legend_y, width, two)
    svg.close("svg")

    words = describe(changes, names)
    caption = ('<figcaption><span class="stepno">Step %d</span><span class="step">%s</span>: '
               "%s</figcaption>" % (number, html.escape(snap.step), html.escape(snap.caption)))
    if words:
        listing = "<ul>%s</ul>" % "".join("<li>%s</li>" % html.escape(w) for w in words)
    elif number == 1:
        listing = "<ul><li>The first snapshot: nothing to compare with.</li></ul>"
    else:
        listing = "<ul><li>Nothing changed.</li></ul>"
    return ('<figure class="snapshot" id="step-%s" data-step="%s" data-processes="%d">\n%s\n%s\n'
            '<div class="changes"><b>What changed</b>%s</div>\n</figure>\n'
            % (html.escape(snap.step), html.escape(snap.step), len(procs), caption,
               "".join(svg.parts), listing))


def _draw_column(svg: Svg, proc: Process, rows: List[Row], x: int, is_left: bool,
                 changes: Changes):
    title = "%s (pid %s)" % (proc.label, proc.pid) if proc.pid is not None else proc.label
    new = any(p.key() == proc.key() for p in changes.new_processes)
    svg.add("text", {"x": x + COL / 2, "y": 22, "text-anchor": "middle", "font-size": 15,
                     "font-weight": "bold"}, title + (" - new" if new else ""))
    svg.add("text", {"x": x + COL / 2, "y": 40, "text-anchor": "middle", "font-size": 11,
                     "fill": "#4a5568"}, "virtual pages, by region")
    badge_x = x - 6 if is_left else x + COL + 6
    anchor = "end" if is_left else "start"
    for row in rows:
        attrs = {"class": "row row-%s" % row.kind, "data-pid": proc.pid}
        if row.kind == "header":
            r = row.region
            attrs["data-region"] = r.kind
            svg.open("g", attrs)
            fill = HIGHLIGHT if row.region_changed else "#edf2f7"
            svg.add("rect", {"x": x, "y": row.y, "width": COL, "height": HEAD, "rx": 3,
                             "fill": fill, "stroke": "#718096"})
            size = (r.end - r.start) // PAGE_SIZE
            svg.add("text", {"x": x + 6, "y": row.y + 15, "font-size": 12,
                             "font-weight": "bold"}, "%s %s" % (r.kind, r.perm))
            svg.add("text", {"class": "mono", "x": x + COL - 6, "y": row.y + 15,
                             "font-size": 11, "text-anchor": "end"},
                    "0x%x-0x%x  %d/%d" % (r.start, r.end, r.mapped, size))
            if row.region_changed:
                svg.add("text", {"class": "badge", "x": badge_x, "y": row.y + 15,
                                 "font-size": 11, "text-anchor": anchor,
                                 "font-weight": "bold", "fill": "#744210"}, row.region_changed)
            svg.close("g")
            continue
        if row.kind in ("absent", "more"):
            svg.open("g", attrs)
            svg.add("rect", {"x": x + 14, "y": row.y, "width": COL - 14, "height": ROW,
                             "fill": "#f7fafc", "stroke": "#a0aec0",
                             "stroke-dasharray": "3 3"})
            svg.add("text", {"class": "mono", "x": x + 20, "y": row.y + 16, "font-size": 11,
                             "fill": "#4a5568", "font-style": "italic"}, row.text)
            svg.close("g")
            continue
        page = row.page
        attrs["data-va"] = "0x%x" % page.va
        if row.change is not None:
            attrs["data-change"] = row.change.kind
        svg.open("g", attrs)
        ghost = row.kind == "ghost"
        colour = "#c53030" if ghost else STATE_COLOUR.get(page.sharing, "#4a5568")
        fill = HIGHLIGHT if row.change is not None else "#ffffff"
        svg.add("rect", {"x": x + 14, "y": row.y, "width": COL - 14, "height": ROW, "rx": 2,
                         "fill": fill, "stroke": colour,
                         "stroke-width": 2, "stroke-dasharray": "5 3" if ghost else None})
        svg.add("text", {"class": "mono", "x": x + 20, "y": row.y + 16, "font-size": 12,
                         "text-decoration": "line-through" if ghost else None},
                "0x%x" % page.va)
        label = "unmapped" if ghost else "%s %s" % (page.perm, page.sharing)
        svg.add("text", {"class": "mono", "x": x + COL - 6, "y": row.y + 16, "font-size": 12,
                         "text-anchor": "end", "fill": colour}, label)
        if row.change is not None:
            svg.add("text", {"class": "badge", "x": badge_x, "y": row.y + 16, "font-size": 11,
                             "text-anchor": anchor, "font-weight": "bold", "fill": "#744210"},
                    _badge(row.change))
        svg.close("g")


def _draw_arrow(svg: Svg, row: Row, is_left: bool, frames_x: int, fy: int, number: int,
                left_edge: int, right_x: int):
    page = row.page
    y0 = row.y + ROW / 2
    y1 = fy + ROW / 2
    if is_left:
        x0, x1 = left_edge, frames_x - 2
    else:
        x0, x1 = right_x + 14, frames_x + FRAME_W + 2
    mid = (x0 + x1) / 2
    d = "M%d,%.1f C%.1f,%.1f %.1f,%.1f %d,%.1f" % (x0, y0, mid, y0, mid, y1, x1, y1)
    if row.kind == "ghost":
        svg.add("path", {"class": "ghost-arrow", "d": d, "fill": "none", "stroke": "#e53e3e",
                         "stroke-width": 1.5, "stroke-dasharray": "2 4", "opacity": 0.8})
        return
    colour = STATE_COLOUR.get(page.sharing, "#4a5568")
    svg.add("path", {
        "class": "arrow", "d": d, "fill": "none", "stroke": colour,
        "stroke-width": 2.5 if row.change is not None else 1.8,
        "stroke-dasharray": None if page.writable else "7 4",
        "marker-end": "url(#head-%s-%d)" % (page.sharing, number)
        if page.sharing in STATE_COLOUR else None,
        "data-perm": page.perm, "data-state": page.sharing,
        "data-access": "writable" if page.writable else "read-only",
        "data-va": "0x%x" % page.va, "data-frame": "0x%x" % page.frame,
    })


def _draw_frame(svg: Svg, frame: int, y: int, x: int, names: FrameNames, users, is_new: bool):
    freed = users is None
    refs = 0 if freed else users[0][0].page.refs
    shared = refs > 1
    svg.open("g", {"class": "frame", "data-frame": names(frame), "data-refs": refs,
                   "data-freed": "yes" if freed else None})
    if freed:
        fill, stroke, dash = "#fff5f5", "#e53e3e", "5 3"
    elif is_new:
        fill, stroke, dash = HIGHLIGHT, "#2d3748", None
    elif shared:
        fill, stroke, dash = "#feebc8", "#2d3748", None
    else:
        fill, stroke, dash = "#f7fafc", "#2d3748", None
    svg.add("rect", {"x": x, "y": y, "width": FRAME_W, "height": ROW, "rx": 3, "fill": fill,
                     "stroke": stroke, "stroke-width": 2.5 if shared else 1.2,
                     "stroke-dasharray": dash})
    svg.add("text", {"x": x + 6, "y": y + 16, "font-size": 12, "font-weight": "bold"},
            names(frame))
    svg.add("text", {"class": "mono", "x": x + 44, "y": y + 16, "font-size": 11,
                     "fill": "#4a5568"}, "0x%x" % frame)
    if is_new:
        svg.add("text", {"class": "badge", "x": x + 128, "y": y + 16, "font-size": 11,
                         "font-weight": "bold", "fill": "#744210"}, "new")
    svg.add("text", {"x": x + FRAME_W - 6, "y": y + 16, "font-size": 12, "text-anchor": "end",
                     "font-weight": "bold" if shared else None},
            "freed" if freed else "refs %d" % refs)
    svg.close("g")


def _draw_legend(svg: Svg, y: int, width: int, wide: bool):
    """Arrows, colours and highlights explained: two colours a line in a
    wide figure, one in a narrow one."""
    svg.open("g", {"class": "legend"})
    svg.add("line", {"x1": 10, "y1": y - 8, "x2": width - 10, "y2": y - 8, "stroke": "#e2e8f0"})
    x = 14
    svg.add("text", {"x": x, "y": y + 10, "font-size": 12, "font-weight": "bold"}, "arrows:")
    x += 62
    for dash, words in ((None, "solid: writable (rw-)"), ("7 4", "dashed: read-only (r--, r-x)")):
        svg.add("line", {"x1": x, "y1": y + 6, "x2": x + 34, "y2": y + 6, "stroke": "#2d3748",
                         "stroke-width": 2, "stroke-dasharray": dash})
        svg.add("text", {"x": x + 40, "y": y + 10, "font-size": 12}, words)
        x += 250
    svg.add("text", {"x": 14, "y": y + 30, "font-size": 12, "font-weight": "bold"}, "colours:")
    per_line = 2 if wide else 1
    for i, (state, colour) in enumerate(STATE_COLOUR.items()):
        x = 76 + (i % per_line) * 380
        ty = y + 30 + (i // per_line) * 18
        svg.add("rect", {"x": x, "y": ty - 9, "width": 14, "height": 10, "fill": colour})
        svg.add("text", {"x": x + 18, "y": ty, "font-size": 12},
                "%s: %s" % (state, STATE_WORDS[state]))
    y += 0 if wide else 36
    svg.add("rect", {"x": 76, "y": y + 57, "width": 14, "height": 10, "fill": HIGHLIGHT,
                     "stroke": "#744210"})
    svg.add("text", {"x": 94, "y": y + 66, "font-size": 12},
            "changed since the previous step (the note beside it says how)")
    svg.add("text", {"x": 76, "y": y + 84, "font-size": 12},
            "red dashed: unmapped or freed;  thick frame outline: refcount > 1")
    svg.close("g")


def render(snapshots: List[Snapshot], title: str, source: str, only: Optional[str] = None) -> str:
    """The whole HTML page."""
    names = FrameNames(snapshots)
    figures = []
    prev = None
    for i, snap in enumerate(snapshots):
        if only is None or snap.step == only:
            figures.append(draw(snap, diff(prev, snap), names, i + 1))
        prev = snap
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<title>%s</title>\n<style>%s</style>\n</head>\n<body>\n<h1>%s</h1>\n"
            "<p class=\"source\">%d snapshot%s from %s. Frame names (F1, F2, ...) follow "
            "each physical frame from step to step; the addresses change from boot to boot."
            "</p>\n%s</body>\n</html>\n"
            % (html.escape(title), STYLE, html.escape(title), len(snapshots),
               "" if len(snapshots) == 1 else "s", html.escape(source), "".join(figures)))


def main(argv: List[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("log", nargs="?", help="console log (default: standard input)")
    ap.add_argument("--out", help="HTML file to write (default: standard output)")
    ap.add_argument("--only", metavar="STEP", help="draw only the snapshot named STEP")
    ap.add_argument("--title", default="osv address spaces, step by step")
    args = ap.parse_args(argv)
    # `bazel run` starts in the runfiles: relative paths are the user's.
    here = os.environ.get("BUILD_WORKING_DIRECTORY", "")
    if args.log:
        args.log = os.path.join(here, args.log)
    if args.out:
        args.out = os.path.join(here, args.out)
    if args.log:
        with open(args.log, encoding="utf-8", errors="replace") as f:
            text = f.read()
    else:
        text = sys.stdin.read()
    snapshots = parse(text)
    if not snapshots:
        print("vmpictures: no vmsnap snapshot or vmmap -p listing in %s" % (args.log or "stdin"),
              file=sys.stderr)
        return 1
    if args.only and all(s.step != args.only for s in snapshots):
        print("vmpictures: no snapshot named %s (there are: %s)" % (
            args.only, " ".join(s.step for s in snapshots)), file=sys.stderr)
        return 1
    page = render(snapshots, args.title, args.log or "standard input", args.only)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(page)
    else:
        sys.stdout.write(page)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
