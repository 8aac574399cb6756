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
 */
#ifndef SDK_VRING_ACCESS_H
#define SDK_VRING_ACCESS_H

#include <stdint.h>
#include <sm/virtio_spec.h>

static inline void vio_compiler_barrier(void) { __asm__ volatile("" ::: "memory"); }
static inline void vio_full_barrier(void) { __asm__ volatile("lock; addl $0,(%%esp)" ::: "memory", "cc"); }

static inline uint16_t vio_load16(const void *p) { return *(const volatile uint16_t *)p; }
static inline uint32_t vio_load32(const void *p) { return *(const volatile uint32_t *)p; }
static inline uint8_t vio_load8(const void *p) { return *(const volatile uint8_t *)p; }
static inline void vio_store8(void *p, uint8_t v) { *(volatile uint8_t *)p = v; }
static inline void vio_store16(void *p, uint16_t v) { *(volatile uint16_t *)p = v; }
static inline void vio_store32(void *p, uint32_t v) { *(volatile uint32_t *)p = v; }
/* Two 32-bit stores: descriptors are not visible to the device until the
 * index that publishes them is written, so tearing cannot be observed. */
static inline void vio_store64(void *p, uint64_t v)
{
	vio_store32(p, (uint32_t)v);
	vio_store32((char *)p + 4, (uint32_t)(v >> 32));
}

/* One descriptor (2.7.5): 16 bytes, addr le64, len le32, flags le16, next le16. */
static inline void vio_desc_write(void *table, uint16_t i, uint64_t addr, uint32_t len, uint16_t flags,
				  uint16_t next)
{
	char *d = (char *)table + 16u * i;
	vio_store64(d, addr);
	vio_store32(d + 8, len);
	vio_store16(d + 12, flags);
	vio_store16(d + 14, next);
}
static inline uint16_t vio_desc_flags(const void *table, uint16_t i) { return vio_load16((const char *)table + 16u * i + 12); }
static inline uint16_t vio_desc_next(const void *table, uint16_t i) { return vio_load16((const char *)table + 16u * i + 14); }
static inline void vio_desc_set_next(void *table, uint16_t i, uint16_t next) { vio_store16((char *)table + 16u * i + 14, next); }

#endif
