/* The transport-independent part of a virtio device: the initialization
 * sequence of 3.1.1, feature negotiation, device configuration reads with
 * the consistency checks of 2.5 and 4.1.4.3, and virtqueue sizing. It only
 * calls the transport operations (transport.h) and logs, so it is built both
 * into the kernel and into host unit tests against a fake transport.
 *
 * Non-goals: packed virtqueues, per-queue reset, notification data, MSI-X
 * (the kernel never enables it, so the ISR byte and INTx carry everything). */
#include "device/virtio/transport.h"
#include "kern/printf.h"

#define CONFIG_READ_MAX 256          /* one read's largest count (MIG array size) */

void vcore_init(struct vcore *c, struct vtransport *t)
{
	c->t = t;
	c->state = VT_STATE_NONE;
	c->offered = c->accepted = 0;
	c->reset_spins = 0;
	c->config_retries = 0;
}

static void set_broken(struct vtransport *t, const char *why)
{
	if (!t->broken)
		kwarn("virtio: device marked broken: %s\n", why);
	t->broken = true;
	t->broken_why = why;
}

int vcore_stop(struct vcore *c)
{
	struct vtransport *t = c->t;
	t->ops->set_status(t, 0);
	/* 4.1.4.3: after writing 0 to device_status the driver MUST wait for a
	 * read of device_status to return 0 before reinitializing the device. */
	uint32_t spins = 0;
	while (t->ops->get_status(t) != 0)
		if (++spins >= VT_RESET_SPIN_LIMIT) {
			set_broken(t, "reset did not complete (device_status never read 0)");
			return VT_EBROKEN;
		}
	c->reset_spins = spins;
	c->state = VT_STATE_NONE;
	c->accepted = 0;
	t->broken = false;
	t->broken_why = NULL;
	return VT_OK;
}

int vcore_reset(struct vcore *c)
{
	struct vtransport *t = c->t;
	int r = vcore_stop(c);                   /* 3.1.1 step 1 */
	if (r != VT_OK)
		return r;
	t->ops->set_status(t, VIRTIO_STATUS_ACKNOWLEDGE);                          /* step 2 */
	t->ops->set_status(t, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);   /* step 3 */
	c->state = VT_STATE_DRIVER;
	return VT_OK;
}

void vcore_fail(struct vcore *c)
{
	struct vtransport *t = c->t;
	t->ops->set_status(t, t->ops->get_status(t) | VIRTIO_STATUS_FAILED);
	c->state = VT_STATE_NONE;
}

int vcore_negotiate(struct vcore *c, uint64_t wanted, uint64_t *accepted)
{
	struct vtransport *t = c->t;
	if (t->broken)
		return VT_EBROKEN;
	if (c->state != VT_STATE_DRIVER)
		return VT_ESTATE;
	/* Step 4: read the device's features, write the subset understood. */
	uint64_t offered = t->ops->get_features(t);
	uint64_t acc = wanted & offered & (VT_DEVICE_FEATURE_MASK | VT_TRANSPORT_FEATURES_ALLOWED);
	c->offered = offered;
	if (t->modern) {
		/* A device reached through the modern interface that does not offer
		 * VERSION_1 is a legacy device in disguise: refuse it. Otherwise
		 * 6.1: "A driver MUST accept VIRTIO_F_VERSION_1 if it is offered." */
		if (!(offered & VIRTIO_BIT(VIRTIO_F_VERSION_1))) {
			vcore_fail(c);
			return VT_EFEATURES;
		}
		acc |= VIRTIO_BIT(VIRTIO_F_VERSION_1);
	} else {
		acc &= 0xFFFFFFFFull;                /* 4.1.4.9: only bits 0-31 exist */
	}
	t->ops->set_features(t, acc);
	if (t->modern) {
		/* Steps 5-6: set FEATURES_OK, then re-read device status to ensure
		 * it is still set: otherwise the device does not support this
		 * subset of features and is unusable. Legacy devices have no
		 * FEATURES_OK (3.1.2): the features are final once written. */
		t->ops->set_status(t, t->ops->get_status(t) | VIRTIO_STATUS_FEATURES_OK);
		if (!(t->ops->get_status(t) & VIRTIO_STATUS_FEATURES_OK)) {
			vcore_fail(c);
			return VT_EREFUSED;
		}
	}
	c->accepted = acc;
	c->state = VT_STATE_FEATURES_OK;
	if (accepted)
		*accepted = acc;
	return VT_OK;
}

int vcore_driver_ok(struct vcore *c)
{
	struct vtransport *t = c->t;
	if (t->broken)
		return VT_EBROKEN;
	if (c->state != VT_STATE_FEATURES_OK)
		return VT_ESTATE;
	t->ops->set_status(t, t->ops->get_status(t) | VIRTIO_STATUS_DRIVER_OK);   /* step 8 */
	uint8_t s = t->ops->get_status(t);
	if (s & VIRTIO_STATUS_NEEDS_RESET) {
		set_broken(t, "device needs a reset right after DRIVER_OK");
		return VT_EBROKEN;
	}
	c->state = VT_STATE_DRIVER_OK;
	return VT_OK;
}

static bool access_ok(const struct vtransport *t, uint32_t offset, uint32_t width, uint32_t count)
{
	if (width != 1 && width != 2 && width != 4 && width != 8)
		return false;
	uint32_t align = width == 8 ? 4 : width;    /* 4.1.3: 64-bit fields as two 32-bit halves */
	return count > 0 && count <= CONFIG_READ_MAX && count % width == 0 && offset % align == 0 &&
	       offset <= t->config_size && count <= t->config_size - offset;
}

/* One pass over the range, each field with an access of its own width:
 * 4.1.3 "the driver MUST use 8-bit wide accesses for 8-bit wide fields,
 * 16-bit wide and aligned accesses for 16-bit wide fields and 32-bit wide
 * and aligned accesses for 32-bit and 64-bit wide fields". */
static void read_pass(struct vtransport *t, uint32_t offset, uint32_t width, uint32_t count, uint8_t *buf)
{
	int access = width == 8 ? 4 : (int)width;
	for (uint32_t at = 0; at < count; at += access) {
		uint32_t v = t->ops->config_read(t, offset + at, access);
		for (int i = 0; i < access; i++)
			buf[at + i] = v >> (8 * i);          /* little-endian, 4.1.3 */
	}
}

static bool same(const uint8_t *a, const uint8_t *b, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

int vcore_config_read(struct vcore *c, uint32_t offset, uint32_t width, uint32_t count, void *out)
{
	struct vtransport *t = c->t;
	if (t->broken)
		return VT_EBROKEN;
	if (!access_ok(t, offset, width, count))
		return VT_ERANGE;
	uint8_t *buf = out;
	uint8_t again[CONFIG_READ_MAX];
	for (int tries = 0; tries < VT_CONFIG_RETRY_LIMIT; tries++) {
		if (t->modern) {
			/* 2.5.1: read config_generation before and after; a change
			 * means some field may be torn: read everything again. */
			uint8_t before = t->ops->config_generation(t);
			read_pass(t, offset, width, count, buf);
			if (t->ops->config_generation(t) == before)
				return VT_OK;
		} else {
			/* 2.5.4: legacy devices have no generation; read until two
			 * reads give a consistent result. */
			read_pass(t, offset, width, count, buf);
			read_pass(t, offset, width, count, again);
			if (same(buf, again, count))
				return VT_OK;
		}
		c->config_retries++;
	}
	set_broken(t, "device configuration never stopped changing while read");
	return VT_EBROKEN;
}

int vcore_config_write(struct vcore *c, uint32_t offset, uint32_t width, uint32_t value)
{
	struct vtransport *t = c->t;
	if (t->broken)
		return VT_EBROKEN;
	if (width == 8 || !access_ok(t, offset, width, width))
		return VT_ERANGE;
	/* 3.1.1 step 4: the driver MAY read (but MUST NOT write) the
	 * device-specific configuration fields before FEATURES_OK. */
	if (c->state != VT_STATE_FEATURES_OK && c->state != VT_STATE_DRIVER_OK)
		return VT_ESTATE;
	t->ops->config_write(t, offset, width, value);
	return VT_OK;
}

int vcore_queue_size(struct vcore *c, uint16_t q, uint32_t requested, uint16_t *size)
{
	struct vtransport *t = c->t;
	if (t->broken)
		return VT_EBROKEN;
	/* 3.1.1 step 7: virtqueues are set up after FEATURES_OK and before DRIVER_OK. */
	if (c->state != VT_STATE_FEATURES_OK)
		return VT_ESTATE;
	if (t->modern && q >= t->num_queues)
		return VT_ERANGE;
	if (requested != 0 && !virtq_size_valid(requested))
		return VT_ERANGE;
	uint32_t max = t->ops->queue_max(t, q);
	if (max == 0)
		return VT_ERANGE;                        /* 4.1.4.3: 0 means unavailable */
	if (max > VIRTQ_MAX_SIZE)
		max = VIRTQ_MAX_SIZE;
	if (!virtq_size_valid(max)) {
		/* 4.1.4.3: the device MUST present 0 or a power of 2. Use the largest
		 * power of two below (modern) or give up (legacy cannot resize). */
		if (!t->can_resize_queues) {
			set_broken(t, "fixed queue size is not a power of two");
			return VT_EBROKEN;
		}
		while (max & (max - 1))
			max &= max - 1;
	}
	if (!t->can_resize_queues) {
		*size = max;                             /* 4.1.5.1.3.1: legacy sizes are fixed */
		return VT_OK;
	}
	uint32_t want = requested ? requested : VT_PREFERRED_QUEUE_SIZE;
	*size = want <= max ? want : max;
	return VT_OK;
}

int vcore_queue_enable(struct vcore *c, uint16_t q, uint16_t size, uint64_t base)
{
	struct vtransport *t = c->t;
	if (t->broken)
		return VT_EBROKEN;
	if (c->state != VT_STATE_FEATURES_OK)
		return VT_ESTATE;
	if (!virtq_size_valid(size))
		return VT_ERANGE;
	struct virtq_layout l = virtq_layout_for(size);
	if (t->ops->queue_enable(t, q, size, base + l.desc_offset, base + l.avail_offset, base + l.used_offset) < 0)
		return VT_ERANGE;
	return VT_OK;
}
