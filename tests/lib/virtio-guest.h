/* A minimal C driver layer for the virtio in-guest tests: it brings devices
 * up through include/sm/virtio.defs only (the kernel's transport), drives
 * split virtqueues with <sm/vring.h>, and waits for interrupt messages.
 * Enough for a block read/write and an Ethernet frame each way; not a
 * driver to copy for performance (one request in flight, polling the used
 * ring after each interrupt). */
#ifndef TESTS_VIRTIO_GUEST_H
#define TESTS_VIRTIO_GUEST_H
#include "guest-check.h"
#include <stdbool.h>
#include <sm/traps.h>
#include <sm/vring.h>
#include <sm/virtio_devices.h>
#include <sm/virtio_notify.h>
#include "virtio.h"

struct vdev_u {
	mach_port_t port;            /* send right to the kernel's device object */
	mach_port_t irq;             /* receive right for interrupt messages */
	sm_virtio_info_t info;
	uint64_t features;           /* accepted */
};

struct vq_u {
	struct vring ring;
	unsigned index;
	uint64_t desc_phys, avail_phys, used_phys;
	uintptr_t desc, avail, used;
	mach_port_t vector;          /* receive right of its own MSI-X vector, or null */
};

struct dma_u {
	uint8_t *va;
	uint64_t pa;
	uint32_t size;
};

/* Reset, negotiate wanted (accepted in d->features), register an
 * interrupt port. Returns KERN_SUCCESS or the first failing call's code. */
kern_return_t vg_bring_up(struct vdev_u *d, mach_port_t port, uint64_t wanted);
/* The same without the device-wide interrupt port (for per-queue vectors). */
kern_return_t vg_claim(struct vdev_u *d, mach_port_t port, uint64_t wanted);
/* Give queue q an MSI-X vector of its own, on a new port (q->vector). */
kern_return_t vg_queue_vector(struct vdev_u *d, struct vq_u *q);
kern_return_t vg_queue(struct vdev_u *d, struct vq_u *q, unsigned index, unsigned size);
kern_return_t vg_dma(struct vdev_u *d, struct dma_u *m, uint32_t size);
/* Notify the device if it wants it (through the trap). */
void vg_kick(struct vdev_u *d, struct vq_u *q);
/* Wait until q has a used entry, taking interrupt messages (and acking
 * them) meanwhile, from q's own vector if it has one, else from the
 * device-wide port; 0, or -1 after timeout_ms without progress. */
int vg_wait_used(struct vdev_u *d, struct vq_u *q, unsigned timeout_ms);

/* Block device: one request of nsect sectors at sector, data in m at
 * offset 4096 (the first page holds the header and status), made
 * available and notified; returns its head, or -1. */
int vg_blk_submit(struct vdev_u *d, struct vq_u *q, struct dma_u *m, uint32_t type, uint64_t sector,
		  uint32_t nsect);
/* vg_blk_submit, then wait for it: returns the virtio status byte, or -1. */
int vg_blk_rw(struct vdev_u *d, struct vq_u *q, struct dma_u *m, uint32_t type, uint64_t sector,
	      uint32_t nsect);
/* The same with the data at data_pa (any physically contiguous memory the
 * device may reach, e.g. a page virtio_lend_pages gave) instead of m's
 * second page; m still holds the header and the status. */
int vg_blk_submit_at(struct vdev_u *d, struct vq_u *q, struct dma_u *m, uint64_t data_pa, uint32_t type,
		     uint64_t sector, uint32_t nsect);
int vg_blk_rw_at(struct vdev_u *d, struct vq_u *q, struct dma_u *m, uint64_t data_pa, uint32_t type,
		 uint64_t sector, uint32_t nsect);

/* Network device: bytes of virtio-net header for the accepted features. */
unsigned vg_net_hdr_size(const struct vdev_u *d);
/* Build an ARP request "who has tpa, tell spa" from mac into frame (42 bytes). */
unsigned vg_arp_request(uint8_t *frame, const uint8_t mac[6], const uint8_t spa[4], const uint8_t tpa[4]);
/* Whether frame is an ARP reply from spa to mac. */
int vg_is_arp_reply(const uint8_t *frame, unsigned len, const uint8_t mac[6], const uint8_t spa[4]);

uint64_t vg_uptime_ns(void);
static inline uint64_t vg_rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}
/* The whole transport test; expected is SM_VIRTIO_MODERN or _LEGACY. */
int virtio_transport_test(unsigned expected, const char *topic);
#endif
