#include "kern/syscall.h"
#include "kern/task.h"
#include "kern/thread.h"
#include "kern/sched.h"
#include "kern/printf.h"
#include "ipc/mach_msg.h"
#include "ipc/port.h"
#include "ipc/space.h"
#include "ipc/kmsg.h"
#include "device/device_layer.h"
#include "vm/copyio.h"
#include "i386/trap.h"
#include <mach/kern_return.h>

#define MAX_ARGS 11                  /* syscall_vm_map */

static uint32_t sys_mach_msg(const uint32_t *a)
{
	return mach_msg_trap_impl(a[0], a[1], a[2], a[3], a[4], a[5]);
}

static uint32_t sys_mach_reply_port(const uint32_t *a)
{
	(void)a;
	struct ipc_port *p = ipc_port_alloc();
	if (!p)
		return MACH_PORT_NULL;
	mach_port_name_t name = ipc_space_insert(current_task()->space, p, MACH_PORT_TYPE_RECEIVE);
	if (!name) {
		ipc_port_destroy(p);
		ipc_port_release(p);
	}
	return name;
}

/* A new send right to a kernel object's port, named in the caller's space. */
static uint32_t self_right(struct ipc_port *p)
{
	if (!p)
		return MACH_PORT_NULL;
	ipc_port_make_send(p);
	return ipc_right_copyout(current_task()->space, p, MACH_MSG_TYPE_PORT_SEND);
}

static uint32_t sys_mach_task_self(const uint32_t *a) { (void)a; return self_right(current_task()->self_port); }
static uint32_t sys_mach_thread_self(const uint32_t *a) { (void)a; return self_right(current_thread()->self_port); }
extern struct ipc_port *host_port(void);
static uint32_t sys_mach_host_self(const uint32_t *a) { (void)a; return self_right(host_port()); }

static uint32_t sys_mach_print(const uint32_t *a)
{
	char buf[256];
	if (copyinstr(&current_task()->pmap, a[0], buf, sizeof buf) < 0)
		return KERN_INVALID_ADDRESS;
	kprintf("%s", buf);
	return KERN_SUCCESS;
}


static const struct trap_entry syscall_traps[] = {
	{ -25, 7, sys_mach_msg, "mach_msg_trap" },
	{ -26, 0, sys_mach_reply_port, "mach_reply_port" },
	{ -27, 0, sys_mach_thread_self, "mach_thread_self" },
	{ -28, 0, sys_mach_task_self, "mach_task_self" },
	{ -29, 0, sys_mach_host_self, "mach_host_self" },
	{ -30, 1, sys_mach_print, "mach_print" },
	{ -59, 1, trap_swtch_pri, "swtch_pri" },
	{ -60, 0, trap_swtch, "swtch" },
	{ -61, 3, trap_thread_switch, "thread_switch" },
	{ -64, 11, trap_syscall_vm_map, "syscall_vm_map" },
	{ -65, 4, trap_syscall_vm_allocate, "syscall_vm_allocate" },
	{ -66, 3, trap_syscall_vm_deallocate, "syscall_vm_deallocate" },
	{ -68, 3, trap_syscall_task_create, "syscall_task_create" },
	{ -69, 1, trap_syscall_task_terminate, "syscall_task_terminate" },
	{ -70, 1, trap_syscall_task_suspend, "syscall_task_suspend" },
	{ -71, 3, trap_syscall_task_set_special_port, "syscall_task_set_special_port" },
	{ -72, 3, trap_syscall_mach_port_allocate, "syscall_mach_port_allocate" },
	{ -73, 2, trap_syscall_mach_port_deallocate, "syscall_mach_port_deallocate" },
	{ -74, 4, trap_syscall_mach_port_insert_right, "syscall_mach_port_insert_right" },
	{ -75, 3, trap_syscall_mach_port_allocate_name, "syscall_mach_port_allocate_name" },
	{ -76, 1, trap_syscall_thread_depress_abort, "syscall_thread_depress_abort" },
};

/* syscall_traps[] by trap number: by_number[-n] is trap n's entry, or NULL. The
 * table is built on the first system call (syscall_traps[] never changes), so the
 * dispatch is one bounds check and one load instead of a search. */
#define LOWEST_TRAP (-76)
static const struct trap_entry *by_number[1 - LOWEST_TRAP];
static bool indexed;

static void index_traps(void)
{
	for (unsigned i = 0; i < sizeof syscall_traps / sizeof syscall_traps[0]; i++) {
		int n = syscall_traps[i].number;
		if (n < LOWEST_TRAP || n > 0)
			panic("syscall: trap %d is outside the dispatch table", n);
		by_number[-n] = &syscall_traps[i];
	}
	indexed = true;
}

/* mach_msg, by far the most frequent trap, straight to its implementation:
 * its seven arguments (syscall_traps[0]) are checked as the general path checks
 * them, then read from the stack page's window into the call, before the
 * call can block. False if they are not in one mapped page: the general
 * path then copies them in (or refuses them) itself. */
static bool syscall_mach_msg(struct trapframe *tf)
{
	struct thread *self = current_thread();
	const uint32_t *a = user_window(&self->task->pmap, tf->esp + 4, 7 * sizeof(uint32_t), false);
	if (!a)
		return false;
	self->user_regs_replaced = false;
	uint32_t result = mach_msg_trap_impl(a[0], a[1], a[2], a[3], a[4], a[5]);
	if (!self->user_regs_replaced)
		tf->eax = result;
	return true;
}

void syscall(struct trapframe *tf)
{
	int number = (int)tf->eax;
	if (number == -25 && syscall_mach_msg(tf))
		return;
	if (!indexed)
		index_traps();
	const struct trap_entry *t = number <= 0 && number >= LOWEST_TRAP ? by_number[-number] : NULL;
	if (!t)
		t = device_trap_find(number);              /* the device classes' own traps */
	if (t) {
		uint32_t args[MAX_ARGS];          /* a trap reads only its nargs */
		uint32_t bytes = t->nargs * sizeof(uint32_t);
		/* The arguments almost always lie in one page of the stack: read
		 * them through its window, word by word into args (a trap may
		 * block, and must not read the task's memory after that). Else
		 * copyin, which checks and copies page by page. */
		const uint32_t *w = bytes ? user_window(&current_task()->pmap, tf->esp + 4, bytes, false) : NULL;
		if (w) {
			for (int i = 0; i < t->nargs; i++)
				args[i] = w[i];
		} else if (bytes && copyin(&current_task()->pmap, tf->esp + 4, args, bytes) < 0) {
			kwarn("task %u: %s with arguments at unreadable %p\n", current_task()->id, t->name, (void *)tf->esp);
			tf->eax = KERN_INVALID_ADDRESS;
			return;
		}
		/* Another thread may set our registers (thread_set_state, often
		 * after thread_abort) while the call waits: then those win. */
		struct thread *self = current_thread();
		self->user_regs_replaced = false;
		uint32_t result = t->fn(args);
		if (!self->user_regs_replaced)
			tf->eax = result;
		return;
	}
	kwarn("task %u: unknown trap %d\n", current_task()->id, number);
	tf->eax = KERN_INVALID_ARGUMENT;
}
