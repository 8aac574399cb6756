/* The legacy virtio-pci transport (4.1.4.9): one I/O BAR0 with the
 * registers at fixed offsets and the device configuration after them at 20
 * (the kernel never enables MSI-X, so the two MSI-X vector fields are
 * absent). Only feature bits 0-31 exist, there is no FEATURES_OK and no
 * configuration generation, and queue sizes are fixed by the device: the
 * queue is one physically contiguous block in the 2.7.2 layout, its address
 * given as a page frame number (4.1.5.1.3.1). */
#include "device/virtio/pci_transport.h"
#include "i386/cpu.h"
#include <stddef.h>

static struct vlegacy *L(struct vtransport *t) { return t->priv; }
static uint16_t io(struct vtransport *t, uint16_t reg) { return L(t)->io + reg; }

static uint8_t get_status(struct vtransport *t) { return inb(io(t, VIRTIO_LEGACY_STATUS)); }
static void set_status(struct vtransport *t, uint8_t s) { outb(io(t, VIRTIO_LEGACY_STATUS), s); }
static uint64_t get_features(struct vtransport *t) { return inl(io(t, VIRTIO_LEGACY_HOST_FEATURES)); }
static void set_features(struct vtransport *t, uint64_t f) { outl(io(t, VIRTIO_LEGACY_GUEST_FEATURES), (uint32_t)f); }
static uint8_t config_generation(struct vtransport *t) { return 0; }

static uint32_t config_read(struct vtransport *t, uint32_t off, int width)
{
	uint16_t port = io(t, VIRTIO_LEGACY_CONFIG + off);
	return width == 1 ? inb(port) : width == 2 ? inw(port) : inl(port);
}

static void config_write(struct vtransport *t, uint32_t off, int width, uint32_t v)
{
	uint16_t port = io(t, VIRTIO_LEGACY_CONFIG + off);
	if (width == 1)
		outb(port, v);
	else if (width == 2)
		outw(port, v);
	else
		outl(port, v);
}

static uint16_t queue_max(struct vtransport *t, uint16_t q)
{
	outw(io(t, VIRTIO_LEGACY_QUEUE_SELECT), q);
	return inw(io(t, VIRTIO_LEGACY_QUEUE_SIZE));
}

static int queue_enable(struct vtransport *t, uint16_t q, uint16_t size, uint64_t desc, uint64_t avail, uint64_t used)
{
	/* The device finds avail and used from desc and its own queue size. */
	struct virtq_layout l = virtq_layout_for(size);
	if (desc % VIRTIO_LEGACY_QUEUE_ALIGN || desc / VIRTIO_LEGACY_QUEUE_ALIGN > 0xFFFFFFFFull ||
	    avail != desc + l.avail_offset || used != desc + l.used_offset || size != queue_max(t, q))
		return -1;
	outw(io(t, VIRTIO_LEGACY_QUEUE_SELECT), q);
	outl(io(t, VIRTIO_LEGACY_QUEUE_PFN), (uint32_t)(desc / VIRTIO_LEGACY_QUEUE_ALIGN));
	return 0;
}

static void queue_notify(struct vtransport *t, uint16_t q) { outw(io(t, VIRTIO_LEGACY_QUEUE_NOTIFY), q); }
static uint8_t isr_read(struct vtransport *t) { return inb(io(t, VIRTIO_LEGACY_ISR)); }

/* No MSI-X routing: the kernel offers MSI-X on the modern transport only. */
static const struct vtransport_ops legacy_ops = { .name = "legacy", VTRANSPORT_COMMON_OPS };

const char *vlegacy_attach(struct vtransport *t, struct vlegacy *l, const struct pci_function *f)
{
	const struct pci_bar *b = &f->bar[0];
	if (b->type != PCI_BAR_IO)
		return "BAR0 is not an I/O BAR (not a legacy or transitional device)";
	if (b->size < VIRTIO_LEGACY_CONFIG || b->base + b->size > 0x10000)
		return "BAR0 is too small or outside the I/O space";
	l->io = b->base;
	l->io_size = b->size;
	*t = (struct vtransport){
		.ops = &legacy_ops, .modern = false, .can_resize_queues = false,
		.config_size = b->size - VIRTIO_LEGACY_CONFIG, .num_queues = 0, .priv = l,
	};
	return NULL;
}
