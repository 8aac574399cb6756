/* Reading the MADT (acpi_madt.h). Tables are found and checked as ACPI 6.x
 * 5.2.5 (RSDP: in the first KiB of the EBDA or at a 16-byte boundary in
 * 0xE0000-0xFFFFF, signature "RSD PTR ", 20-byte checksum), 5.2.7 (RSDT:
 * 32-bit table addresses) and 5.2.12 (MADT entries). Firmware tables are in
 * RAM below the direct map's end, so they are read through it; one that is
 * not is refused rather than mapped. */
#include "i386/acpi_madt.h"
#include "i386/layout.h"
#include "vm/pmm.h"
#include "kern/printf.h"
#include "kern/string.h"

#define BIOS_AREA_FIRST 0xE0000u
#define BIOS_AREA_END   0x100000u
#define EBDA_SEGMENT_AT 0x40Eu        /* BIOS data area word: EBDA segment */
#define SDT_HEADER_SIZE 36
#define MADT_ENTRIES_AT 44            /* header, local APIC address, flags */
#define MADT_PCAT_COMPAT 1u

enum { MADT_LAPIC = 0, MADT_IOAPIC = 1, MADT_OVERRIDE = 2 };

/* Physical [pa, pa+len) through the direct map, or NULL if it is not there. */
static const uint8_t *phys(uint32_t pa, uint32_t len)
{
	uint64_t end = (uint64_t)pa + len;
	uint64_t mapped = pmm_ram_top() < DIRECT_END - KERNBASE ? pmm_ram_top() : DIRECT_END - KERNBASE;
	mapped = (mapped + (4u << 20) - 1) & ~(uint64_t)((4u << 20) - 1);   /* 4 MiB pages */
	return end <= mapped ? P2V(pa) : NULL;
}

static uint32_t rd32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }

static bool checksum_ok(const uint8_t *p, uint32_t len)
{
	uint8_t sum = 0;
	for (uint32_t i = 0; i < len; i++)
		sum += p[i];
	return sum == 0;
}

static const uint8_t *find_rsdp_in(uint32_t first, uint32_t end)
{
	for (uint32_t pa = first; pa + 20 <= end; pa += 16) {
		const uint8_t *p = phys(pa, 20);
		if (p && memcmp(p, "RSD PTR ", 8) == 0 && checksum_ok(p, 20))
			return p;
	}
	return NULL;
}

static const uint8_t *find_rsdp(void)
{
	const uint8_t *bda = phys(EBDA_SEGMENT_AT, 2);
	uint32_t ebda = bda ? (uint32_t)(bda[0] | bda[1] << 8) << 4 : 0;
	const uint8_t *r = ebda >= 0x400 && ebda < BIOS_AREA_FIRST ? find_rsdp_in(ebda, ebda + 1024) : NULL;
	return r ? r : find_rsdp_in(BIOS_AREA_FIRST, BIOS_AREA_END);
}

/* A system description table at pa with its whole length mapped and its
 * checksum right, or NULL. */
static const uint8_t *table_at(uint32_t pa)
{
	const uint8_t *h = phys(pa, SDT_HEADER_SIZE);
	if (!h)
		return NULL;
	uint32_t len = rd32(h + 4);
	if (len < SDT_HEADER_SIZE || !phys(pa, len) || !checksum_ok(h, len))
		return NULL;
	return h;
}

static const uint8_t *find_madt(void)
{
	const uint8_t *rsdp = find_rsdp();
	if (!rsdp) {
		kprintf("acpi: no RSDP\n");
		return NULL;
	}
	const uint8_t *rsdt = table_at(rd32(rsdp + 16));
	if (!rsdt || memcmp(rsdt, "RSDT", 4) != 0) {
		kwarn("acpi: RSDT at %#x missing or corrupt\n", rd32(rsdp + 16));
		return NULL;
	}
	uint32_t n = (rd32(rsdt + 4) - SDT_HEADER_SIZE) / 4;
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *t = table_at(rd32(rsdt + SDT_HEADER_SIZE + 4 * i));
		if (t && memcmp(t, "APIC", 4) == 0)
			return t;
	}
	kprintf("acpi: no MADT\n");
	return NULL;
}

/* MPS INTI flags (5.2.12.5): 0 means "as the bus says", which for ISA is
 * edge-triggered, active high. */
static struct isa_route override(uint32_t gsi, uint16_t flags)
{
	return (struct isa_route){ .gsi = gsi, .active_low = (flags & 3) == 3, .level = ((flags >> 2) & 3) == 3 };
}

bool madt_read(struct madt_info *m)
{
	memset(m, 0, sizeof *m);
	for (int i = 0; i < ISA_IRQS; i++)
		m->isa[i] = (struct isa_route){ .gsi = i };
	const uint8_t *t = find_madt();
	if (!t)
		return false;
	uint32_t len = rd32(t + 4);
	if (len < MADT_ENTRIES_AT) {
		kwarn("acpi: MADT of %u bytes\n", len);
		return false;
	}
	m->lapic_address = rd32(t + 36);
	m->has_8259 = rd32(t + 40) & MADT_PCAT_COMPAT;
	for (uint32_t at = MADT_ENTRIES_AT; at + 2 <= len;) {
		const uint8_t *e = t + at;
		uint8_t type = e[0], elen = e[1];
		if (elen < 2 || at + elen > len) {
			kwarn("acpi: MADT entry at %u has length %u; rest ignored\n", at, elen);
			break;
		}
		if (type == MADT_LAPIC && elen >= 8 && (rd32(e + 4) & 1))
			m->ncpus++;
		else if (type == MADT_IOAPIC && elen >= 12) {
			if (m->nioapics < MADT_MAX_IOAPICS)
				m->ioapic[m->nioapics++] = (struct ioapic_desc){ e[2], rd32(e + 4), rd32(e + 8) };
			else
				kwarn("acpi: more than %d I/O APICs; id %u ignored\n", MADT_MAX_IOAPICS, e[2]);
		} else if (type == MADT_OVERRIDE && elen >= 10 && e[2] == 0 && e[3] < ISA_IRQS)
			m->isa[e[3]] = override(rd32(e + 4), e[8] | e[9] << 8);
		at += elen;
	}
	if (m->nioapics == 0) {
		kprintf("acpi: MADT lists no I/O APIC\n");
		return false;
	}
	return true;
}
