/*
 * vring_access.h - how the Swift virtio layer touches memory it shares with
 * a device: every load and store of a ring field goes through a volatile
 * access here, so the compiler neither caches, merges nor drops it, and
 * the barriers the split ring needs (virtio 1.2, 2.7.13) are spelled out.
 *
 * x86 (TSO): stores are not reordered with other stores, nor loads with
 * other loads, so "descriptors before the index" (2.7.13.3.1) and "index
 * before the entry it covers" (2.7.14) need only the compiler barrier.  A
 * store followed by a load of another location may be reordered by the
 * CPU, so "publish idx, then read flags/avail_event" (2.7.13.4.1) and
 * "write used_event, then re-read used idx" need the full barrier.  The
 * full barrier is a locked add to the stack, not mfence: mfence is SSE2 and
 * the servers are built without SSE (servers/runtime/check-user-elf.sh).
 *
 * Every function here is always inlined, as <sm/virtio_spec.h>'s ring
 * positions are (VIRTQ_RING_INLINE says why).
 */
#ifndef SDK_VRING_ACCESS_H
#define SDK_VRING_ACCESS_H

#include <stdint.h>
#include <sm/virtio_spec.h>

#define VIO_INLINE static inline __attribute__((always_inline))

VIO_INLINE void vio_compiler_barrier(void) { __asm__ volatile("" ::: "memory"); }
VIO_INLINE void vio_full_barrier(void) { __asm__ volatile("lock; addl $0,(%%esp)" ::: "memory", "cc"); }

VIO_INLINE uint16_t vio_load16(const void *p) { return *(const volatile uint16_t *)p; }
VIO_INLINE uint32_t vio_load32(const void *p) { return *(const volatile uint32_t *)p; }
VIO_INLINE void vio_store16(void *p, uint16_t v) { *(volatile uint16_t *)p = v; }

/* Used ring entry `at` (struct virtq_used_elem, 2.7.8): the chain's head
 * and the bytes the device says it wrote, loaded once each. */
VIO_INLINE uint32_t vio_used_id(void *used, uint16_t size, uint16_t at)
{
	return vio_load32(&virtq_used_entry(used, size, at)->id);
}
VIO_INLINE uint32_t vio_used_len(void *used, uint16_t size, uint16_t at)
{
	return vio_load32(&virtq_used_entry(used, size, at)->len);
}

/* Descriptor i of a table (struct virtq_desc, 2.7.5).  The 64-bit address
 * may be stored as two 32-bit halves: descriptors are not visible to the
 * device until the index that publishes them is written, so tearing
 * cannot be observed. */
VIO_INLINE void vio_desc_write(void *table, uint16_t i, uint64_t addr, uint32_t len, uint16_t flags,
				  uint16_t next)
{
	volatile struct virtq_desc *d = (volatile struct virtq_desc *)table + i;
	d->addr = addr;
	d->len = len;
	d->flags = flags;
	d->next = next;
}

#endif
