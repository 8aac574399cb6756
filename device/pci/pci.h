/* PCI configuration space access (mechanism #1, ports 0xCF8/0xCFC) and the
 * boot-time table of every function found on every bus. */
#ifndef DEVICE_PCI_H
#define DEVICE_PCI_H
#include <stdint.h>

struct pci_function {
	uint8_t bus, dev, fn;
	uint16_t vendor, device;
	uint8_t class_code, subclass, prog_if;
	uint8_t irq_line, irq_pin;
};

#define PCI_MAX_FUNCTIONS 64

uint32_t pci_config_read32(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off);
void pci_config_write32(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off, uint32_t v);
/* Enumerate every bus, device and function and log what was found. */
int pci_scan(void);
const struct pci_function *pci_functions(int *count);
const char *pci_describe(uint16_t vendor, uint16_t device);
#endif
