/* A fake virtio device behind the transport interface
 * (device/virtio/transport.h), for host unit tests of device/virtio/core.c
 * and <sm/vring.h>. It keeps the registers a real device has (status,
 * features, configuration with a generation, queue sizes and addresses, ISR)
 * plus knobs to misbehave: a slow or endless reset, a feature set it
 * refuses, configuration that changes while it is read. Its "physical"
 * addresses are host pointers, so it also plays the device's side of each
 * enabled split virtqueue (fake_process), with the fake device ring every
 * host test shares (virtio_ring_fake.h). */
#ifndef TESTS_HOST_VIRTIO_FAKE_H
#define TESTS_HOST_VIRTIO_FAKE_H
#include "device/virtio/transport.h"
#include "virtio_ring_fake.h"

struct fake_queue {
	uint16_t max;                 /* what queue_max reports (0: no queue) */
	uint16_t size;                /* as enabled */
	uint64_t desc, avail, used;   /* as enabled (host pointers) */
	int enabled;
	uint32_t notifies;
	struct fake_device ring;      /* device side, set up when enabled */
};

struct fake_dev {
	struct vtransport t;
	int modern;
	uint8_t status;
	uint32_t status_writes;
	uint8_t status_log[16];       /* the first writes, in order */
	uint64_t offered, driver_features;
	uint64_t refuse_mask;         /* FEATURES_OK is cleared if the driver takes any */
	int reset_reads;              /* get_status reads still nonzero after a reset */
	int reset_never;              /* a reset never completes */
	int needs_reset_on_driver_ok;
	uint8_t config[256];
	uint8_t generation;
	int change_after_reads;       /* on the Nth config read (1-based), change byte 0 */
	int change_always;            /* every read changes the configuration */
	uint32_t config_reads;
	uint32_t access_widths[5];    /* config accesses counted by width (1, 2, 4) */
	uint32_t config_writes;
	uint32_t last_write_offset, last_write_value;
	struct fake_queue q[VT_MAX_QUEUES];
	uint8_t isr;
	/* MSI-X routing (modern only, 4.1.4.3): the entries the device keeps,
	 * read back as the spec says; an entry at or above msix_accept_below
	 * is refused (read back as VIRTIO_MSI_NO_VECTOR, 4.1.5.1.2). */
	uint16_t config_vector;
	uint16_t queue_vector[VT_MAX_QUEUES];
	uint16_t msix_accept_below;
	uint32_t vector_writes;
};

/* A fake with config_size bytes of configuration and queue maxima all 0.
 * A modern one has MSI-X vector registers that accept every entry. */
void fake_dev_init(struct fake_dev *f, int modern, uint32_t config_size, uint16_t num_queues);

/* Device side of queue q: take every available chain, call serve on it
 * (buffers as host pointers: readable ones first, then writable), put it
 * on the used ring with the length serve returns. in_order=0 returns each
 * batch of chains in reverse order, as a device may. Returns chains done;
 * a chain that breaks a driver rule stops it (f->q[q].ring.error says
 * which). */
typedef uint32_t (*fake_serve_fn)(void *ctx, uint8_t **bufs, const uint32_t *lens, const int *writable, int n);
int fake_process(struct fake_dev *f, uint16_t q, fake_serve_fn serve, void *ctx, int in_order);
#endif
