/* Segments: flat 4 GiB code/data for the kernel (ring 0) and tasks (ring 3),
 * one TSS whose esp0 is the kernel stack the CPU switches to on a trap from
 * ring 3, and the kernel's own local descriptor table (see gdt.c for why
 * there must be one), which holds the user segments; a task may have a
 * longer LDT of its own (i386/user_ldt.c). Tasks reach only
 * SEG_UCODE and SEG_UDATA (DPL 3) and the system-call gate; the
 * kernel half of the flat user segments is kept from them by the page
 * tables (supervisor-only directory entries), not by segment limits. */
#ifndef I386_GDT_H
#define I386_GDT_H
#define SEG_KCODE 0x08
#define SEG_KDATA 0x10
#define SEG_TSS   0x28
#define SEG_LDT   0x30
/* The kernel's LDT, laid out as GNU Mach's: entry 0 the system-call gate
 * (selector 7: index 0, TI=1, RPL 3), entry 1 left empty (GNU Mach's RPC
 * gate, selector 0x0f, which it does not serve either), entries 2 and 3
 * the user code and data segments (selectors 0x17 and 0x1f), which every
 * task runs with. */
#define LDT_ENTRIES       4
#define LDT_SYSCALL_GATE  0
#define LDT_USER_CODE     2
#define LDT_USER_DATA     3
#define SEL_SYSCALL_GATE  0x07
#define SEG_UCODE         (LDT_USER_CODE << 3 | 4 | 3)   /* 0x17 */
#define SEG_UDATA         (LDT_USER_DATA << 3 | 4 | 3)   /* 0x1f */

#ifndef __ASSEMBLER__
#include <stdint.h>
void gdt_init(void);
/* Where the LDT's call gate enters the kernel (trapentry.S). */
void syscall_gate_entry(void);
#include <stdbool.h>
/* The kernel's LDT (LDT_ENTRIES entries), which task tables start from. */
const uint64_t *gdt_kernel_ldt(void);
/* Point LDTR at table (entries descriptors, in kernel memory), or at the
 * kernel's LDT when table is NULL. */
void gdt_load_ldt(const uint64_t *table, uint32_t entries);
void gdt_forget_user_segments(void);
bool gdt_ldt_is_loaded(const uint64_t *table);
/* LDTR names the kernel's LDT: a switch to a task without a table of its
 * own (most) then has nothing to load, which the scheduler tests inline. */
extern bool gdt_kernel_ldt_loaded;
/* The one TSS: only its esp0 (and ss0) matter, the kernel switching
 * threads itself. In the header so that the scheduler sets esp0 on every
 * switch with one store, not a call. */
struct tss {
	uint32_t link, esp0, ss0, esp1, ss1, esp2, ss2, cr3, eip, eflags;
	uint32_t eax, ecx, edx, ebx, esp, ebp, esi, edi;
	uint32_t es, cs, ss, ds, fs, gs, ldt;
	uint16_t trap, iomap_base;
} __attribute__((packed));
_Static_assert(sizeof(struct tss) == 104, "the 32-bit TSS is 104 bytes: iomap_base = 104 lies past its limit");
extern struct tss kernel_tss;
/* The kernel stack top used on the next trap from user mode. */
static inline void tss_set_kernel_stack(uint32_t esp0) { kernel_tss.esp0 = esp0; }
#endif
#endif
