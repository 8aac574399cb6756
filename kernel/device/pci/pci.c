/* PCI enumeration. Bus 0 is scanned, then every bus behind a PCI-to-PCI
 * bridge (its secondary bus number, as the firmware programmed it), and the
 * buses of any further host bridges at 00:00.1-7. Bus numbers are never
 * assigned here: a bridge the firmware left unconfigured is logged and its
 * bus skipped.
 *
 * BAR sizing follows PCI Local Bus 3.0 6.2.5.1: with I/O and memory decoding
 * turned off in the command register, write all ones to the BAR, read back
 * the size mask, restore the original value, then restore the command
 * register. Host bridges are left alone (no BARs that matter, and turning
 * their decoding off is not safe on real hardware). */
#include "device/pci/pci.h"
#include "i386/cpu.h"
#include "kern/printf.h"

#define CONFIG_ADDRESS 0xCF8
#define CONFIG_DATA    0xCFC
#define CAP_WALK_LIMIT 48         /* (256 - 64) / 4 entries at most: stops a cycle */

static struct pci_function table[PCI_MAX_FUNCTIONS];
static int count;
static uint8_t scanned[256 / 8];  /* buses already walked */

static uint32_t address(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off)
{
	return 0x80000000u | (uint32_t)bus << 16 | (uint32_t)dev << 11 | (uint32_t)fn << 8 | (off & 0xFC);
}

uint32_t pci_config_read32(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off)
{
	outl(CONFIG_ADDRESS, address(bus, dev, fn, off));
	return inl(CONFIG_DATA);
}

void pci_config_write32(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off, uint32_t v)
{
	outl(CONFIG_ADDRESS, address(bus, dev, fn, off));
	outl(CONFIG_DATA, v);
}

/* Sub-dword accesses go to CONFIG_DATA plus the byte offset, so a write of
 * one register never rewrites its neighbours. */
static uint32_t raw_read(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off, int width)
{
	outl(CONFIG_ADDRESS, address(bus, dev, fn, off));
	switch (width) {
	case 1: return inb(CONFIG_DATA + (off & 3));
	case 2: return inw(CONFIG_DATA + (off & 2));
	default: return inl(CONFIG_DATA);
	}
}

static void raw_write(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off, int width, uint32_t v)
{
	outl(CONFIG_ADDRESS, address(bus, dev, fn, off));
	switch (width) {
	case 1: outb(CONFIG_DATA + (off & 3), v); break;
	case 2: outw(CONFIG_DATA + (off & 2), v); break;
	default: outl(CONFIG_DATA, v); break;
	}
}

uint32_t pci_read(const struct pci_function *f, uint8_t off, int width)
{
	return raw_read(f->bus, f->dev, f->fn, off, width);
}

void pci_write(const struct pci_function *f, uint8_t off, int width, uint32_t v)
{
	raw_write(f->bus, f->dev, f->fn, off, width, v);
}

const char *pci_describe(uint16_t vendor, uint16_t device)
{
	if (vendor == 0x1af4) {
		switch (device) {
		case 0x1000: case 0x1041: return "virtio-net";
		case 0x1001: case 0x1042: return "virtio-blk";
		case 0x1003: case 0x1043: return "virtio-console";
		case 0x1005: case 0x1044: return "virtio-rng";
		case 0x1002: case 0x1045: return "virtio-balloon";
		case 0x1004: case 0x1048: return "virtio-scsi";
		default: return "virtio";
		}
	}
	if (vendor == 0x8086 && device == 0x1237) return "host bridge (i440FX)";
	if (vendor == 0x8086 && device == 0x7000) return "ISA bridge (PIIX3)";
	if (vendor == 0x8086 && device == 0x7010) return "IDE controller (PIIX3)";
	if (vendor == 0x8086 && device == 0x7113) return "ACPI/power management (PIIX4)";
	if (vendor == 0x8086 && device == 0x100e) return "Ethernet (e1000)";
	if (vendor == 0x1234 && device == 0x1111) return "VGA (QEMU std)";
	if (vendor == 0x1b36 && device == 0x0001) return "PCI-PCI bridge (QEMU)";
	return "unknown";
}

static void size_bars(struct pci_function *f)
{
	int nbars = f->header_type == 0 ? 6 : f->header_type == 1 ? 2 : 0;
	if (nbars == 0 || (f->class_code == 0x06 && f->subclass == 0x00))
		return;
	uint16_t cmd = pci_read(f, PCI_COMMAND, 2);
	pci_write(f, PCI_COMMAND, 2, cmd & ~(PCI_CMD_IO | PCI_CMD_MEMORY));
	for (int i = 0; i < nbars; i++) {
		uint8_t reg = PCI_BAR0 + 4 * i;
		uint32_t orig = pci_read(f, reg, 4);
		pci_write(f, reg, 4, 0xFFFFFFFFu);
		uint32_t mask = pci_read(f, reg, 4);
		pci_write(f, reg, 4, orig);
		struct pci_bar *b = &f->bar[i];
		if (mask == 0 || mask == 0xFFFFFFFFu)
			continue;                          /* not implemented */
		if (orig & 1) {
			uint32_t m = mask & ~3u;
			if (!(m & 0xFFFF0000u))            /* a 16-bit I/O decoder */
				m |= 0xFFFF0000u;
			b->type = PCI_BAR_IO;
			b->base = orig & ~3u;
			b->size = (uint32_t)(~m + 1);
			continue;
		}
		b->prefetchable = orig & 8;
		uint64_t m = mask & ~0xFu;
		b->base = orig & ~0xFu;
		if (((orig >> 1) & 3) == 2 && i + 1 < nbars) {
			uint8_t hreg = reg + 4;
			uint32_t horig = pci_read(f, hreg, 4);
			pci_write(f, hreg, 4, 0xFFFFFFFFu);
			uint32_t hmask = pci_read(f, hreg, 4);
			pci_write(f, hreg, 4, horig);
			b->type = PCI_BAR_MEM64;
			b->base |= (uint64_t)horig << 32;
			m |= (uint64_t)hmask << 32;
			b->size = ~m + 1;
			i++;                               /* the upper half is not a BAR */
		} else {
			b->type = PCI_BAR_MEM32;
			b->size = (uint32_t)(~(uint32_t)m + 1);
		}
	}
	pci_write(f, PCI_COMMAND, 2, cmd);
}

static void walk_caps(struct pci_function *f)
{
	if (!(pci_read(f, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST))
		return;
	uint8_t ptr = pci_read(f, f->header_type == 2 ? 0x14 : PCI_CAP_PTR, 1) & 0xFC;
	for (int n = 0; ptr >= 0x40 && n < CAP_WALK_LIMIT; n++) {
		uint8_t id = pci_read(f, ptr, 1);
		if (f->ncaps < PCI_MAX_CAPS)
			f->cap[f->ncaps++] = (struct pci_cap){ id, ptr };
		ptr = pci_read(f, ptr + 1, 1) & 0xFC;
	}
}

uint8_t pci_find_cap(const struct pci_function *f, uint8_t id)
{
	for (int i = 0; i < f->ncaps; i++)
		if (f->cap[i].id == id)
			return f->cap[i].offset;
	return 0;
}

static const char *cap_name(uint8_t id)
{
	switch (id) {
	case 0x01: return "pm";
	case PCI_CAP_ID_MSI: return "msi";
	case PCI_CAP_ID_VENDOR: return "vendor";
	case 0x10: return "pcie";
	case PCI_CAP_ID_MSIX: return "msix";
	default: return "cap";
	}
}

static void log_function(const struct pci_function *f)
{
	static const char *const bar_types[] = { "none", "io", "mem32", "mem64" };
	char irq[16] = "-";
	if (f->irq_pin >= 1 && f->irq_pin <= 4)
		snprintf(irq, sizeof irq, "%u (INT%c)", f->irq_line, 'A' + f->irq_pin - 1);
	kprintf("pci %02x:%02x.%u %04x:%04x rev %02x class %02x.%02x.%02x irq %s  %s\n", f->bus, f->dev, f->fn,
		f->vendor, f->device, f->revision, f->class_code, f->subclass, f->prog_if, irq,
		pci_describe(f->vendor, f->device));
	for (int i = 0; i < PCI_MAX_BARS; i++) {
		const struct pci_bar *b = &f->bar[i];
		if (b->type != PCI_BAR_NONE)
			kprintf("    bar%d %-5s%s %#llx size %#llx\n", i, bar_types[b->type],
				b->prefetchable ? " pref" : "", (unsigned long long)b->base, (unsigned long long)b->size);
	}
	if (f->ncaps) {
		char line[160];
		int n = 0;
		for (int i = 0; i < f->ncaps && n < (int)sizeof line - 16; i++)
			n += snprintf(line + n, sizeof line - n, " %s@%#x", cap_name(f->cap[i].id), f->cap[i].offset);
		kprintf("    caps:%s\n", line);
	}
}

static void scan_bus(uint8_t bus);

static void probe(uint8_t bus, uint8_t dev, uint8_t fn)
{
	uint32_t id = pci_config_read32(bus, dev, fn, PCI_VENDOR_ID);
	if ((id & 0xFFFF) == 0xFFFF)
		return;
	if (count == PCI_MAX_FUNCTIONS) {
		kwarn("pci: more than %d functions, %02x:%02x.%u not recorded\n", PCI_MAX_FUNCTIONS, bus, dev, fn);
		return;
	}
	struct pci_function *f = &table[count++];
	uint32_t class = pci_config_read32(bus, dev, fn, PCI_REVISION);
	uint32_t subsys = pci_config_read32(bus, dev, fn, PCI_SUBSYS_VENDOR);
	*f = (struct pci_function){
		.bus = bus, .dev = dev, .fn = fn,
		.vendor = id & 0xFFFF, .device = id >> 16,
		.subsys_vendor = subsys & 0xFFFF, .subsys_id = subsys >> 16,
		.revision = class & 0xFF,
		.class_code = class >> 24, .subclass = (class >> 16) & 0xFF, .prog_if = (class >> 8) & 0xFF,
		.header_type = raw_read(bus, dev, fn, PCI_HEADER_TYPE, 1) & 0x7F,
		.irq_line = raw_read(bus, dev, fn, PCI_INTERRUPT_LINE, 1),
		.irq_pin = raw_read(bus, dev, fn, PCI_INTERRUPT_PIN, 1),
	};
	size_bars(f);
	walk_caps(f);
	log_function(f);
	if (f->header_type == 1) {
		uint8_t secondary = pci_read(f, PCI_BRIDGE_BUSES + 1, 1);
		if (secondary == 0 || secondary <= bus)
			kwarn("pci: bridge %02x:%02x.%u has no bus number assigned; its bus is not scanned\n", bus, dev, fn);
		else
			scan_bus(secondary);
	}
}

static void scan_bus(uint8_t bus)
{
	if (scanned[bus / 8] & (1u << (bus % 8)))
		return;
	scanned[bus / 8] |= 1u << (bus % 8);
	for (uint8_t dev = 0; dev < 32; dev++) {
		if ((pci_config_read32(bus, dev, 0, PCI_VENDOR_ID) & 0xFFFF) == 0xFFFF)
			continue;
		bool multi = raw_read(bus, dev, 0, PCI_HEADER_TYPE, 1) & 0x80;
		for (uint8_t fn = 0; fn < (multi ? 8 : 1); fn++)
			probe(bus, dev, fn);
	}
}

static bool matches(const struct pci_driver *d, const struct pci_function *f)
{
	for (int i = 0; i < d->nids; i++)
		if (d->ids[i].vendor == f->vendor && f->device >= d->ids[i].device_first &&
		    f->device <= d->ids[i].device_last)
			return true;
	return false;
}

static void attach(const struct pci_function *f)
{
	for (int i = 0; pci_drivers[i]; i++)
		if (matches(pci_drivers[i], f)) {
			pci_drivers[i]->attach(f);
			return;
		}
}

int pci_scan(void)
{
	scan_bus(0);
	/* A multi-function host bridge at 00:00: function n owns bus n. */
	const struct pci_function *host = pci_find(0, 0, 0);
	if (host && (raw_read(0, 0, 0, PCI_HEADER_TYPE, 1) & 0x80))
		for (uint8_t fn = 1; fn < 8; fn++) {
			const struct pci_function *h = pci_find(0, 0, fn);
			if (h && h->class_code == 0x06 && h->subclass == 0x00)
				scan_bus(fn);
		}
	kprintf("pci: %d functions\n", count);
	for (int i = 0; i < count; i++)
		attach(&table[i]);
	return count;
}

const struct pci_function *pci_functions(int *n)
{
	*n = count;
	return table;
}

const struct pci_function *pci_find(uint8_t bus, uint8_t dev, uint8_t fn)
{
	for (int i = 0; i < count; i++)
		if (table[i].bus == bus && table[i].dev == dev && table[i].fn == fn)
			return &table[i];
	return NULL;
}
