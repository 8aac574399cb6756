/* fake_device.c - see fake_device.h. */
#include "fake_device.h"
#include <stdlib.h>
#include <string.h>

#define DESC_NEXT 1
#define DESC_WRITE 2
#define DESC_INDIRECT 4

static uint16_t rd16(const char *p) { return *(const volatile uint16_t *)p; }
static uint32_t rd32(const char *p) { return *(const volatile uint32_t *)p; }
static uint64_t rd64(const char *p) { return *(const volatile uint64_t *)p; }
static void wr16(char *p, uint16_t v) { *(volatile uint16_t *)p = v; }
static void wr32(char *p, uint32_t v) { *(volatile uint32_t *)p = v; }

void fake_init(struct fake_device *f, void *desc, void *avail, void *used, uint16_t size, int event_idx)
{
	memset(f, 0, sizeof *f);
	f->size = size;
	f->event_idx = event_idx;
	f->desc = desc;
	f->avail = avail;
	f->used = used;
}

int fake_available(const struct fake_device *f)
{
	return (uint16_t)(rd16(f->avail + 2) - f->last_avail);
}

static int broke(struct fake_device *f, const char *why)
{
	if (!f->error)
		f->error = why;
	return -1;
}

/* Appends the chain starting at descriptor i of table (n entries). */
static int walk(struct fake_device *f, struct fake_chain *c, const char *table, uint32_t n, uint16_t i, int inside)
{
	int seen_writable = 0;
	for (uint32_t steps = 0;; steps++) {
		if (i >= n)
			return broke(f, "descriptor index out of the table");
		if (steps >= n)
			return broke(f, "descriptor chain loops or is longer than the table");
		const char *d = table + 16u * i;
		uint16_t flags = rd16(d + 12);
		if (flags & DESC_INDIRECT) {
			if (inside)
				return broke(f, "INDIRECT inside an indirect table");
			if (flags & DESC_NEXT)
				return broke(f, "INDIRECT and NEXT together");
			uint32_t len = rd32(d + 8);
			if (len == 0 || len % 16)
				return broke(f, "indirect table length not a multiple of 16");
			if (len / 16 > f->size)
				return broke(f, "indirect chain longer than the queue size");
			c->indirect = 1;
			return walk(f, c, (const char *)(uintptr_t)rd64(d), len / 16, 0, 1);
		}
		if (c->count >= FAKE_MAX_SEGMENTS)
			return broke(f, "too many segments");
		int w = (flags & DESC_WRITE) != 0;
		if (!w && seen_writable)
			return broke(f, "device-readable segment after a writable one");
		seen_writable |= w;
		c->seg[c->count].addr = rd64(d);
		c->seg[c->count].len = rd32(d + 8);
		c->seg[c->count].writable = w;
		c->count++;
		if (!(flags & DESC_NEXT))
			return 1;
		i = rd16(d + 14);
	}
}

int fake_take(struct fake_device *f, struct fake_chain *c)
{
	if (!fake_available(f))
		return 0;
	if (fake_available(f) > f->size)
		return broke(f, "available idx ran ahead by more than the queue size");
	uint16_t head = rd16(f->avail + 4 + 2u * (f->last_avail % f->size));
	f->last_avail++;
	c->head = head;
	c->indirect = 0;
	c->count = 0;
	return walk(f, c, f->desc, f->size, head, 0);
}

void fake_fill(const struct fake_chain *c, uint8_t pattern)
{
	for (int i = 0; i < c->count; i++)
		if (c->seg[i].writable)
			memset((void *)(uintptr_t)c->seg[i].addr, pattern, c->seg[i].len);
}

static void push(struct fake_device *f, uint32_t id, uint32_t len)
{
	char *e = f->used + 4 + 8u * (f->used_idx % f->size);
	wr32(e, id);
	wr32(e + 4, len);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	f->used_idx++;
	wr16(f->used + 2, f->used_idx);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

int fake_put(struct fake_device *f, uint16_t head, uint32_t len)
{
	uint16_t old = f->used_idx;
	push(f, head, len);
	if (f->event_idx) {
		/* 2.7.7: notify iff the entry just written was at used_event. */
		uint16_t event = fake_used_event(f);
		return old == event;
	}
	return !(fake_avail_flags(f) & 1);
}

void fake_put_raw(struct fake_device *f, uint32_t id, uint32_t len)
{
	push(f, id, len);
}

void fake_set_no_notify(struct fake_device *f, int on)
{
	wr16(f->used, on ? 1 : 0);
}

void fake_set_avail_event(struct fake_device *f, uint16_t event)
{
	wr16(f->used + 4 + 8u * f->size, event);
}

uint16_t fake_avail_flags(const struct fake_device *f)
{
	return rd16(f->avail);
}

uint16_t fake_used_event(const struct fake_device *f)
{
	return rd16(f->avail + 4 + 2u * f->size);
}

void *fake_alloc(uint32_t bytes)
{
	void *p = NULL;
	if (posix_memalign(&p, 4096, bytes ? bytes : 1))
		return NULL;
	memset(p, 0, bytes);
	return p;
}

void fake_free(void *p)
{
	free(p);
}
