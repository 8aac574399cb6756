/* i386_set_ldt and i386_get_ldt (GNU Mach's mach_i386.defs, ids 3803 and
 * 3804): a task's own local descriptor table.
 *
 * A task has no table until its first i386_set_ldt; it then runs with one
 * of its own, in kernel memory, whose first LDT_ENTRIES entries are copies
 * of the kernel's LDT (the system-call gate, the empty entry, user code
 * and data: i386/gdt.c) and can never be replaced. The table is sized to
 * the highest entry set so far, at most USER_LDT_MAX_ENTRIES, grows by
 * reallocation (entries already set are kept), never shrinks, is loaded
 * by the context switch whenever one of the task's threads runs, and is
 * freed with the task. The target is a thread (as in mach_i386.defs) but
 * the table is its task's: every thread of the task sees the same entries.
 *
 * What an entry may hold: a present, DPL 3, writable, expand-up, 32-bit
 * (D/B set, L clear) data segment whose last byte, base + limit scaled by
 * the granularity bit, lies below USER_TOP. So no entry is a gate or a
 * system descriptor (TSS, LDT), none grants ring 0, 1 or 2, none reaches the
 * kernel half (the page tables protect it too; the limit keeps even a
 * segment's wrap-around out), and every entry can be loaded into any data
 * segment register and SS. The rest is refused, and that is why:
 *  - code segments: a task's code runs in 0x17. A code entry later
 *    rewritten as data would make the kernel's return to a thread whose CS
 *    holds it fault in the kernel (iret to a non-code CS).
 *  - empty or non-present entries, read-only or expand-down data: a thread
 *    may hold the selector in DS, ES, FS, GS or SS when it enters the
 *    kernel, and the kernel's return reloads them (trapentry.S); a
 *    selector a task loaded must stay loadable, so an entry once set can be
 *    replaced only by another entry of the same kind.
 *  - 16-bit data segments: an iret to a 16-bit SS restores only the low
 *    half of ESP, leaving the high half of the kernel's stack pointer in
 *    the task's ESP.
 * A request with any entry refused changes nothing and is answered
 * KERN_INVALID_ARGUMENT with a kwarn line. */
#include "i386/user_ldt.h"
#include "i386/gdt.h"
#include "i386/layout.h"
#include "kern/task.h"
#include "kern/thread.h"
#include "kern/string.h"
#include "kern/printf.h"
#include "vm/kalloc.h"
#include "ipc/port.h"
#include "ipc/ool.h"
#include "mach_i386_server.h"

static kern_return_t refuse(const char *routine, const char *why)
{
	struct task *self = current_task();
	kwarn("task %u (%s): %s: %s\n", self->id, self->name, routine, why);
	return KERN_INVALID_ARGUMENT;
}

static struct task *task_of_thread_port(mach_port_t port)
{
	struct thread *th = ipc_port_kobject(port, IKOT_THREAD);
	return th ? th->task : NULL;
}

/* The descriptor fields (Intel SDM vol. 3, "Segment Descriptors"). */
#define ACC_PRESENT   0x80
#define ACC_DPL3      0x60
#define ACC_CODE_DATA 0x10      /* S: a code or data segment, not a system descriptor */
#define ACC_CODE      0x08
#define ACC_EXPDOWN   0x04      /* data: expand-down */
#define ACC_WRITABLE  0x02      /* data: writable */
#define FLAG_GRAN     0x8
#define FLAG_DB       0x4
#define FLAG_LONG     0x2

/* Why d may not be in a task's table, or NULL if it may. */
static const char *descriptor_refusal(uint64_t d)
{
	uint32_t access = (uint32_t)(d >> 40) & 0xFF;
	uint32_t flags = (uint32_t)(d >> 52) & 0xF;
	if (!(access & ACC_PRESENT))
		return "a non-present (or empty) descriptor";
	if ((access & ACC_DPL3) != ACC_DPL3)
		return "a descriptor of DPL 0, 1 or 2";
	if (!(access & ACC_CODE_DATA))
		return "a system descriptor (gate, TSS or LDT)";
	if (access & ACC_CODE)
		return "a code segment";
	if (!(access & ACC_WRITABLE) || (access & ACC_EXPDOWN))
		return "a read-only or expand-down data segment";
	if (!(flags & FLAG_DB) || (flags & FLAG_LONG))
		return "a 16-bit or 64-bit segment";
	uint64_t base = ((d >> 16) & 0xFFFFFF) | ((d >> 32) & 0xFF000000);
	uint64_t limit = (d & 0xFFFF) | ((d >> 32) & 0xF0000);
	if (flags & FLAG_GRAN)
		limit = limit << 12 | 0xFFF;
	if (base + limit >= USER_TOP)
		return "a segment reaching the kernel half";
	return NULL;
}

bool user_ldt_selector_ok(const struct task *t, uint32_t sel)
{
	uint32_t index = sel >> 3;
	if (sel > 0xFFFF || (sel & 7) != 7 || index < LDT_ENTRIES || !t->ldt || index >= t->ldt_entries)
		return false;
	return (t->ldt[index] >> 40) & ACC_PRESENT;   /* set through i386_set_ldt, so loadable for good */
}

void user_ldt_activate(struct task *t)
{
	gdt_load_ldt(t->ldt, t->ldt_entries);
}

void user_ldt_free(struct task *t)
{
	if (!t->ldt)
		return;
	if (gdt_ldt_is_loaded(t->ldt))
		gdt_load_ldt(NULL, 0);
	kfree(t->ldt);
	t->ldt = NULL;
	t->ldt_entries = 0;
}

/* Make t's table at least `entries` long, keeping what it holds. */
static bool ldt_grow(struct task *t, uint32_t entries)
{
	if (t->ldt && t->ldt_entries >= entries)
		return true;
	uint64_t *table = kalloc(entries * sizeof *table);
	if (!table)
		return false;
	memset(table, 0, entries * sizeof *table);
	if (t->ldt)
		memcpy(table, t->ldt, t->ldt_entries * sizeof *table);
	else
		memcpy(table, gdt_kernel_ldt(), LDT_ENTRIES * sizeof *table);
	bool loaded = t->ldt ? gdt_ldt_is_loaded(t->ldt) : t == current_task();
	kfree(t->ldt);
	t->ldt = table;
	t->ldt_entries = entries;
	if (loaded)
		gdt_load_ldt(table, entries);   /* the caller's own task: in effect on return */
	return true;
}

/* Entry i of a request's list: inline, or in the out-of-line data o. */
static uint64_t list_entry(const_descriptor_list_t inline_list, const struct ool *o, uint32_t i)
{
	uint64_t d = 0;
	if (o)
		ool_read(o, i * 8, &d, 8);   /* the size was checked: reads all 8 */
	else
		d = (uint64_t)inline_list[i].high_word << 32 | inline_list[i].low_word;
	return d;
}

kern_return_t i386_set_ldt(mach_port_t target_thread, int first_selector, const_descriptor_list_t desc_list,
			   mach_msg_type_number_t desc_listCnt, boolean_t desc_listSCopy)
{
	struct task *t = task_of_thread_port(target_thread);
	if (!t)
		return refuse("i386_set_ldt", "not a thread port");
	if (first_selector < 0)
		return refuse("i386_set_ldt", "negative selector");
	uint32_t first = (uint32_t)first_selector >> 3;
	if (first < LDT_ENTRIES)
		return refuse("i386_set_ldt", "entries 0-3 (the gate and the user segments) are the kernel's");
	if (first >= USER_LDT_MAX_ENTRIES || desc_listCnt > USER_LDT_MAX_ENTRIES - first)
		return refuse("i386_set_ldt", "selectors past the table's bound");
	/* Inline the list is in the request; out of line it is a descriptor
	 * the request owns (ipc/ool.h), read an entry at a time. */
	const struct ool *o = NULL;
	if (!desc_listSCopy && desc_listCnt) {
		o = ool_from_slot((ool_slot_t)(uintptr_t)desc_list);
		if (!o || o->kind != OOL_DATA || o->size != desc_listCnt * 8)
			return refuse("i386_set_ldt", "out-of-line list does not match its count");
	}
	for (uint32_t i = 0; i < desc_listCnt; i++) {
		const char *why = descriptor_refusal(list_entry(desc_list, o, i));
		if (why)
			return refuse("i386_set_ldt", why);
	}
	if (desc_listCnt == 0)
		return KERN_SUCCESS;
	if (!ldt_grow(t, first + desc_listCnt))
		return KERN_RESOURCE_SHORTAGE;
	for (uint32_t i = 0; i < desc_listCnt; i++)
		t->ldt[first + i] = list_entry(desc_list, o, i);
	gdt_forget_user_segments();      /* the new entries apply at the next return, as a reload did */
	return KERN_SUCCESS;
}

kern_return_t i386_get_ldt(mach_port_t target_thread, int first_selector, int selector_count,
			   descriptor_list_t *desc_list, mach_msg_type_number_t *desc_listCnt)
{
	struct task *t = task_of_thread_port(target_thread);
	if (!t)
		return refuse("i386_get_ldt", "not a thread port");
	if (first_selector < 0 || selector_count < 0)
		return refuse("i386_get_ldt", "negative selector or count");
	uint32_t first = (uint32_t)first_selector >> 3, count = (uint32_t)selector_count;
	if (first >= USER_LDT_MAX_ENTRIES || count > USER_LDT_MAX_ENTRIES - first || count > *desc_listCnt)
		return refuse("i386_get_ldt", "selectors past the table's bound");
	const uint64_t *table = t->ldt ? t->ldt : gdt_kernel_ldt();
	uint32_t entries = t->ldt ? t->ldt_entries : LDT_ENTRIES;
	for (uint32_t i = 0; i < count; i++) {
		uint64_t d = first + i < entries ? table[first + i] : 0;
		(*desc_list)[i] = (descriptor_t){ .low_word = (uint32_t)d, .high_word = (uint32_t)(d >> 32) };
	}
	*desc_listCnt = count;
	return KERN_SUCCESS;
}
