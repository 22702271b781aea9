#!/usr/bin/env python3
"""Loads a vmpictures page in headless Chromium and checks what it shows.

    browser_check.py --html=PAGE --log=LOG [--png=FILE] [--chromium=PATH]

LOG is the console log PAGE was drawn from. The expected figures are
counted from LOG's vmsnap lines here, with a parser of this file's own (not
the renderer's), so that a renderer bug cannot hide behind itself:

 1. Chromium's DOM (--dump-dom) has one figure per snapshot, in order, each
    with its step's caption; in each, one arrow per mapped page, counted by
    state (private, shared, cow-shared, cow-last) and by access (writable:
    solid, read-only: dashed); one frame box per distinct frame, and as many
    boxes with refcount > 1 as there are such frames.
 2. A screenshot (--screenshot) is a PNG of exactly the window size asked
    for, not blank (many colours, a fair share of non-white pixels), and
    shows the four state colours of the legend, exactly as the renderer
    paints them (so the SVG was drawn, not only parsed).

Chromium gets a profile directory and HOME in a temporary directory (the
test's TEST_TMPDIR under Bazel: the sandbox's HOME is not writable) and
--disable-dev-shm-usage (a sandbox's /dev/shm may be missing or tiny).
Exit status 0 when every check passes, 1 otherwise, with one line per
failed check. Standard library only (the PNG is decoded with zlib).
"""

import argparse
import html.parser
import os
import re
import struct
import subprocess
import sys
import tempfile
import zlib
from collections import Counter

WIDTH, HEIGHT = 1320, 1400

# The renderer's colours for the four states (vmpictures.STATE_COLOUR).
STATE_RGB = {
    "private": (0x2B, 0x6C, 0xB0),
    "shared": (0x6B, 0x46, 0xC1),
    "cow-shared": (0xC0, 0x56, 0x21),
    "cow-last": (0x2F, 0x85, 0x5A),
}

_LINE = re.compile(r"vmsnap (begin|page|end)\s+(.*?)\s*$")


def expected_from_log(text):
    """[(step, caption, Counter of (state, access), frames, shared frames)]."""
    out = []
    cur = None
    for line in text.splitlines():
        m = _LINE.search(line.rstrip("\r"))
        if not m:
            continue
        verb, rest = m.groups()
        if verb == "begin":
            step, caption = rest.split(" ", 1)
            cur = {"step": step, "caption": caption.strip('"'), "arrows": Counter(),
                   "frames": {}}
        elif verb == "page" and cur is not None:
            _kind, perm, _va, state, refs, frame = rest.split()
            access = "writable" if perm[1] == "w" else "read-only"
            cur["arrows"][(state, access)] += 1
            cur["frames"][frame] = int(refs)
        elif verb == "end" and cur is not None:
            shared = sum(1 for r in cur["frames"].values() if r > 1)
            out.append((cur["step"], cur["caption"], cur["arrows"], len(cur["frames"]), shared))
            cur = None
    return out


class DomReader(html.parser.HTMLParser):
    """Collects, per figure: its step, caption text, arrows and frames."""

    def __init__(self):
        super().__init__()
        self.figures = []
        self.in_caption = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if tag == "figure" and "snapshot" in classes:
            self.figures.append({"step": a.get("data-step"), "caption": "",
                                 "arrows": Counter(), "frames": 0, "shared": 0})
        elif not self.figures:
            return
        elif tag == "figcaption":
            self.in_caption = True
        elif tag == "path" and "arrow" in classes:
            self.figures[-1]["arrows"][(a.get("data-state"), a.get("data-access"))] += 1
        elif tag == "g" and "frame" in classes and a.get("data-freed") != "yes":
            self.figures[-1]["frames"] += 1
            if int(a.get("data-refs", "0")) > 1:
                self.figures[-1]["shared"] += 1

    def handle_endtag(self, tag):
        if tag == "figcaption":
            self.in_caption = False

    def handle_data(self, data):
        if self.in_caption:
            self.figures[-1]["caption"] += data


def chromium(binary, tmp, args, page):
    profile = os.path.join(tmp, "chromium-profile")
    os.makedirs(profile, exist_ok=True)
    env = dict(os.environ, HOME=tmp, XDG_CONFIG_HOME=tmp, XDG_CACHE_HOME=tmp)
    cmd = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
           "--no-first-run", "--user-data-dir=" + profile] + args + [
               "file://" + os.path.abspath(page)]
    return subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=60, check=False)


def decode_png(data):
    """(width, height, rows of RGB tuples) of an 8-bit RGB or RGBA PNG."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, ctype = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if ctype == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif ctype == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = header
    if depth != 8 or colour not in (2, 6) or interlace:
        raise ValueError("unsupported PNG: depth %d colour type %d interlace %d" %
                         (depth, colour, interlace))
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - bpp] if i >= bpp else 0
            up = prev[i]
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + ((left + up) >> 1)) & 0xFF
            elif kind == 4:
                corner = prev[i - bpp] if i >= bpp else 0
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                pred = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                line[i] = (line[i] + pred) & 0xFF
        rows.append([tuple(line[x:x + 3]) for x in range(0, stride, bpp)])
        prev = line
    return width, height, rows


def check_dom(expected, dom, failures):
    reader = DomReader()
    reader.feed(dom)
    got = reader.figures
    if [f["step"] for f in got] != [e[0] for e in expected]:
        failures.append("figures: %s, expected %s" % ([f["step"] for f in got],
                                                       [e[0] for e in expected]))
        return
    for fig, (step, caption, arrows, frames, shared) in zip(got, expected):
        if caption not in " ".join(fig["caption"].split()):
            failures.append("%s: caption %r does not hold %r" % (step, fig["caption"], caption))
        if fig["arrows"] != arrows:
            failures.append("%s: arrows %s, expected %s" % (step, dict(fig["arrows"]),
                                                            dict(arrows)))
        if fig["frames"] != frames or fig["shared"] != shared:
            failures.append("%s: %d frames (%d shared), expected %d (%d shared)" % (
                step, fig["frames"], fig["shared"], frames, shared))


def check_png(data, failures):
    width, height, rows = decode_png(data)
    if (width, height) != (WIDTH, HEIGHT):
        failures.append("screenshot %dx%d, expected %dx%d" % (width, height, WIDTH, HEIGHT))
    colours = Counter(px for row in rows for px in row)
    white = colours.get((255, 255, 255), 0)
    total = width * height
    if len(colours) < 50:
        failures.append("screenshot has %d colours: blank?" % len(colours))
    if total - white < total // 20:
        failures.append("screenshot is %.1f%% white: blank?" % (100.0 * white / total))
    for state, rgb in STATE_RGB.items():
        if colours.get(rgb, 0) < 100:
            failures.append("screenshot lacks the colour of %s (%d pixels of #%02x%02x%02x)" % (
                (state, colours.get(rgb, 0)) + rgb))
    return len(colours), 100.0 * white / total


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--html", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--png", help="keep the screenshot here")
    ap.add_argument("--chromium", default="chromium")
    args = ap.parse_args(argv)
    tmp = os.environ.get("TEST_TMPDIR") or tempfile.mkdtemp(prefix="vmpictures-")

    with open(args.log, encoding="utf-8", errors="replace") as f:
        expected = expected_from_log(f.read())
    failures = []
    if not expected:
        failures.append("no vmsnap snapshot in %s" % args.log)

    dom = chromium(args.chromium, tmp, ["--dump-dom"], args.html)
    if dom.returncode != 0 or b"<figure" not in dom.stdout:
        sys.stderr.write(dom.stderr.decode(errors="replace"))
        failures.append("chromium --dump-dom failed (status %d)" % dom.returncode)
    else:
        check_dom(expected, dom.stdout.decode(errors="replace"), failures)

    png = args.png or os.path.join(tmp, "screenshot.png")
    shot = chromium(args.chromium, tmp, ["--screenshot=" + png,
                                         "--window-size=%d,%d" % (WIDTH, HEIGHT),
                                         "--hide-scrollbars"], args.html)
    if shot.returncode != 0 or not os.path.exists(png):
        sys.stderr.write(shot.stderr.decode(errors="replace"))
        failures.append("chromium --screenshot failed (status %d)" % shot.returncode)
    else:
        with open(png, "rb") as f:
            colours, white = check_png(f.read(), failures)
        print("browser_check: screenshot %s: %d colours, %.1f%% white" % (png, colours, white))

    for failure in failures:
        print("browser_check: FAIL: " + failure)
    if failures:
        return 1
    print("browser_check: PASS: %d figures, arrows and frames as in %s" % (
        len(expected), os.path.basename(args.log)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
