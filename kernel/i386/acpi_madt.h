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

/* Fill *m from the firmware's tables; false (and why, in the log) when
 * there is no RSDP, no MADT, a bad checksum or no I/O APIC. */
bool madt_read(struct madt_info *m);
#endif
