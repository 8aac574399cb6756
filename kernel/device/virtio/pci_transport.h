/* The two virtio-over-PCI transports (4.1): modern, through the vendor
 * capabilities of 4.1.4 in memory BARs mapped into the kernel's MMIO window,
 * and legacy, through the I/O BAR0 layout of 4.1.4.9. A transitional device
 * offers both; the kernel uses the modern one when it is there (4.1.5.1.1:
 * "Transitional drivers MUST look for the Virtio PCI Capabilities on the
 * capability list. If these are not present, driver MUST assume a legacy
 * device"). */
#ifndef DEVICE_VIRTIO_PCI_TRANSPORT_H
#define DEVICE_VIRTIO_PCI_TRANSPORT_H
#include "device/virtio/transport.h"
#include "device/pci/pci.h"

struct vmodern {
	volatile uint8_t *common, *notify, *isr, *device;
	uint32_t notify_length;           /* bytes mapped at notify */
	uint32_t notify_multiplier;       /* may be 0: all queues share one address */
	uint32_t queue_notify[VT_MAX_QUEUES];   /* byte offset of each enabled queue */
};

struct vlegacy {
	uint16_t io;                      /* BAR0 I/O base */
	uint32_t io_size;
};

/* True if f carries a virtio common configuration capability. */
bool vmodern_present(const struct pci_function *f);
/* Set t up over f; NULL on success, else why the device cannot be used. */
const char *vmodern_attach(struct vtransport *t, struct vmodern *m, const struct pci_function *f);
const char *vlegacy_attach(struct vtransport *t, struct vlegacy *l, const struct pci_function *f);
#endif
