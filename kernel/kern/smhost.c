/* The kernel's side of include/sm/smhost.defs: console output, uptime and task
 * exit for the first user tasks. The MIG server stub hands each routine the
 * destination port as a word; the routine checks what object it names (the
 * host routines take either host port, kern/host.h). */
#include "kern/console.h"
#include "kern/clock.h"
#include "kern/task.h"
#include "kern/host.h"
#include "kern/printf.h"
#include "ipc/port.h"
#include "ipc/ool.h"
#include "ipc/mqueue.h"
#include "ipc/direct_send.h"
#include "ipc/kmsg.h"
#include "ipc/kobject.h"
#include "kern/sched.h"
#include "i386/trap.h"
#include "vm/pmm.h"
#include "vm/kalloc.h"
#include <mach/mig_errors.h>
#include "smhost_server.h"

kern_return_t sm_console_write(mach_port_t host, const sm_console_data_t data, mach_msg_type_number_t count)
{
	if (!host_port_word_ok(host))
		return KERN_INVALID_HOST;
	console_write(data, count);
	return KERN_SUCCESS;
}

kern_return_t sm_host_uptime(mach_port_t host, uint64_t *uptime_ns)
{
	if (!host_port_word_ok(host))
		return KERN_INVALID_HOST;
	*uptime_ns = clock_uptime_ns();
	return KERN_SUCCESS;
}

kern_return_t sm_task_exit(mach_port_t task_port, int status)
{
	struct task *t = ipc_port_kobject(task_port, IKOT_TASK);
	if (!t)
		return KERN_INVALID_ARGUMENT;
	/* The task ends on its way out of this trap, after the message is
	 * disposed of, so nothing the kernel holds for the call is lost. */
	task_request_exit(t, status);
	return MIG_NO_REPLY;
}

/* Kernel resources in use, for leak checks in tests: free physical pages,
 * kernel heap bytes, live ports, and out-of-line items held by messages. */
kern_return_t sm_kernel_stats(mach_port_t host, natural_t *free_pages, natural_t *heap_bytes, natural_t *ports,
			      natural_t *ool_items)
{
	if (!host_port_word_ok(host))
		return KERN_INVALID_HOST;
	uint32_t ool_pages;
	*free_pages = pmm_free_pages();
	kmsg_spare_release();                   /* no message's: not counted */
	ool_spare_release();
	*heap_bytes = kalloc_bytes_in_use();
	*ports = ipc_port_count();
	ool_stats(ool_items, &ool_pages);
	return KERN_SUCCESS;
}

kern_return_t sm_cpu_counters(mach_port_t host, natural_t *syscalls, natural_t *device_interrupts,
			      natural_t *timer_ticks)
{
	if (!host_port_word_ok(host))
		return KERN_INVALID_HOST;
	trap_counters(syscalls, device_interrupts, timer_ticks);
	return KERN_SUCCESS;
}

kern_return_t sm_ipc_counters(mach_port_t host, natural_t *handoffs, natural_t *direct_switches,
			      natural_t *single_copies)
{
	if (!host_port_word_ok(host))
		return KERN_INVALID_HOST;
	*handoffs = ipc_mqueue_handoff_count();
	*direct_switches = sched_preferred_switch_count();
	*single_copies = ipc_direct_send_count();
	return KERN_SUCCESS;
}

kern_return_t sm_ipc_rpc_sends(mach_port_t host, natural_t *rpc_sends)
{
	if (!host_port_word_ok(host))
		return KERN_INVALID_HOST;
	*rpc_sends = ipc_rpc_send_count;
	return KERN_SUCCESS;
}

kern_return_t sm_kobject_fast_calls(mach_port_t host, natural_t *fast_calls)
{
	if (!host_port_word_ok(host))
		return KERN_INVALID_HOST;
	*fast_calls = kobject_fast_calls;
	return KERN_SUCCESS;
}

kern_return_t sm_sched_counters(mach_port_t host, uint64_t *idle_cycles, natural_t *space_switches)
{
	if (!host_port_word_ok(host))
		return KERN_INVALID_HOST;
	*idle_cycles = sched_idle_cycles();
	*space_switches = sched_space_switch_count();
	return KERN_SUCCESS;
}
