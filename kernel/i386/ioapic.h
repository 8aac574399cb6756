/* The I/O APICs (82093AA datasheet; QEMU models one with 24 inputs): each
 * input is a global system interrupt (GSI) that the kernel routes to a
 * vector on the boot CPU, masked until a handler wants it. */
#ifndef I386_IOAPIC_H
#define I386_IOAPIC_H
#include <stdint.h>
#include <stdbool.h>
#include "i386/acpi_madt.h"

/* Map every I/O APIC of m and mask all their inputs; false if none works. */
bool ioapic_init(const struct madt_info *m);
/* Aim gsi at vector (on this CPU, fixed delivery) with the trigger and
 * polarity of r, leaving it masked; false if no I/O APIC has that input. */
bool ioapic_route(const struct isa_route *r, uint8_t vector, uint8_t cpu);
void ioapic_set_masked(uint32_t gsi, bool masked);
#endif
