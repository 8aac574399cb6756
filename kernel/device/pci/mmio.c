#include "device/pci/mmio.h"
#include "vm/pmap.h"
#include "kern/printf.h"
#include "i386/layout.h"
#include "i386/cpu.h"

#define PTE_PWT 0x008
#define WINDOW_LAST_PAGE 0xFFFFF000u

static uintptr_t next_va = MMIO_WINDOW;

volatile void *mmio_map(uint64_t pa, uint32_t len)
{
	if (len == 0 || pa + len > 0x100000000ull) {
		kwarn("mmio: cannot map %#llx+%#x (above 4 GiB)\n", (unsigned long long)pa, len);
		return NULL;
	}
	uintptr_t first = PAGE_ROUND_DOWN((uintptr_t)pa);
	uint64_t end = (pa + len + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1);
	uint32_t pages = (uint32_t)((end - first) / PAGE_SIZE);
	if (pages > (WINDOW_LAST_PAGE - next_va) / PAGE_SIZE) {
		kwarn("mmio: window full, %u pages for %#llx not mapped\n", pages, (unsigned long long)pa);
		return NULL;
	}
	uintptr_t va = next_va;
	uint32_t *pd = pmap_kernel()->pd;
	for (uint32_t i = 0; i < pages; i++) {
		uintptr_t v = va + i * PAGE_SIZE;
		uint32_t *pt = P2V(pd[v >> 22] & ~0xFFFu);
		/* Uncached (PCD|PWT): device registers have side effects. */
		pt[(v >> 12) & 0x3FF] = (first + i * PAGE_SIZE) | PTE_P | PTE_W | PTE_PCD | PTE_PWT | PTE_G;
		invlpg(v);
	}
	next_va += pages * PAGE_SIZE;
	return (volatile void *)(va + ((uintptr_t)pa & (PAGE_SIZE - 1)));
}

uint32_t mmio_window_used(void) { return next_va - MMIO_WINDOW; }
