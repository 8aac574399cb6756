/* The modern virtio-pci transport (virtio 1.x, 4.1.4): four structures
 * (common configuration, notifications, ISR status, device configuration)
 * found through vendor-specific capabilities, each in a memory BAR, mapped
 * uncached into the kernel's MMIO window. Registers are accessed with the
 * width of their field (4.1.3); 64-bit fields as two 32-bit halves, low first.
 *
 * Non-goals: structures in I/O BARs (such a capability is skipped and a
 * later one of the same type used), the PCI configuration access
 * capability, shared memory regions. MSI-X vectors are set here; the
 * table itself is device/pci/msix.c's. */
#include "device/virtio/pci_transport.h"
#include "device/pci/mmio.h"
#include "kern/printf.h"

#define MAP_LIMIT 4096u                /* 4.1.4: drivers MAY limit a structure to 4 KiB */
#define NOTIFY_MAP_LIMIT 65536u

static inline uint8_t rd8(volatile uint8_t *b, uint32_t o) { return *(volatile uint8_t *)(b + o); }
static inline uint16_t rd16(volatile uint8_t *b, uint32_t o) { return *(volatile uint16_t *)(b + o); }
static inline uint32_t rd32(volatile uint8_t *b, uint32_t o) { return *(volatile uint32_t *)(b + o); }
static inline void wr8(volatile uint8_t *b, uint32_t o, uint8_t v) { *(volatile uint8_t *)(b + o) = v; }
static inline void wr16(volatile uint8_t *b, uint32_t o, uint16_t v) { *(volatile uint16_t *)(b + o) = v; }
static inline void wr32(volatile uint8_t *b, uint32_t o, uint32_t v) { *(volatile uint32_t *)(b + o) = v; }
static inline void wr64(volatile uint8_t *b, uint32_t o, uint64_t v)
{
	wr32(b, o, (uint32_t)v);
	wr32(b, o + 4, (uint32_t)(v >> 32));
}

static struct vmodern *M(struct vtransport *t) { return t->priv; }

static uint8_t get_status(struct vtransport *t) { return rd8(M(t)->common, VIRTIO_COMMON_STATUS); }
static void set_status(struct vtransport *t, uint8_t s) { wr8(M(t)->common, VIRTIO_COMMON_STATUS, s); }

static uint64_t get_features(struct vtransport *t)
{
	volatile uint8_t *c = M(t)->common;
	wr32(c, VIRTIO_COMMON_DFSELECT, 0);
	uint32_t lo = rd32(c, VIRTIO_COMMON_DF);
	wr32(c, VIRTIO_COMMON_DFSELECT, 1);
	uint32_t hi = rd32(c, VIRTIO_COMMON_DF);
	return (uint64_t)hi << 32 | lo;
}

static void set_features(struct vtransport *t, uint64_t f)
{
	volatile uint8_t *c = M(t)->common;
	wr32(c, VIRTIO_COMMON_GFSELECT, 0);
	wr32(c, VIRTIO_COMMON_GF, (uint32_t)f);
	wr32(c, VIRTIO_COMMON_GFSELECT, 1);
	wr32(c, VIRTIO_COMMON_GF, (uint32_t)(f >> 32));
}

static uint8_t config_generation(struct vtransport *t) { return rd8(M(t)->common, VIRTIO_COMMON_CFGGEN); }

static uint32_t config_read(struct vtransport *t, uint32_t off, int width)
{
	volatile uint8_t *d = M(t)->device;
	return width == 1 ? rd8(d, off) : width == 2 ? rd16(d, off) : rd32(d, off);
}

static void config_write(struct vtransport *t, uint32_t off, int width, uint32_t v)
{
	volatile uint8_t *d = M(t)->device;
	if (width == 1)
		wr8(d, off, v);
	else if (width == 2)
		wr16(d, off, v);
	else
		wr32(d, off, v);
}

static uint16_t queue_max(struct vtransport *t, uint16_t q)
{
	wr16(M(t)->common, VIRTIO_COMMON_Q_SELECT, q);
	return rd16(M(t)->common, VIRTIO_COMMON_Q_SIZE);
}

static int queue_enable(struct vtransport *t, uint16_t q, uint16_t size, uint64_t desc, uint64_t avail, uint64_t used)
{
	struct vmodern *m = M(t);
	volatile uint8_t *c = m->common;
	if (q >= VT_MAX_QUEUES)
		return -1;
	wr16(c, VIRTIO_COMMON_Q_SELECT, q);
	uint32_t at;
	if (vt_notify_offset(m->notify_multiplier, rd16(c, VIRTIO_COMMON_Q_NOFF), m->notify_length, &at) < 0) {
		kwarn("virtio: queue %u notify offset %u x %u is outside the notify structure (%u bytes)\n",
		      q, rd16(c, VIRTIO_COMMON_Q_NOFF), m->notify_multiplier, m->notify_length);
		return -1;
	}
	m->queue_notify[q] = at;
	wr16(c, VIRTIO_COMMON_Q_SIZE, size);
	wr64(c, VIRTIO_COMMON_Q_DESC, desc);
	wr64(c, VIRTIO_COMMON_Q_AVAIL, avail);
	wr64(c, VIRTIO_COMMON_Q_USED, used);
	/* 4.1.4.3: the driver MUST configure the other virtqueue fields before
	 * enabling the virtqueue with queue_enable. */
	wr16(c, VIRTIO_COMMON_Q_ENABLE, 1);
	return 0;
}

static void queue_notify(struct vtransport *t, uint16_t q)
{
	/* 4.1.5.2: without VIRTIO_F_NOTIFICATION_DATA, write the 16-bit queue index. */
	wr16(M(t)->notify, M(t)->queue_notify[q], q);
}

static uint8_t isr_read(struct vtransport *t) { return rd8(M(t)->isr, 0); }

/* 4.1.5.1.2.2: after mapping an event to a vector the driver MUST verify
 * success by reading the vector field back: the value written on success,
 * NO_VECTOR on failure. The caller checks; it also never writes an entry
 * beyond the MSI-X Table Size (a MUST NOT of the same section). */
static uint16_t set_config_vector(struct vtransport *t, uint16_t entry)
{
	wr16(M(t)->common, VIRTIO_COMMON_MSIX, entry);
	return rd16(M(t)->common, VIRTIO_COMMON_MSIX);
}

static uint16_t set_queue_vector(struct vtransport *t, uint16_t q, uint16_t entry)
{
	wr16(M(t)->common, VIRTIO_COMMON_Q_SELECT, q);
	wr16(M(t)->common, VIRTIO_COMMON_Q_MSIX, entry);
	return rd16(M(t)->common, VIRTIO_COMMON_Q_MSIX);
}

static const struct vtransport_ops modern_ops = {
	.name = "modern", VTRANSPORT_COMMON_OPS,
	.set_config_vector = set_config_vector, .set_queue_vector = set_queue_vector,
};

bool vmodern_present(const struct pci_function *f)
{
	for (int i = 0; i < f->ncaps; i++)
		if (f->cap[i].id == PCI_CAP_ID_VENDOR &&
		    pci_read(f, f->cap[i].offset + VIRTIO_PCI_CAP_CFG_TYPE, 1) == VIRTIO_PCI_CAP_COMMON_CFG)
			return true;
	return false;
}

/* Map the structure a capability points at, if this transport can use it:
 * 4.1.4.1 "The driver MUST ignore any vendor-specific capability structure
 * which has a reserved bar value"; memory BARs only; inside the BAR. */
static volatile uint8_t *map_cap(const struct pci_function *f, uint8_t at, uint32_t need, uint32_t align,
				 uint32_t limit, uint32_t *mapped)
{
	uint8_t bar = pci_read(f, at + VIRTIO_PCI_CAP_BAR, 1);
	uint32_t offset = pci_read(f, at + VIRTIO_PCI_CAP_OFFSET, 4);
	uint32_t length = pci_read(f, at + VIRTIO_PCI_CAP_LENGTH, 4);
	if (bar >= PCI_MAX_BARS)
		return NULL;
	const struct pci_bar *b = &f->bar[bar];
	if (b->type != PCI_BAR_MEM32 && b->type != PCI_BAR_MEM64)
		return NULL;
	if (length < need || offset % align || (uint64_t)offset + length > b->size)
		return NULL;
	/* 4.1.4: "The drivers MUST handle an unexpectedly large length". */
	uint32_t len = length < limit ? length : limit;
	volatile uint8_t *p = mmio_map(b->base + offset, len);
	if (p && mapped)
		*mapped = len;
	return p;
}

const char *vmodern_attach(struct vtransport *t, struct vmodern *m, const struct pci_function *f)
{
	*m = (struct vmodern){ 0 };
	uint32_t device_len = 0;
	for (int i = 0; i < f->ncaps; i++) {           /* in list order: the device's preference */
		uint8_t at = f->cap[i].offset;
		if (f->cap[i].id != PCI_CAP_ID_VENDOR)
			continue;
		uint8_t type = pci_read(f, at + VIRTIO_PCI_CAP_CFG_TYPE, 1);
		uint8_t cap_len = pci_read(f, at + VIRTIO_PCI_CAP_LEN, 1);
		/* 4.1.4.1: the driver SHOULD use the first instance of each type it
		 * can support; reserved types are ignored. */
		if (type == VIRTIO_PCI_CAP_COMMON_CFG && !m->common)
			m->common = map_cap(f, at, VIRTIO_COMMON_SIZE, 4, MAP_LIMIT, NULL);
		else if (type == VIRTIO_PCI_CAP_NOTIFY_CFG && !m->notify && cap_len >= VIRTIO_PCI_NOTIFY_MULTIPLIER + 4) {
			m->notify = map_cap(f, at, 2, 2, NOTIFY_MAP_LIMIT, &m->notify_length);
			m->notify_multiplier = pci_read(f, at + VIRTIO_PCI_NOTIFY_MULTIPLIER, 4);
		} else if (type == VIRTIO_PCI_CAP_ISR_CFG && !m->isr)
			m->isr = map_cap(f, at, 1, 1, 1, NULL);
		else if (type == VIRTIO_PCI_CAP_DEVICE_CFG && !m->device)
			m->device = map_cap(f, at, 0, 4, MAP_LIMIT, &device_len);
	}
	if (!m->common)
		return "no usable common configuration capability";
	if (!m->notify)
		return "no usable notification capability";
	if (!m->isr)
		return "no usable ISR capability";
	*t = (struct vtransport){
		.ops = &modern_ops, .modern = true, .can_resize_queues = true,
		.config_size = m->device ? device_len : 0,
		.num_queues = rd16(m->common, VIRTIO_COMMON_NUMQ),
		.priv = m,
	};
	return NULL;
}
