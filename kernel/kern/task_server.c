/* The kernel's side of the task routines of GNU Mach's mach.defs,
 * mach_host.defs and gnumach.defs.
 *
 * task_create makes a task with no threads whose name is its parent's with
 * ".<id>" added. With inherit_memory it gets a copy of every region of the
 * parent's map whose inheritance is not VM_INHERIT_NONE: same addresses,
 * protections and inheritance; VM_INHERIT_COPY regions are copied eagerly,
 * VM_INHERIT_SHARE regions are the parent's own pages mapped in the child
 * too (vm_map_share), so a write by either is seen by both. Port
 * rights are not inherited, except the bootstrap and exception special ports.
 *
 * task_terminate of another task returns once that task is gone: its port
 * dies at once, its threads end (those inside a kernel wait unwind first),
 * then its rights are destroyed, so holders of send rights to its ports see
 * dead names, and its memory is freed. A task terminating itself ends on its
 * way out of the call (no reply). Suspension stops every thread of the task
 * at its return point (see kern/thread_server.c). */
#include "kern/task.h"
#include "kern/thread.h"
#include "kern/sched.h"
#include "kern/clock.h"
#include "kern/printf.h"
#include "kern/string.h"
#include "ipc/port.h"
#include "ipc/ool.h"
#include "vm/kalloc.h"
#include "vm/pmap.h"
#include "vm/vm_map.h"
#include "i386/layout.h"
#include <mach/task_info.h>
#include <mach/task_special_ports.h>
#include "vm/vm_fault.h"
#include "mach_server.h"
#include "mach_host_server.h"
#include "gnumach_server.h"

static struct task *task_of(mach_port_t port) { return ipc_port_kobject(port, IKOT_TASK); }

/* Give child a copy of parent's inheritable regions. */
static kern_return_t copy_memory(struct task *parent, struct task *child)
{
	for (struct vm_region *r = parent->map.regions; r; r = r->next) {
		if (r->inherit == VM_INHERIT_NONE)
			continue;
		uintptr_t start = r->start;
		bool share = r->inherit == VM_INHERIT_SHARE;
		kern_return_t kr;
		if (share) {
			/* Both tasks must map the same frames, so the parent's
			 * untouched pages are backed now: a page zero-filled later
			 * in one task would not be seen by the other. */
			if ((kr = vm_fault_wire_range(parent, r->start, r->end)) != KERN_SUCCESS ||
			    (kr = vm_map_share(parent, child, r->start, r->end, r->prot)) != KERN_SUCCESS)
				return kr;
		} else if ((kr = vm_map_reserve(child, &start, r->end - r->start, false, r->prot)) != KERN_SUCCESS) {
			return kr;
		}
		/* A copied region: only the pages the parent has touched are
		 * copied; the others stay reserved in the child too, zero-filled
		 * on its touch. */
		for (uintptr_t va = r->start; va < r->end && !share; va += PAGE_SIZE) {
			uintptr_t from, to;
			if (!pmap_frame(&parent->pmap, va, &from))
				continue;
			if ((kr = vm_fault_back_page(child, va, r->prot)) != KERN_SUCCESS)
				return kr;
			if (pmap_frame(&child->pmap, va, &to))
				memcpy(P2V(to), P2V(from), PAGE_SIZE);
		}
		int inherit = r->inherit == VM_INHERIT_SHARE ? VM_INHERIT_SHARE : VM_INHERIT_COPY;
		if ((kr = vm_map_protect(child, r->start, r->end, true, r->max_prot)) != KERN_SUCCESS ||
		    (kr = vm_map_protect(child, r->start, r->end, false, r->prot)) != KERN_SUCCESS ||
		    (kr = vm_map_inherit(child, r->start, r->end, inherit)) != KERN_SUCCESS)
			return kr;
	}
	return KERN_SUCCESS;
}

kern_return_t task_create(mach_port_t target_task, boolean_t inherit_memory, mach_port_t *child_task)
{
	struct task *parent = task_of(target_task);
	if (!parent)
		return KERN_INVALID_ARGUMENT;
	struct task *child = task_spawn(parent->name);
	if (!child)
		return KERN_RESOURCE_SHORTAGE;
	char suffix[16];
	int n = snprintf(suffix, sizeof suffix, ".%u", (unsigned)child->id);
	size_t keep = strlen(parent->name);
	if (keep + n >= TASK_NAME_MAX)
		keep = TASK_NAME_MAX - 1 - n;    /* the suffix always fits: names differ */
	child->name[keep] = '\0';
	strlcpy(child->name + keep, suffix, TASK_NAME_MAX - keep);
	child->priority = parent->priority;
	child->page_limit = parent->page_limit;
	child->bootstrap_port = ipc_port_copy_send(parent->bootstrap_port);
	child->exception_port = ipc_port_copy_send(parent->exception_port);
	if (inherit_memory) {
		kern_return_t kr = copy_memory(parent, child);
		if (kr != KERN_SUCCESS) {
			task_destroy(child, -1);
			return kr;
		}
	}
	ipc_port_make_send(child->self_port);
	*child_task = (mach_port_t)child->self_port;
	return KERN_SUCCESS;
}

kern_return_t task_terminate(mach_port_t target_task)
{
	struct task *t = task_of(target_task);
	if (!t)
		return KERN_INVALID_ARGUMENT;
	if (t == current_task()) {
		task_request_exit(t, 0);
		return MIG_NO_REPLY;
	}
	uint32_t id = t->id;
	task_destroy(t, -1);
	/* Wait for threads that were inside kernel waits to unwind and the task to
	 * be freed; give up if this thread is itself being stopped. */
	while (task_alive(id))
		if (thread_wait(task_death_queue(), 0) != WAIT_AWAKENED)
			break;
	return KERN_SUCCESS;
}

kern_return_t task_suspend(mach_port_t target_task)
{
	struct task *t = task_of(target_task);
	if (!t)
		return KERN_INVALID_ARGUMENT;
	if (t->suspend_count >= 0x7fffffff)
		return KERN_FAILURE;
	t->suspend_count++;
	return KERN_SUCCESS;
}

kern_return_t task_resume(mach_port_t target_task)
{
	struct task *t = task_of(target_task);
	if (!t)
		return KERN_INVALID_ARGUMENT;
	if (t->suspend_count <= 0)
		return KERN_FAILURE;
	if (--t->suspend_count == 0)
		for (struct thread *th = t->threads; th; th = th->task_next)
			thread_release(th);
	return KERN_SUCCESS;
}

kern_return_t task_info(mach_port_t target_task, int flavor, task_info_t out, mach_msg_type_number_t *count)
{
	struct task *t = task_of(target_task);
	if (!t)
		return KERN_INVALID_ARGUMENT;
	if (flavor == TASK_BASIC_INFO) {
		if (*count < TASK_BASIC_INFO_OLD_COUNT)
			return KERN_INVALID_ARGUMENT;
		uint32_t vsize = 0;
		for (struct vm_region *r = t->map.regions; r; r = r->next)
			vsize += r->end - r->start;
		struct task_basic_info bi = {
			.suspend_count = t->suspend_count,
			.base_priority = t->priority,
			.virtual_size = vsize,
			.resident_size = (uint32_t)(t->pmap.user_pages * PAGE_SIZE),
			.user_time = clock_cycles_to_time(t->dead_run_cycles),
			.creation_time = { (int32_t)(t->created_ns / 1000000000u),
					   (int32_t)(t->created_ns % 1000000000u / 1000) },
		};
		if (*count > TASK_BASIC_INFO_COUNT)
			*count = TASK_BASIC_INFO_COUNT;
		memcpy(out, &bi, *count * sizeof(integer_t));
		return KERN_SUCCESS;
	}
	if (flavor == TASK_EVENTS_INFO) {
		/* faults: accesses to a reserved page, by the task or by the
		 * kernel copying for it, resolved by backing the page with a
		 * zeroed frame (zero fill on demand, vm/vm_fault.c), and writes
		 * to a copy-on-write page; zero_fills: every frame zeroed for the
		 * task (those faults, vm_wire, and the eager allocations of
		 * vm_map and program loading); cow_faults: copy-on-write pages
		 * the task made its own (a write, or the kernel before a DMA or a
		 * sharing), with or without a copy. There is no pager, so
		 * page-ins and reactivations stay 0. */
		if (*count < TASK_EVENTS_INFO_COUNT)
			return KERN_INVALID_ARGUMENT;
		struct task_events_info ei = {
			.faults = t->faults,
			.zero_fills = t->zero_fills,
			.cow_faults = t->cow_faults,
			.messages_sent = t->messages_sent,
			.messages_received = t->messages_received,
		};
		memcpy(out, &ei, sizeof ei);
		*count = TASK_EVENTS_INFO_COUNT;
		return KERN_SUCCESS;
	}
	if (flavor == TASK_THREAD_TIMES_INFO) {
		if (*count < TASK_THREAD_TIMES_INFO_COUNT)
			return KERN_INVALID_ARGUMENT;
		uint64_t cycles = 0;
		for (struct thread *th = t->threads; th; th = th->task_next)
			cycles += thread_run_cycles(th);
		struct task_thread_times_info ti = { .user_time = clock_cycles_to_time(cycles) };
		memcpy(out, &ti, sizeof ti);
		*count = TASK_THREAD_TIMES_INFO_COUNT;
		return KERN_SUCCESS;
	}
	return KERN_INVALID_ARGUMENT;
}

kern_return_t task_get_special_port(mach_port_t task, int which_port, mach_port_t *special_port)
{
	struct task *t = task_of(task);
	if (!t)
		return KERN_INVALID_ARGUMENT;
	switch (which_port) {
	case TASK_KERNEL_PORT:
		ipc_port_make_send(t->self_port);
		*special_port = (mach_port_t)t->self_port;
		return KERN_SUCCESS;
	case TASK_BOOTSTRAP_PORT:
		*special_port = (mach_port_t)ipc_port_copy_send(t->bootstrap_port);
		return KERN_SUCCESS;
	case TASK_EXCEPTION_PORT:
		*special_port = (mach_port_t)ipc_port_copy_send(t->exception_port);
		return KERN_SUCCESS;
	default:
		return KERN_INVALID_ARGUMENT;
	}
}

kern_return_t task_set_special_port(mach_port_t task, int which_port, mach_port_t special_port)
{
	struct task *t = task_of(task);
	if (!t)
		return KERN_INVALID_ARGUMENT;
	struct ipc_port **slot;
	switch (which_port) {
	case TASK_BOOTSTRAP_PORT: slot = &t->bootstrap_port; break;
	case TASK_EXCEPTION_PORT: slot = &t->exception_port; break;
	default: return KERN_INVALID_ARGUMENT;   /* the kernel port cannot be replaced */
	}
	if (*slot)
		ipc_port_release_send(*slot);
	*slot = ipc_port_from_word(special_port);
	return KERN_SUCCESS;
}

/* The base priority of new threads; with change_threads, every thread's too
 * (KERN_FAILURE if one of them may not be that urgent: it gets its maximum). */
kern_return_t task_priority(mach_port_t task, int priority, boolean_t change_threads)
{
	struct task *t = task_of(task);
	if (!t)
		return KERN_INVALID_ARGUMENT;
	if (priority < PRIORITY_USER_MAX || priority >= NPRIORITIES)
		return KERN_INVALID_ARGUMENT;
	t->priority = priority;
	kern_return_t kr = KERN_SUCCESS;
	if (change_threads)
		for (struct thread *th = t->threads; th; th = th->task_next) {
			int p = priority < th->max_priority ? th->max_priority : priority;
			if (p != priority)
				kr = KERN_FAILURE;
			th->base_priority = p;
			if (!th->depressed)
				sched_set_priority(th, p);
		}
	return kr;
}

/* The threads of a task, as send rights in an out-of-line port array. */
kern_return_t task_threads(mach_port_t target_task, thread_array_t *thread_list, mach_msg_type_number_t *count)
{
	struct task *t = task_of(target_task);
	if (!t)
		return KERN_INVALID_ARGUMENT;
	struct ipc_port **ports = kalloc((t->nthreads + 1) * sizeof *ports);
	if (!ports)
		return KERN_RESOURCE_SHORTAGE;
	uint32_t n = 0;
	for (struct thread *th = t->threads; th; th = th->task_next)
		if (th->self_port) {
			ipc_port_make_send(th->self_port);
			ports[n++] = th->self_port;
		}
	kern_return_t kr = ool_port_array(ports, n, MACH_MSG_TYPE_PORT_SEND, (ool_slot_t *)thread_list);
	kfree(ports);
	if (kr != KERN_SUCCESS)
		return kr;
	*count = n;
	return KERN_SUCCESS;
}

kern_return_t task_set_name(mach_port_t task, const_kernel_debug_name_t name)
{
	struct task *t = task_of(task);
	if (!t)
		return KERN_INVALID_ARGUMENT;
	size_t n = strnlen(name, sizeof(kernel_debug_name_t));
	if (n >= TASK_NAME_MAX)
		n = TASK_NAME_MAX - 1;
	memcpy(t->name, name, n);
	t->name[n] = '\0';
	return KERN_SUCCESS;
}
