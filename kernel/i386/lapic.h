/* The boot CPU's local APIC (Intel SDM vol. 3A ch. 11): where interrupts
 * from the I/O APIC and from MSI/MSI-X devices are accepted and where their
 * end-of-interrupt is written. Used only when i386/irqchip.c chose the APIC
 * path; the kernel is uniprocessor, so every interrupt is aimed at this CPU.
 * Its timer is not used (docs/architecture.md says why: the PIT stays). */
#ifndef I386_LAPIC_H
#define I386_LAPIC_H
#include <stdint.h>
#include <stdbool.h>

/* The vector of spurious local-APIC interrupts: low four bits all ones
 * (SDM 11.9), and never acknowledged with an EOI. */
#define LAPIC_SPURIOUS_VECTOR 0xFF

/* True if CPUID says this CPU has a local APIC. */
bool lapic_present(void);
/* Map the registers at physical pa, enable the APIC in the base MSR and
 * in software, accept every priority, mask its own LVT sources. */
bool lapic_init(uint32_t pa);
void lapic_eoi(void);
uint8_t lapic_id(void);
/* The MSI address and data words that deliver vector to this CPU, fixed
 * delivery, edge-triggered (SDM 11.11.1, 11.11.2). */
void lapic_msi_message(uint8_t vector, uint32_t *address, uint32_t *data);
#endif
