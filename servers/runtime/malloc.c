/*
 * malloc.c - the user-task heap: first fit over an explicit free list, with
 * boundary tags so that free() coalesces with both neighbours in O(1).
 *
 * Memory comes in "regions" from smrt_morecore().  The first is a static
 * arena in .bss (SMRT_ARENA_SIZE bytes); after that each region is fresh
 * pages from vm_allocate (through mig_allocate), at least SMRT_GROW_SIZE
 * bytes.  Host tests (which define SMRT_NAME) see only the arena, so they
 * reach exhaustion.  Regions are never returned.
 *
 * Layout of a region (every payload is 16-byte aligned):
 *
 *   [region] pad [hdr|payload ...][hdr|payload ...] ... [sentinel hdr]
 *
 * Each block starts with an 8-byte header {size|flags, magic}; size counts the
 * header and is a multiple of 16.  A free block also stores next/prev links in
 * its payload and repeats its size in its last 4 bytes (the footer), which
 * is how the block after it finds it.  F_PREV_USED in a header says whether
 * the block just before is in use; the sentinel (size 0, always used) stops
 * forward walks and F_PREV_USED on a region's first block stops backward ones.
 * The magic word mixes the block address with its state, so a stray or
 * double free() is reported and aborts instead of corrupting the lists.
 *
 * Invariants (checked by smrt_heap_check): no two free blocks are adjacent;
 * every free block is on the free list exactly once; footers match headers.
 *
 * Thread-safe in the runtime: the public calls hold _smrt_heap_lock (see
 * <sm/threads.h>); the heap_* functions below them assume it is held.  Host
 * tests build this file with -D'SMRT_NAME(n)=test_##n' so it does not
 * replace libc's, and without the lock.
 */
#include <sm/runtime.h>

#ifndef SMRT_NAME
#define SMRT_NAME(n)	n
#define SMRT_GROW_WITH_VM	1	/* the real runtime, not a host test */
#include <mach/mig_support.h>
#endif

#ifdef SMRT_GROW_WITH_VM
#include <sm/threads.h>
smrt_lock_t _smrt_heap_lock = SMRT_LOCK_INIT;
#define HEAP_LOCK()	smrt_lock(&_smrt_heap_lock)
#define HEAP_UNLOCK()	smrt_unlock(&_smrt_heap_lock)
#else
#define HEAP_LOCK()	((void)0)
#define HEAP_UNLOCK()	((void)0)
#endif

#ifndef SMRT_GROW_SIZE
#define SMRT_GROW_SIZE	(256u * 1024u)
#endif

#ifndef SMRT_ARENA_SIZE
#define SMRT_ARENA_SIZE	(1024u * 1024u)
#endif

#define ALIGN		16u
#define HDR		8u		/* header bytes before each payload */
#define MIN_BLOCK	32u		/* header + 2 links + footer, rounded */
#define F_USED		1u
#define F_PREV_USED	2u
#define FLAGS		(F_USED | F_PREV_USED)
#define MAGIC_USED	0xa11ca7edu
#define MAGIC_FREE	0xf7eeb10cu
#define MAGIC_END	0x5e47e1e1u
#define MAX_REQUEST	((size_t)0x7fffffff - 4 * 4096)

struct blk {
	uint32_t	size;		/* block bytes | F_USED | F_PREV_USED */
	uint32_t	magic;		/* MAGIC_* ^ block address */
	/* free blocks only, in the payload: */
	struct blk	*next;
	struct blk	*prev;
};

struct region {
	struct region	*next;
	struct blk	*first;
	struct blk	*end;		/* the sentinel */
	size_t		bytes;
};

static struct blk	*free_list;
static struct region	*regions;
static size_t		 arena_total;

static uint8_t arena[SMRT_ARENA_SIZE] __attribute__((aligned(ALIGN)));
static int arena_given;

/*
 * Source of heap memory.  Returns at least `min` bytes (in *got) or NULL.
 */
static void *
smrt_morecore(size_t min, size_t *got)
{
	if (!arena_given && min <= sizeof(arena)) {
		arena_given = 1;
		*got = sizeof(arena);
		return arena;
	}
#ifdef SMRT_GROW_WITH_VM
	{
		vm_address_t addr = 0;
		size_t len = (min + SMRT_GROW_SIZE - 1) & ~(size_t)(SMRT_GROW_SIZE - 1);

		if (len < min)
			return NULL;
		mig_allocate(&addr, len);
		if (addr == 0)
			return NULL;
		*got = len;
		return (void *)addr;
	}
#else
	return NULL;
#endif
}

static inline uint32_t bsize(const struct blk *b)	{ return b->size & ~FLAGS; }
static inline int used(const struct blk *b)		{ return b->size & F_USED; }
static inline struct blk *at(void *p, size_t off)
{
	return (struct blk *)((uint8_t *)p + off);
}
static inline struct blk *next_blk(struct blk *b)	{ return at(b, bsize(b)); }
static inline uint32_t *footer(struct blk *b)
{
	return (uint32_t *)((uint8_t *)b + bsize(b) - 4);
}
static inline struct blk *prev_blk(struct blk *b)	/* only if !F_PREV_USED */
{
	return (struct blk *)((uint8_t *)b - ((uint32_t *)b)[-1]);
}
static inline uint32_t magic_for(const struct blk *b, uint32_t m)
{
	return m ^ (uint32_t)(uintptr_t)b;
}
static inline size_t align_up(size_t v, size_t a)	{ return (v + a - 1) & ~(a - 1); }

static void __attribute__((noreturn))
heap_corrupt(const char *what, const void *p)
{
	printf("malloc: heap corruption: %s at %p\n", what, p);
	abort();
}

static void
list_insert(struct blk *b)
{
	b->prev = NULL;
	b->next = free_list;
	if (free_list)
		free_list->prev = b;
	free_list = b;
}

static void
list_remove(struct blk *b)
{
	if (b->prev)
		b->prev->next = b->next;
	else
		free_list = b->next;
	if (b->next)
		b->next->prev = b->prev;
}

/* Turn b (any state, size already set) into a free block, merged with free
 * neighbours, and put it on the free list. */
static void
make_free(struct blk *b)
{
	struct blk *n = next_blk(b);

	if (!used(n)) {
		list_remove(n);
		b->size += bsize(n);
		n = next_blk(b);
	}
	if (!(b->size & F_PREV_USED)) {
		struct blk *p = prev_blk(b);
		if (used(p) || p->magic != magic_for(p, MAGIC_FREE))
			heap_corrupt("bad previous block", p);
		list_remove(p);
		p->size += bsize(b);
		b = p;
	}
	b->size &= ~F_USED;
	b->magic = magic_for(b, MAGIC_FREE);
	*footer(b) = bsize(b);
	n->size &= ~F_PREV_USED;
	list_insert(b);
}

/* Shrink the used block b to `need` bytes, freeing the tail if it is big
 * enough to be a block of its own. */
static void
trim(struct blk *b, size_t need)
{
	size_t rest = bsize(b) - need;
	struct blk *t;

	if (rest < MIN_BLOCK)
		return;
	b->size = (uint32_t)need | (b->size & FLAGS);
	t = at(b, need);
	t->size = (uint32_t)rest | F_USED | F_PREV_USED;
	t->magic = magic_for(t, MAGIC_USED);
	make_free(t);
}

static int
add_region(void *mem, size_t len)
{
	uintptr_t lo = (uintptr_t)mem, hi = (lo + len) & ~(uintptr_t)(ALIGN - 1);
	struct region *r = (struct region *)align_up(lo, sizeof(void *));
	uintptr_t first = align_up((uintptr_t)(r + 1) + HDR, ALIGN) - HDR;
	struct blk *b, *end;

	if (hi < first + MIN_BLOCK + HDR)
		return -1;
	b = (struct blk *)first;
	end = (struct blk *)(hi - HDR);
	r->first = b;
	r->end = end;
	r->bytes = len;
	r->next = regions;
	regions = r;
	arena_total += len;

	end->size = F_USED;		/* size 0; previous is free */
	end->magic = magic_for(end, MAGIC_END);
	b->size = (uint32_t)((uintptr_t)end - first) | F_USED | F_PREV_USED;
	b->magic = magic_for(b, MAGIC_USED);
	make_free(b);
	return 0;
}

static struct blk *
check_used(void *p)
{
	struct blk *b = (struct blk *)((uint8_t *)p - HDR);

	if (((uintptr_t)p & (ALIGN - 1)) != 0 || !used(b) ||
	    b->magic != magic_for(b, MAGIC_USED) || bsize(b) < MIN_BLOCK ||
	    !(next_blk(b)->size & F_PREV_USED))
		heap_corrupt(b->magic == magic_for(b, MAGIC_FREE) ?
		    "double free" : "bad pointer", p);
	return b;
}

/* Bytes of block needed for an n-byte payload, or 0 if n is absurd. */
static size_t
block_need(size_t n)
{
	size_t need;

	if (n > MAX_REQUEST)
		return 0;
	need = align_up(n + HDR, ALIGN);
	return need < MIN_BLOCK ? MIN_BLOCK : need;
}

static struct blk *
alloc_block(size_t need)
{
	struct blk *b;
	void *mem;
	size_t got = 0;

	for (;;) {
		for (b = free_list; b; b = b->next)
			if (bsize(b) >= need)
				goto found;
		mem = smrt_morecore(need + sizeof(struct region) + 2 * ALIGN, &got);
		if (!mem || add_region(mem, got) < 0)
			return NULL;
	}
found:
	list_remove(b);
	b->size |= F_USED;
	b->magic = magic_for(b, MAGIC_USED);
	next_blk(b)->size |= F_PREV_USED;
	trim(b, need);
	return b;
}

static void *
heap_malloc(size_t n)
{
	size_t need = block_need(n ? n : 1);
	struct blk *b;

	if (!need || !(b = alloc_block(need)))
		return NULL;
	return (uint8_t *)b + HDR;
}

void *
SMRT_NAME(malloc)(size_t n)
{
	void *p;

	HEAP_LOCK();
	p = heap_malloc(n);
	HEAP_UNLOCK();
	return p;
}

void
SMRT_NAME(free)(void *p)
{
	if (p) {
		HEAP_LOCK();
		make_free(check_used(p));
		HEAP_UNLOCK();
	}
}

void *
SMRT_NAME(calloc)(size_t nmemb, size_t size)
{
	void *p;

	if (size && nmemb > MAX_REQUEST / size)
		return NULL;
	p = SMRT_NAME(malloc)(nmemb * size);
	if (p)
		memset(p, 0, nmemb * size);
	return p;
}

/* realloc(p, 0) frees p and returns NULL.  On failure p is left intact. */
static void *
heap_realloc(void *p, size_t n)
{
	struct blk *b, *nx;
	size_t need, old;
	void *q;

	if (!p)
		return heap_malloc(n);
	b = check_used(p);
	if (n == 0) {
		make_free(b);
		return NULL;
	}
	if (!(need = block_need(n)))
		return NULL;
	if (need <= bsize(b)) {
		trim(b, need);
		return p;
	}
	nx = next_blk(b);
	if (!used(nx) && bsize(b) + bsize(nx) >= need) {
		list_remove(nx);
		b->size += bsize(nx);
		next_blk(b)->size |= F_PREV_USED;
		trim(b, need);
		return p;
	}
	old = bsize(b) - HDR;
	q = heap_malloc(n);
	if (!q)
		return NULL;
	memcpy(q, p, old < n ? old : n);
	make_free(b);
	return q;
}

void *
SMRT_NAME(realloc)(void *p, size_t n)
{
	void *q;

	HEAP_LOCK();
	q = heap_realloc(p, n);
	HEAP_UNLOCK();
	return q;
}

static int
heap_memalign(void **memptr, size_t align, size_t n)
{
	struct blk *b, *a;
	size_t need, gap;
	uintptr_t p, q;

	if (align < sizeof(void *) || (align & (align - 1)))
		return SMRT_EINVAL;
	if (align <= ALIGN) {
		void *r = heap_malloc(n);
		if (!r)
			return SMRT_ENOMEM;
		*memptr = r;
		return 0;
	}
	need = block_need(n ? n : 1);
	if (!need || align > MAX_REQUEST - need ||
	    !(b = alloc_block(need + align + MIN_BLOCK)))
		return SMRT_ENOMEM;
	p = (uintptr_t)b + HDR;
	q = align_up(p, align);
	while (q != p && q - p < MIN_BLOCK)
		q += align;
	if (q != p) {
		/* Split off the leading gap as a block of its own and free it. */
		gap = q - p;
		a = (struct blk *)(q - HDR);
		a->size = (uint32_t)(bsize(b) - gap) | F_USED;
		a->magic = magic_for(a, MAGIC_USED);
		b->size = (uint32_t)gap | (b->size & FLAGS);
		make_free(b);
		b = a;
	}
	trim(b, need);
	*memptr = (void *)q;
	return 0;
}

int
SMRT_NAME(posix_memalign)(void **memptr, size_t align, size_t n)
{
	int r;

	HEAP_LOCK();
	r = heap_memalign(memptr, align, n);
	HEAP_UNLOCK();
	return r;
}

void
smrt_heap_stats(struct smrt_heap_stats *st)
{
	struct region *r;
	struct blk *b;

	memset(st, 0, sizeof(*st));
	st->arena_bytes = arena_total;
	for (r = regions; r; r = r->next)
		for (b = r->first; b != r->end; b = next_blk(b))
			if (used(b))
				st->used_bytes += bsize(b);
			else
				st->free_bytes += bsize(b);
	for (b = free_list; b; b = b->next)
		st->free_blocks++;
}

int
smrt_heap_check(void)
{
	struct region *r;
	struct blk *b, *prev;
	size_t nfree = 0, listed = 0;

	for (r = regions; r; r = r->next) {
		int prev_used = 1;
		for (b = r->first; b != r->end; b = next_blk(b)) {
			if (b < r->first || b > r->end || bsize(b) < MIN_BLOCK ||
			    bsize(b) % ALIGN || !!(b->size & F_PREV_USED) != prev_used)
				return -1;
			if (used(b)) {
				if (b->magic != magic_for(b, MAGIC_USED))
					return -2;
			} else {
				if (b->magic != magic_for(b, MAGIC_FREE) ||
				    *footer(b) != bsize(b) || !prev_used)
					return -3;
				nfree++;
			}
			prev_used = used(b) != 0;
		}
		if (!!(b->size & F_PREV_USED) != prev_used || !used(b) ||
		    b->magic != magic_for(b, MAGIC_END))
			return -4;
	}
	for (prev = NULL, b = free_list; b; prev = b, b = b->next) {
		if (b->prev != prev || used(b) || b->magic != magic_for(b, MAGIC_FREE))
			return -5;
		if (++listed > nfree)
			return -6;
	}
	return listed == nfree ? 0 : -7;
}
