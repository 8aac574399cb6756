/* PCI: configuration space access (mechanism #1, ports 0xCF8/0xCFC) and the
 * boot-time table of every function on every bus reachable from bus 0
 * through PCI-to-PCI bridges, with its IDs, class, BARs (type, address and
 * size) and capability list.
 *
 * The table is built once, at boot, with interrupts off; nothing is added or
 * removed later (no hot plug). Drivers in user space never touch configuration
 * space themselves: the kernel reads and writes it for them (device/virtio),
 * and only for the function their device port stands for. */
#ifndef DEVICE_PCI_H
#define DEVICE_PCI_H
#include <stdint.h>
#include <stdbool.h>

/* Standard header registers (PCI Local Bus 3.0, 6.1). */
#define PCI_VENDOR_ID      0x00
#define PCI_COMMAND        0x04
#define PCI_STATUS         0x06
#define PCI_REVISION       0x08
#define PCI_HEADER_TYPE    0x0E
#define PCI_BAR0           0x10
#define PCI_SUBSYS_VENDOR  0x2C
#define PCI_SUBSYS_ID      0x2E
#define PCI_CAP_PTR        0x34
#define PCI_INTERRUPT_LINE 0x3C
#define PCI_INTERRUPT_PIN  0x3D
#define PCI_BRIDGE_BUSES   0x18     /* type 1: primary, secondary, subordinate */

#define PCI_CMD_IO          0x0001
#define PCI_CMD_MEMORY      0x0002
#define PCI_CMD_BUS_MASTER  0x0004
#define PCI_CMD_INTX_DISABLE 0x0400
#define PCI_STATUS_CAP_LIST 0x0010

#define PCI_CAP_ID_MSI     0x05
#define PCI_CAP_ID_VENDOR  0x09
#define PCI_CAP_ID_MSIX    0x11

enum pci_bar_type { PCI_BAR_NONE, PCI_BAR_IO, PCI_BAR_MEM32, PCI_BAR_MEM64 };

struct pci_bar {
	enum pci_bar_type type;
	bool prefetchable;
	uint64_t base;                /* bus address (I/O port or memory) */
	uint64_t size;                /* 0 when the BAR is not implemented */
};

#define PCI_MAX_BARS 6
#define PCI_MAX_CAPS 16

struct pci_cap {
	uint8_t id;
	uint8_t offset;               /* in configuration space */
};

struct pci_function {
	uint8_t bus, dev, fn;
	uint16_t vendor, device;
	uint16_t subsys_vendor, subsys_id;
	uint8_t revision;
	uint8_t class_code, subclass, prog_if;
	uint8_t header_type;          /* 0 device, 1 PCI-to-PCI bridge, 2 CardBus */
	uint8_t irq_line, irq_pin;    /* pin 0: no INTx; 1..4: INTA..INTD */
	struct pci_bar bar[PCI_MAX_BARS];
	uint8_t ncaps;
	struct pci_cap cap[PCI_MAX_CAPS];
};

#define PCI_MAX_FUNCTIONS 64

/* Raw configuration access; off is a byte offset (0..255), reads and writes
 * of 1, 2 or 4 bytes must be naturally aligned. */
uint32_t pci_config_read32(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off);
void pci_config_write32(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off, uint32_t v);
uint32_t pci_read(const struct pci_function *f, uint8_t off, int width);
void pci_write(const struct pci_function *f, uint8_t off, int width, uint32_t v);

/* A driver of the kernel's device layer: the functions it takes, as
 * (vendor, range of device IDs) pairs, and what to do with each. */
struct pci_id { uint16_t vendor, device_first, device_last; };
struct pci_driver {
	const char *name;
	const struct pci_id *ids;
	int nids;
	void (*attach)(const struct pci_function *f);
};
/* Every driver, NULL-terminated (device/device_layer.c). */
extern const struct pci_driver *const pci_drivers[];

/* Enumerate every bus, device and function, size the BARs, walk the
 * capability lists, log the table, then offer each function to the first
 * driver whose match table names it. Returns the number of functions. */
int pci_scan(void);
const struct pci_function *pci_functions(int *count);
/* The function at bus:dev.fn, or NULL. */
const struct pci_function *pci_find(uint8_t bus, uint8_t dev, uint8_t fn);
const char *pci_describe(uint16_t vendor, uint16_t device);
/* Offset of the first capability with this id in list order, or 0. */
uint8_t pci_find_cap(const struct pci_function *f, uint8_t id);
#endif
