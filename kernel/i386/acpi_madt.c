/* Checking and parsing the MADT (acpi_madt.h), from bytes already in
 * memory: ACPI 6.x 5.2.6 (the system description table header: length at
 * +4, a checksum over the whole table) and 5.2.12 (MADT entries). Pure, so
 * tests/host/test_acpi_madt.c runs it on tables it builds; acpi_find.c
 * finds the firmware's table through the direct map. */
#include "i386/acpi_madt.h"
#include "kern/printf.h"
#include "kern/string.h"

#define MADT_LAPIC_ADDRESS_AT 36
#define MADT_FLAGS_AT 40
#define MADT_ENTRIES_AT 44            /* header, local APIC address, flags */
#define MADT_PCAT_COMPAT 1u

enum { MADT_LAPIC = 0, MADT_IOAPIC = 1, MADT_OVERRIDE = 2 };

uint32_t acpi_rd32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }

bool acpi_checksum_ok(const uint8_t *p, uint32_t len)
{
	uint8_t sum = 0;
	for (uint32_t i = 0; i < len; i++)
		sum += p[i];
	return sum == 0;
}

bool acpi_sdt_valid(const uint8_t *h, uint32_t readable)
{
	if (readable < ACPI_SDT_HEADER_SIZE)
		return false;
	uint32_t len = acpi_rd32(h + 4);
	return len >= ACPI_SDT_HEADER_SIZE && len <= readable && acpi_checksum_ok(h, len);
}

void madt_defaults(struct madt_info *m)
{
	memset(m, 0, sizeof *m);
	for (int i = 0; i < ISA_IRQS; i++)
		m->isa[i] = (struct isa_route){ .gsi = i };
}

/* MPS INTI flags (5.2.12.5): 0 means "as the bus says", which for ISA is
 * edge-triggered, active high. */
static struct isa_route override(uint32_t gsi, uint16_t flags)
{
	return (struct isa_route){ .gsi = gsi, .active_low = (flags & 3) == 3, .level = ((flags >> 2) & 3) == 3 };
}

bool madt_parse(const uint8_t *t, uint32_t readable, struct madt_info *m)
{
	madt_defaults(m);
	if (!acpi_sdt_valid(t, readable) || memcmp(t, "APIC", 4) != 0) {
		kwarn("acpi: MADT cut short, corrupt or not a MADT\n");
		return false;
	}
	uint32_t len = acpi_rd32(t + 4);
	if (len < MADT_ENTRIES_AT) {
		kwarn("acpi: MADT of %u bytes\n", len);
		return false;
	}
	m->lapic_address = acpi_rd32(t + MADT_LAPIC_ADDRESS_AT);
	m->has_8259 = acpi_rd32(t + MADT_FLAGS_AT) & MADT_PCAT_COMPAT;
	for (uint32_t at = MADT_ENTRIES_AT; at + 2 <= len;) {
		const uint8_t *e = t + at;
		uint8_t type = e[0], elen = e[1];
		if (elen < 2 || at + elen > len) {
			kwarn("acpi: MADT entry at %u has length %u; rest ignored\n", at, elen);
			break;
		}
		if (type == MADT_LAPIC && elen >= 8 && (acpi_rd32(e + 4) & 1))
			m->ncpus++;
		else if (type == MADT_IOAPIC && elen >= 12) {
			if (m->nioapics < MADT_MAX_IOAPICS)
				m->ioapic[m->nioapics++] = (struct ioapic_desc){ e[2], acpi_rd32(e + 4), acpi_rd32(e + 8) };
			else
				kwarn("acpi: more than %d I/O APICs; id %u ignored\n", MADT_MAX_IOAPICS, e[2]);
		} else if (type == MADT_OVERRIDE && elen >= 10 && e[2] == 0 && e[3] < ISA_IRQS)
			m->isa[e[3]] = override(acpi_rd32(e + 4), e[8] | e[9] << 8);
		at += elen;
	}
	if (m->nioapics == 0) {
		kprintf("acpi: MADT lists no I/O APIC\n");
		return false;
	}
	return true;
}
