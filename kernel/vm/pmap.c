#include "vm/pmap.h"
#include "vm/pmm.h"
#include "kern/printf.h"
#include "kern/string.h"
#include "i386/layout.h"
#include "i386/cpu.h"
#include "kern/assert.h"

#define PD_INDEX(va) ((uintptr_t)(va) >> 22)
#define PT_INDEX(va) (((uintptr_t)(va) >> 12) & 0x3FF)
#define FRAME(e)     ((e) & ~0xFFFu)
#define KERNEL_PDE_FIRST PD_INDEX(KERNBASE)

static uint32_t kernel_pd[1024] __attribute__((aligned(4096)));
static struct pmap kernel_pmap;

void pmap_bootstrap(uintptr_t ram_top)
{
	uint32_t flags = PTE_P | PTE_W | PTE_PS;
	if (ram_top > DIRECT_END - KERNBASE)
		ram_top = DIRECT_END - KERNBASE;
	uint32_t a, b, c, d;
	cpuid(1, &a, &b, &c, &d);
	if (d & (1u << 13)) {                         /* PGE: kernel TLB entries survive CR3 loads */
		write_cr4(read_cr4() | CR4_PGE);
		flags |= PTE_G;
	}
	for (uintptr_t pa = 0; pa < ram_top; pa += 4u << 20)
		kernel_pd[PD_INDEX(KERNBASE + pa)] = pa | flags;
	/* Page tables for the MMIO window exist from the start so every pmap,
	 * which copies the kernel half once, sees later device mappings. */
	for (uintptr_t va = MMIO_WINDOW; va != 0; va += 4u << 20) {
		uintptr_t pt = pmm_alloc_page();
		if (!pt)
			panic("pmap: no memory for the MMIO window's page tables");
		kernel_pd[PD_INDEX(va)] = pt | PTE_P | PTE_W;
	}
	kernel_pmap.pd = kernel_pd;
	kernel_pmap.pd_phys = V2P(kernel_pd);
	pmap_activate(&kernel_pmap);
}

struct pmap *pmap_kernel(void) { return &kernel_pmap; }

int pmap_create(struct pmap *pm)
{
	uintptr_t pa = pmm_alloc_page();
	if (!pa)
		return -1;
	pm->pd = P2V(pa);
	pm->pd_phys = pa;
	pm->user_pages = 0;
	pm->foreign_pages = 0;
	memcpy(pm->pd + KERNEL_PDE_FIRST, kernel_pd + KERNEL_PDE_FIRST,
	       (1024 - KERNEL_PDE_FIRST) * sizeof(uint32_t));
	return 0;
}

/* A page lent to a device (PTE_DEVICE_READS) is leaving its entry: the
 * device's reference goes with it. The entry's own reference is still
 * held, so this never frees the frame. */
static inline void drop_device_reference(uint32_t e)
{
	if (e & PTE_DEVICE_READS)
		pmm_free_page(FRAME(e));
}

void pmap_destroy(struct pmap *pm)
{
	if (read_cr3() == pm->pd_phys)
		pmap_activate(&kernel_pmap);
	for (unsigned i = 0; i < KERNEL_PDE_FIRST; i++) {
		if (!(pm->pd[i] & PTE_P))
			continue;
		uint32_t *pt = P2V(FRAME(pm->pd[i]));
		for (unsigned j = 0; j < 1024; j++)
			if ((pt[j] & PTE_P) && ((uintptr_t)i << 22 | (uintptr_t)j << 12) < USER_TOP) {
				drop_device_reference(pt[j]);
				pmm_free_page(FRAME(pt[j]));        /* a shared page above USER_TOP is not ours */
			}
		pmm_free_page(FRAME(pm->pd[i]));
	}
	pmm_free_page(pm->pd_phys);
	pm->pd = NULL;
	pm->user_pages = 0;
}

/* How many of n pages from va lie in va's page table. */
static inline size_t table_run(uintptr_t va, size_t n)
{
	size_t left = 1024 - PT_INDEX(va);
	return left < n ? left : n;
}

static uint32_t *pte_for(const struct pmap *pm, uintptr_t va, bool create)
{
	uint32_t *pte = pmap_pte(pm, va);
	if (pte || !create)
		return pte;
	uintptr_t pt = pmm_alloc_page();
	if (!pt)
		return NULL;
	pm->pd[PD_INDEX(va)] = pt | PTE_P | PTE_W | PTE_U;
	return pmap_pte(pm, va);
}

int pmap_enter_shared_readonly(struct pmap *pm, uintptr_t va, uintptr_t pa)
{
	if (va < USER_TOP || va >= KERNBASE || va % PAGE_SIZE)
		panic("pmap_enter_shared_readonly: %p is not between user space and the kernel", (void *)va);
	uint32_t pde = pm->pd[PD_INDEX(va)];
	if (!(pde & PTE_P)) {
		uintptr_t pt = pmm_alloc_page();
		if (!pt)
			return -1;
		pm->pd[PD_INDEX(va)] = pde = pt | PTE_P | PTE_W | PTE_U;
	}
	((uint32_t *)P2V(FRAME(pde)))[PT_INDEX(va)] = pa | PTE_P | PTE_U;
	return 0;
}

static void flush(const struct pmap *pm, uintptr_t va)
{
	if (read_cr3() == pm->pd_phys)
		invlpg(va);
}

int pmap_enter(struct pmap *pm, uintptr_t va, uintptr_t pa, bool writable)
{
	if (va < USER_BASE || va >= USER_TOP || va % PAGE_SIZE)
		panic("pmap_enter: bad user address %p", (void *)va);
	uint32_t *pte = pte_for(pm, va, true);
	if (!pte)
		return -1;
	if (*pte & PTE_P)
		return -2;
	assert(pa % PAGE_SIZE == 0);
	*pte = pa | PTE_P | PTE_U | (writable ? PTE_W : 0);
	pm->user_pages++;
	flush(pm, va);
	return 0;
}

int pmap_enter_frames(struct pmap *pm, uintptr_t va, const uintptr_t *frames, size_t n)
{
	if (va < USER_BASE || va % PAGE_SIZE || n > (USER_TOP - va) / PAGE_SIZE)
		panic("pmap_enter_frames: bad user range %p + %u pages", (void *)va, (unsigned)n);
	bool current = read_cr3() == pm->pd_phys;
	uintptr_t start = va;
	size_t entered = 0;
	for (size_t i = 0; i < n;) {
		size_t end = i + table_run(va, n - i);
		uint32_t *pte = pte_for(pm, va, true);
		for (; i < end; i++, va += PAGE_SIZE) {
			if (!pte || (*pte & PTE_P)) {
				pm->user_pages += entered;
				pmap_remove_range(pm, start, i, NULL);
				return -1;
			}
			uintptr_t pa = frames[i];
			if (pa) {                           /* else left absent: zero-filled on touch */
				*pte = pa | PTE_P | PTE_U | (pmm_page_shared_inline(pa) ? PTE_COW : PTE_W);
				entered++;
				if (current)
					invlpg(va);
			}
			pte++;
		}
	}
	pm->user_pages += entered;
	return 0;
}

/* Clear the PTEs of n pages from va, a page table at a time: its directory
 * entry read once (pmap_pte, inline), then each PTE in the loop, with no
 * call per page (a run of pages with no table costs one test). With frames,
 * each page's frame goes to frames[i] (0 where none was present); with
 * free_frames, each frame's holder reference is dropped (pmap_remove_range_free).
 * Both callers pass constants, so each gets a loop of its own. */
static inline void remove_ptes(struct pmap *pm, uintptr_t va, size_t n, uintptr_t *frames, bool free_frames)
{
	bool current = read_cr3() == pm->pd_phys;
	for (size_t i = 0; i < n;) {
		size_t end = i + table_run(va, n - i);
		uint32_t *pte = pmap_pte(pm, va);
		if (!pte) {
			if (frames)
				memset(frames + i, 0, (end - i) * sizeof *frames);
			va += (end - i) * PAGE_SIZE;
			i = end;
			continue;
		}
		for (; i < end; i++, va += PAGE_SIZE, pte++) {
			uint32_t e = *pte;
			if (frames)
				frames[i] = e & PTE_P ? FRAME(e) : 0;
			if (!(e & PTE_P))
				continue;
			*pte = 0;
			assert(pm->user_pages > 0);       /* every present user PTE was counted */
			pm->user_pages--;
			if (current)
				invlpg(va);
			drop_device_reference(e);
			if (free_frames && !pmm_drop_held_inline(FRAME(e)))
				pmm_free_page(FRAME(e));      /* the last holder: the frame itself */
		}
	}
}

void pmap_remove_range(struct pmap *pm, uintptr_t va, size_t n, uintptr_t *frames)
{
	remove_ptes(pm, va, n, frames, false);
}

void pmap_remove_range_free(struct pmap *pm, uintptr_t va, size_t n)
{
	remove_ptes(pm, va, n, NULL, true);
}

uintptr_t pmap_remove(struct pmap *pm, uintptr_t va)
{
	uintptr_t pa;
	pmap_remove_range(pm, va, 1, &pa);
	return pa;
}

bool pmap_lookup(const struct pmap *pm, uintptr_t va, uintptr_t *pa, bool *writable)
{
	if (va < USER_BASE || va >= USER_TOP)
		return false;
	uint32_t *pte = pte_for(pm, va, false);
	if (!pte || (*pte & (PTE_P | PTE_U)) != (PTE_P | PTE_U))
		return false;
	*pa = FRAME(*pte) | (va & 0xFFF);
	if (writable)
		*writable = *pte & PTE_W;
	return true;
}

/* The first page of [start, end) within user space whose presence is
 * `want_present`; false if there is none. */
static bool first_page(const struct pmap *pm, uintptr_t start, uintptr_t end, bool want_present, uintptr_t *found)
{
	for (uintptr_t va = start; va < end;) {
		uintptr_t table_end = (va | (PAGE_SIZE * 1024 - 1)) + 1;    /* 0 past the top */
		if (table_end > end || table_end == 0)
			table_end = end;
		const uint32_t *pte = pmap_pte(pm, va);
		if (!pte) {
			if (!want_present) {
				*found = va;
				return true;
			}
			va = table_end;
			continue;
		}
		for (; va < table_end; va += PAGE_SIZE, pte++)
			if (((*pte & (PTE_P | PTE_U)) == (PTE_P | PTE_U)) == want_present) {
				*found = va;
				return true;
			}
	}
	return false;
}

bool pmap_all_present(const struct pmap *pm, uintptr_t start, uintptr_t end)
{
	uintptr_t va;
	if (start < USER_BASE || end > USER_TOP || start > end)
		return false;
	return !first_page(pm, start, end, false, &va);
}

uintptr_t pmap_first_present(const struct pmap *pm, uintptr_t start, uintptr_t end)
{
	uintptr_t va;
	if (start < USER_BASE)
		start = USER_BASE;
	if (end > USER_TOP)
		end = USER_TOP;
	return first_page(pm, start, end, true, &va) ? va : 0;
}

bool pmap_protect(struct pmap *pm, uintptr_t va, bool user, bool writable)
{
	if (va < USER_BASE || va >= USER_TOP)
		return false;
	uint32_t *pte = pte_for(pm, va, false);
	if (!pte || !(*pte & PTE_P))
		return false;
	bool cow = *pte & PTE_COW;
	*pte = (*pte & ~(uint32_t)(PTE_U | PTE_W)) | (user ? PTE_U : 0) | (user && writable && !cow ? PTE_W : 0);
	flush(pm, va);
	return true;
}

bool pmap_frame(const struct pmap *pm, uintptr_t va, uintptr_t *pa)
{
	if (va < USER_BASE || va >= USER_TOP)
		return false;
	uint32_t *pte = pte_for(pm, va, false);
	if (!pte || !(*pte & PTE_P))
		return false;
	*pa = FRAME(*pte);
	return true;
}

size_t pmap_share_cow(struct pmap *pm, uintptr_t va, size_t n, uintptr_t *frames)
{
	if (va < USER_BASE || va % PAGE_SIZE || n > (USER_TOP - va) / PAGE_SIZE)
		panic("pmap_share_cow: bad user range %p + %u pages", (void *)va, (unsigned)n);
	bool current = read_cr3() == pm->pd_phys;
	size_t shared = 0;
	for (size_t i = 0; i < n;) {
		size_t end = i + table_run(va, n - i);
		uint32_t *pte = pmap_pte(pm, va);
		/* One entry read per page, kept in a local: frames[] is written
		 * between, and the compiler cannot tell it from the table. */
		for (; i < end; i++, va += PAGE_SIZE) {
			uint32_t e = pte ? *pte++ : 0;
			uintptr_t pa = FRAME(e);
			frames[i] = 0;
			if ((e & (PTE_P | PTE_U)) != (PTE_P | PTE_U) || !pmm_share_copy_on_write_inline(pa, e & PTE_COW))
				continue;
			frames[i] = pa;
			shared++;
			if (e & PTE_W) {
				pte[-1] = (e & ~(uint32_t)PTE_W) | PTE_COW;
				if (current)
					invlpg(va);
			} else if (!(e & PTE_COW)) {
				pte[-1] = e | PTE_COW;            /* read-only already */
			}
		}
	}
	return shared;
}

bool pmap_is_cow(const struct pmap *pm, uintptr_t va)
{
	const uint32_t *pte = va >= USER_BASE ? pmap_pte(pm, va) : NULL;
	return pte && (*pte & (PTE_P | PTE_COW)) == (PTE_P | PTE_COW);
}

void pmap_replace_cow(struct pmap *pm, uintptr_t va, uintptr_t pa, bool writable)
{
	uint32_t *pte = pmap_pte(pm, va);
	if (va < USER_BASE || !pte || !(*pte & PTE_COW))
		panic("pmap_replace_cow: %p is not a copy-on-write page", (void *)va);
	if (*pte & PTE_DEVICE_READS)
		panic("pmap_replace_cow: %p is lent to a device", (void *)va);   /* vm_fault_unshare refuses */
	uint32_t user = *pte & PTE_U;
	*pte = pa | PTE_P | user | (user && writable ? PTE_W : 0);
	flush(pm, va);
}

bool pmap_lend_to_device(struct pmap *pm, uintptr_t va, uintptr_t *pa)
{
	uint32_t *pte = va >= USER_BASE ? pmap_pte(pm, va) : NULL;
	if (!pte || (*pte & (PTE_P | PTE_U)) != (PTE_P | PTE_U))
		return false;
	uint32_t e = *pte;
	*pa = FRAME(e);
	if ((e & PTE_DEVICE_READS) || pmm_page_kept(*pa) || pmm_page_device_visible(*pa))
		return true;
	if (!pmm_share_page(*pa))
		return false;
	*pte = (e & ~(uint32_t)PTE_W) | PTE_COW | PTE_DEVICE_READS;
	flush(pm, va);
	return true;
}

bool pmap_lent_to_device(const struct pmap *pm, uintptr_t va)
{
	const uint32_t *pte = va >= USER_BASE ? pmap_pte(pm, va) : NULL;
	return pte && (*pte & (PTE_P | PTE_DEVICE_READS)) == (PTE_P | PTE_DEVICE_READS);
}
