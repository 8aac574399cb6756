/* Where the interrupt controllers are: the ACPI MADT ("APIC" table, ACPI
 * 6.x 5.2.12) found through the RSDP and RSDT, read once at boot. It says
 * where the local APIC and each I/O APIC sit, which global system interrupt
 * (GSI) each I/O APIC input is, and how the ISA lines reach them (the
 * interrupt source overrides: on QEMU's i440FX, IRQ 0 arrives at GSI 2 and
 * the PCI lines 5, 9, 10, 11 are level-triggered, active high).
 *
 * Non-goals: the XSDT (the 32-bit RSDT is always there on ACPI 1.0 and 2.0+
 * firmware for a 32-bit kernel), the MP specification tables, x2APIC
 * entries, more than MADT_MAX_IOAPICS I/O APICs. */
#ifndef I386_ACPI_MADT_H
#define I386_ACPI_MADT_H
#include <stdint.h>
#include <stdbool.h>

#define MADT_MAX_IOAPICS 4
#define ISA_IRQS 16

struct ioapic_desc {
	uint8_t id;
	uint32_t address;             /* physical */
	uint32_t gsi_base;            /* GSI of its input 0 */
};

/* How one ISA line reaches the I/O APICs. */
struct isa_route {
	uint32_t gsi;
	bool level;                   /* trigger: level (else edge) */
	bool active_low;              /* polarity */
};

struct madt_info {
	uint32_t lapic_address;       /* physical */
	bool has_8259;                /* PCAT_COMPAT: a pair of 8259s is also present */
	int ncpus;                    /* enabled local APICs (only the boot CPU is used) */
	int nioapics;
	struct ioapic_desc ioapic[MADT_MAX_IOAPICS];
	struct isa_route isa[ISA_IRQS];
};

/* Fill *m from the firmware's tables (acpi_find.c); false (and why, in the
 * log) when there is no RSDP, no MADT, a bad checksum or no I/O APIC. */
bool madt_read(struct madt_info *m);

/* The pure part (acpi_madt.c, host-tested): a MADT at t of which
 * `readable` bytes may be read. Its length must fit in them and its
 * checksum be right; entries that run past the length end the parse.
 * *m gets the defaults (ISA line i at GSI i) and what the table says. */
bool madt_parse(const uint8_t *t, uint32_t readable, struct madt_info *m);
void madt_defaults(struct madt_info *m);

/* Every system description table (ACPI 6.x 5.2.6) opens with a 36-byte
 * header, its length at +4; its bytes sum to 0 mod 256. */
#define ACPI_SDT_HEADER_SIZE 36
uint32_t acpi_rd32(const uint8_t *p);
bool acpi_checksum_ok(const uint8_t *p, uint32_t len);
/* h has a whole header, a length of at least one, at most `readable`
 * bytes, and a right checksum. */
bool acpi_sdt_valid(const uint8_t *h, uint32_t readable);
#endif
