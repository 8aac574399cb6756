/* The kernel's side of the host routines of GNU Mach's mach_host.defs.
 *
 * The time routines are in kern/host_time.c. The queries
 * accept either host port, as GNU Mach's host_t does; host_reboot only the
 * privileged one (kern/host.h), and a task without it gets KERN_INVALID_HOST
 * and a warning. Processors and processor sets are not served. */
#include "kern/clock.h"
#include "kern/halt.h"
#include "kern/host.h"
#include "kern/load.h"
#include "kern/printf.h"
#include "kern/string.h"
#include "kern/thread.h"
#include "kern/task.h"
#include "ipc/port.h"
#include "vm/pmm.h"
#include "i386/layout.h"
#include <mach/host_info.h>
#include "mach_host_server.h"
#include "mach_host_ext_server.h"

#define KERNEL_VERSION_STRING "swiftmach 0.1 (i386, uniprocessor, GNU Mach 1.x interfaces)"

static bool is_host(mach_port_t port) { return host_port_word_ok(port); }

kern_return_t host_info(mach_port_t host, int flavor, host_info_t out, mach_msg_type_number_t *count)
{
	if (!is_host(host))
		return KERN_INVALID_HOST;
	switch (flavor) {
	case HOST_BASIC_INFO: {
		if (*count < HOST_BASIC_INFO_COUNT)
			return KERN_INVALID_ARGUMENT;
		struct host_basic_info bi = {
			.max_cpus = 1,
			.avail_cpus = 1,
			.memory_size = (rpc_vm_size_t)(pmm_total_pages() * PAGE_SIZE),
			.cpu_type = CPU_TYPE_PENTIUMPRO,
			.cpu_subtype = CPU_SUBTYPE_AT386,
		};
		memcpy(out, &bi, sizeof bi);
		*count = HOST_BASIC_INFO_COUNT;
		return KERN_SUCCESS;
	}
	case HOST_PROCESSOR_SLOTS:
		if (*count < 1)
			return KERN_INVALID_ARGUMENT;
		out[0] = 0;                      /* the one processor is in slot 0 */
		*count = 1;
		return KERN_SUCCESS;
	case HOST_SCHED_INFO: {
		if (*count < HOST_SCHED_INFO_COUNT)
			return KERN_INVALID_ARGUMENT;
		struct host_sched_info si = {
			.min_timeout = 1000 / HZ,
			.min_quantum = QUANTUM_TICKS * 1000 / HZ,
		};
		memcpy(out, &si, sizeof si);
		*count = HOST_SCHED_INFO_COUNT;
		return KERN_SUCCESS;
	}
	case HOST_LOAD_INFO: {
		if (*count < HOST_LOAD_INFO_COUNT)
			return KERN_INVALID_ARGUMENT;
		struct host_load_info li;
		load_get(&li);
		memcpy(out, &li, sizeof li);
		*count = HOST_LOAD_INFO_COUNT;
		return KERN_SUCCESS;
	}
	default:
		return KERN_INVALID_ARGUMENT;
	}
}

kern_return_t host_kernel_version(mach_port_t host, kernel_version_t kernel_version)
{
	if (!is_host(host))
		return KERN_INVALID_HOST;
	strlcpy(kernel_version, KERNEL_VERSION_STRING, sizeof(kernel_version_t));
	return KERN_SUCCESS;
}

/* GNU Mach's newer name for the same (sm/mach_host_ext.defs). */
kern_return_t host_get_kernel_version(mach_port_t host, new_kernel_version_t kernel_version)
{
	if (!is_host(host))
		return KERN_INVALID_HOST;
	strlcpy(kernel_version, KERNEL_VERSION_STRING, sizeof(new_kernel_version_t));
	return KERN_SUCCESS;
}

kern_return_t host_reboot(mach_port_t host_priv, int options)
{
	struct task *t = current_task();
	if (!host_priv_port_word_ok(host_priv)) {
		kwarn("task %u (%s): host_reboot without the privileged host port refused\n", t->id, t->name);
		return KERN_INVALID_HOST;
	}
	kprintf("host_reboot (options %#x) from task %u (%s): halting\n", (unsigned)options, t->id, t->name);
	machine_halt(HALT_DONE);
}
