/* Which interrupt controller the kernel uses, chosen once at boot: the
 * local APIC with the I/O APIC(s) when the CPU has an APIC and the ACPI MADT
 * describes an I/O APIC, else the two 8259s. The kernel argument `noapic`
 * forces the 8259s. Either way ISA line n (0-15; PCI INTx lines arrive on
 * ISA line numbers through the chipset's routing) raises vector T_IRQ0 + n,
 * so the rest of the kernel does not care which was chosen. MSI and MSI-X
 * (vectors T_MSI0 and up) exist only with the APIC: a device's MSI message
 * is a write to the local APIC's address. */
#ifndef I386_IRQCHIP_H
#define I386_IRQCHIP_H
#include <stdbool.h>
#include <stdint.h>
#include "i386/trap.h"

void irqchip_init(const char *cmdline);
/* True when the APIC path was chosen (MSI/MSI-X can be delivered). */
bool irqchip_apic(void);
const char *irqchip_name(void);
void irqchip_unmask(int irq);
void irqchip_mask(int irq);
/* Around the handling of ISA line irq: begin is false for a spurious
 * interrupt (no handler, no EOI); end signals end-of-interrupt. */
bool irqchip_line_begin(int irq);
void irqchip_line_end(int irq);
/* End-of-interrupt for an MSI/MSI-X vector. */
void irqchip_msi_end(void);
#endif
