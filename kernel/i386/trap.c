/* Where every trap, interrupt and system call lands. A CPU exception in a user
 * task is first a page fault that may only be a first touch (vm/vm_fault.h),
 * then a Mach exception for the thread's or task's exception port
 * (kern/exception.h); with no port taking it, the task is killed with a
 * report. One in the kernel is a bug and panics with the same report. */
#include "i386/trap.h"
#include "i386/irqchip.h"
#include "i386/lapic.h"
#include "i386/cpu.h"
#include "kern/printf.h"
#include "kern/clock.h"
#include "kern/sched.h"
#include "kern/task.h"
#include "kern/thread.h"
#include "kern/syscall.h"
#include "device/irq.h"
#include "i386/fpu.h"
#include "i386/gdt.h"
#include "vm/vm_fault.h"
#include "kern/exception.h"
#include "i386/layout.h"

#define EFLAGS_TF 0x100

static const char *const exception_names[] = {
	"divide error", "debug", "NMI", "breakpoint", "overflow", "bound range exceeded",
	"invalid opcode", "device not available", "double fault", "coprocessor segment overrun",
	"invalid TSS", "segment not present", "stack fault", "general protection",
	"page fault", "reserved", "x87 floating point", "alignment check", "machine check",
	"SIMD floating point", "virtualization",
};

/* address: the page fault's cr2, read when the fault was taken (the wait
 * for an exception handler may have run other faults since). */
static void report(const char *who, const struct trapframe *tf, uint32_t address)
{
	const char *name = tf->trapno < sizeof exception_names / sizeof exception_names[0]
		? exception_names[tf->trapno] : "reserved exception";
	kprintf("%s: %s (vector %u, error code %#x) at eip %p\n", who, name, tf->trapno, tf->err, (void *)tf->eip);
	if (tf->trapno == T_PAGE_FAULT)
		kprintf("  faulting address %p (%s, %s, %s mode)\n", (void *)address,
			tf->err & 1 ? "protection violation" : "page not present",
			tf->err & 2 ? "write" : "read", tf->err & 4 ? "user" : "kernel");
	kprintf("  eax %08x ebx %08x ecx %08x edx %08x\n", tf->eax, tf->ebx, tf->ecx, tf->edx);
	kprintf("  esi %08x edi %08x ebp %08x esp %08x\n", tf->esi, tf->edi, tf->ebp,
		trap_from_user(tf) ? tf->esp : tf->kernel_esp + 20);
	kprintf("  cs %04x ds %04x eflags %08x\n", tf->cs, tf->ds, tf->eflags);
}

/* A task that far-calls the system-call gate with TF set: the call gate
 * keeps TF, so the CPU raises a single-step trap on the gate's first kernel
 * instruction. It is the task's single step, not a kernel bug. Clear TF in
 * the kernel frame so the stub runs on, and put TF back into the task's
 * EFLAGS when the system call returns (syscall_gate_single_step), so the
 * task gets its single step after the lcall, as after any other trap.
 * The stub runs with interrupts off from its second instruction, and no
 * interrupt taken in the kernel switches threads, so the flag reaches the
 * same thread's trap. */
static int gate_single_step_pending;

static uint32_t syscalls, device_interrupts, timer_ticks;

void trap_counters(uint32_t *s, uint32_t *d, uint32_t *t)
{
	*s = syscalls, *d = device_interrupts, *t = timer_ticks;
}

static int single_step_into_gate(struct trapframe *tf)
{
	if (tf->trapno != T_DEBUG || trap_from_user(tf) || tf->eip != (uint32_t)syscall_gate_entry)
		return 0;
	tf->eflags &= ~EFLAGS_TF;
	gate_single_step_pending = 1;
	return 1;
}

/* Why a user page fault could not be resolved (EXC_BAD_ACCESS's code):
 * a page never touched is backed here, a write to a copy-on-write page
 * gets its own frame, and the fault is over. */
static kern_return_t resolve_page_fault(const struct trapframe *tf, uint32_t address)
{
	if (address >= USER_TOP)
		return KERN_INVALID_ADDRESS;
	if ((tf->err & 1) && !(tf->err & 2)) /* present, read: the access itself is not allowed */
		return KERN_PROTECTION_FAILURE;
	return vm_fault_fill(current_task(), address, tf->err & 2);
}

static void exception(struct trapframe *tf)
{
	if (single_step_into_gate(tf))
		return;
	if (tf->trapno == T_DEVICE_NOT_AVAILABLE && trap_from_user(tf) && current_thread()->fpu_state) {
		fpu_device_not_available(current_thread()->fpu_state);
		return;
	}
	if (!trap_from_user(tf)) {
		report("kernel fault", tf, read_cr2());
		panic("unexpected %s in the kernel", tf->trapno < 21 ? exception_names[tf->trapno] : "exception");
	}
	uint32_t address = tf->trapno == T_PAGE_FAULT ? read_cr2() : 0;
	kern_return_t fault_kr = KERN_SUCCESS;
	if (tf->trapno == T_PAGE_FAULT && (fault_kr = resolve_page_fault(tf, address)) == KERN_SUCCESS)
		return;
	/* The thread's or task's exception port may take it: only this thread
	 * waits for the answer (kern/exception.h). */
	struct exception_info e;
	exception_from_trap(tf, fault_kr, address, &e);
	if (exception_raise_current(&e))
		return;
	struct task *t = current_task();
	char who[64];
	snprintf(who, sizeof who, "task %u (%s) fault", t->id, t->name);
	report(who, tf, address);
	kprintf("task %u (%s) killed\n", t->id, t->name);
	task_destroy(t, -1);
}

void trap(struct trapframe *tf)
{
	if (tf->trapno == T_SYSCALL) {
		if (gate_single_step_pending) {
			gate_single_step_pending = 0;
			tf->eflags |= EFLAGS_TF;
		}
		syscalls++;
		syscall(tf);
	} else if (tf->trapno >= T_IRQ0 && tf->trapno < T_IRQ0 + 16) {
		int irq = tf->trapno - T_IRQ0;
		if (irqchip_line_begin(irq)) {
			if (irq == 0) {
				timer_ticks++;
				clock_tick();
			} else {
				device_interrupts++;
				irq_dispatch(irq);
			}
			irqchip_line_end(irq);
		}
	} else if (tf->trapno >= T_MSI0 && tf->trapno < T_MSI0 + MSI_VECTORS) {
		device_interrupts++;
		msi_dispatch(tf->trapno);
		irqchip_msi_end();
	} else if (tf->trapno == LAPIC_SPURIOUS_VECTOR) {
		;                                   /* no EOI for a spurious one (SDM 11.9) */
	} else if (tf->trapno < T_IRQ0) {
		exception(tf);
	} else {
		kwarn("unexpected interrupt vector %u\n", tf->trapno);
	}
	if (trap_from_user(tf)) {
		if (task_exit_point_needed(current_thread()))
			task_exit_point();
		if (sched_need_resched)
			sched_preempt_point();
	}
}
