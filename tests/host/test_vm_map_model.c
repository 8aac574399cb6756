/*
 * test_vm_map_model.c - randomized host test of a task's address map
 * (kernel/vm/vm_map.c, unchanged, over tests/host/vm_stubs.c), -m32.
 *
 * Thousands of random operations on one task inside a window of 768 pages
 * that straddles VM_ANYWHERE_MIN, with a few pages mapped outside any
 * region (as device/virtio maps them): allocation at a fixed address and
 * anywhere with a random protection, deallocation of random ranges (holes
 * included), vm_map_protect of the current or maximum protection,
 * vm_map_inherit, and frames moved out (vm_map_extract) and back in
 * (vm_map_enter_frames) as out-of-line messages do.  Some operations get a
 * failure injected (kalloc, a frame, a page table); one that fails must
 * return KERN_RESOURCE_SHORTAGE and change nothing.
 *
 * A page-level model predicts every result (including the first-fit
 * address, the task's page limit and the physical reserve) and, after every
 * step, the whole state is compared with it: each page's mapping, frame,
 * user and write bits; the region list (sorted, not overlapping, coalesced,
 * each page's protection, maximum and inheritance as modelled); the page
 * and frame accounting; and the region records on the heap.  The first
 * divergence stops a run and is reported with its step.  Each run ends by
 * destroying the task: no record and no frame may remain.
 *
 * Raising a maximum protection is left to test_vm_map.c (known refusal
 * case); here vm_map_protect with set_max only keeps or lowers it.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "vm_stubs.h"
#include "i386/layout.h"

#define P PAGE_SIZE
#define RESERVE 256		/* vm_map.c's KERNEL_RESERVE_PAGES */
#define WLO 0x3F0u		/* the window: pages [WLO, WLO + WN) */
#define WN 768u
#define FIRST_FIT (VM_ANYWHERE_MIN / P - WLO)
#define MAXHELD 24
#define RW VM_PROT_DEFAULT

struct mpage { bool mapped, foreign; uint8_t prot, max, inh; uintptr_t frame; };
struct held { uintptr_t f[8]; size_t n; };

static struct mpage m[WN];
static struct held held[MAXHELD];
static unsigned nheld;
static struct task *t;
static size_t limit;
static unsigned step;
static char desc[160];
static unsigned long stats[8][4];	/* op x {success, refused, injected failure, skipped} */
static const char *const op_names[8] = { "fixed", "anywhere", "remove", "protect", "inherit", "extract", "enter" };

static uintptr_t va(unsigned i) { return (WLO + i) * P; }

static size_t user_pages(void)
{
	size_t n = 0;
	for (unsigned i = 0; i < WN; i++)
		n += m[i].mapped || m[i].foreign;
	return n;
}

static size_t held_frames(void)
{
	size_t n = 0;
	for (unsigned k = 0; k < nheld; k++)
		n += held[k].n;
	return n;
}

static bool range_free(unsigned s, unsigned n)
{
	for (unsigned i = s; i < s + n; i++)
		if (i < WN && (m[i].mapped || m[i].foreign))
			return false;
	return true;
}

/* Where a first-fit allocation of n pages goes, or -1 if not inside the window. */
static int first_fit(unsigned n)
{
	for (unsigned p = FIRST_FIT; p < WN; p++)
		if (range_free(p, n))
			return p + n <= WN ? (int)p : -1;
	return -1;
}

static bool covered(unsigned s, unsigned n, bool readable)
{
	for (unsigned i = s; i < s + n; i++)
		if (!m[i].mapped || (readable && m[i].prot == VM_PROT_NONE))
			return false;
	return true;
}

/* A random range of 1..max pages: half the time inside the allocated run
 * around a random allocated page, so that changes mostly find their pages. */
static void pick(unsigned max, unsigned *s, unsigned *n)
{
	*n = 1 + rnd_below(max);
	*s = rnd_below(WN - *n + 1);
	if (rnd_below(2))
		return;
	for (int tries = 0; tries < 8; tries++) {
		unsigned i = rnd_below(WN), lo = i, hi = i + 1;
		if (!m[i].mapped)
			continue;
		while (lo > 0 && m[lo - 1].mapped)
			lo--;
		while (hi < WN && m[hi].mapped)
			hi++;
		if (*n > hi - lo)
			*n = 1 + rnd_below(hi - lo);
		*s = lo + rnd_below(hi - lo - *n + 1);
		return;
	}
}

/* Arm one failure at random (about one operation in eight): 0 none,
 * 1 kalloc, 2 a frame, 3 pmap_enter; only the kinds allowed in mask. */
static int inject(unsigned mask, unsigned npages)
{
	if (rnd_below(8))
		return 0;
	int kind = 1 + (int)rnd_below(3);
	if (!(mask & (1u << kind)))
		return 0;
	if (kind == 1)
		stub_kalloc_fail_after = rnd_below(2);
	else if (kind == 2)
		stub_pmm_fail_after = rnd_below(npages);
	else
		stub_pmap_enter_fail_after = rnd_below(npages);
	return kind;
}

static bool fired(int kind)
{
	bool f = (kind == 1 && stub_kalloc_fail_after < 0) || (kind == 2 && stub_pmm_fail_after < 0) ||
		 (kind == 3 && stub_pmap_enter_fail_after < 0);
	stub_kalloc_fail_after = stub_pmm_fail_after = stub_pmap_enter_fail_after = -1;
	return f;
}

static void map_new(unsigned s, unsigned n, int prot)
{
	for (unsigned i = s; i < s + n; i++) {
		m[i] = (struct mpage){ .mapped = true, .prot = (uint8_t)prot, .max = VM_PROT_ALL,
				       .inh = VM_INHERIT_DEFAULT };
		stub_pte(&t->pmap, va(i), &m[i].frame, NULL, NULL);
	}
}

/* Run op: the result must be want (or also want2, if not -1), unless an
 * injected failure fired: then KERN_RESOURCE_SHORTAGE. Returns whether the
 * modelled change is to be applied. */
static bool expect(int op, kern_return_t kr, int kind, kern_return_t want, kern_return_t want2)
{
	if (fired(kind)) {
		stats[op][2]++;
		CHECK(kr == KERN_RESOURCE_SHORTAGE, "step %u %s: injected failure %d gave %d", step, desc, kind, kr);
		return false;
	}
	stats[op][kr == KERN_SUCCESS ? 0 : 1]++;
	CHECK(kr == want || kr == want2, "step %u %s: %d, expected %d", step, desc, kr, want);
	return kr == KERN_SUCCESS && want == KERN_SUCCESS;
}

static void op_allocate(bool fixed)
{
	unsigned n = 1 + rnd_below(12), s = rnd_below(WN - n + 1);
	int prot = (int)rnd_below(8);
	kern_return_t want;
	if (user_pages() + n > limit) {
		want = KERN_RESOURCE_SHORTAGE;
	} else if (!fixed && first_fit(n) < 0) {
		stats[1][3]++;
		return;
	} else {
		if (!fixed)
			s = (unsigned)first_fit(n);
		bool room = stub_pmm_total - stub_pmm_outstanding >= n + RESERVE;
		want = fixed && !range_free(s, n) ? KERN_NO_SPACE : room ? KERN_SUCCESS : KERN_RESOURCE_SHORTAGE;
	}
	uintptr_t a = fixed ? va(s) : 0;
	snprintf(desc, sizeof desc, "allocate %s [%#lx, +%u pages) prot %d", fixed ? "fixed" : "anywhere",
		 (unsigned long)a, n, prot);
	int kind = inject(0xE, n);
	kern_return_t kr = vm_map_allocate(t, &a, n * P, !fixed, prot);
	if (expect(!fixed, kr, kind, want, -1)) {
		CHECK(a == va(s), "step %u %s: at %#lx, expected %#lx", step, desc, (unsigned long)a,
		      (unsigned long)va(s));
		map_new(s, n, prot);
	}
}

static void op_remove(void)
{
	unsigned n, s;
	pick(40, &s, &n);
	uintptr_t off = rnd_below(30) ? 0 : 0x800;
	snprintf(desc, sizeof desc, "remove [%#lx, +%u pages)", (unsigned long)(va(s) + off), n);
	int kind = rnd_below(8) ? 0 : (stub_kalloc_fail_after = 0, 1);	/* the first clip only */
	kern_return_t kr = vm_map_remove(t, va(s) + off, va(s + n));
	if (expect(2, kr, kind, off ? KERN_INVALID_ADDRESS : KERN_SUCCESS, -1))
		for (unsigned i = s; i < s + n; i++)
			m[i].mapped = false;
}

static void op_protect(void)
{
	unsigned n, s;
	pick(20, &s, &n);
	bool set_max = rnd_below(4) == 0, exceeds = false;
	int prot = (int)rnd_below(8);
	for (unsigned i = s; i < s + n; i++)
		exceeds |= m[i].mapped && (prot & ~m[i].max);
	if (set_max && exceeds) {
		stats[3][3]++;
		return;
	}
	snprintf(desc, sizeof desc, "protect [%#lx, +%u pages) %s %d", (unsigned long)va(s), n,
		 set_max ? "max" : "cur", prot);
	bool all = covered(s, n, false);
	kern_return_t want = exceeds ? KERN_PROTECTION_FAILURE : all ? KERN_SUCCESS : KERN_INVALID_ADDRESS;
	int kind = inject(0x2, n);
	kern_return_t kr = vm_map_protect(t, va(s), va(s + n), set_max, prot);
	if (expect(3, kr, kind, want, exceeds && !all ? KERN_INVALID_ADDRESS : -1))
		for (unsigned i = s; i < s + n; i++) {
			if (set_max)
				m[i].max = (uint8_t)prot;
			m[i].prot = (uint8_t)(set_max ? m[i].prot & prot : prot);
		}
}

static void op_inherit(void)
{
	unsigned n, s;
	pick(20, &s, &n);
	int inh = (int)rnd_below(4);
	snprintf(desc, sizeof desc, "inherit [%#lx, +%u pages) %d", (unsigned long)va(s), n, inh);
	kern_return_t want = inh > VM_INHERIT_NONE ? KERN_INVALID_ARGUMENT
		: covered(s, n, false) ? KERN_SUCCESS : KERN_INVALID_ADDRESS;
	int kind = inject(0x2, n);
	if (expect(4, vm_map_inherit(t, va(s), va(s + n), inh), kind, want, -1))
		for (unsigned i = s; i < s + n; i++)
			m[i].inh = (uint8_t)inh;
}

static void op_extract(void)
{
	unsigned n, s;
	pick(8, &s, &n);
	if (nheld == MAXHELD) {
		stats[5][3]++;
		return;
	}
	snprintf(desc, sizeof desc, "extract [%#lx, +%u pages)", (unsigned long)va(s), n);
	struct held *h = &held[nheld];
	int kind = rnd_below(8) ? 0 : (stub_kalloc_fail_after = 0, 1);
	kern_return_t kr = vm_map_extract(t, va(s), n, h->f);
	if (!expect(5, kr, kind, covered(s, n, true) ? KERN_SUCCESS : KERN_INVALID_ADDRESS, -1))
		return;
	for (unsigned i = s; i < s + n; i++) {
		CHECK(h->f[i - s] == m[i].frame, "step %u %s: frame %u is %#lx, expected %#lx", step, desc, i - s,
		      (unsigned long)h->f[i - s], (unsigned long)m[i].frame);
		m[i].mapped = false;
	}
	h->n = n;
	nheld++;
}

static void op_enter(void)
{
	if (!nheld) {
		stats[6][3]++;
		return;
	}
	unsigned k = rnd_below(nheld), n = (unsigned)held[k].n;
	int s = first_fit(n);
	kern_return_t want = user_pages() + n > limit ? KERN_RESOURCE_SHORTAGE : KERN_SUCCESS;
	if (want == KERN_SUCCESS && s < 0) {
		stats[6][3]++;
		return;
	}
	snprintf(desc, sizeof desc, "enter %u frames", n);
	uintptr_t a = 0;
	int kind = inject(0xA, n);
	if (!expect(6, vm_map_enter_frames(t, &a, held[k].f, n), kind, want, -1))
		return;
	CHECK(a == va((unsigned)s), "step %u %s: at %#lx, expected %#lx", step, desc, (unsigned long)a,
	      (unsigned long)va((unsigned)s));
	for (unsigned i = 0; i < n; i++)
		m[s + i] = (struct mpage){ .mapped = true, .prot = RW, .max = VM_PROT_ALL,
					   .inh = VM_INHERIT_DEFAULT, .frame = held[k].f[i] };
	held[k] = held[--nheld];
}

/* Counts as one check per step: a failure is reported, passes are not. */
#define VERIFY(cond, ...) do {						\
	if (!(cond)) {							\
		CHECK(cond, __VA_ARGS__);				\
		return false;						\
	}								\
} while (0)

/* The whole state against the model. */
static bool verify(void)
{
	const char *why = stub_map_invalid(&t->map);
	VERIFY(!why, "step %u after %s: map: %s", step, desc, why);
	size_t in_regions = 0, mapped = 0;
	for (const struct vm_region *r = t->map.regions; r; r = r->next) {
		VERIFY(r->start >= va(0) && r->end <= va(WN), "step %u after %s: region [%#lx, %#lx) outside",
		       step, desc, (unsigned long)r->start, (unsigned long)r->end);
		for (uintptr_t a = r->start; a < r->end; a += P, in_regions++) {
			const struct mpage *p = &m[a / P - WLO];
			VERIFY(p->mapped && p->prot == r->prot && p->max == r->max_prot && p->inh == r->inherit,
			       "step %u after %s: page %#lx: region says %d/%d/%d, model %s %d/%d/%d", step, desc,
			       (unsigned long)a, r->prot, r->max_prot, r->inherit, p->mapped ? "mapped" : "free",
			       p->prot, p->max, p->inh);
		}
	}
	for (unsigned i = 0; i < WN; i++) {
		uintptr_t pa = 0;
		bool user = false, w = false, present = stub_pte(&t->pmap, va(i), &pa, &user, &w);
		int prot = m[i].foreign ? RW : m[i].prot;
		mapped += m[i].mapped;
		VERIFY(present == (m[i].mapped || m[i].foreign), "step %u after %s: page %#lx %s", step, desc,
		       (unsigned long)va(i), present ? "mapped, model free" : "not mapped");
		VERIFY(!present || (pa == m[i].frame && user == (prot != VM_PROT_NONE) &&
				    w == (user && (prot & VM_PROT_WRITE))),
		       "step %u after %s: page %#lx: frame %#lx user %d write %d, model frame %#lx prot %d",
		       step, desc, (unsigned long)va(i), (unsigned long)pa, user, w, (unsigned long)m[i].frame, prot);
	}
	size_t users = user_pages();
	VERIFY(in_regions == mapped, "step %u after %s: %zu pages in regions, model %zu", step, desc, in_regions,
	       mapped);
	VERIFY(stub_pmap_count(&t->pmap) == users && t->pmap.user_pages == users,
	       "step %u after %s: %zu entries, user_pages %zu, model %zu", step, desc, stub_pmap_count(&t->pmap),
	       t->pmap.user_pages, users);
	VERIFY(stub_pmm_errors == 0, "step %u after %s: frames: %s", step, desc, stub_pmm_error_msg);
	VERIFY(stub_pmm_mapped == users && stub_pmm_outstanding == users + held_frames(),
	       "step %u after %s: %zu frames out (%zu mapped), model %zu + %zu held", step, desc,
	       stub_pmm_outstanding, stub_pmm_mapped, users, held_frames());
	VERIFY(stub_kalloc_blocks == t->map.nregions, "step %u after %s: %zu heap blocks, %u regions", step, desc,
	       stub_kalloc_blocks, (unsigned)t->map.nregions);
	CHECK(true, "state");
	return true;
}

static void run(unsigned steps, size_t page_limit, size_t pool)
{
	stub_pmm_reset(pool);
	t = stub_task_new(limit = page_limit);
	memset(m, 0, sizeof m);
	nheld = 0;
	for (int k = 0; k < 4; k++) {
		unsigned i = rnd_below(WN);
		if (!m[i].foreign) {
			m[i].foreign = true;
			m[i].frame = stub_map_foreign(t, va(i));
		}
	}
	int failures = check_failed;
	for (step = 0; step < steps && check_failed == failures; step++) {
		switch (rnd_below(16)) {
		case 0: case 1: case 2: op_allocate(true); break;
		case 3: case 4: case 5: op_allocate(false); break;
		case 6: case 7: case 8: op_remove(); break;
		case 9: case 10: case 11: op_protect(); break;
		case 12: op_inherit(); break;
		case 13: case 14: op_extract(); break;
		default: op_enter(); break;
		}
		if (check_failed == failures)
			verify();
	}
	while (nheld) {
		const struct held *h = &held[--nheld];
		for (size_t i = 0; i < h->n; i++)
			pmm_free_page(h->f[i]);
	}
	stub_task_free(t);
	CHECK(stub_kalloc_blocks == 0 && stub_pmm_outstanding == 0 && stub_pmm_mapped == 0 && stub_pmm_errors == 0,
	      "run end: %zu heap blocks, %zu frames left; %s", stub_kalloc_blocks, stub_pmm_outstanding,
	      stub_pmm_error_msg);
	printf("run: %u steps, limit %zu pages, %zu frames: %s\n", step, page_limit, pool,
	       check_failed == failures ? "model agrees" : "DIVERGED");
}

int main(void)
{
	const char *seed = getenv("VM_MODEL_SEED");
	if (seed && strtoul(seed, NULL, 0))
		check_seed = (uint32_t)strtoul(seed, NULL, 0);
	printf("seed %#x\n", check_seed);
	run(8000, 420, RESERVE + 460);		/* the page limit and the reserve both bite */
	run(8000, 100000, RESERVE + 4000);	/* the window fills up */
	run(8000, 200, RESERVE + 150);		/* physical memory is short */
	for (int op = 0; op < 7; op++)
		printf("%-8s %6lu ok %6lu refused %5lu injected %5lu skipped\n", op_names[op], stats[op][0],
		       stats[op][1], stats[op][2], stats[op][3]);
	return check_summary();
}
