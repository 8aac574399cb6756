/*
 * virtio_ring_fake.h - the device side of a split virtqueue (virtio 1.2,
 * 2.7), the one fake device ring for every host test: the Swift SDK's ring
 * test (servers/sdk/Virtio/Tests) drives it directly, and the fake
 * transport (virtio_fake.h: fake_process) serves C drivers' chains with it
 * (<sm/vring.h>, tests/host/test_virtio.c). It takes chains off the
 * available ring (following indirect tables), checks the rules the driver
 * must keep, and puts chains on the used ring with the device's
 * notification rules. Field positions come from <sm/virtio_spec.h>'s ring
 * accessors; test_virtio.c checks those against the spec's numbers.
 * Addresses are host pointers (the test's "physical" addresses are its
 * virtual ones).
 */
#ifndef TESTS_HOST_VIRTIO_RING_FAKE_H
#define TESTS_HOST_VIRTIO_RING_FAKE_H
#include <stdint.h>

#define FAKE_MAX_SEGMENTS 512

struct fake_segment {
	uint64_t addr;
	uint32_t len;
	int writable;
};

struct fake_chain {
	uint16_t head;
	int indirect;			/* reached through an indirect table */
	int count;
	struct fake_segment seg[FAKE_MAX_SEGMENTS];
};

struct fake_device {
	uint16_t size;
	int event_idx;
	void *desc, *avail, *used;
	uint16_t last_avail;		/* next available entry to take */
	uint16_t used_idx;		/* our copy of used->idx */
	const char *error;		/* the first rule the driver broke */
};

void fake_init(struct fake_device *f, void *desc, void *avail, void *used, uint16_t size, int event_idx);
/* Available chains not taken yet. */
int fake_available(const struct fake_device *f);
/* Takes the next available chain: 1, 0 if none, -1 if it breaks a rule
 * (f->error says which). */
int fake_take(struct fake_device *f, struct fake_chain *c);
/* Writes `pattern` bytes into every device-writable segment of c. */
void fake_fill(const struct fake_chain *c, uint8_t pattern);
/* Returns chain `head` with `len` bytes written; 1 if the device would now
 * send a used buffer notification (2.7.7), else 0. */
int fake_put(struct fake_device *f, uint16_t head, uint32_t len);
/* Puts a used entry naming any id (to play a broken device). */
void fake_put_raw(struct fake_device *f, uint32_t id, uint32_t len);
/* Device-side notification suppression (2.7.10). */
void fake_set_no_notify(struct fake_device *f, int on);
void fake_set_avail_event(struct fake_device *f, uint16_t event);
/* What the driver asked for (2.7.7): avail flags and used_event. */
uint16_t fake_avail_flags(const struct fake_device *f);
uint16_t fake_used_event(const struct fake_device *f);
/* Zeroed, page-aligned host memory standing in for DMA memory. */
void *fake_alloc(uint32_t bytes);
void fake_free(void *p);
#endif
