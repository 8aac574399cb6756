/*
 * test_vm_map_move.c - host tests of pages moved out of one task's map and
 * into another's as an out-of-line item with the deallocate bit travels
 * (kernel/vm/vm_map.c's vm_map_extract and vm_map_enter_frames, unchanged,
 * over tests/host/vm_stubs.c), -m32.
 *
 * Taking pages out: from the whole of a region, its front, its back and
 * its middle (the one case that makes a record), from two regions at once,
 * and the refusals (a page without user access, a hole, no memory for the
 * record), each with the frames handed out being the ones the task mapped,
 * the task losing exactly those pages, and the rest of its map untouched.
 * Putting them in: a range that a neighbour below, above, both or neither
 * can grow over, with the region records that leaves (no record is made
 * where a neighbour grows, so no allocation can fail there) and the map
 * staying coalesced. Every case ends with the map's invariants and the
 * heap holding exactly its records (CHECK_MAP).
 */
#include "vm_map_testutil.h"

#define A VM_ANYWHERE_MIN

/* The frames t maps at [va, va + n pages). */
static void frames_of(struct task *t, uintptr_t va, size_t n, uintptr_t *f)
{
	for (size_t i = 0; i < n; i++)
		f[i] = frame_of(t, va + i * P);
}

/* Take n pages at va out of t: the frames must be want's, the pages gone,
 * and t charged for them no more. */
static void take(struct task *t, uintptr_t va, size_t n, const uintptr_t *want, const char *what)
{
	uintptr_t out[8] = { 0 };
	size_t pages = t->pmap.user_pages;
	CHECK(vm_map_extract(t, va, n, out) == KERN_SUCCESS, "%s: extracted", what);
	for (size_t i = 0; i < n; i++)
		CHECK(out[i] == want[i] && stub_frame_state(out[i]) == 1, "%s: frame %zu handed out", what, i);
	CHECK(absent(t, va, n) && t->pmap.user_pages == pages - n, "%s: the task lost them", what);
	CHECK_MAP(t);
	for (size_t i = 0; i < n; i++)
		pmm_free_page(out[i]);
}

static void test_extract_from_one_region(void)
{
	struct task *t = stub_task_new(1 << 20);
	uintptr_t f[8];
	CHECK(fixed(t, A, 8, RW) == KERN_SUCCESS, "8 pages");
	frames_of(t, A, 8, f);
	take(t, A + 3 * P, 2, &f[3], "middle");
	CHECK(t->map.nregions == 2 && reg_is(t, 0, A, A + 3 * P, RW, VM_PROT_ALL, VM_INHERIT_DEFAULT) &&
	      reg_is(t, 1, A + 5 * P, A + 8 * P, RW, VM_PROT_ALL, VM_INHERIT_DEFAULT), "split around the hole");
	take(t, A, 1, &f[0], "front");
	CHECK(t->map.nregions == 2 && reg_is(t, 0, A + P, A + 3 * P, RW, VM_PROT_ALL, VM_INHERIT_DEFAULT),
	      "the front cut");
	take(t, A + 7 * P, 1, &f[7], "back");
	CHECK(t->map.nregions == 2 && reg_is(t, 1, A + 5 * P, A + 7 * P, RW, VM_PROT_ALL, VM_INHERIT_DEFAULT),
	      "the back cut");
	take(t, A + P, 2, &f[1], "whole");
	CHECK(t->map.nregions == 1 && reg_is(t, 0, A + 5 * P, A + 7 * P, RW, VM_PROT_ALL, VM_INHERIT_DEFAULT),
	      "the record went with its pages");
	CHECK(frame_of(t, A + 5 * P) == f[5] && frame_of(t, A + 6 * P) == f[6] && pages_are(t, A + 5 * P, 2, RW),
	      "the rest untouched");
	finish(t, 0);
}

static void test_extract_refusals(void)
{
	struct task *t = stub_task_new(1 << 20);
	uintptr_t f[7], junk[4] = { 0 };
	CHECK(fixed(t, A, 3, RW) == KERN_SUCCESS && fixed(t, A + 3 * P, 2, VM_PROT_READ) == KERN_SUCCESS &&
	      fixed(t, A + 5 * P, 2, VM_PROT_NONE) == KERN_SUCCESS, "three regions");
	frames_of(t, A, 7, f);
	CHECK(vm_map_extract(t, A + 5 * P, 1, junk) == KERN_INVALID_ADDRESS &&
	      vm_map_extract(t, A + 4 * P, 2, junk) == KERN_INVALID_ADDRESS &&
	      vm_map_extract(t, A + 6 * P, 2, junk) == KERN_INVALID_ADDRESS && !junk[0],
	      "no page without user access, and no hole, is taken");
	stub_kalloc_fail_after = 0;
	CHECK(vm_map_extract(t, A + 3 * P, 1, junk) == KERN_SUCCESS, "a front cut needs no record");
	stub_kalloc_fail_after = -1;
	CHECK(junk[0] == f[3] && absent(t, A + 3 * P, 1), "its frame");
	pmm_free_page(junk[0]);
	CHECK(fixed(t, A + 3 * P, 1, VM_PROT_READ) == KERN_SUCCESS, "back");
	frames_of(t, A, 7, f);
	junk[0] = 0;
	stub_kalloc_fail_after = 0;
	CHECK(vm_map_extract(t, A + P, 1, junk) == KERN_RESOURCE_SHORTAGE && !junk[0], "a middle cut without memory");
	stub_kalloc_fail_after = -1;
	CHECK(frame_of(t, A + P) == f[1] && pages_are(t, A, 3, RW) && t->map.nregions == 3, "changes nothing");
	CHECK_MAP(t);
	take(t, A + 2 * P, 2, &f[2], "across two regions");
	CHECK(t->map.nregions == 3 && reg_is(t, 0, A, A + 2 * P, RW, VM_PROT_ALL, VM_INHERIT_DEFAULT) &&
	      reg_is(t, 1, A + 4 * P, A + 5 * P, VM_PROT_READ, VM_PROT_ALL, VM_INHERIT_DEFAULT), "each cut");
	finish(t, 0);
}

/* Enter n fresh frames anywhere in t (with no_alloc, the heap refusing
 * any record) and check they went to want, read and write, with the
 * regions then numbering nregions. */
static void put(struct task *t, size_t n, bool no_alloc, uintptr_t want, uint32_t nregions, const char *what)
{
	uintptr_t f[4], a = 0;
	for (size_t i = 0; i < n; i++)
		f[i] = pmm_alloc_page();
	stub_kalloc_fail_after = no_alloc ? 0 : -1;
	kern_return_t kr = vm_map_enter_frames(t, &a, f, n);
	stub_kalloc_fail_after = -1;
	CHECK(kr == KERN_SUCCESS && a == want, "%s: kr %d at %#lx", what, kr, (unsigned long)a);
	for (size_t i = 0; i < n; i++)
		CHECK(frame_of(t, a + i * P) == f[i], "%s: frame %zu", what, i);
	CHECK(pages_are(t, a, n, RW) && t->map.nregions == nregions, "%s: %u regions", what,
	      (unsigned)t->map.nregions);
	CHECK_MAP(t);
}

/* Entering f fails with kr and leaves t as it was, f with the caller. */
static void refused(struct task *t, uintptr_t f, kern_return_t want, uintptr_t at, const char *what)
{
	uintptr_t a = 0;
	uint32_t nregions = t->map.nregions;
	size_t pages = t->pmap.user_pages;
	CHECK(vm_map_enter_frames(t, &a, &f, 1) == want, "%s: refused", what);
	stub_kalloc_fail_after = stub_pmap_enter_fail_after = -1;
	CHECK(stub_frame_state(f) == 1 && absent(t, at, 1) && t->map.nregions == nregions &&
	      t->pmap.user_pages == pages, "%s: nothing changed", what);
	CHECK_MAP(t);
}

static void test_enter_merges(void)
{
	struct task *t = stub_task_new(1 << 20);
	/* RW at A, hole, RW, hole, read-only, hole, read-only, hole, RW. */
	bool ok = fixed(t, A, 9, RW) == KERN_SUCCESS;
	for (int i = 1; i < 9; i += 2)
		ok = ok && vm_map_remove(t, A + i * P, A + (i + 1) * P) == KERN_SUCCESS;
	ok = ok && vm_map_protect(t, A + 4 * P, A + 5 * P, false, VM_PROT_READ) == KERN_SUCCESS &&
	     vm_map_protect(t, A + 6 * P, A + 7 * P, false, VM_PROT_READ) == KERN_SUCCESS;
	CHECK(ok && t->map.nregions == 5, "five regions");
	uintptr_t f = pmm_alloc_page();
	stub_pmap_enter_fail_after = 0;
	refused(t, f, KERN_RESOURCE_SHORTAGE, A + P, "no page table");
	pmm_free_page(f);
	put(t, 1, true, A + P, 4, "between two RW regions: one region, no record made");
	CHECK(reg_is(t, 0, A, A + 3 * P, RW, VM_PROT_ALL, VM_INHERIT_DEFAULT), "[A, A + 3P)");
	put(t, 1, true, A + 3 * P, 4, "read-only above: the region below grows");
	CHECK(reg_is(t, 0, A, A + 4 * P, RW, VM_PROT_ALL, VM_INHERIT_DEFAULT) &&
	      reg_is(t, 1, A + 4 * P, A + 5 * P, VM_PROT_READ, VM_PROT_ALL, VM_INHERIT_DEFAULT), "[A, A + 4P)");
	f = pmm_alloc_page();
	stub_kalloc_fail_after = 0;
	refused(t, f, KERN_RESOURCE_SHORTAGE, A + 5 * P, "read-only both sides, no memory for a record");
	pmm_free_page(f);
	put(t, 1, false, A + 5 * P, 5, "read-only both sides: a record of its own");
	CHECK(reg_is(t, 2, A + 5 * P, A + 6 * P, RW, VM_PROT_ALL, VM_INHERIT_DEFAULT), "[A + 5P, A + 6P)");
	put(t, 1, true, A + 7 * P, 5, "read-only below, RW above: the region above grows down");
	CHECK(reg_is(t, 4, A + 7 * P, A + 9 * P, RW, VM_PROT_ALL, VM_INHERIT_DEFAULT), "[A + 7P, A + 9P)");
	put(t, 2, true, A + 9 * P, 5, "past the last region: it grows");
	CHECK(reg_is(t, 4, A + 7 * P, A + 11 * P, RW, VM_PROT_ALL, VM_INHERIT_DEFAULT), "[A + 7P, A + 11P)");
	finish(t, 0);
}

int main(void)
{
	stub_pmm_reset(POOL);
	test_extract_from_one_region();
	test_extract_refusals();
	test_enter_merges();
	return check_summary();
}
