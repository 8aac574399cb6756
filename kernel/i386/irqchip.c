/* The boot-time choice of interrupt controller (irqchip.h). With the APIC,
 * the 8259s are programmed (so a stray interrupt from them lands on a known
 * vector) and then masked entirely, the local APIC's LINT0 (the 8259's
 * virtual-wire input) is masked, and each ISA line is routed through the
 * I/O APIC to the same vector the 8259 would have used, with the trigger
 * and polarity of the MADT's source overrides (PCI lines are level).
 * End-of-interrupt then goes to the local APIC, which also ends a level
 * line at the I/O APIC (its EOI broadcast). */
#include "i386/irqchip.h"
#include "i386/pic.h"
#include "i386/lapic.h"
#include "i386/ioapic.h"
#include "i386/acpi_madt.h"
#include "kern/printf.h"
#include "kern/string.h"

static bool apic;
static struct madt_info madt;

static bool apic_wanted(const char *cmdline)
{
	const char *a = strstr(cmdline, "noapic");
	if (a && (a == cmdline || a[-1] == ' ') && (a[6] == '\0' || a[6] == ' ')) {
		kprintf("irqchip: noapic on the command line\n");
		return false;
	}
	if (!lapic_present()) {
		kprintf("irqchip: CPUID reports no local APIC\n");
		return false;
	}
	return madt_read(&madt);
}

static bool apic_init(void)
{
	if (!lapic_init(madt.lapic_address) || !ioapic_init(&madt))
		return false;
	uint8_t cpu = lapic_id();
	for (int irq = 0; irq < ISA_IRQS; irq++)
		if (irq != 2 && !ioapic_route(&madt.isa[irq], T_IRQ0 + irq, cpu))
			kwarn("irqchip: ISA line %d (GSI %u) has no I/O APIC input\n", irq, madt.isa[irq].gsi);
	return true;
}

void irqchip_init(const char *cmdline)
{
	pic_init();
	apic = apic_wanted(cmdline) && apic_init();
	if (apic)
		pic_mask_all();
	kprintf("irqchip: %s\n", irqchip_name());
}

bool irqchip_apic(void) { return apic; }

const char *irqchip_name(void) { return apic ? "local APIC + I/O APIC" : "8259 PIC"; }

void irqchip_unmask(int irq)
{
	if (apic)
		ioapic_set_masked(madt.isa[irq].gsi, false);
	else
		pic_unmask(irq);
}

void irqchip_mask(int irq)
{
	if (apic)
		ioapic_set_masked(madt.isa[irq].gsi, true);
	else
		pic_mask(irq);
}

bool irqchip_line_begin(int irq) { return apic || !pic_spurious(irq); }

void irqchip_line_end(int irq)
{
	if (apic)
		lapic_eoi();
	else
		pic_eoi(irq);
}

void irqchip_msi_end(void) { lapic_eoi(); }
