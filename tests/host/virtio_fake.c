/* The fake virtio device of virtio_fake.h. */
#include "virtio_fake.h"
#include <string.h>

static struct fake_dev *F(struct vtransport *t) { return t->priv; }

static uint8_t get_status(struct vtransport *t)
{
	struct fake_dev *f = F(t);
	if (f->reset_never && f->status == 0)
		return 0x40;                                  /* stuck mid-reset */
	if (f->reset_reads > 0) {
		f->reset_reads--;
		return 0x01;
	}
	return f->status;
}

static void set_status(struct vtransport *t, uint8_t s)
{
	struct fake_dev *f = F(t);
	if (f->status_writes < sizeof f->status_log)
		f->status_log[f->status_writes] = s;
	f->status_writes++;
	if (s == 0) {
		f->driver_features = 0;
		for (int i = 0; i < VT_MAX_QUEUES; i++) {
			f->q[i].enabled = 0;
			memset(&f->q[i].ring, 0, sizeof f->q[i].ring);
		}
	}
	if ((s & VIRTIO_STATUS_FEATURES_OK) && (!f->modern || (f->driver_features & f->refuse_mask)))
		s &= ~VIRTIO_STATUS_FEATURES_OK;            /* refused (legacy never keeps it) */
	if ((s & VIRTIO_STATUS_DRIVER_OK) && f->needs_reset_on_driver_ok)
		s |= VIRTIO_STATUS_NEEDS_RESET;
	f->status = s;
}

static uint64_t get_features(struct vtransport *t)
{
	struct fake_dev *f = F(t);
	return f->modern ? f->offered : (f->offered & 0xFFFFFFFFull);
}

static void set_features(struct vtransport *t, uint64_t v)
{
	struct fake_dev *f = F(t);
	f->driver_features = f->modern ? v : (v & 0xFFFFFFFFull);
}

static uint8_t config_generation(struct vtransport *t) { return F(t)->modern ? F(t)->generation : 0; }

static uint32_t config_read(struct vtransport *t, uint32_t off, int width)
{
	struct fake_dev *f = F(t);
	f->config_reads++;
	f->access_widths[width]++;
	if (f->change_always || (f->change_after_reads && f->config_reads == (uint32_t)f->change_after_reads)) {
		f->config[0]++;
		f->generation++;
	}
	uint32_t v = 0;
	for (int i = 0; i < width; i++)
		v |= (uint32_t)f->config[off + i] << (8 * i);
	return v;
}

static void config_write(struct vtransport *t, uint32_t off, int width, uint32_t v)
{
	struct fake_dev *f = F(t);
	f->config_writes++;
	f->last_write_offset = off;
	f->last_write_value = v;
	for (int i = 0; i < width; i++)
		f->config[off + i] = v >> (8 * i);
}

static uint16_t queue_max(struct vtransport *t, uint16_t q) { return q < VT_MAX_QUEUES ? F(t)->q[q].max : 0; }

static int queue_enable(struct vtransport *t, uint16_t q, uint16_t size, uint64_t desc, uint64_t avail, uint64_t used)
{
	struct fake_dev *f = F(t);
	if (q >= VT_MAX_QUEUES || f->q[q].max == 0)
		return -1;
	f->q[q] = (struct fake_queue){ .max = f->q[q].max, .size = size, .desc = desc, .avail = avail, .used = used,
				       .enabled = 1 };
	fake_init(&f->q[q].ring, (void *)(uintptr_t)desc, (void *)(uintptr_t)avail, (void *)(uintptr_t)used, size,
		  (f->driver_features & VIRTIO_BIT(VIRTIO_F_EVENT_IDX)) != 0);
	return 0;
}

static void queue_notify(struct vtransport *t, uint16_t q) { F(t)->q[q].notifies++; }

static uint8_t isr_read(struct vtransport *t)
{
	uint8_t v = F(t)->isr;
	F(t)->isr = 0;
	return v;
}

static uint16_t vector_answer(struct fake_dev *f, uint16_t entry)
{
	f->vector_writes++;
	return entry == VIRTIO_MSI_NO_VECTOR || entry < f->msix_accept_below ? entry : VIRTIO_MSI_NO_VECTOR;
}

static uint16_t set_config_vector(struct vtransport *t, uint16_t entry)
{
	return F(t)->config_vector = vector_answer(F(t), entry);
}

static uint16_t set_queue_vector(struct vtransport *t, uint16_t q, uint16_t entry)
{
	return F(t)->queue_vector[q % VT_MAX_QUEUES] = vector_answer(F(t), entry);
}

/* Legacy and modern fakes differ as the real transports do: only the
 * modern one routes MSI-X (legacy.c offers none). */
static const struct vtransport_ops fake_legacy_ops = { .name = "fake", VTRANSPORT_COMMON_OPS };
static const struct vtransport_ops fake_modern_ops = {
	.name = "fake", VTRANSPORT_COMMON_OPS,
	.set_config_vector = set_config_vector, .set_queue_vector = set_queue_vector,
};

void fake_dev_init(struct fake_dev *f, int modern, uint32_t config_size, uint16_t num_queues)
{
	memset(f, 0, sizeof *f);
	f->modern = modern;
	f->t = (struct vtransport){
		.ops = modern ? &fake_modern_ops : &fake_legacy_ops, .modern = modern, .can_resize_queues = modern,
		.config_size = config_size, .num_queues = modern ? num_queues : 0, .priv = f,
	};
	f->config_vector = VIRTIO_MSI_NO_VECTOR;
	for (int i = 0; i < VT_MAX_QUEUES; i++)
		f->queue_vector[i] = VIRTIO_MSI_NO_VECTOR;
	f->msix_accept_below = VIRTIO_MSI_NO_VECTOR;
}

int fake_process(struct fake_dev *f, uint16_t qi, fake_serve_fn serve, void *ctx, int in_order)
{
	struct fake_queue *q = &f->q[qi];
	static struct fake_chain chain;               /* large: not on the stack */
	uint16_t heads[1024];
	uint32_t lens[1024];
	int n = 0;
	while (n < 1024 && fake_take(&q->ring, &chain) == 1) {
		uint8_t *bufs[FAKE_MAX_SEGMENTS];
		uint32_t blen[FAKE_MAX_SEGMENTS];
		int wr[FAKE_MAX_SEGMENTS];
		for (int k = 0; k < chain.count; k++) {
			bufs[k] = (uint8_t *)(uintptr_t)chain.seg[k].addr;
			blen[k] = chain.seg[k].len;
			wr[k] = chain.seg[k].writable;
		}
		heads[n] = chain.head;
		lens[n] = serve ? serve(ctx, bufs, blen, wr, chain.count) : 0;
		n++;
	}
	for (int i = 0; i < n; i++) {
		int j = in_order ? i : n - 1 - i;
		fake_put(&q->ring, heads[j], lens[j]);
	}
	return n;
}
