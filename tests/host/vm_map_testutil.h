/* What the host tests of a task's address map share (test_vm_map.c,
 * test_vm_map_move.c): setting pages up, reading the page tables and region
 * list back, and the map's invariants and accounting. */
#ifndef VM_MAP_TESTUTIL_H
#define VM_MAP_TESTUTIL_H
#include "check.h"
#include "vm_stubs.h"
#include "i386/layout.h"

#define P PAGE_SIZE
#define RESERVE 256		/* vm_map.c's KERNEL_RESERVE_PAGES */
#define POOL 65536		/* frames in the default pool */
#define RW VM_PROT_DEFAULT

static inline kern_return_t fixed(struct task *t, uintptr_t a, size_t pages, int prot)
{
	return vm_map_allocate(t, &a, pages * P, false, prot);
}

/* Mapped with the page bits prot calls for (user unless NONE, writable iff WRITE). */
static inline bool page_is(struct task *t, uintptr_t va, int prot)
{
	bool user, w;
	return stub_pte(&t->pmap, va, NULL, &user, &w) && user == (prot != VM_PROT_NONE) &&
		w == (prot != VM_PROT_NONE && (prot & VM_PROT_WRITE));
}

static inline bool pages_are(struct task *t, uintptr_t va, size_t n, int prot)
{
	for (size_t i = 0; i < n; i++)
		if (!page_is(t, va + i * P, prot))
			return false;
	return true;
}

static inline bool absent(struct task *t, uintptr_t va, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (stub_pte(&t->pmap, va + i * P, NULL, NULL, NULL))
			return false;
	return true;
}

static inline uintptr_t frame_of(struct task *t, uintptr_t va)
{
	uintptr_t pa = 0;
	stub_pte(&t->pmap, va, &pa, NULL, NULL);
	return pa;
}

static inline const struct vm_region *reg(struct task *t, unsigned i)
{
	const struct vm_region *r = t->map.regions;
	while (r && i--)
		r = r->next;
	return r;
}

static inline bool reg_is(struct task *t, unsigned i, uintptr_t s, uintptr_t e, int prot, int max, int inh)
{
	const struct vm_region *r = reg(t, i);
	return r && r->start == s && r->end == e && r->prot == prot && r->max_prot == max && r->inherit == inh;
}

/* The map's invariants and the accounting between map, pmap and frames. */
#define CHECK_MAP(t) do {						\
	const char *why_ = stub_map_invalid(&(t)->map);			\
	CHECK(!why_, "map: %s", why_);					\
	CHECK((t)->pmap.user_pages == stub_pmap_count(&(t)->pmap),	\
	      "user_pages %zu, table %zu", (t)->pmap.user_pages,	\
	      stub_pmap_count(&(t)->pmap));				\
	CHECK(stub_pmm_errors == 0, "frames: %s", stub_pmm_error_msg);	\
	CHECK(stub_kalloc_blocks == (t)->map.nregions,			\
	      "%zu blocks, %u regions", stub_kalloc_blocks,		\
	      (unsigned)(t)->map.nregions);				\
} while (0)

/* Destroy t: nothing of it may remain; held frames stay with the test. */
static inline void finish(struct task *t, size_t held)
{
	CHECK_MAP(t);
	stub_task_free(t);
	CHECK(stub_kalloc_blocks == 0 && stub_kalloc_bytes == 0, "%zu blocks left", stub_kalloc_blocks);
	CHECK(stub_pmm_outstanding == held, "%zu frames outstanding, %zu held", stub_pmm_outstanding, held);
	CHECK(stub_pmm_mapped == 0 && stub_pmm_errors == 0, "frames: %s", stub_pmm_error_msg);
}
#endif
