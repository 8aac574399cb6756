/* GNU Mach's syscall_* traps (-64 ... -76): kernel calls that skip the
 * message. Each takes port NAMES in the caller's space where the RPC takes
 * rights in a message, translates them as a message's copyin would, and
 * calls the very routine the kernel's MIG server calls (task_server.c,
 * vm_user.c, vm_map_user.c, ipc/mach_port.c, thread_server.c), so both
 * ways in behave alike.
 *
 * - The target (the task, thread or space acted on) must be a name for
 *   which the caller holds a send right. Anything else (MACH_PORT_NULL, an
 *   unused name, a dead name, a receive right only) makes the trap return
 *   MACH_SEND_INTERRUPTED, as in Mach: the library then falls back to the
 *   RPC, which reports the real error. A name of the wrong kind (a send
 *   right to a port that is no task) reaches the routine, which refuses it.
 *   The port is held for the call, so a routine that blocks (task_terminate)
 *   cannot have it freed under it.
 * - A right passed in (task_set_special_port's port: copy-send;
 *   mach_port_insert_right's: the caller's disposition) is copied in like a
 *   message item: the routine owns it when it succeeds, the kernel destroys
 *   it when it fails. A bad name or right is the routine's error code
 *   (KERN_INVALID_NAME, KERN_INVALID_RIGHT, KERN_INVALID_VALUE).
 * - Results go to user memory only through copyout, at addresses checked
 *   writable BEFORE the call acts (copyout_check), so a bad out-pointer is
 *   KERN_INVALID_ADDRESS with nothing done: no port, page or task is made
 *   and lost. A port result is copied out as a send right, named in the
 *   caller's space.
 * Every refusal is logged (kwarn). */
#include "kern/syscall.h"
#include "kern/task.h"
#include "kern/printf.h"
#include "ipc/port.h"
#include "ipc/space.h"
#include "ipc/kmsg.h"
#include "vm/copyio.h"
#include <mach/kern_return.h>
#include <mach/message.h>
#include <mach/mig_errors.h>
#include "mach_server.h"
#include "mach_port_server.h"

/* Provided by thread_server.c (gnumach.defs/mach.defs routine). */
kern_return_t thread_depress_abort(mach_port_t thread);

static void say(const char *trap, const char *why, uint32_t what)
{
	struct task *t = current_task();
	kwarn("task %u (%s): %s: %s (0x%x)\n", t->id, t->name, trap, why, what);
}

/* The port the caller holds a send right to under name, with a reference
 * for the call, or NULL (logged). */
static struct ipc_port *target(const char *trap, mach_port_name_t name)
{
	struct ipc_entry *e = MACH_PORT_VALID(name) ? ipc_space_lookup(current_task()->space, name) : NULL;
	if (!e || !(e->type & MACH_PORT_TYPE_SEND) || !e->port) {
		say(trap, "target is not a send right", name);
		return NULL;
	}
	ipc_port_ref(e->port);
	return e->port;
}

static mach_port_t word(struct ipc_port *p) { return (mach_port_t)(uintptr_t)p; }

static bool out_ok(const char *trap, uint32_t uaddr, size_t len)
{
	if (copyout_check(&current_task()->pmap, uaddr, len) == 0)
		return true;
	say(trap, "result address not writable", uaddr);
	return false;
}

static void put_word(uint32_t uaddr, uint32_t value)
{
	copyout(&current_task()->pmap, &value, uaddr, sizeof value);   /* checked by out_ok */
}

/* A right named in the caller's space, copied in with disposition as a
 * message item would be; MACH_PORT_NULL and MACH_PORT_DEAD pass as they are. */
static kern_return_t right_in(const char *trap, mach_port_name_t name, uint32_t disposition,
			      mach_port_t *as_word, uint32_t *kernel_type)
{
	*kernel_type = MACH_MSG_TYPE_PORT_SEND;
	if (!MACH_PORT_VALID(name)) {
		*as_word = name;
		return KERN_SUCCESS;
	}
	struct ipc_port *p = NULL;
	kern_return_t kr = ipc_right_copyin(current_task()->space, name, disposition, &p, kernel_type);
	if (kr != KERN_SUCCESS) {
		say(trap, "cannot take the right named", name);
		return kr;
	}
	*as_word = word(p);
	return KERN_SUCCESS;
}

static void right_drop(mach_port_t as_word, uint32_t kernel_type)
{
	struct ipc_port *p = ipc_port_from_word(as_word);
	if (p)
		ipc_right_destroy(p, kernel_type);
}

#define TARGET(trap, name)                                  \
	struct ipc_port *tp = target(trap, name);           \
	if (!tp)                                            \
		return MACH_SEND_INTERRUPTED

/* syscall_vm_map(task, &address, size, mask, anywhere, memory_object, offset,
 * copy, cur_protection, max_protection, inheritance) */
uint32_t trap_syscall_vm_map(const uint32_t *a)
{
	TARGET("syscall_vm_map", a[0]);
	vm_address_t addr = 0;
	kern_return_t kr = KERN_INVALID_ADDRESS;
	mach_port_t object = MACH_PORT_NULL;
	uint32_t object_type;
	if (copyin(&current_task()->pmap, a[1], &addr, sizeof addr) < 0 || !out_ok("syscall_vm_map", a[1], sizeof addr))
		goto out;
	if ((kr = right_in("syscall_vm_map", a[5], MACH_MSG_TYPE_COPY_SEND, &object, &object_type)) != KERN_SUCCESS)
		goto out;
	kr = vm_map(word(tp), &addr, a[2], a[3], a[4], object, a[6], a[7], a[8], a[9], a[10]);
	right_drop(object, object_type);              /* never kept: there are no memory objects */
	if (kr == KERN_SUCCESS)
		put_word(a[1], addr);
out:
	ipc_port_release(tp);
	return kr;
}

/* syscall_vm_allocate(task, &address, size, anywhere) */
uint32_t trap_syscall_vm_allocate(const uint32_t *a)
{
	TARGET("syscall_vm_allocate", a[0]);
	vm_address_t addr = 0;
	kern_return_t kr = KERN_INVALID_ADDRESS;
	if (copyin(&current_task()->pmap, a[1], &addr, sizeof addr) == 0 && out_ok("syscall_vm_allocate", a[1], sizeof addr)) {
		kr = vm_allocate(word(tp), &addr, a[2], a[3]);
		if (kr == KERN_SUCCESS)
			put_word(a[1], addr);
	} else {
		say("syscall_vm_allocate", "address argument not readable", a[1]);
	}
	ipc_port_release(tp);
	return kr;
}

/* syscall_vm_deallocate(task, address, size) */
uint32_t trap_syscall_vm_deallocate(const uint32_t *a)
{
	TARGET("syscall_vm_deallocate", a[0]);
	kern_return_t kr = vm_deallocate(word(tp), a[1], a[2]);
	ipc_port_release(tp);
	return kr;
}

/* syscall_task_create(parent, inherit_memory, &child) */
uint32_t trap_syscall_task_create(const uint32_t *a)
{
	TARGET("syscall_task_create", a[0]);
	kern_return_t kr = KERN_INVALID_ADDRESS;
	if (out_ok("syscall_task_create", a[2], sizeof(mach_port_name_t))) {
		mach_port_t child = MACH_PORT_NULL;
		kr = task_create(word(tp), a[1], &child);
		if (kr == KERN_SUCCESS)
			put_word(a[2], ipc_right_copyout(current_task()->space, ipc_port_from_word(child),
							 MACH_MSG_TYPE_PORT_SEND));
	}
	ipc_port_release(tp);
	return kr;
}

/* syscall_task_terminate(task): of the caller itself, the thread ends on its
 * way out of the trap (trap() calls task_exit_point). */
uint32_t trap_syscall_task_terminate(const uint32_t *a)
{
	TARGET("syscall_task_terminate", a[0]);
	kern_return_t kr = task_terminate(word(tp));
	ipc_port_release(tp);
	return kr == MIG_NO_REPLY ? KERN_SUCCESS : kr;
}

/* syscall_task_suspend(task) */
uint32_t trap_syscall_task_suspend(const uint32_t *a)
{
	TARGET("syscall_task_suspend", a[0]);
	kern_return_t kr = task_suspend(word(tp));
	ipc_port_release(tp);
	return kr;
}

/* syscall_task_set_special_port(task, which, port): port is copied (copy-send). */
uint32_t trap_syscall_task_set_special_port(const uint32_t *a)
{
	TARGET("syscall_task_set_special_port", a[0]);
	mach_port_t special;
	uint32_t type;
	kern_return_t kr = right_in("syscall_task_set_special_port", a[2], MACH_MSG_TYPE_COPY_SEND, &special, &type);
	if (kr == KERN_SUCCESS) {
		kr = task_set_special_port(word(tp), a[1], special);
		if (kr != KERN_SUCCESS)
			right_drop(special, type);
	}
	ipc_port_release(tp);
	return kr;
}

/* syscall_mach_port_allocate(task, right, &name) */
uint32_t trap_syscall_mach_port_allocate(const uint32_t *a)
{
	TARGET("syscall_mach_port_allocate", a[0]);
	kern_return_t kr = KERN_INVALID_ADDRESS;
	if (out_ok("syscall_mach_port_allocate", a[2], sizeof(mach_port_name_t))) {
		mach_port_name_t name = MACH_PORT_NULL;
		kr = mach_port_allocate(word(tp), a[1], &name);
		if (kr == KERN_SUCCESS)
			put_word(a[2], name);
	}
	ipc_port_release(tp);
	return kr;
}

/* syscall_mach_port_deallocate(task, name) */
uint32_t trap_syscall_mach_port_deallocate(const uint32_t *a)
{
	TARGET("syscall_mach_port_deallocate", a[0]);
	kern_return_t kr = mach_port_deallocate(word(tp), a[1]);
	ipc_port_release(tp);
	return kr;
}

/* syscall_mach_port_insert_right(task, name, right, disposition): the right
 * is the caller's name right, taken with the disposition given. */
uint32_t trap_syscall_mach_port_insert_right(const uint32_t *a)
{
	TARGET("syscall_mach_port_insert_right", a[0]);
	mach_port_t poly;
	uint32_t type;
	kern_return_t kr = KERN_INVALID_VALUE;
	if (!MACH_PORT_VALID(a[2]))
		say("syscall_mach_port_insert_right", "no right to insert", a[2]);
	else if ((kr = right_in("syscall_mach_port_insert_right", a[2], a[3], &poly, &type)) == KERN_SUCCESS) {
		kr = mach_port_insert_right(word(tp), a[1], poly, type);
		if (kr != KERN_SUCCESS)
			right_drop(poly, type);
	}
	ipc_port_release(tp);
	return kr;
}

/* syscall_mach_port_allocate_name(task, right, name) */
uint32_t trap_syscall_mach_port_allocate_name(const uint32_t *a)
{
	TARGET("syscall_mach_port_allocate_name", a[0]);
	kern_return_t kr = mach_port_allocate_name(word(tp), a[1], a[2]);
	ipc_port_release(tp);
	return kr;
}

/* syscall_thread_depress_abort(thread) */
uint32_t trap_syscall_thread_depress_abort(const uint32_t *a)
{
	TARGET("syscall_thread_depress_abort", a[0]);
	kern_return_t kr = thread_depress_abort(word(tp));
	ipc_port_release(tp);
	return kr;
}
