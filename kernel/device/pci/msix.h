/* PCI MSI-X (PCI Local Bus 3.0, 6.8.2): a function's table of interrupt
 * messages, each an address/data pair the function writes to raise it. The
 * kernel alone writes the table and the capability's control word, so no
 * driver can aim a device's interrupt at another device's vector or at
 * arbitrary memory; drivers ask for vectors through their class's
 * interface (virtio.defs for virtio). */
#ifndef DEVICE_PCI_MSIX_H
#define DEVICE_PCI_MSIX_H
#include <stdint.h>
#include <stdbool.h>
#include "device/pci/pci.h"

struct msix {
	const struct pci_function *f;
	uint8_t cap;                  /* configuration-space offset; 0: none */
	uint16_t table_size;          /* entries */
	volatile uint32_t *table;     /* mapped; 4 words per entry */
	bool enabled;
};

/* Find f's MSI-X capability and map its table; NULL, or why not (no
 * capability is not an error: table_size stays 0). */
const char *msix_attach(struct msix *x, const struct pci_function *f);
/* Program entry with address/data, unmasked. */
void msix_set_entry(struct msix *x, uint16_t entry, uint32_t address, uint32_t data);
void msix_mask_entry(struct msix *x, uint16_t entry);
/* Turn MSI-X on (INTx stops: 6.8.2) or off, every entry masked when off. */
void msix_enable(struct msix *x, bool on);
#endif
