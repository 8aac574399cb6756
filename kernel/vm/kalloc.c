#include "vm/kalloc.h"
#include "vm/pmm.h"
#include "kern/printf.h"
#include "kern/string.h"
#include "i386/layout.h"

/* Each block carries a 16-byte header so kfree knows where it came from and
 * catches frees of garbage or double frees. */
struct block_header {
	uint32_t magic;
	uint32_t class;         /* size class index, or LARGE */
	uint32_t pages;         /* for LARGE blocks */
	uint32_t pad;
};
#define MAGIC_USED 0x6b616c63u  /* "kalc" */
#define MAGIC_FREE 0x66726565u  /* "free" */
#define LARGE      0xFFFFFFFFu
#define MIN_SHIFT  4
#define NCLASSES   8            /* 16 .. 2048 bytes including the header */

struct free_block { struct block_header h; struct free_block *next; };
static struct free_block *free_lists[NCLASSES];
static size_t in_use;

/* The smallest class that holds total bytes (at least 2), or -1. */
static int class_for(size_t total)
{
	int c = 32 - __builtin_clz(total - 1) - MIN_SHIFT;
	if (c < 0)
		c = 0;
	return c < NCLASSES ? c : -1;
}

static int refill(int c)
{
	uintptr_t pa = pmm_alloc_page();
	if (!pa)
		return -1;
	size_t size = 1u << (c + MIN_SHIFT);
	char *page = P2V(pa);
	for (size_t off = 0; off + size <= PAGE_SIZE; off += size) {
		struct free_block *b = (struct free_block *)(page + off);
		b->h.magic = MAGIC_FREE;
		b->h.class = c;
		b->next = free_lists[c];
		free_lists[c] = b;
	}
	return 0;
}

void *kalloc_unzeroed(size_t size)
{
	if (size > 64 * 1024 * 1024)
		return NULL;
	size_t total = size + sizeof(struct block_header);
	int c = class_for(total < sizeof(struct free_block) ? sizeof(struct free_block) : total);
	struct block_header *h;
	if (c < 0) {
		size_t pages = PAGE_ROUND_UP(total) / PAGE_SIZE;
		uintptr_t pa = pmm_alloc_contig(pages, 1);
		if (!pa)
			return NULL;
		h = P2V(pa);
		h->class = LARGE;
		h->pages = pages;
		in_use += pages * PAGE_SIZE;
	} else {
		if (!free_lists[c] && refill(c) < 0)
			return NULL;
		struct free_block *b = free_lists[c];
		free_lists[c] = b->next;
		h = &b->h;
		in_use += 1u << (c + MIN_SHIFT);
	}
	h->magic = MAGIC_USED;
	return h + 1;
}

void *kalloc(size_t size)
{
	void *p = kalloc_unzeroed(size);
	if (p)
		memset(p, 0, size);
	return p;
}

void kfree(void *p)
{
	if (!p)
		return;
	struct block_header *h = (struct block_header *)p - 1;
	if (h->magic != MAGIC_USED)
		panic("kfree: %p is not an allocated block (magic %x)", p, h->magic);
	if (h->class == LARGE) {
		in_use -= h->pages * PAGE_SIZE;
		h->magic = MAGIC_FREE;
		pmm_free_contig(V2P(h), h->pages);
		return;
	}
	if (h->class >= NCLASSES)
		panic("kfree: %p has a corrupt header", p);
	struct free_block *b = (struct free_block *)h;
	h->magic = MAGIC_FREE;
	in_use -= 1u << (h->class + MIN_SHIFT);
	b->next = free_lists[h->class];
	free_lists[h->class] = b;
}

size_t kalloc_bytes_in_use(void) { return in_use; }
