#include "device/pci/pci.h"
#include "i386/cpu.h"
#include "kern/printf.h"

#define CONFIG_ADDRESS 0xCF8
#define CONFIG_DATA    0xCFC

static struct pci_function table[PCI_MAX_FUNCTIONS];
static int count;

uint32_t pci_config_read32(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off)
{
	outl(CONFIG_ADDRESS, 0x80000000u | bus << 16 | dev << 11 | fn << 8 | (off & 0xFC));
	return inl(CONFIG_DATA);
}

void pci_config_write32(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off, uint32_t v)
{
	outl(CONFIG_ADDRESS, 0x80000000u | bus << 16 | dev << 11 | fn << 8 | (off & 0xFC));
	outl(CONFIG_DATA, v);
}

const char *pci_describe(uint16_t vendor, uint16_t device)
{
	if (vendor == 0x1af4) {
		switch (device) {
		case 0x1000: case 0x1041: return "virtio-net";
		case 0x1001: case 0x1042: return "virtio-blk";
		case 0x1003: case 0x1043: return "virtio-console";
		case 0x1005: case 0x1044: return "virtio-rng";
		default: return "virtio";
		}
	}
	if (vendor == 0x8086 && device == 0x1237) return "host bridge (i440FX)";
	if (vendor == 0x8086 && device == 0x7000) return "ISA bridge (PIIX3)";
	if (vendor == 0x8086 && device == 0x7010) return "IDE controller (PIIX3)";
	if (vendor == 0x8086 && device == 0x7113) return "ACPI/power management (PIIX4)";
	if (vendor == 0x1234 && device == 0x1111) return "VGA (QEMU std)";
	return "unknown";
}

static void probe(uint8_t bus, uint8_t dev, uint8_t fn)
{
	uint32_t id = pci_config_read32(bus, dev, fn, 0x00);
	if ((id & 0xFFFF) == 0xFFFF)
		return;
	uint32_t class = pci_config_read32(bus, dev, fn, 0x08);
	uint32_t irq = pci_config_read32(bus, dev, fn, 0x3C);
	struct pci_function f = {
		.bus = bus, .dev = dev, .fn = fn,
		.vendor = id & 0xFFFF, .device = id >> 16,
		.class_code = class >> 24, .subclass = (class >> 16) & 0xFF, .prog_if = (class >> 8) & 0xFF,
		.irq_line = irq & 0xFF, .irq_pin = (irq >> 8) & 0xFF,
	};
	kprintf("pci %02x:%02x.%u %04x:%04x class %02x.%02x irq %u  %s\n", bus, dev, fn,
		f.vendor, f.device, f.class_code, f.subclass, f.irq_pin ? f.irq_line : 0,
		pci_describe(f.vendor, f.device));
	if (count < PCI_MAX_FUNCTIONS)
		table[count++] = f;
	else
		kwarn("pci: more than %d functions, %02x:%02x.%u not recorded\n", PCI_MAX_FUNCTIONS, bus, dev, fn);
}

int pci_scan(void)
{
	/* Brute force over all 256 buses reaches every function behind any bridge
	 * whatever bus numbers the firmware gave them. */
	for (unsigned bus = 0; bus < 256; bus++)
		for (uint8_t dev = 0; dev < 32; dev++) {
			uint32_t id = pci_config_read32(bus, dev, 0, 0x00);
			if ((id & 0xFFFF) == 0xFFFF)
				continue;
			uint32_t header = pci_config_read32(bus, dev, 0, 0x0C);
			int functions = (header >> 16) & 0x80 ? 8 : 1;
			for (uint8_t fn = 0; fn < functions; fn++)
				probe(bus, dev, fn);
		}
	kprintf("pci: %d functions\n", count);
	return count;
}

const struct pci_function *pci_functions(int *n)
{
	*n = count;
	return table;
}
