/* The local APIC (lapic.h). Register offsets and bits: Intel SDM vol. 3A,
 * table 11-1 and sections 11.4 (base MSR), 11.5.1 (LVT), 11.8.5 (EOI),
 * 11.9 (spurious vector register), 11.11 (MSI). */
#include "i386/lapic.h"
#include "i386/cpu.h"
#include "device/pci/mmio.h"
#include "kern/printf.h"

#define REG_ID        0x020
#define REG_VERSION   0x030
#define REG_TPR       0x080
#define REG_EOI       0x0B0
#define REG_SVR       0x0F0
#define REG_ESR       0x280
#define REG_LVT_TIMER 0x320
#define REG_LVT_THERMAL 0x330
#define REG_LVT_PERF  0x340
#define REG_LVT_LINT0 0x350
#define REG_LVT_LINT1 0x360
#define REG_LVT_ERROR 0x370
#define LVT_MASKED    (1u << 16)
#define LVT_NMI       (4u << 8)
#define SVR_ENABLE    (1u << 8)

#define MSR_APIC_BASE 0x1B
#define APIC_BASE_ENABLE (1u << 11)
#define CPUID_APIC    (1u << 9)
#define CPUID_MSR     (1u << 5)
#define MSI_ADDRESS_BASE 0xFEE00000u

static volatile uint32_t *regs;

static uint32_t rd(uint32_t off) { return regs[off / 4]; }
static void wr(uint32_t off, uint32_t v) { regs[off / 4] = v; }

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (uint64_t)hi << 32 | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" :: "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

bool lapic_present(void)
{
	uint32_t a, b, c, d;
	cpuid(1, &a, &b, &c, &d);
	return (d & CPUID_APIC) && (d & CPUID_MSR);
}

bool lapic_init(uint32_t pa)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);
	if ((base & 0xFFFFF000u) != pa)
		kwarn("lapic: MADT says %#x, the base MSR %#llx; using the MADT's\n", pa,
		      (unsigned long long)(base & 0xFFFFF000u));
	if (!(base & APIC_BASE_ENABLE))
		wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE);
	regs = mmio_map(pa, 4096);
	if (!regs)
		return false;
	uint32_t max_lvt = (rd(REG_VERSION) >> 16) & 0xFF;
	wr(REG_LVT_TIMER, LVT_MASKED);
	wr(REG_LVT_LINT0, LVT_MASKED);                  /* the 8259's ExtINT path: closed */
	wr(REG_LVT_LINT1, LVT_NMI);
	wr(REG_LVT_ERROR, LVT_MASKED);
	if (max_lvt >= 4)
		wr(REG_LVT_PERF, LVT_MASKED);
	if (max_lvt >= 5)
		wr(REG_LVT_THERMAL, LVT_MASKED);
	wr(REG_ESR, 0);                                 /* back-to-back writes clear it */
	wr(REG_ESR, 0);
	wr(REG_TPR, 0);                                 /* accept every priority class */
	wr(REG_SVR, SVR_ENABLE | LAPIC_SPURIOUS_VECTOR);
	lapic_eoi();                                    /* anything the firmware left in service */
	return true;
}

void lapic_eoi(void) { wr(REG_EOI, 0); }

uint8_t lapic_id(void) { return rd(REG_ID) >> 24; }

void lapic_msi_message(uint8_t vector, uint32_t *address, uint32_t *data)
{
	*address = MSI_ADDRESS_BASE | (uint32_t)lapic_id() << 12;   /* physical destination mode */
	*data = vector;                                 /* fixed delivery, edge */
}
