#include "i386/gdt.h"

struct tss {
	uint32_t link, esp0, ss0, esp1, ss1, esp2, ss2, cr3, eip, eflags;
	uint32_t eax, ecx, edx, ebx, esp, ebp, esi, edi;
	uint32_t es, cs, ss, ds, fs, gs, ldt;
	uint16_t trap, iomap_base;
} __attribute__((packed));

static uint64_t gdt[6];
static struct tss tss;

static uint64_t segment(uint32_t base, uint32_t limit, uint8_t access, uint8_t flags)
{
	return (uint64_t)(limit & 0xFFFF) | ((uint64_t)(base & 0xFFFFFF) << 16) |
	       ((uint64_t)access << 40) | ((uint64_t)((limit >> 16) & 0xF) << 48) |
	       ((uint64_t)(flags & 0xF) << 52) | ((uint64_t)(base >> 24) << 56);
}

void gdt_init(void)
{
	gdt[0] = 0;
	gdt[1] = segment(0, 0xFFFFF, 0x9A, 0xC);   /* ring 0 code, 4 KiB granular, 32-bit */
	gdt[2] = segment(0, 0xFFFFF, 0x92, 0xC);   /* ring 0 data */
	gdt[3] = segment(0, 0xFFFFF, 0xFA, 0xC);   /* ring 3 code */
	gdt[4] = segment(0, 0xFFFFF, 0xF2, 0xC);   /* ring 3 data */
	tss.ss0 = SEG_KDATA;
	tss.iomap_base = sizeof tss;               /* no I/O bitmap: ring 3 gets no ports */
	gdt[5] = segment((uint32_t)&tss, sizeof tss - 1, 0x89, 0x0);

	struct { uint16_t limit; uint32_t base; } __attribute__((packed)) gdtr = { sizeof gdt - 1, (uint32_t)gdt };
	__asm__ volatile(
		"lgdt %0\n\t"
		"mov %1, %%ds\n\tmov %1, %%es\n\tmov %1, %%ss\n\t"
		"mov %1, %%fs\n\tmov %1, %%gs\n\t"
		"ljmp %2, $1f\n1:\n\t"
		"ltr %w3"
		:: "m"(gdtr), "r"(SEG_KDATA), "i"(SEG_KCODE), "r"(SEG_TSS) : "memory");
}

void tss_set_kernel_stack(uint32_t esp0)
{
	tss.esp0 = esp0;
}
