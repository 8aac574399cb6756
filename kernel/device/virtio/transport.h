/* The virtio transport interface: the register-level operations a virtio
 * device offers, whatever carries them. Two implementations drive real PCI
 * devices (modern.c: virtio 1.x vendor capabilities in memory BARs;
 * legacy.c: the I/O-port BAR0 of legacy and transitional devices) and a fake
 * one (tests/host/virtio_fake.c) lets the generic logic in core.c run in
 * host unit tests. core.c holds everything that is not register access:
 * reset, the status handshake, feature negotiation, configuration reads
 * with the generation check, queue sizing. It is pure C over these
 * operations, so the same file is built into the kernel and into the tests.
 *
 * No operation sleeps or allocates. A transport never sees virtual
 * addresses: queues are given physical addresses. */
#ifndef DEVICE_VIRTIO_TRANSPORT_H
#define DEVICE_VIRTIO_TRANSPORT_H
#include <stdint.h>
#include <stdbool.h>
#include <sm/virtio_spec.h>

struct vtransport;

struct vtransport_ops {
	const char *name;                        /* "modern", "legacy", "fake" */
	uint8_t (*get_status)(struct vtransport *t);
	void (*set_status)(struct vtransport *t, uint8_t status);
	/* Legacy: only bits 0-31 exist (4.1.4.9); set_features ignores the rest. */
	uint64_t (*get_features)(struct vtransport *t);
	void (*set_features)(struct vtransport *t, uint64_t features);
	/* 4.1.4.3 config_generation; transports without one return 0. */
	uint8_t (*config_generation)(struct vtransport *t);
	/* Device-specific configuration; width 1, 2 or 4, offset aligned and
	 * inside config_size (the caller checks). */
	uint32_t (*config_read)(struct vtransport *t, uint32_t offset, int width);
	void (*config_write)(struct vtransport *t, uint32_t offset, int width, uint32_t value);
	/* Queues: the device's maximum size for queue q (0: no such queue).
	 * Legacy queues have a fixed size: their maximum is their size. */
	uint16_t (*queue_max)(struct vtransport *t, uint16_t q);
	/* Program and enable queue q; 0, or -1 if the transport cannot use
	 * these addresses (legacy: above 16 TiB or not in the 2.7.2 layout). */
	int (*queue_enable)(struct vtransport *t, uint16_t q, uint16_t size,
			    uint64_t desc, uint64_t avail, uint64_t used);
	void (*queue_notify)(struct vtransport *t, uint16_t q);
	/* Read (and so acknowledge, 4.1.4.5) the ISR status byte. */
	uint8_t (*isr_read)(struct vtransport *t);
	/* MSI-X routing (modern only; NULL where the transport has none):
	 * aim configuration changes, or queue q, at MSI-X table entry `entry`
	 * (VIRTIO_MSI_NO_VECTOR: none) and return what the device reads back;
	 * 4.1.5.1.2: NO_VECTOR read back means the device refused. */
	uint16_t (*set_config_vector)(struct vtransport *t, uint16_t entry);
	uint16_t (*set_queue_vector)(struct vtransport *t, uint16_t q, uint16_t entry);
};

/* The operations every transport has, for an implementation that defines
 * each as a static function of the operation's own name (legacy.c,
 * modern.c, tests/host/virtio_fake.c): its ops table is then
 * { .name = "...", VTRANSPORT_COMMON_OPS, plus the optional ones }. */
#define VTRANSPORT_COMMON_OPS \
	.get_status = get_status, .set_status = set_status, \
	.get_features = get_features, .set_features = set_features, \
	.config_generation = config_generation, \
	.config_read = config_read, .config_write = config_write, \
	.queue_max = queue_max, .queue_enable = queue_enable, .queue_notify = queue_notify, \
	.isr_read = isr_read

struct vtransport {
	const struct vtransport_ops *ops;
	bool modern;                 /* VERSION_1 may (and must) be negotiated */
	bool can_resize_queues;      /* queue_size is writable (modern only) */
	bool broken;                 /* the device misbehaved: refuse all work */
	const char *broken_why;
	uint32_t config_size;        /* bytes of device-specific configuration */
	uint16_t num_queues;         /* modern: num_queues; legacy: 0 (unknown) */
	void *priv;                  /* the implementation's own state */
};

/* Queues per device the kernel manages (indices 0..VT_MAX_QUEUES-1). */
#define VT_MAX_QUEUES 16

/* 4.1.4.4: queue q's notify address is cap.offset + queue_notify_off *
 * notify_off_multiplier; a multiplier of 0 means every queue shares one
 * address. The 16-bit write must lie inside the capability's length. */
static inline int vt_notify_offset(uint32_t multiplier, uint16_t notify_off, uint32_t cap_length,
				   uint32_t *byte_offset)
{
	uint64_t at = (uint64_t)notify_off * multiplier;
	if (cap_length < 2 || at > cap_length - 2)
		return -1;
	*byte_offset = (uint32_t)at;
	return 0;
}

/* Errors of the generic layer (core.c), mapped to kern_return_t codes by
 * the device layer (vdev.c). */
enum vt_error {
	VT_OK = 0,
	VT_ERANGE = -1,      /* offset, width, size or queue index out of range */
	VT_ESTATE = -2,      /* not allowed in the device's current state */
	VT_EREFUSED = -3,    /* the device cleared FEATURES_OK (3.1.1 step 6) */
	VT_EBROKEN = -4,     /* the device stopped answering or needs a reset */
	VT_ENOMEM = -5,
	VT_EFEATURES = -6,   /* a modern device without VERSION_1 */
};

/* The handshake state kept by core.c. */
enum vt_state { VT_STATE_NONE, VT_STATE_DRIVER, VT_STATE_FEATURES_OK, VT_STATE_DRIVER_OK };

struct vcore {
	struct vtransport *t;
	enum vt_state state;
	uint64_t offered, accepted;
	uint32_t reset_spins;        /* status reads the last reset waited for */
	uint32_t config_retries;     /* generation mismatches seen, for statistics */
};

/* Transport feature bits the kernel lets a driver negotiate: the ring
 * layouts it allocates are split rings, notifications carry only the queue
 * index, and there is no per-queue reset routine. Device-type bits (0-23,
 * 50-63) are the driver's business and always allowed. */
#define VT_TRANSPORT_FEATURES_ALLOWED \
	(VIRTIO_BIT(VIRTIO_F_NOTIFY_ON_EMPTY) | VIRTIO_BIT(VIRTIO_F_ANY_LAYOUT) | \
	 VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC) | VIRTIO_BIT(VIRTIO_F_EVENT_IDX) | \
	 VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VIRTIO_F_ACCESS_PLATFORM) | \
	 VIRTIO_BIT(VIRTIO_F_IN_ORDER) | VIRTIO_BIT(VIRTIO_F_ORDER_PLATFORM))
#define VT_DEVICE_FEATURE_MASK (0x0000000000FFFFFFull | 0xFFFC000000000000ull)

/* How long a reset may take (status reads) before the device counts as broken. */
#define VT_RESET_SPIN_LIMIT 1000000
/* Configuration reads retried this often while the generation keeps moving. */
#define VT_CONFIG_RETRY_LIMIT 64
/* The queue size used when the driver asks for none (and the device allows it). */
#define VT_PREFERRED_QUEUE_SIZE 256

void vcore_init(struct vcore *c, struct vtransport *t);
/* 3.1.1 steps 1-3: reset, wait for status 0, ACKNOWLEDGE, DRIVER. */
int vcore_reset(struct vcore *c);
/* Write 0 and wait, without acknowledging: the device goes quiet. */
int vcore_stop(struct vcore *c);
/* Steps 4-6: accept wanted & offered & allowed (plus VERSION_1, which a
 * driver MUST accept, 6.1); set FEATURES_OK and check it stayed (modern). */
int vcore_negotiate(struct vcore *c, uint64_t wanted, uint64_t *accepted);
/* Step 8: DRIVER_OK. */
int vcore_driver_ok(struct vcore *c);
/* Set FAILED (step "something went wrong", 3.1.1). */
void vcore_fail(struct vcore *c);
/* count bytes of device configuration from offset, in accesses of width
 * 1, 2, 4 or 8 (8: two 32-bit halves), re-read until consistent (4.1.4.3
 * config_generation; legacy: two equal reads, 2.5.4). */
int vcore_config_read(struct vcore *c, uint32_t offset, uint32_t width, uint32_t count, void *buf);
int vcore_config_write(struct vcore *c, uint32_t offset, uint32_t width, uint32_t value);
/* The size for queue q: requested (0: VT_PREFERRED_QUEUE_SIZE) if the
 * device allows it, else the device's maximum if smaller; legacy queues
 * keep their fixed size. */
int vcore_queue_size(struct vcore *c, uint16_t q, uint32_t requested, uint16_t *size);
int vcore_queue_enable(struct vcore *c, uint16_t q, uint16_t size, uint64_t base_pa);
#endif
