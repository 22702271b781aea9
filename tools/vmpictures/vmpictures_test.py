"""Host tests of vmpictures: parsing snapshots and vmmap -p listings,
diffing two snapshots, the words for a change, collapsing, and the page."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import vmpictures  # noqa: E402  (found through the path above)

TWO_STEPS = """\
osv: booting\r
vmsnap begin heap-touch "Heap pages written."\r
vmsnap proc 2 parent\r
vmsnap region code r-x 0x400000 0x401000 1\r
vmsnap page code r-x 0x400000 private 1 0x1e2000\r
vmsnap region heap rw- 0x40a000 0x40d000 2\r
vmsnap page heap rw- 0x40a000 private 1 0x1d6000\r
vmsnap page heap rw- 0x40c000 private 1 0x1d7000\r
vmsnap end heap-touch\r
some other console line\r
vmsnap begin fork "After fork."\r
vmsnap proc 2 parent\r
vmsnap region code r-x 0x400000 0x401000 1\r
vmsnap page code r-x 0x400000 shared 2 0x1e2000\r
vmsnap region heap rw- 0x40a000 0x40b000 1\r
vmsnap page heap rw- 0x40a000 private 1 0x1ff000\r
vmsnap proc 3 child\r
vmsnap region code r-x 0x400000 0x401000 1\r
vmsnap page code r-x 0x400000 shared 2 0x1e2000\r
vmsnap region heap rw- 0x40a000 0x40b000 1\r
vmsnap page heap r-- 0x40a000 cow-last 1 0x1d6000\r
vmsnap end fork\r
"""


class ParseTest(unittest.TestCase):
    def test_reads_vmsnap_blocks_among_other_lines(self):
        snaps = vmpictures.parse(TWO_STEPS)
        self.assertEqual([s.step for s in snaps], ["heap-touch", "fork"])
        self.assertEqual(snaps[0].caption, "Heap pages written.")
        self.assertEqual([(p.pid, p.label) for p in snaps[1].processes],
                         [(2, "parent"), (3, "child")])
        heap = snaps[0].processes[0].regions[1]
        self.assertEqual((heap.kind, heap.perm, heap.start, heap.end, heap.mapped),
                         ("heap", "rw-", 0x40A000, 0x40D000, 2))
        page = heap.pages[1]
        self.assertEqual((page.va, page.perm, page.sharing, page.refs, page.frame),
                         (0x40C000, "rw-", "private", 1, 0x1D7000))

    def test_drops_a_snapshot_without_end(self):
        text = TWO_STEPS.replace("vmsnap end fork", "")
        self.assertEqual([s.step for s in vmpictures.parse(text)], ["heap-touch"])

    def test_reads_vmmap_listings_with_the_pid_of_the_command(self):
        text = (
            "$ vmmap -p 2\n"
            "region 0x400000-0x402000 r-x code 1/2 pages\n"
            "  page 0x400000 r-x refs 1 private -> frame 0x1da000\n"
            "region 0x408000-0x802000 rw- heap 1/1018 pages\n"
            "  page 0x800000 r-- refs 1 cow-last -> frame 0x1e9000\n"
            "$ echo done\n"
            "region 0x400000-0x401000 r-x code 0/1 pages\n"
        )
        snaps = vmpictures.parse(text)
        self.assertEqual(len(snaps), 2)
        proc = snaps[0].processes[0]
        self.assertEqual(proc.pid, 2)
        heap = proc.regions[1]
        self.assertEqual(heap.kind, "heap")
        self.assertEqual([(p.va, p.kind, p.sharing) for p in heap.pages],
                         [(0x800000, "heap", "cow-last")])
        self.assertIsNone(snaps[1].processes[0].pid)


class DiffTest(unittest.TestCase):
    def setUp(self):
        self.before, self.after = vmpictures.parse(TWO_STEPS)
        self.changes = vmpictures.diff(self.before, self.after)

    def kinds(self):
        return {(c.proc.label, c.va): c.kind for c in self.changes.pages}

    def test_names_each_kind_of_page_change(self):
        self.assertEqual(self.kinds(), {
            ("parent", 0x400000): "state",  # private -> shared, refs 1 -> 2
            ("parent", 0x40A000): "frame",  # another frame
            ("parent", 0x40C000): "removed",
        })

    def test_a_new_process_is_new_and_its_pages_are_not_listed(self):
        self.assertEqual([p.label for p in self.changes.new_processes], ["child"])
        self.assertFalse([c for c in self.changes.pages if c.proc.label == "child"])

    def test_permission_change_on_the_same_frame(self):
        later = vmpictures.parse(TWO_STEPS.replace(
            "page heap r-- 0x40a000 cow-last", "page heap rw- 0x40a000 private"))[1]
        changes = vmpictures.diff(self.after, later)
        self.assertEqual([(c.proc.label, c.kind) for c in changes.pages], [("child", "perm")])

    def test_region_that_shrank(self):
        [(proc, region, old)] = self.changes.regions
        self.assertEqual((proc.label, region.kind, old.end, region.end),
                         ("parent", "heap", 0x40D000, 0x40B000))

    def test_gone_process(self):
        changes = vmpictures.diff(self.after, self.before)
        self.assertEqual([p.label for p in changes.gone_processes], ["child"])

    def test_first_snapshot_has_no_changes(self):
        changes = vmpictures.diff(None, self.before)
        self.assertFalse(changes.pages or changes.regions or changes.new_processes)

    def test_words_name_frames_not_addresses(self):
        names = vmpictures.FrameNames([self.before, self.after])
        words = "\n".join(vmpictures.describe(self.changes, names))
        self.assertIn("frame changed (a copy), now rw- private: heap 0x40a000 F2->F4", words)
        self.assertIn("parent: page unmapped (was rw- private): heap 0x40c000 (F3)", words)
        self.assertIn("New process: child (pid 3)", words)
        self.assertIn("heap region 0x40a000-0x40d000 -> 0x40a000-0x40b000 (-2 pages)", words)
        self.assertNotIn("0x1d6000", words)


class DrawTest(unittest.TestCase):
    def test_collapses_long_runs_of_alike_pages_and_absent_ones(self):
        pages = "".join("vmsnap page heap rw- 0x%x private 1 0x%x\n" % (0x500000 + i * 4096,
                                                                        0x100000 + i * 4096)
                        for i in range(20))
        text = ('vmsnap begin big "Big."\nvmsnap proc 1 p\n'
                "vmsnap region heap rw- 0x480000 0x600000 20\n%svmsnap end big\n" % pages)
        [snap] = vmpictures.parse(text)
        rows = vmpictures._rows(snap.processes[0], vmpictures.Changes())
        self.assertEqual([r.kind for r in rows],
                         ["header", "absent"] + ["page"] * 3 + ["more"] + ["page"] * 3
                         + ["absent"])
        self.assertIn("14 more pages rw- private", rows[5].text)
        self.assertIn("128 pages not mapped", rows[1].text)

    def test_page_has_a_figure_per_snapshot_and_an_arrow_per_page(self):
        snaps = vmpictures.parse(TWO_STEPS)
        page = vmpictures.render(snaps, "t", "test")
        self.assertEqual(page.count('<figure class="snapshot"'), 2)
        self.assertEqual(page.count('class="arrow"'), 3 + 4)
        self.assertEqual(page.count('class="ghost-arrow"'), 1)  # 0x40c000, unmapped
        self.assertIn('data-freed="yes"', page)
        self.assertNotIn("<script", page)
        self.assertNotIn("http://", page.replace("http://www.w3.org/2000/svg", ""))


if __name__ == "__main__":
    unittest.main()
