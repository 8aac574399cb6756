/* virtio_ring_fake.c - see virtio_ring_fake.h. */
#include "virtio_ring_fake.h"
#include <sm/virtio_spec.h>
#include <stdlib.h>
#include <string.h>

static uint16_t rd16(const uint16_t *p) { return *(const volatile uint16_t *)p; }
static void wr16(uint16_t *p, uint16_t v) { *(volatile uint16_t *)p = v; }

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
	return (uint16_t)(rd16(virtq_avail_idx(f->avail)) - f->last_avail);
}

static int broke(struct fake_device *f, const char *why)
{
	if (!f->error)
		f->error = why;
	return -1;
}

/* Appends the chain starting at descriptor i of table (n entries). */
static int walk(struct fake_device *f, struct fake_chain *c, const volatile struct virtq_desc *table, uint32_t n,
		uint16_t i, int inside)
{
	int seen_writable = 0;
	for (uint32_t steps = 0;; steps++) {
		if (i >= n)
			return broke(f, "descriptor index out of the table");
		if (steps >= n)
			return broke(f, "descriptor chain loops or is longer than the table");
		const volatile struct virtq_desc *d = &table[i];
		uint16_t flags = d->flags;
		if (flags & VIRTQ_DESC_F_INDIRECT) {
			/* 2.7.5.3.1: no INDIRECT inside a table, nor with NEXT. */
			if (inside)
				return broke(f, "INDIRECT inside an indirect table");
			if (flags & VIRTQ_DESC_F_NEXT)
				return broke(f, "INDIRECT and NEXT together");
			uint32_t len = d->len;
			if (len == 0 || len % sizeof(struct virtq_desc))
				return broke(f, "indirect table length not a multiple of 16");
			if (len / sizeof(struct virtq_desc) > f->size)
				return broke(f, "indirect chain longer than the queue size");
			c->indirect = 1;
			return walk(f, c, (const struct virtq_desc *)(uintptr_t)d->addr, len / sizeof(struct virtq_desc),
				    0, 1);
		}
		if (c->count >= FAKE_MAX_SEGMENTS)
			return broke(f, "too many segments");
		int w = (flags & VIRTQ_DESC_F_WRITE) != 0;
		/* 2.7.4.2: device-writable buffers follow every readable one. */
		if (!w && seen_writable)
			return broke(f, "device-readable segment after a writable one");
		seen_writable |= w;
		c->seg[c->count].addr = d->addr;
		c->seg[c->count].len = d->len;
		c->seg[c->count].writable = w;
		c->count++;
		if (!(flags & VIRTQ_DESC_F_NEXT))
			return 1;
		i = d->next;
	}
}

int fake_take(struct fake_device *f, struct fake_chain *c)
{
	if (!fake_available(f))
		return 0;
	if (fake_available(f) > f->size)
		return broke(f, "available idx ran ahead by more than the queue size");
	uint16_t head = rd16(virtq_avail_entry(f->avail, f->size, f->last_avail));
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

/* 2.7.8.2: the entry is written before the index that covers it. */
static void push(struct fake_device *f, uint32_t id, uint32_t len)
{
	volatile struct virtq_used_elem *e = virtq_used_entry(f->used, f->size, f->used_idx);
	e->id = id;
	e->len = len;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	f->used_idx++;
	wr16(virtq_used_idx(f->used), f->used_idx);
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
	return !(fake_avail_flags(f) & VIRTQ_AVAIL_F_NO_INTERRUPT);
}

void fake_put_raw(struct fake_device *f, uint32_t id, uint32_t len)
{
	push(f, id, len);
}

void fake_set_no_notify(struct fake_device *f, int on)
{
	wr16(virtq_used_flags(f->used), on ? VIRTQ_USED_F_NO_NOTIFY : 0);
}

void fake_set_avail_event(struct fake_device *f, uint16_t event)
{
	wr16(virtq_avail_event(f->used, f->size), event);
}

uint16_t fake_avail_flags(const struct fake_device *f)
{
	return rd16(virtq_avail_flags(f->avail));
}

uint16_t fake_used_event(const struct fake_device *f)
{
	return rd16(virtq_used_event(f->avail, f->size));
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
