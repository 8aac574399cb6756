/* The global and local descriptor tables and the task-state segment.
 *
 * The LDT: a selector with TI=1 names an entry of whatever table LDTR points
 * at, and an LDTR never loaded still holds the CPU's reset value (base 0,
 * limit 0xFFFF on the machines we run on). A task could then map a page
 * at a low address, write a call-gate descriptor there and far-call through
 * an LDT selector into its own code at ring 0. So the kernel loads LDTR at
 * boot with its own table: LDT_ENTRIES descriptors in kernel memory (which
 * no user page maps). The table's GDT descriptor has DPL 0; lldt is a ring-0
 * instruction in any case, and no task can change this table. A task that
 * calls i386_set_ldt gets a table of its own (i386/user_ldt.c), also in
 * kernel memory, whose first LDT_ENTRIES entries are copies of these; the
 * context switch points the GDT's one LDT descriptor at the running task's
 * table, or back at this one (gdt_load_ldt).
 *
 * The table is laid out as GNU Mach's, so that GNU Mach programs find what
 * they expect:
 *   0 (selector 0x07)  the system-call gate. GNU Mach tasks enter the kernel
 *                      with `lcall $7,$0`; the entry holds a 32-bit call
 *                      gate, DPL 3 so ring 3 may call it, with no parameters
 *                      to copy, to SEG_KCODE:syscall_gate_entry
 *                      (trapentry.S), which builds the trap frame an
 *                      interrupt gate would.
 *   1 (selector 0x0f)  zero: GNU Mach's RPC gate, not served; any use faults.
 *   2 (selector 0x17)  user code: flat, 32-bit, DPL 3 (SEG_UCODE).
 *   3 (selector 0x1f)  user data: flat, DPL 3 (SEG_UDATA).
 * Every other LDT selector lies beyond the limit and faults (#GP), unless
 * the task's own table holds it (a DPL 3 data segment set through
 * i386_set_ldt, validated there). The GDT
 * keeps only the kernel's segments, the TSS and the LDT's descriptor; its
 * entries 3 and 4, the user segments before they moved to the LDT, are
 * null, so loading 0x1b or 0x23 faults too.
 *
 * The TSS has no I/O permission bitmap (iomap_base lies beyond its limit)
 * and every EFLAGS the kernel builds for a task has IOPL 0, so in, out, cli
 * and sti fault in user mode. */
#include "i386/gdt.h"

static uint64_t gdt[7];
struct tss kernel_tss;
static uint64_t ldt[LDT_ENTRIES];            /* the gate, an empty entry, user code and data */

static uint64_t segment(uint32_t base, uint32_t limit, uint8_t access, uint8_t flags)
{
	return (uint64_t)(limit & 0xFFFF) | ((uint64_t)(base & 0xFFFFFF) << 16) |
	       ((uint64_t)access << 40) | ((uint64_t)((limit >> 16) & 0xF) << 48) |
	       ((uint64_t)(flags & 0xF) << 52) | ((uint64_t)(base >> 24) << 56);
}

/* A 32-bit call gate (type 0xC) to SEG_KCODE:entry that ring 3 may call,
 * copying no parameters: the kernel reads them from the user stack. */
static uint64_t call_gate(void (*entry)(void))
{
	uint32_t off = (uint32_t)entry;
	return (uint64_t)(off & 0xFFFF) | ((uint64_t)SEG_KCODE << 16) | ((uint64_t)0xEC << 40) |
	       ((uint64_t)(off >> 16) << 48);
}

void gdt_init(void)
{
	gdt[0] = 0;
	gdt[1] = segment(0, 0xFFFFF, 0x9A, 0xC);   /* ring 0 code, 4 KiB granular, 32-bit */
	gdt[2] = segment(0, 0xFFFFF, 0x92, 0xC);   /* ring 0 data */
	gdt[3] = 0;                                /* unused: the user segments are in the LDT */
	gdt[4] = 0;
	kernel_tss.ss0 = SEG_KDATA;
	kernel_tss.iomap_base = sizeof kernel_tss;               /* no I/O bitmap: ring 3 gets no ports */
	gdt[5] = segment((uint32_t)&kernel_tss, sizeof kernel_tss - 1, 0x89, 0x0);
	ldt[LDT_SYSCALL_GATE] = call_gate(syscall_gate_entry);
	ldt[LDT_USER_CODE] = segment(0, 0xFFFFF, 0xFA, 0xC);   /* ring 3 code, flat, 32-bit */
	ldt[LDT_USER_DATA] = segment(0, 0xFFFFF, 0xF2, 0xC);   /* ring 3 data, flat */
	gdt[6] = segment((uint32_t)ldt, sizeof ldt - 1, 0x82, 0x0);   /* LDT, DPL 0, byte granular */

	struct { uint16_t limit; uint32_t base; } __attribute__((packed)) gdtr = { sizeof gdt - 1, (uint32_t)gdt };
	__asm__ volatile(
		"lgdt %0\n\t"
		"mov %1, %%ds\n\tmov %1, %%es\n\tmov %1, %%ss\n\t"
		"mov %1, %%fs\n\tmov %1, %%gs\n\t"
		"ljmp %2, $1f\n1:\n\t"
		"ltr %w3\n\t"
		"lldt %w4"
		:: "m"(gdtr), "r"(SEG_KDATA), "i"(SEG_KCODE), "r"(SEG_TSS), "r"(SEG_LDT) : "memory");
}

const uint64_t *gdt_kernel_ldt(void)
{
	return ldt;
}

/* The table LDTR names now and its length: reloading it is skipped when
 * both are unchanged, the common case of a switch between threads without
 * tables of their own. Only gdt_init (with these values) and gdt_load_ldt
 * write gdt[6], so the two words say what it holds without rebuilding the
 * descriptor to compare it (a table freed and another allocated at its
 * address differs in length, or has the same extent and needs no reload). */
static const uint64_t *loaded_ldt = ldt;
static uint32_t loaded_entries = LDT_ENTRIES;
bool gdt_kernel_ldt_loaded = true;

void gdt_load_ldt(const uint64_t *table, uint32_t entries)
{
	if (!table) {
		table = ldt;
		entries = LDT_ENTRIES;
	}
	if (table == loaded_ldt && entries == loaded_entries)
		return;
	gdt[6] = segment((uint32_t)table, entries * 8 - 1, 0x82, 0x0);   /* DPL 0, byte granular */
	loaded_ldt = table;
	loaded_entries = entries;
	gdt_kernel_ldt_loaded = table == ldt;
	__asm__ volatile("lldt %w0" :: "r"(SEG_LDT) : "memory");
	gdt_forget_user_segments();
}

/* FS and GS may cache a descriptor of the table just replaced or changed;
 * trap_return reloads a register only when the frame's selector differs from
 * it (trapentry.S), so they get the null selector, which no frame holding a
 * real one matches. */
void gdt_forget_user_segments(void)
{
	__asm__ volatile("mov %0, %%fs\n\tmov %0, %%gs" :: "r"(0) : "memory");
}

bool gdt_ldt_is_loaded(const uint64_t *table)
{
	return table == loaded_ldt;
}
