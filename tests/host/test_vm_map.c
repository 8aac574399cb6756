/*
 * test_vm_map.c - host tests of a task's address map (kernel/vm/vm_map.c,
 * unchanged, over tests/host/vm_stubs.c), -m32.
 *
 * Directed cases: allocation anywhere (first fit from VM_ANYWHERE_MIN, then
 * below it, never page 0, skipping pages mapped outside any region) and at
 * a fixed address (overlap, alignment, kernel space, wrap-around), partial
 * deallocation splitting regions, protection (page bits follow it,
 * VM_PROT_NONE keeps pages without user access, the maximum cannot be
 * exceeded nor raised), inheritance, coalescing, the region cap, the task's
 * page limit and physical shortage (nothing left behind on any failure),
 * and frames moved out and in as the out-of-line message code does
 * (vm_map_extract, vm_map_enter_frames).  Every case ends by destroying
 * the task: no region record and no frame may remain.
 * The randomized model test is test_vm_map_model.c.
 */
#include <string.h>

#include "vm_map_testutil.h"

static uintptr_t anywhere(struct task *t, size_t pages, kern_return_t *kr)
{
	uintptr_t a = 0;
	*kr = vm_map_allocate(t, &a, pages * P, true, RW);
	return a;
}

static void test_anywhere(void)
{
	struct task *t = stub_task_new(1 << 20);
	kern_return_t kr;
	CHECK(anywhere(t, 1, &kr) == VM_ANYWHERE_MIN && kr == KERN_SUCCESS, "first at the minimum");
	CHECK(anywhere(t, 1, &kr) == VM_ANYWHERE_MIN + P, "second after it");
	CHECK(t->map.nregions == 1 && reg_is(t, 0, VM_ANYWHERE_MIN, VM_ANYWHERE_MIN + 2 * P, RW, VM_PROT_ALL,
					     VM_INHERIT_DEFAULT), "coalesced into one region");
	CHECK(fixed(t, 0x403000, 1, RW) == KERN_SUCCESS, "fixed");
	CHECK(anywhere(t, 2, &kr) == 0x404000, "2 pages skip the 1-page hole");
	CHECK(anywhere(t, 1, &kr) == 0x402000, "1 page fills it");
	CHECK(t->map.nregions == 1 && pages_are(t, 0x400000, 6, RW), "[0x400000, 0x406000) one region");
	CHECK(stub_map_foreign(t, 0x406000), "a foreign page");
	CHECK(stub_map_foreign(t, 0x409000), "a foreign page");
	CHECK(anywhere(t, 1, &kr) == 0x407000, "a foreign page is skipped");
	CHECK(anywhere(t, 2, &kr) == 0x40A000, "a range holding a foreign page is skipped");
	CHECK(anywhere(t, 1, &kr) == 0x408000, "first fit below the foreign page");
	uintptr_t a = 0x50000000;
	CHECK(vm_map_allocate(t, &a, P, true, RW) == KERN_SUCCESS && a == 0x40C000, "*addr ignored: %#lx",
	      (unsigned long)a);
	CHECK(t->pmap.user_pages == 13 && stub_pmm_outstanding == 13, "11 pages + 2 foreign");
	finish(t, 0);
}

/* The whole space above VM_ANYWHERE_MIN taken: anywhere falls back below it. */
static void test_anywhere_low(void)
{
	stub_pmm_reset(0xC1000);
	struct task *t = stub_task_new(SIZE_MAX);
	kern_return_t kr;
	CHECK(fixed(t, VM_ANYWHERE_MIN, (USER_TOP - VM_ANYWHERE_MIN) / P, RW) == KERN_SUCCESS, "all above");
	CHECK(t->map.nregions == 1 && page_is(t, USER_TOP - P, RW), "up to the last user page");
	CHECK(stub_map_foreign(t, USER_BASE), "a foreign page");
	CHECK(anywhere(t, 1, &kr) == 0x2000 && kr == KERN_SUCCESS, "not page 0, not the foreign page 1");
	CHECK(anywhere(t, 4, &kr) == 0x3000, "first fit low");
	CHECK(fixed(t, 0, 1, RW) == KERN_INVALID_ADDRESS, "page 0 is never user space");
	size_t before = stub_pmm_outstanding;
	CHECK(anywhere(t, (VM_ANYWHERE_MIN - 0x7000) / P, &kr) == 0x7000, "the rest of the low space");
	anywhere(t, 1, &kr);
	CHECK(kr == KERN_NO_SPACE, "full: %d", kr);
	CHECK(stub_pmm_outstanding == before + (VM_ANYWHERE_MIN - 0x7000) / P, "no frame taken by the refusal");
	CHECK(vm_map_remove(t, 0x3000, 0x4000) == KERN_SUCCESS, "a 1-page hole");
	anywhere(t, 2, &kr);
	CHECK(kr == KERN_NO_SPACE, "2 pages do not fit in it");
	CHECK(anywhere(t, 1, &kr) == 0x3000 && kr == KERN_SUCCESS, "1 page does");
	finish(t, 0);
	stub_pmm_reset(POOL);
}

static void test_fixed(void)
{
	struct task *t = stub_task_new(1 << 20);
	CHECK(fixed(t, 0x500000, 4, RW) == KERN_SUCCESS, "4 pages");
	static const struct { uintptr_t a; size_t n; int kr; } bad[] = {
		{ 0x500000, 4, KERN_NO_SPACE }, { 0x4FF000, 2, KERN_NO_SPACE }, { 0x503000, 2, KERN_NO_SPACE },
		{ 0x4FE000, 8, KERN_NO_SPACE }, { 0x501000, 1, KERN_NO_SPACE }, { 0x500800, 1, KERN_INVALID_ARGUMENT },
		{ 0, 1, KERN_INVALID_ADDRESS }, { KERNBASE, 1, KERN_INVALID_ADDRESS },
		{ USER_TOP - P, 2, KERN_INVALID_ADDRESS }, { USER_TOP, 1, KERN_INVALID_ADDRESS },
		{ 0xFFFFF000, 1, KERN_INVALID_ADDRESS }, { 0xFFFFF000, 2, KERN_INVALID_ADDRESS },
		{ 0x700000, 0, KERN_INVALID_ARGUMENT },
	};
	for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		kern_return_t kr = fixed(t, bad[i].a, bad[i].n, RW);
		CHECK(kr == bad[i].kr, "[%#lx, +%zu pages): %d, expected %d", (unsigned long)bad[i].a, bad[i].n, kr,
		      bad[i].kr);
	}
	uintptr_t a = 0x700000;
	CHECK(vm_map_allocate(t, &a, 100, false, RW) == KERN_INVALID_ARGUMENT, "size not a page multiple");
	CHECK(t->map.nregions == 1 && stub_pmm_outstanding == 4 && t->pmap.user_pages == 4, "refusals change nothing");
	CHECK(fixed(t, USER_TOP - P, 1, RW) == KERN_SUCCESS && page_is(t, USER_TOP - P, RW), "last user page");
	CHECK(fixed(t, USER_BASE, 1, VM_PROT_READ) == KERN_SUCCESS && page_is(t, USER_BASE, VM_PROT_READ),
	      "first user page, read-only");
	CHECK(stub_map_foreign(t, 0x600000), "a foreign page");
	CHECK(fixed(t, 0x5FF000, 2, RW) == KERN_NO_SPACE, "a foreign page is taken");
	CHECK(fixed(t, 0x601000, 1, RW) == KERN_SUCCESS, "next to it is free");
	CHECK(t->map.nregions == 4, "the foreign page splits regions: %u", (unsigned)t->map.nregions);
	finish(t, 0);
}

static void test_deallocate(void)
{
	struct task *t = stub_task_new(1 << 20);
	const uintptr_t A = 0x800000;
	uintptr_t f[8];
	CHECK(fixed(t, A, 8, RW) == KERN_SUCCESS, "8 pages");
	CHECK(vm_map_protect(t, A, A + 8 * P, false, VM_PROT_READ) == KERN_SUCCESS &&
	      vm_map_inherit(t, A, A + 8 * P, VM_INHERIT_SHARE) == KERN_SUCCESS, "attributes");
	for (int i = 0; i < 8; i++)
		f[i] = frame_of(t, A + i * P);
	CHECK(vm_map_remove(t, A, A + 2 * P) == KERN_SUCCESS, "front");
	CHECK(absent(t, A, 2) && stub_frame_state(f[0]) == 0 && stub_frame_state(f[1]) == 0, "front freed");
	CHECK(t->map.nregions == 1 && reg_is(t, 0, A + 2 * P, A + 8 * P, VM_PROT_READ, VM_PROT_ALL,
					     VM_INHERIT_SHARE), "front cut off, attributes kept");
	CHECK(vm_map_remove(t, A + 6 * P, A + 8 * P) == KERN_SUCCESS && absent(t, A + 6 * P, 2), "back");
	CHECK(reg_is(t, 0, A + 2 * P, A + 6 * P, VM_PROT_READ, VM_PROT_ALL, VM_INHERIT_SHARE), "back cut off");
	CHECK(vm_map_remove(t, A + 3 * P, A + 4 * P) == KERN_SUCCESS && absent(t, A + 3 * P, 1), "middle");
	CHECK(t->map.nregions == 2 && reg_is(t, 0, A + 2 * P, A + 3 * P, VM_PROT_READ, VM_PROT_ALL, VM_INHERIT_SHARE)
	      && reg_is(t, 1, A + 4 * P, A + 6 * P, VM_PROT_READ, VM_PROT_ALL, VM_INHERIT_SHARE), "split in two");
	CHECK(frame_of(t, A + 2 * P) == f[2] && frame_of(t, A + 4 * P) == f[4] && frame_of(t, A + 5 * P) == f[5] &&
	      pages_are(t, A + 4 * P, 2, VM_PROT_READ), "the rest keeps its frames and bits");
	CHECK(stub_pmm_outstanding == 3 && t->pmap.user_pages == 3, "%zu frames", stub_pmm_outstanding);
	CHECK(vm_map_remove(t, 0x10000000, 0x10004000) == KERN_SUCCESS, "nothing there: fine");
	CHECK(vm_map_remove(t, A + 1, A + P) == KERN_INVALID_ADDRESS &&
	      vm_map_remove(t, A + 4 * P, A + 2 * P) == KERN_INVALID_ADDRESS &&
	      vm_map_remove(t, USER_TOP - P, USER_TOP + P) == KERN_INVALID_ADDRESS &&
	      vm_map_remove(t, KERNBASE, KERNBASE + P) == KERN_INVALID_ADDRESS &&
	      vm_map_remove(t, 0, P) == KERN_INVALID_ADDRESS, "bad ranges refused");
	CHECK(t->map.nregions == 2 && stub_pmm_outstanding == 3, "refusals change nothing");
	uintptr_t foreign = stub_map_foreign(t, A + 10 * P);
	CHECK(foreign, "a foreign page");
	CHECK(vm_map_remove(t, A, A + 16 * P) == KERN_SUCCESS, "a range with holes and a foreign page");
	CHECK(t->map.nregions == 0 && absent(t, A, 10) && frame_of(t, A + 10 * P) == foreign,
	      "all regions gone, the foreign page kept");
	CHECK(stub_pmm_outstanding == 1 && t->pmap.user_pages == 1, "only the foreign frame left");
	finish(t, 0);
}

static void test_protect(void)
{
	struct task *t = stub_task_new(1 << 20);
	const uintptr_t A = 0x900000, B = 0xA00000;
	CHECK(fixed(t, A, 4, RW) == KERN_SUCCESS, "4 pages");
	CHECK(vm_map_protect(t, A + P, A + 3 * P, false, VM_PROT_READ) == KERN_SUCCESS, "middle read-only");
	CHECK(page_is(t, A, RW) && pages_are(t, A + P, 2, VM_PROT_READ) && page_is(t, A + 3 * P, RW),
	      "page bits follow");
	CHECK(t->map.nregions == 3, "split in three");
	CHECK(vm_map_protect(t, A + P, A + 3 * P, false, RW) == KERN_SUCCESS && t->map.nregions == 1, "merged back");
	CHECK(vm_map_protect(t, A, A + 4 * P, false, VM_PROT_NONE) == KERN_SUCCESS, "none");
	uintptr_t pa;
	CHECK(pages_are(t, A, 4, VM_PROT_NONE) && !pmap_lookup(&t->pmap, A, &pa, NULL), "kept, no user access");
	CHECK(t->pmap.user_pages == 4 && stub_pmm_outstanding == 4, "still counted");
	CHECK(vm_map_protect(t, A, A + 4 * P, false, VM_PROT_EXECUTE) == KERN_SUCCESS &&
	      pages_are(t, A, 4, VM_PROT_READ), "execute: readable, not writable");
	CHECK(vm_map_protect(t, A, A + 4 * P, false, VM_PROT_ALL) == KERN_SUCCESS && pages_are(t, A, 4, RW), "all");
	CHECK(vm_map_protect(t, A + 2 * P, A + 4 * P, true, VM_PROT_READ) == KERN_SUCCESS, "max read");
	CHECK(reg_is(t, 0, A, A + 2 * P, VM_PROT_ALL, VM_PROT_ALL, VM_INHERIT_DEFAULT) &&
	      reg_is(t, 1, A + 2 * P, A + 4 * P, VM_PROT_READ, VM_PROT_READ, VM_INHERIT_DEFAULT),
	      "lowering the max lowers the protection");
	CHECK(pages_are(t, A, 2, RW) && pages_are(t, A + 2 * P, 2, VM_PROT_READ), "bits follow");
	CHECK(vm_map_protect(t, A, A + 4 * P, false, RW) == KERN_PROTECTION_FAILURE, "beyond the max");
	CHECK(t->map.nregions == 2 && pages_are(t, A, 2, RW) && pages_are(t, A + 2 * P, 2, VM_PROT_READ),
	      "refused as a whole");
	CHECK(vm_map_protect(t, A + 2 * P, A + 4 * P, false, VM_PROT_NONE) == KERN_SUCCESS &&
	      vm_map_protect(t, A + 2 * P, A + 4 * P, false, VM_PROT_READ) == KERN_SUCCESS, "within the max");
	CHECK(vm_map_protect(t, A + 3 * P, A + 5 * P, false, VM_PROT_NONE) == KERN_INVALID_ADDRESS, "a hole");
	CHECK(vm_map_protect(t, A, A + 4 * P, false, 8) == KERN_INVALID_ARGUMENT, "bad protection");
	CHECK(vm_map_protect(t, A + 1, A + P, false, VM_PROT_READ) == KERN_INVALID_ADDRESS, "unaligned");
	CHECK(vm_map_protect(t, KERNBASE, KERNBASE + P, false, VM_PROT_READ) == KERN_INVALID_ADDRESS, "kernel");
	CHECK(t->map.nregions == 2 && pages_are(t, A + 2 * P, 2, VM_PROT_READ) && pages_are(t, A, 2, RW),
	      "refusals change nothing");
	CHECK(fixed(t, B, 2, VM_PROT_NONE) == KERN_SUCCESS && pages_are(t, B, 2, VM_PROT_NONE) &&
	      reg_is(t, 2, B, B + 2 * P, VM_PROT_NONE, VM_PROT_ALL, VM_INHERIT_DEFAULT), "allocated inaccessible");
	CHECK_MAP(t);
	/* Mach: "an attempt to increase the current or maximum protection
	 * beyond the existing maximum" is KERN_PROTECTION_FAILURE, so a
	 * maximum, once lowered, can never be raised again. */
	kern_return_t kr = vm_map_protect(t, A + 2 * P, A + 4 * P, true, VM_PROT_ALL);
	CHECK(kr == KERN_PROTECTION_FAILURE, "raising the max of read-only pages: %d", kr);
	CHECK(reg(t, 1)->max_prot == VM_PROT_READ, "max raised to %d", reg(t, 1)->max_prot);
	finish(t, 0);
}

static void test_inherit(void)
{
	struct task *t = stub_task_new(1 << 20);
	const uintptr_t A = 0x900000;
	CHECK(fixed(t, A, 4, RW) == KERN_SUCCESS, "4 pages");
	uintptr_t f1 = frame_of(t, A + P);
	CHECK(vm_map_inherit(t, A + P, A + 2 * P, VM_INHERIT_SHARE) == KERN_SUCCESS && t->map.nregions == 3 &&
	      reg_is(t, 1, A + P, A + 2 * P, RW, VM_PROT_ALL, VM_INHERIT_SHARE), "middle shared");
	CHECK(pages_are(t, A, 4, RW) && frame_of(t, A + P) == f1, "pages untouched");
	CHECK(vm_map_inherit(t, A + P, A + 2 * P, VM_INHERIT_COPY) == KERN_SUCCESS && t->map.nregions == 1, "back");
	CHECK(vm_map_inherit(t, A, A + 4 * P, VM_INHERIT_NONE) == KERN_SUCCESS &&
	      reg_is(t, 0, A, A + 4 * P, RW, VM_PROT_ALL, VM_INHERIT_NONE), "none");
	CHECK(vm_map_inherit(t, A, A + P, VM_INHERIT_DONATE_COPY) == KERN_INVALID_ARGUMENT &&
	      vm_map_inherit(t, A, A + P, -1) == KERN_INVALID_ARGUMENT, "bad values");
	CHECK(vm_map_inherit(t, A, A + 5 * P, VM_INHERIT_SHARE) == KERN_INVALID_ADDRESS, "a hole");
	CHECK(reg_is(t, 0, A, A + 4 * P, RW, VM_PROT_ALL, VM_INHERIT_NONE), "refusals change nothing");
	finish(t, 0);
}

static void test_coalesce(void)
{
	struct task *t = stub_task_new(1 << 20);
	const uintptr_t A = VM_ANYWHERE_MIN, B = 0x800000;
	CHECK(fixed(t, A, 2, RW) == KERN_SUCCESS && fixed(t, A + 4 * P, 2, RW) == KERN_SUCCESS &&
	      fixed(t, A + 2 * P, 2, VM_PROT_READ) == KERN_SUCCESS && t->map.nregions == 3, "three regions");
	CHECK(vm_map_protect(t, A + 2 * P, A + 4 * P, false, RW) == KERN_SUCCESS && t->map.nregions == 1 &&
	      reg_is(t, 0, A, A + 6 * P, RW, VM_PROT_ALL, VM_INHERIT_DEFAULT), "equal again: one");
	CHECK(fixed(t, A + 6 * P, 1, RW) == KERN_SUCCESS && reg_is(t, 0, A, A + 7 * P, RW, VM_PROT_ALL,
								   VM_INHERIT_DEFAULT), "touching: merged");
	CHECK(fixed(t, B + P, 1, VM_PROT_NONE) == KERN_SUCCESS && fixed(t, B, 1, VM_PROT_NONE) == KERN_SUCCESS &&
	      t->map.nregions == 2 && reg_is(t, 1, B, B + 2 * P, VM_PROT_NONE, VM_PROT_ALL, VM_INHERIT_DEFAULT),
	      "merged from below");
	uintptr_t fr[2] = { pmm_alloc_page(), pmm_alloc_page() }, a;
	CHECK(vm_map_enter_frames(t, &a, fr, 2) == KERN_SUCCESS && a == A + 7 * P, "frames first fit");
	CHECK(t->map.nregions == 2 && reg_is(t, 0, A, A + 9 * P, RW, VM_PROT_ALL, VM_INHERIT_DEFAULT),
	      "entered frames merge too");
	finish(t, 0);
}

/* 4095 regions: one of 3 pages at C, 4094 single pages after it. */
static void test_region_cap(void)
{
	struct task *t = stub_task_new(1 << 20);
	const uintptr_t C = 0x1000000, X = 0x20000000;
	kern_return_t kr;
	bool ok = fixed(t, C, 3, RW) == KERN_SUCCESS;
	for (unsigned i = 0; i < VM_MAP_MAX_REGIONS - 2; i++)
		ok &= fixed(t, C + (4 + 2 * i) * P, 1, RW) == KERN_SUCCESS;
	CHECK(ok && t->map.nregions == VM_MAP_MAX_REGIONS - 1, "%u regions", (unsigned)t->map.nregions);
	CHECK(fixed(t, X, 1, RW) == KERN_SUCCESS && t->map.nregions == VM_MAP_MAX_REGIONS, "the last one");
	size_t frames = stub_pmm_outstanding;
	int prints = stub_kprintf_calls;
	CHECK(fixed(t, X + 2 * P, 1, RW) == KERN_RESOURCE_SHORTAGE, "one more refused");
	CHECK(stub_kprintf_calls > prints && strstr(stub_kprintf_last, "regions"), "with a warning");
	anywhere(t, 1, &kr);
	CHECK(kr == KERN_RESOURCE_SHORTAGE, "anywhere too: %d", kr);
	CHECK(vm_map_protect(t, C + P, C + 2 * P, false, VM_PROT_READ) == KERN_RESOURCE_SHORTAGE &&
	      vm_map_inherit(t, C + P, C + 2 * P, VM_INHERIT_NONE) == KERN_RESOURCE_SHORTAGE, "no split");
	CHECK(t->map.nregions == VM_MAP_MAX_REGIONS && stub_pmm_outstanding == frames && pages_are(t, C, 3, RW) &&
	      absent(t, X + 2 * P, 1), "refusals change nothing");
	CHECK(vm_map_protect(t, X, X + P, false, VM_PROT_READ) == KERN_SUCCESS, "a whole region needs no split");
	CHECK(vm_map_remove(t, X, X + P) == KERN_SUCCESS && t->map.nregions == VM_MAP_MAX_REGIONS - 1, "back to 4095");
	CHECK(vm_map_protect(t, C + P, C + 2 * P, false, VM_PROT_READ) == KERN_RESOURCE_SHORTAGE &&
	      t->map.nregions == VM_MAP_MAX_REGIONS - 1 && pages_are(t, C, 3, RW), "a 3-way split is refused whole");
	CHECK_MAP(t);
	/* Removing the middle page leaves 4096 regions: the one split it
	 * needs fits (test_remove_at_cap has the refusal at 4096). */
	kr = vm_map_remove(t, C + P, C + 2 * P);
	CHECK(kr == KERN_SUCCESS && absent(t, C + P, 1) && t->map.nregions == VM_MAP_MAX_REGIONS,
	      "vm_map_remove at the cap: kr %d, %u regions", kr, (unsigned)t->map.nregions);
	CHECK(!stub_map_invalid(&t->map), "after vm_map_remove: %s", stub_map_invalid(&t->map));
	/* Back to 4095 with the page refilled: a single page goes, the
	 * refill merges the three, the single page comes back. */
	CHECK(vm_map_remove(t, C + 4 * P, C + 5 * P) == KERN_SUCCESS, "a whole region");
	CHECK(fixed(t, C + P, 1, RW) == KERN_SUCCESS, "refill");
	vm_map_inherit(t, C, C + P, VM_INHERIT_DEFAULT);	/* coalesces the whole map */
	CHECK(fixed(t, C + 4 * P, 1, RW) == KERN_SUCCESS, "the single page back");
	vm_map_inherit(t, C + 4 * P, C + 5 * P, VM_INHERIT_DEFAULT);	/* coalesces the whole map */
	CHECK(t->map.nregions == VM_MAP_MAX_REGIONS - 1, "%u regions", (unsigned)t->map.nregions);
	uintptr_t out[1] = { 0 };
	kr = vm_map_extract(t, C + P, 1, out);
	CHECK(kr == KERN_SUCCESS ? out[0] && absent(t, C + P, 1) && t->map.nregions == VM_MAP_MAX_REGIONS
	      : kr == KERN_RESOURCE_SHORTAGE && page_is(t, C + P, RW) && t->map.nregions == VM_MAP_MAX_REGIONS - 1,
	      "vm_map_extract at the cap: kr %d, %u regions", kr, (unsigned)t->map.nregions);
	CHECK(!stub_map_invalid(&t->map), "after vm_map_extract: %s", stub_map_invalid(&t->map));
	if (out[0])
		pmm_free_page(out[0]);
	vm_map_inherit(t, C + 4 * P, C + 5 * P, VM_INHERIT_DEFAULT);
	finish(t, 0);
}

/* vm_map_remove at the cap (4096 regions: 5 pages at C, 4094 single pages
 * after it, one at X): trimming a region's head or tail, or dropping whole
 * regions, makes no record and succeeds; only a hole in one region's middle
 * needs one, and is refused with nothing changed. */
static void test_remove_at_cap(void)
{
	struct task *t = stub_task_new(1 << 20);
	const uintptr_t C = 0x1000000, X = 0x20000000;
	bool ok = fixed(t, C, 5, RW) == KERN_SUCCESS;
	for (unsigned i = 0; i < VM_MAP_MAX_REGIONS - 2; i++)
		ok &= fixed(t, C + (6 + 2 * i) * P, 1, RW) == KERN_SUCCESS;
	ok &= fixed(t, X, 1, RW) == KERN_SUCCESS;
	CHECK(ok && t->map.nregions == VM_MAP_MAX_REGIONS, "%u regions", (unsigned)t->map.nregions);
	size_t frames = stub_pmm_outstanding;
	CHECK(vm_map_remove(t, C + 2 * P, C + 3 * P) == KERN_RESOURCE_SHORTAGE, "a hole in the middle is refused");
	CHECK(t->map.nregions == VM_MAP_MAX_REGIONS && stub_pmm_outstanding == frames && pages_are(t, C, 5, RW) &&
	      reg_is(t, 0, C, C + 5 * P, RW, VM_PROT_ALL, VM_INHERIT_DEFAULT), "and changes nothing");
	CHECK_MAP(t);
	CHECK(vm_map_remove(t, C, C + P) == KERN_SUCCESS && absent(t, C, 1) && pages_are(t, C + P, 4, RW) &&
	      t->map.nregions == VM_MAP_MAX_REGIONS && reg_is(t, 0, C + P, C + 5 * P, RW, VM_PROT_ALL, VM_INHERIT_DEFAULT),
	      "a head trimmed in place at the cap");
	CHECK(vm_map_remove(t, C + 4 * P, C + 5 * P) == KERN_SUCCESS && absent(t, C + 4 * P, 1) &&
	      t->map.nregions == VM_MAP_MAX_REGIONS && reg_is(t, 0, C + P, C + 4 * P, RW, VM_PROT_ALL, VM_INHERIT_DEFAULT),
	      "a tail trimmed in place at the cap");
	CHECK(stub_pmm_outstanding == frames - 2, "two frames freed: %zu of %zu", stub_pmm_outstanding, frames);
	/* From the middle of the first region across the next two and half
	 * way (a hole) up to the third: its tail trimmed, two dropped. */
	CHECK(vm_map_remove(t, C + 3 * P, C + 9 * P) == KERN_SUCCESS && absent(t, C + 3 * P, 6) &&
	      pages_are(t, C + P, 2, RW) && page_is(t, C + 10 * P, RW) && t->map.nregions == VM_MAP_MAX_REGIONS - 2 &&
	      reg_is(t, 0, C + P, C + 3 * P, RW, VM_PROT_ALL, VM_INHERIT_DEFAULT) &&
	      reg_is(t, 1, C + 10 * P, C + 11 * P, RW, VM_PROT_ALL, VM_INHERIT_DEFAULT), "across regions in one walk");
	CHECK(stub_pmm_outstanding == frames - 5, "five frames freed: %zu of %zu", stub_pmm_outstanding, frames);
	CHECK_MAP(t);
	CHECK(vm_map_remove(t, C + 2 * P, C + 3 * P) == KERN_SUCCESS && absent(t, C + 2 * P, 1), "a tail below the cap");
	CHECK(vm_map_remove(t, X + P, X + 4 * P) == KERN_SUCCESS && t->map.nregions == VM_MAP_MAX_REGIONS - 2,
	      "nothing there: nothing changed");
	CHECK_MAP(t);
	finish(t, 0);
}

static void test_page_limit(void)
{
	struct task *t = stub_task_new(10);
	kern_return_t kr;
	uintptr_t a = anywhere(t, 8, &kr);
	CHECK(kr == KERN_SUCCESS, "8 of 10");
	int prints = stub_kprintf_calls;
	anywhere(t, 3, &kr);
	CHECK(kr == KERN_RESOURCE_SHORTAGE && stub_kprintf_calls == prints + 1 && strstr(stub_kprintf_last, "limit"),
	      "3 more: %d, a warning: %s", kr, stub_kprintf_last);
	CHECK(fixed(t, 0x10000000, 3, RW) == KERN_RESOURCE_SHORTAGE, "fixed too");
	CHECK(t->pmap.user_pages == 8 && stub_pmm_outstanding == 8 && t->map.nregions == 1 &&
	      absent(t, a + 8 * P, 3) && absent(t, 0x10000000, 3), "nothing left mapped");
	uintptr_t fr = pmm_alloc_page(), b;
	CHECK(anywhere(t, 2, &kr) == a + 8 * P && kr == KERN_SUCCESS, "exactly up to the limit");
	anywhere(t, 1, &kr);
	CHECK(kr == KERN_RESOURCE_SHORTAGE, "not one past it");
	CHECK(vm_map_enter_frames(t, &b, &fr, 1) == KERN_RESOURCE_SHORTAGE && stub_frame_state(fr) == 1,
	      "frames refused stay with the caller");
	CHECK(vm_map_remove(t, a, a + 2 * P) == KERN_SUCCESS, "2 pages back");
	CHECK(stub_map_foreign(t, 0x300000), "a foreign page");
	anywhere(t, 2, &kr);
	CHECK(kr == KERN_RESOURCE_SHORTAGE, "a foreign page counts too");
	CHECK(vm_map_enter_frames(t, &b, &fr, 1) == KERN_SUCCESS && b == a, "the last page");
	uintptr_t out[2];
	CHECK(vm_map_extract(t, a + 4 * P, 2, out) == KERN_SUCCESS && t->pmap.user_pages == 8, "extracted pages");
	anywhere(t, 2, &kr);
	CHECK(kr == KERN_SUCCESS, "no longer count");
	finish(t, 2);
	pmm_free_page(out[0]);
	pmm_free_page(out[1]);
	CHECK(stub_pmm_outstanding == 0 && stub_pmm_errors == 0, "all frames back");
}

/* Physical shortage, and failures part way through an allocation. */
static void test_failures(void)
{
	stub_pmm_reset(RESERVE + 20);
	struct task *t = stub_task_new(1 << 20);
	const uintptr_t A = 0x600000;
	CHECK(fixed(t, A, 21, RW) == KERN_RESOURCE_SHORTAGE, "the kernel's reserve is kept");
	CHECK(fixed(t, A, 20, RW) == KERN_SUCCESS, "all but the reserve");
	CHECK(vm_map_remove(t, A, A + 20 * P) == KERN_SUCCESS && stub_pmm_outstanding == 0, "freed");
	stub_task_free(t);
	stub_pmm_reset(POOL);
	t = stub_task_new(1 << 20);
	CHECK(fixed(t, A - P, 1, RW) == KERN_SUCCESS && fixed(t, A + 6 * P, 1, RW) == KERN_SUCCESS, "neighbours");
	for (int how = 0; how < 3; how++) {
		if (how == 0)
			stub_pmm_fail_after = 3;
		else if (how == 1)
			stub_pmap_enter_fail_after = 4;
		else
			stub_kalloc_fail_after = 0;
		kern_return_t kr = fixed(t, A, 6, RW);
		CHECK(kr == KERN_RESOURCE_SHORTAGE, "failure %d: %d", how, kr);
		CHECK(stub_pmm_fail_after < 0 && stub_pmap_enter_fail_after < 0 && stub_kalloc_fail_after < 0, "fired");
		CHECK(absent(t, A, 6) && page_is(t, A - P, RW) && page_is(t, A + 6 * P, RW), "nothing left mapped");
		CHECK(t->map.nregions == 2 && stub_pmm_outstanding == 2 && t->pmap.user_pages == 2, "%d: as before", how);
		CHECK_MAP(t);
	}
	CHECK(fixed(t, A, 6, RW) == KERN_SUCCESS && t->map.nregions == 1, "then it fits, merging both");
	finish(t, 0);
}

static void test_frames_in_out(void)
{
	struct task *t = stub_task_new(1 << 20);
	const uintptr_t A = VM_ANYWHERE_MIN;
	uintptr_t f[4], out[2], a;
	CHECK(fixed(t, A, 4, RW) == KERN_SUCCESS, "4 pages");
	for (int i = 0; i < 4; i++)
		f[i] = frame_of(t, A + i * P);
	CHECK(vm_map_extract(t, A + P, 2, out) == KERN_SUCCESS && out[0] == f[1] && out[1] == f[2], "extracted");
	CHECK(absent(t, A + P, 2) && stub_frame_state(f[1]) == 1 && stub_frame_state(f[2]) == 1, "unmapped, kept");
	CHECK(t->map.nregions == 2 && reg_is(t, 0, A, A + P, RW, VM_PROT_ALL, VM_INHERIT_DEFAULT) &&
	      reg_is(t, 1, A + 3 * P, A + 4 * P, RW, VM_PROT_ALL, VM_INHERIT_DEFAULT), "a hole left");
	CHECK(t->pmap.user_pages == 2 && stub_pmm_outstanding == 4, "the caller holds 2");
	uintptr_t junk[4] = { 0 };
	CHECK(vm_map_extract(t, A + P, 1, junk) == KERN_INVALID_ADDRESS &&
	      vm_map_extract(t, A, 2, junk) == KERN_INVALID_ADDRESS &&
	      vm_map_extract(t, A, 0, junk) == KERN_INVALID_ADDRESS &&
	      vm_map_extract(t, A + 0x10, 1, junk) == KERN_INVALID_ADDRESS &&
	      vm_map_extract(t, 0, 1, junk) == KERN_INVALID_ADDRESS, "bad ranges refused");
	CHECK(!junk[0] && page_is(t, A, RW) && t->map.nregions == 2, "refusals change nothing");
	CHECK(vm_map_enter_frames(t, &a, out, 2) == KERN_SUCCESS && a == A + P, "entered into the hole");
	CHECK(frame_of(t, A + P) == f[1] && frame_of(t, A + 2 * P) == f[2] && pages_are(t, A, 4, RW), "same frames");
	CHECK(t->map.nregions == 1 && t->pmap.user_pages == 4, "whole again");
	CHECK(vm_map_protect(t, A + 2 * P, A + 3 * P, false, VM_PROT_NONE) == KERN_SUCCESS &&
	      vm_map_protect(t, A + 3 * P, A + 4 * P, false, VM_PROT_READ) == KERN_SUCCESS, "none, read");
	CHECK(vm_map_extract(t, A + 2 * P, 1, junk) == KERN_INVALID_ADDRESS && page_is(t, A + 2 * P, VM_PROT_NONE),
	      "an inaccessible page cannot be taken");
	CHECK(vm_map_extract(t, A + 3 * P, 1, out) == KERN_SUCCESS && out[0] == f[3], "a read-only one can");
	uintptr_t g[3] = { pmm_alloc_page(), pmm_alloc_page(), pmm_alloc_page() };
	size_t frames = stub_pmm_outstanding, regions = t->map.nregions;
	for (int how = 0; how < 2; how++) {
		if (how == 0)
			stub_pmap_enter_fail_after = 1;
		else
			stub_kalloc_fail_after = 0;
		CHECK(vm_map_enter_frames(t, &a, g, 3) == KERN_RESOURCE_SHORTAGE, "failure %d", how);
		CHECK(stub_frame_state(g[0]) == 1 && stub_frame_state(g[1]) == 1 && stub_frame_state(g[2]) == 1,
		      "frames back with the caller");
		CHECK(stub_pmm_outstanding == frames && t->map.nregions == regions && absent(t, A + 3 * P, 3),
		      "nothing left mapped");
		CHECK_MAP(t);
	}
	CHECK(vm_map_enter_frames(t, &a, g, 0) == KERN_INVALID_ARGUMENT, "no pages");
	for (int i = 0; i < 3; i++)
		pmm_free_page(g[i]);
	finish(t, 1);
	pmm_free_page(out[0]);
	CHECK(stub_pmm_outstanding == 0 && stub_pmm_errors == 0, "all frames back");
}

static void test_queries(void)
{
	struct task *t = stub_task_new(1 << 20);
	const uintptr_t A = 0x700000;
	CHECK(fixed(t, A, 2, RW) == KERN_SUCCESS && fixed(t, A + 2 * P, 1, VM_PROT_READ) == KERN_SUCCESS &&
	      fixed(t, A + 4 * P, 1, RW) == KERN_SUCCESS, "three regions");
	CHECK(vm_map_lookup(&t->map, A + P + 5) == reg(t, 0) && vm_map_lookup(&t->map, A + 3 * P) == NULL &&
	      vm_map_next(&t->map, A + 3 * P) == reg(t, 2) && vm_map_next(&t->map, A + 5 * P) == NULL, "lookup");
	CHECK(vm_map_covered(&t->map, A, A + 3 * P) && !vm_map_covered(&t->map, A, A + 4 * P) &&
	      !vm_map_covered(&t->map, A - P, A + P) && vm_map_covered(&t->map, A + 4 * P, A + 5 * P), "covered");
	finish(t, 0);
}

int main(void)
{
	stub_pmm_reset(POOL);
	test_anywhere();
	test_anywhere_low();
	test_fixed();
	test_deallocate();
	test_protect();
	test_inherit();
	test_coalesce();
	test_region_cap();
	test_remove_at_cap();
	test_page_limit();
	test_failures();
	test_frames_in_out();
	test_queries();
	return check_summary();
}
