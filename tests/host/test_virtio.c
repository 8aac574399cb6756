/* Host unit tests of the virtio logic that needs no hardware: the generic
 * transport layer (device/virtio/core.c) against the fake device of
 * virtio_fake.c, the ring layout and notify arithmetic of
 * <sm/virtio_spec.h> and transport.h, and the driver's split ring
 * (<sm/vring.h>) against the fake playing the device. */
#include "check.h"
#include "virtio_fake.h"
#include <sm/vring.h>
#include <string.h>

/* core.c logs through the kernel's kprintf: keep the last line. */
static char last_log[256];
void kprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(last_log, sizeof last_log, fmt, ap);
	va_end(ap);
}
/* and its warnings through kwarn's rate limit: let every one through. */
bool kwarn_admit(void) { return true; }

static void test_layout(void)
{
	struct virtq_layout l = virtq_layout_for(256);
	CHECK(l.avail_offset == 4096 && l.used_offset == 8192 && l.total == 12288, "256: %u %u %u",
	      l.avail_offset, l.used_offset, l.total);
	l = virtq_layout_for(1);
	CHECK(l.avail_offset == 16 && l.used_offset == 4096 && l.total == 8192, "1: %u %u %u", l.avail_offset,
	      l.used_offset, l.total);
	for (uint32_t n = 1; n <= VIRTQ_MAX_SIZE; n <<= 1) {
		l = virtq_layout_for(n);
		/* 2.7: desc 16-aligned, avail 2, used 4; 2.7.2: used at a 4096 boundary. */
		CHECK(l.desc_offset == 0 && l.avail_offset == 16 * n && l.used_offset % 4096 == 0 &&
		      l.used_offset >= l.avail_offset + 2 * (3 + n) && l.total % 4096 == 0 &&
		      l.total >= l.used_offset + 6 + 8 * n && l.total - (l.used_offset + 6 + 8 * n) < 4096,
		      "size %u", n);
	}
	/* The ring accessors every side uses, against the spec's offsets
	 * (2.7.5: 16-byte descriptors; 2.7.6: avail flags, idx, ring[size],
	 * used_event; 2.7.8: used flags, idx, 8-byte entries, avail_event). */
	static uint8_t ring[4096 * 3] __attribute__((aligned(4096)));
	uint8_t *avail = ring + 16 * 64, *used = ring + 8192;
	CHECK(sizeof(struct virtq_desc) == 16 && sizeof(struct virtq_used_elem) == 8, "descriptor and used entry sizes");
	CHECK((uint8_t *)virtq_avail_flags(avail) == avail && (uint8_t *)virtq_avail_idx(avail) == avail + 2 &&
	      (uint8_t *)virtq_avail_entry(avail, 64, 3) == avail + 4 + 2 * 3 &&
	      (uint8_t *)virtq_avail_entry(avail, 64, 64 + 3) == avail + 4 + 2 * 3 &&
	      (uint8_t *)virtq_used_event(avail, 64) == avail + 4 + 2 * 64, "available ring field offsets");
	CHECK((uint8_t *)virtq_used_flags(used) == used && (uint8_t *)virtq_used_idx(used) == used + 2 &&
	      (uint8_t *)virtq_used_entry(used, 64, 5) == used + 4 + 8 * 5 &&
	      (uint8_t *)virtq_used_entry(used, 64, 65535) == used + 4 + 8 * 63 &&
	      (uint8_t *)virtq_avail_event(used, 64) == used + 4 + 8 * 64, "used ring field offsets");
	CHECK(virtq_size_valid(1) && virtq_size_valid(32768) && !virtq_size_valid(0) && !virtq_size_valid(48) &&
	      !virtq_size_valid(65536), "size validity");
}

static void test_notify_offset(void)
{
	uint32_t at = 99;
	CHECK(vt_notify_offset(4, 3, 4096, &at) == 0 && at == 12, "4 x 3: %u", at);
	/* 4.1.4.4: a multiplier of 0 puts every queue at the same address. */
	for (uint16_t q = 0; q < 8; q++)
		CHECK(vt_notify_offset(0, q, 2, &at) == 0 && at == 0, "multiplier 0, queue %u: %u", q, at);
	CHECK(vt_notify_offset(4, 1023, 4096, &at) == 0 && at == 4092, "last slot");
	CHECK(vt_notify_offset(4, 1024, 4096, &at) < 0, "past the end");
	CHECK(vt_notify_offset(0, 0, 1, &at) < 0, "a structure shorter than 2 bytes");
	CHECK(vt_notify_offset(0x20000, 0xFFFF, 0xFFFFFFFF, &at) < 0, "no 32-bit wrap");
}

static void test_reset(void)
{
	struct fake_dev f;
	struct vcore c;
	fake_dev_init(&f, 1, 16, 1);
	f.reset_reads = 5;
	vcore_init(&c, &f.t);
	CHECK(vcore_reset(&c) == VT_OK && c.state == VT_STATE_DRIVER && c.reset_spins == 5, "slow reset");
	/* 3.1.1 steps 1-3: 0, then ACKNOWLEDGE, then ACKNOWLEDGE|DRIVER. */
	CHECK(f.status_writes == 3 && f.status_log[0] == 0 && f.status_log[1] == 1 && f.status_log[2] == 3,
	      "status writes %u: %u %u %u", f.status_writes, f.status_log[0], f.status_log[1], f.status_log[2]);
	fake_dev_init(&f, 1, 16, 1);
	f.reset_never = 1;
	vcore_init(&c, &f.t);
	CHECK(vcore_reset(&c) == VT_EBROKEN && f.t.broken, "endless reset marks the device broken");
	CHECK(strstr(last_log, "reset did not complete") != NULL, "logged: %s", last_log);
	uint64_t acc;
	CHECK(vcore_negotiate(&c, 0, &acc) == VT_EBROKEN, "no work on a broken device");
	f.reset_never = 0;
	CHECK(vcore_reset(&c) == VT_OK && !f.t.broken, "a good reset clears broken");
}

static void test_negotiate(void)
{
	struct fake_dev f;
	struct vcore c;
	uint64_t acc = 0;
	fake_dev_init(&f, 1, 16, 1);
	f.offered = VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(5) | VIRTIO_BIT(VIRTIO_F_RING_PACKED) |
		    VIRTIO_BIT(VIRTIO_F_NOTIFICATION_DATA) | VIRTIO_BIT(VIRTIO_F_EVENT_IDX);
	vcore_init(&c, &f.t);
	CHECK(vcore_negotiate(&c, 0, &acc) == VT_ESTATE, "negotiate before reset");
	vcore_reset(&c);
	uint64_t wanted = VIRTIO_BIT(5) | VIRTIO_BIT(7) | VIRTIO_BIT(VIRTIO_F_RING_PACKED) |
			  VIRTIO_BIT(VIRTIO_F_NOTIFICATION_DATA) | VIRTIO_BIT(VIRTIO_F_EVENT_IDX);
	CHECK(vcore_negotiate(&c, wanted, &acc) == VT_OK, "modern negotiate");
	/* Not offered (7) and not supported by the kernel (packed, notification
	 * data) are dropped; VERSION_1 is always accepted (6.1). */
	CHECK(acc == (VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(5) | VIRTIO_BIT(VIRTIO_F_EVENT_IDX)), "accepted %llx",
	      (unsigned long long)acc);
	CHECK(f.driver_features == acc && (f.status & VIRTIO_STATUS_FEATURES_OK), "device saw %llx, status %x",
	      (unsigned long long)f.driver_features, f.status);
	CHECK(vcore_negotiate(&c, wanted, &acc) == VT_ESTATE, "negotiate twice");

	/* 3.1.1 step 6: the device clears FEATURES_OK: FAILED, an error. */
	fake_dev_init(&f, 1, 16, 1);
	f.offered = VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(3);
	f.refuse_mask = VIRTIO_BIT(3);
	vcore_init(&c, &f.t);
	vcore_reset(&c);
	CHECK(vcore_negotiate(&c, VIRTIO_BIT(3), &acc) == VT_EREFUSED && (f.status & VIRTIO_STATUS_FAILED) &&
	      c.state == VT_STATE_NONE, "refused: status %x", f.status);
	CHECK(vcore_driver_ok(&c) == VT_ESTATE, "no DRIVER_OK after a refusal");

	/* A modern device without VERSION_1. */
	fake_dev_init(&f, 1, 16, 1);
	f.offered = VIRTIO_BIT(5);
	vcore_init(&c, &f.t);
	vcore_reset(&c);
	CHECK(vcore_negotiate(&c, VIRTIO_BIT(5), &acc) == VT_EFEATURES && (f.status & VIRTIO_STATUS_FAILED),
	      "no VERSION_1");

	/* Legacy: bits 0-31 only, no FEATURES_OK step (3.1.2). */
	fake_dev_init(&f, 0, 16, 0);
	f.offered = VIRTIO_BIT(5) | VIRTIO_BIT(VIRTIO_F_ANY_LAYOUT) | VIRTIO_BIT(VIRTIO_F_VERSION_1);
	vcore_init(&c, &f.t);
	vcore_reset(&c);
	CHECK(vcore_negotiate(&c, ~0ull, &acc) == VT_OK && acc == (VIRTIO_BIT(5) | VIRTIO_BIT(VIRTIO_F_ANY_LAYOUT)),
	      "legacy accepted %llx", (unsigned long long)acc);
	CHECK(!(f.status & VIRTIO_STATUS_FEATURES_OK) && c.state == VT_STATE_FEATURES_OK, "legacy status %x",
	      f.status);
	CHECK(vcore_driver_ok(&c) == VT_OK && (f.status & VIRTIO_STATUS_DRIVER_OK), "legacy DRIVER_OK");

	fake_dev_init(&f, 1, 16, 1);
	f.offered = VIRTIO_BIT(VIRTIO_F_VERSION_1);
	f.needs_reset_on_driver_ok = 1;
	vcore_init(&c, &f.t);
	vcore_reset(&c);
	vcore_negotiate(&c, 0, &acc);
	CHECK(vcore_driver_ok(&c) == VT_EBROKEN && f.t.broken, "NEEDS_RESET after DRIVER_OK");
}

static void test_config(void)
{
	struct fake_dev f;
	struct vcore c;
	uint8_t buf[256];
	fake_dev_init(&f, 1, 24, 1);
	for (int i = 0; i < 24; i++)
		f.config[i] = i;
	vcore_init(&c, &f.t);
	/* A 64-bit field as two 32-bit reads (4.1.3). */
	CHECK(vcore_config_read(&c, 0, 8, 8, buf) == VT_OK && f.access_widths[4] == 2 && buf[7] == 7, "64-bit read");
	/* Six 8-bit fields (a MAC address) with 8-bit accesses. */
	CHECK(vcore_config_read(&c, 2, 1, 6, buf) == VT_OK && f.access_widths[1] == 6 && buf[0] == 2 && buf[5] == 7,
	      "bytes");
	/* The configuration changes during the first pass: read again (2.5.1). */
	f.change_after_reads = (int)f.config_reads + 1;
	CHECK(vcore_config_read(&c, 0, 4, 8, buf) == VT_OK && c.config_retries == 1 && buf[0] == 1, "retried: %u %u",
	      c.config_retries, buf[0]);
	f.change_always = 1;
	CHECK(vcore_config_read(&c, 0, 4, 4, buf) == VT_EBROKEN && f.t.broken, "never stable");
	f.change_always = 0;
	f.t.broken = 0;
	CHECK(vcore_config_read(&c, 20, 4, 8, buf) == VT_ERANGE, "past the end");
	CHECK(vcore_config_read(&c, 2, 4, 4, buf) == VT_ERANGE, "unaligned");
	CHECK(vcore_config_read(&c, 0, 3, 3, buf) == VT_ERANGE, "width 3");
	CHECK(vcore_config_read(&c, 0, 4, 6, buf) == VT_ERANGE, "count not a multiple of the width");
	CHECK(vcore_config_read(&c, 0xFFFFFFFCu, 4, 8, buf) == VT_ERANGE, "offset wraps");
	/* Writes only once features are settled (3.1.1 step 4). */
	CHECK(vcore_config_write(&c, 4, 2, 0xBEEF) == VT_ESTATE && f.config_writes == 0, "write too early");
	f.offered = VIRTIO_BIT(VIRTIO_F_VERSION_1);
	vcore_reset(&c);
	uint64_t acc;
	vcore_negotiate(&c, 0, &acc);
	CHECK(vcore_config_write(&c, 4, 2, 0xBEEF) == VT_OK && f.config[4] == 0xEF && f.config[5] == 0xBE, "write");
	CHECK(vcore_config_write(&c, 4, 8, 0) == VT_ERANGE, "no 64-bit writes");

	/* Legacy: no generation; two reads must agree (2.5.4). */
	fake_dev_init(&f, 0, 24, 0);
	vcore_init(&c, &f.t);
	f.change_after_reads = 2;                /* between the two reads of the first try */
	CHECK(vcore_config_read(&c, 0, 4, 4, buf) == VT_OK && c.config_retries == 1, "legacy retried %u",
	      c.config_retries);
}

static void test_queue_size(void)
{
	struct fake_dev f;
	struct vcore c;
	uint16_t n = 0;
	uint64_t acc;
	fake_dev_init(&f, 1, 0, 3);
	f.offered = VIRTIO_BIT(VIRTIO_F_VERSION_1);
	f.q[0].max = 1024, f.q[1].max = 128, f.q[2].max = 100;
	vcore_init(&c, &f.t);
	CHECK(vcore_queue_size(&c, 0, 0, &n) == VT_ESTATE, "before FEATURES_OK");
	vcore_reset(&c);
	vcore_negotiate(&c, 0, &acc);
	CHECK(vcore_queue_size(&c, 0, 0, &n) == VT_OK && n == 256, "preferred 256: %u", n);
	CHECK(vcore_queue_size(&c, 0, 64, &n) == VT_OK && n == 64, "asked 64: %u", n);
	CHECK(vcore_queue_size(&c, 1, 0, &n) == VT_OK && n == 128, "device maximum 128: %u", n);
	CHECK(vcore_queue_size(&c, 1, 512, &n) == VT_OK && n == 128, "asked above the maximum: %u", n);
	CHECK(vcore_queue_size(&c, 2, 0, &n) == VT_OK && n == 64, "maximum 100 is not a power of two: %u", n);
	CHECK(vcore_queue_size(&c, 0, 48, &n) == VT_ERANGE, "48");
	CHECK(vcore_queue_size(&c, 3, 0, &n) == VT_ERANGE, "past num_queues");
	CHECK(vcore_queue_enable(&c, 1, 128, 0x100000) == VT_OK && f.q[1].enabled && f.q[1].desc == 0x100000 &&
	      f.q[1].avail == 0x100000 + 2048 && f.q[1].used == 0x101000, "enabled at %llx %llx %llx",
	      (unsigned long long)f.q[1].desc, (unsigned long long)f.q[1].avail, (unsigned long long)f.q[1].used);
	CHECK(vcore_queue_enable(&c, 5, 128, 0x100000) == VT_ERANGE, "no such queue");

	fake_dev_init(&f, 0, 0, 0);                  /* legacy: the size is fixed */
	f.q[0].max = 128;
	vcore_init(&c, &f.t);
	vcore_reset(&c);
	vcore_negotiate(&c, 0, &acc);
	CHECK(vcore_queue_size(&c, 0, 256, &n) == VT_OK && n == 128, "legacy fixed: %u", n);
	CHECK(vcore_queue_size(&c, 1, 0, &n) == VT_ERANGE, "legacy queue without size");
	f.q[2].max = 100;
	CHECK(vcore_queue_size(&c, 2, 0, &n) == VT_EBROKEN, "legacy size not a power of two");
}

/* The device's side of the ring tests: copy what it reads into what it writes. */
static uint32_t echo(void *ctx, uint8_t **bufs, const uint32_t *lens, const int *wr, int n)
{
	uint32_t written = 0, *served = ctx;
	uint8_t tmp[256];
	uint32_t got = 0;
	for (int i = 0; i < n; i++)
		if (!wr[i])
			for (uint32_t j = 0; j < lens[i] && got < sizeof tmp; j++)
				tmp[got++] = bufs[i][j];
	for (int i = 0; i < n && written < got; i++)
		if (wr[i])
			for (uint32_t j = 0; j < lens[i] && written < got; j++)
				bufs[i][j] = tmp[written++];
	(*served)++;
	return written;
}

static void *ring_memory(uint16_t size)
{
	struct virtq_layout l = virtq_layout_for(size);
	void *p = NULL;
	if (posix_memalign(&p, 4096, l.total) != 0)
		abort();
	memset(p, 0, l.total);
	return p;
}

static void test_vring(void)
{
	struct fake_dev f;
	struct vcore c;
	struct vring r;
	uint64_t acc;
	uint32_t served = 0, len = 0;
	const uint16_t size = 8;
	fake_dev_init(&f, 1, 0, 1);
	f.offered = VIRTIO_BIT(VIRTIO_F_VERSION_1);
	f.q[0].max = size;
	vcore_init(&c, &f.t);
	vcore_reset(&c);
	vcore_negotiate(&c, 0, &acc);
	uint8_t *mem = ring_memory(size);
	struct virtq_layout l = virtq_layout_for(size);
	CHECK(vcore_queue_enable(&c, 0, size, (uintptr_t)mem) == VT_OK, "enable");
	vring_init(&r, size, mem, mem + l.avail_offset, mem + l.used_offset);

	char out[16] = "hello, device", in[16];
	memset(in, 0, sizeof in);
	struct vring_buf b[2] = { { (uintptr_t)out, 14 }, { (uintptr_t)in, sizeof in } };
	int head = vring_add(&r, b, 1, 1);
	CHECK(head == 0 && r.num_free == size - 2 && vring_should_notify(&r), "add: head %d free %u", head, r.num_free);
	CHECK(!vring_has_used(&r) && vring_get_used(&r, &len) == -1, "nothing used yet");
	CHECK(fake_process(&f, 0, echo, &served, 1) == 1 && strcmp(in, "hello, device") == 0, "device echoed '%s'", in);
	CHECK(vring_get_used(&r, &len) == head && len == 14 && r.num_free == size, "used: len %u free %u", len,
	      r.num_free);

	/* Fill the ring with one-descriptor chains: the ninth does not fit. */
	struct vring_buf one = { (uintptr_t)in, 4 };
	for (int i = 0; i < size; i++)
		CHECK(vring_add(&r, &one, 0, 1) >= 0, "chain %d", i);
	CHECK(vring_add(&r, &one, 0, 1) == -1 && r.num_free == 0, "ring full");
	struct vring_buf nine[9];
	for (int i = 0; i < 9; i++)
		nine[i] = one;
	CHECK(vring_add(&r, nine, 0, 9) == -1, "a chain longer than the ring");
	/* Returned in reverse: the free list must still hold every descriptor. */
	CHECK(fake_process(&f, 0, echo, &served, 0) == size, "all served");
	int got = 0;
	while (vring_get_used(&r, &len) >= 0)
		got++;
	CHECK(got == size && r.num_free == size, "got %d, free %u", got, r.num_free);
	CHECK(vring_add(&r, nine, 0, 8) >= 0, "a chain of the whole ring");
	fake_process(&f, 0, NULL, NULL, 1);
	CHECK(vring_get_used(&r, &len) >= 0 && r.num_free == size, "long chain back");

	/* 70000 round trips: avail and used indices wrap past 65535. */
	int bad = 0;
	for (int i = 0; i < 70000; i++) {
		int h1 = vring_add(&r, b, 1, 1), h2 = vring_add(&r, &one, 1, 0);
		fake_process(&f, 0, echo, &served, i & 1);
		int u1 = vring_get_used(&r, &len), u2 = vring_get_used(&r, &len);
		if (h1 < 0 || h2 < 0 || !((u1 == h1 && u2 == h2) || (u1 == h2 && u2 == h1)) || r.num_free != size)
			bad++;
	}
	CHECK(bad == 0 && r.avail_idx == r.used->idx, "wrap: %d bad, avail %u used %u", bad, r.avail_idx,
	      r.used->idx);
	CHECK(f.q[0].ring.error == NULL, "the driver ring broke a rule: %s", f.q[0].ring.error);
	r.used->flags = VIRTQ_USED_F_NO_NOTIFY;
	CHECK(!vring_should_notify(&r), "NO_NOTIFY honoured");
	free(mem);
}

int main(void)
{
	test_layout();
	test_notify_offset();
	test_reset();
	test_negotiate();
	test_config();
	test_queue_size();
	test_vring();
	return check_summary();
}
