/*
 * sm/vring.h - the driver's side of a split virtqueue (virtio 1.2, 2.7),
 * for C drivers and tests: a free list of descriptors, adding a chain of
 * buffers to the available ring, and taking finished chains off the used
 * ring. The memory is what virtio_queue_setup returned; the ring holds
 * guest-physical addresses, so buffers must come from virtio_dma_alloc.
 *
 * Header-only and freestanding (no libc), so the same code runs in user
 * tasks and in host unit tests (tests/host/test_virtio.c). Not thread-safe:
 * one thread per queue. No indirect descriptors, no event index: the driver
 * asks for every interrupt and honours only VIRTQ_USED_F_NO_NOTIFY.
 */
#ifndef _SM_VRING_H_
#define _SM_VRING_H_

#include <stdint.h>
#include <sm/virtio_spec.h>

struct vring {
	uint16_t size;
	volatile struct virtq_desc *desc;
	volatile struct virtq_avail *avail;
	volatile struct virtq_used *used;
	uint16_t free_head;		/* first free descriptor (a chain via next) */
	uint16_t num_free;
	uint16_t avail_idx;		/* our copy of avail->idx */
	uint16_t last_used;		/* the next used entry to look at */
};

/* One buffer of a chain: guest-physical address and length. */
struct vring_buf {
	uint64_t addr;
	uint32_t len;
};

/* Stores are ordered on x86, but the compiler must not move them; the
 * full barrier orders the avail index store before reading used->flags. */
#define VRING_COMPILER_BARRIER() __asm__ volatile("" ::: "memory")
#define VRING_FULL_BARRIER() __sync_synchronize()

static inline void vring_init(struct vring *r, uint16_t size, void *desc, void *avail, void *used)
{
	r->size = size;
	r->desc = (volatile struct virtq_desc *)desc;
	r->avail = (volatile struct virtq_avail *)avail;
	r->used = (volatile struct virtq_used *)used;
	for (uint16_t i = 0; i < size; i++)
		r->desc[i].next = (uint16_t)(i + 1);
	r->free_head = 0;
	r->num_free = size;
	r->avail_idx = r->avail->idx;
	r->last_used = r->used->idx;
}

/* Add a chain: the first n_out buffers are read by the device, the next
 * n_in written by it (2.7.4.2: device-writable buffers follow readable
 * ones). Makes it available. Returns the head descriptor, or -1 when the
 * ring has fewer than n_out + n_in free descriptors. */
static inline int vring_add(struct vring *r, const struct vring_buf *bufs, unsigned n_out, unsigned n_in)
{
	unsigned n = n_out + n_in;
	if (n == 0 || n > r->num_free)
		return -1;
	uint16_t head = r->free_head, d = head, last = head;
	for (unsigned i = 0; i < n; i++) {
		volatile struct virtq_desc *e = &r->desc[d];
		e->addr = bufs[i].addr;
		e->len = bufs[i].len;
		e->flags = (uint16_t)((i < n_out ? 0 : VIRTQ_DESC_F_WRITE) | (i + 1 < n ? VIRTQ_DESC_F_NEXT : 0));
		last = d;
		d = e->next;
	}
	r->free_head = r->desc[last].next;
	r->num_free = (uint16_t)(r->num_free - n);
	r->avail->ring[r->avail_idx % r->size] = head;
	/* 2.7.13.3.1: the descriptors and the ring entry are visible before the
	 * index that publishes them. */
	VRING_COMPILER_BARRIER();
	r->avail_idx++;
	r->avail->idx = r->avail_idx;
	return head;
}

/* After adding: whether the device wants a notification (2.7.7.2). */
static inline int vring_should_notify(struct vring *r)
{
	VRING_FULL_BARRIER();
	return !(r->used->flags & VIRTQ_USED_F_NO_NOTIFY);
}

/* Whether the device has returned a chain we have not taken yet. */
static inline int vring_has_used(const struct vring *r)
{
	return r->used->idx != r->last_used;
}

/* Take the next finished chain off the used ring and free its descriptors.
 * Returns its head (and the bytes the device wrote in *len), or -1. */
static inline int vring_get_used(struct vring *r, uint32_t *len)
{
	if (r->used->idx == r->last_used)
		return -1;
	VRING_COMPILER_BARRIER();          /* read the entry after the index */
	volatile struct virtq_used_elem *u = &r->used->ring[r->last_used % r->size];
	uint32_t id = u->id;
	if (len)
		*len = u->len;
	r->last_used++;
	if (id >= r->size)
		return -1;                     /* a device bug; the caller may stop */
	uint16_t d = (uint16_t)id, n = 1;
	while (r->desc[d].flags & VIRTQ_DESC_F_NEXT) {
		d = r->desc[d].next;
		n++;
	}
	r->desc[d].next = r->free_head;
	r->free_head = (uint16_t)id;
	r->num_free = (uint16_t)(r->num_free + n);
	return (int)id;
}

#endif /* _SM_VRING_H_ */
