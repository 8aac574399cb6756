/* The kernel's side of include/sm/sminfo.defs for tasks: tasks and threads
 * listed one entry per call for the console task, and ending a task by id.
 * Everything needs the privileged host port. The device routines
 * (sm_device_at, sm_pci_at, sm_virtio_at) are the device layer's:
 * device/sminfo_devices.c and device/virtio/virtio_info.c. */
#include "kern/task.h"
#include "kern/thread.h"
#include "kern/clock.h"
#include <mach/mach_types.h>
#include "kern/host.h"
#include "kern/printf.h"
#include "kern/string.h"
#include "device/device_layer.h"
#include "ipc/space.h"
#include <mach/mig_errors.h>
#include "sminfo_server.h"

kern_return_t sm_task_at(mach_port_t host_priv, natural_t index, natural_t *id, sm_device_name_t name,
			 natural_t *threads, natural_t *pages, natural_t *port_names, natural_t *driver)
{
	if (!host_priv_required(host_priv, "sm_task_at"))
		return KERN_INVALID_HOST;
	struct task *t = task_list();
	for (natural_t i = 0; t && i < index; i++)
		t = t->next;
	if (!t)
		return KERN_INVALID_ARGUMENT;
	*id = t->id;
	strlcpy(name, t->name, SM_DEVICE_NAME_MAX);
	*threads = (natural_t)t->nthreads;
	*pages = (natural_t)t->pmap.user_pages;
	*port_names = t->space ? t->space->in_use : 0;
	*driver = device_task_drives(t);
	return KERN_SUCCESS;
}

kern_return_t sm_thread_at(mach_port_t host_priv, natural_t task_id, natural_t index, natural_t *id,
			   natural_t *state, natural_t *priority, natural_t *suspend_count, natural_t *run_us)
{
	if (!host_priv_required(host_priv, "sm_thread_at"))
		return KERN_INVALID_HOST;
	struct task *t = task_list();
	while (t && t->id != task_id)
		t = t->next;
	struct thread *th = t ? t->threads : NULL;
	for (natural_t i = 0; th && i < index; i++)
		th = th->task_next;
	if (!th)
		return KERN_INVALID_ARGUMENT;
	*id = th->id;
	*state = th->state;
	*priority = (natural_t)th->priority;
	*suspend_count = (natural_t)th->suspend_count;
	struct rpc_time_value run = clock_cycles_to_time(thread_run_cycles(th));
	*run_us = (natural_t)(run.seconds * 1000000 + run.microseconds);
	return KERN_SUCCESS;
}

kern_return_t sm_task_kill(mach_port_t host_priv, natural_t id)
{
	if (!host_priv_required(host_priv, "sm_task_kill"))
		return KERN_INVALID_HOST;
	struct task *self = current_task();
	for (struct task *t = task_list(); t; t = t->next) {
		if (t->id != id)
			continue;
		if (t == self) {
			kwarn("task %u (%s): sm_task_kill of itself (use task_terminate)\n", self->id, self->name);
			return KERN_INVALID_ARGUMENT;
		}
		kprintf("task %u (%s) killed by task %u (%s)\n", t->id, t->name, self->id, self->name);
		task_destroy(t, -1);
		/* As task_terminate: back once its threads unwound and it is freed. */
		while (task_alive(id))
			if (thread_wait(task_death_queue(), 0) != WAIT_AWAKENED)
				break;
		return KERN_SUCCESS;
	}
	kwarn("task %u (%s): sm_task_kill of task %u: no such task\n", self->id, self->name, id);
	return KERN_INVALID_ARGUMENT;       /* (the kernel's own task is never listed) */
}
