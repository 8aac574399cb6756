/* The kernel's side of include/sm/sminfo.defs: tasks, devices and PCI
 * functions listed one entry per call for the console task, and ending a
 * task by id. Everything needs the privileged host port. */
#include "kern/task.h"
#include "kern/thread.h"
#include "kern/clock.h"
#include <mach/mach_types.h>
#include "kern/host.h"
#include "kern/printf.h"
#include "kern/string.h"
#include "device/registry.h"
#include "kern/kernel_device.h"
#include "device/pci/pci.h"
#include "device/virtio/vdev.h"
#include "ipc/port.h"
#include "ipc/space.h"
#include <mach/mig_errors.h>
#include "sminfo_server.h"

static bool privileged(mach_port_t host_priv, const char *routine)
{
	if (host_priv_port_word_ok(host_priv))
		return true;
	struct task *t = current_task();
	kwarn("task %u (%s): %s needs the privileged host port\n", t->id, t->name, routine);
	return false;
}

static void copy_name(sm_device_name_t out, const char *name)
{
	strlcpy(out, name, SM_DEVICE_NAME_MAX);
}

/* Whether t claimed a virtio device: it drives hardware. */
static bool drives_a_device(const struct task *t)
{
	for (int i = 0; vdev_at(i); i++)
		if (vdev_at(i)->owner == t)
			return true;
	return false;
}

/* The task whose space holds port's receive right, or NULL. */
static struct task *receiver_of(const struct ipc_port *port)
{
	if (!port->active || !port->receiver)
		return NULL;
	for (struct task *t = task_list(); t; t = t->next)
		if (t->space == port->receiver)
			return t;
	return NULL;
}

kern_return_t sm_task_at(mach_port_t host_priv, natural_t index, natural_t *id, sm_device_name_t name,
			 natural_t *threads, natural_t *pages, natural_t *port_names, natural_t *driver)
{
	if (!privileged(host_priv, "sm_task_at"))
		return KERN_INVALID_HOST;
	struct task *t = task_list();
	for (natural_t i = 0; t && i < index; i++)
		t = t->next;
	if (!t)
		return KERN_INVALID_ARGUMENT;
	*id = t->id;
	copy_name(name, t->name);
	*threads = (natural_t)t->nthreads;
	*pages = (natural_t)t->pmap.user_pages;
	*port_names = t->space ? t->space->in_use : 0;
	*driver = drives_a_device(t);
	return KERN_SUCCESS;
}

kern_return_t sm_thread_at(mach_port_t host_priv, natural_t task_id, natural_t index, natural_t *id,
			   natural_t *state, natural_t *priority, natural_t *suspend_count, natural_t *run_us)
{
	if (!privileged(host_priv, "sm_thread_at"))
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
	if (!privileged(host_priv, "sm_task_kill"))
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

kern_return_t sm_device_at(mach_port_t host_priv, natural_t index, sm_device_name_t name, natural_t *owner)
{
	if (!privileged(host_priv, "sm_device_at"))
		return KERN_INVALID_HOST;
	const char *kname = kernel_device_name(index);
	if (kname) {
		copy_name(name, kname);
		*owner = 0;
		return KERN_SUCCESS;
	}
	unsigned nkernel = 0;
	while (kernel_device_name(nkernel))
		nkernel++;
	const char *rname;
	struct ipc_port *port;
	if (!device_registry_at((int)(index - nkernel), &rname, &port))
		return KERN_INVALID_ARGUMENT;
	copy_name(name, rname);
	struct task *t = receiver_of(port);
	*owner = t ? t->id : 0;
	return KERN_SUCCESS;
}

kern_return_t sm_virtio_at(mach_port_t host_priv, natural_t index, sm_device_name_t location,
			   natural_t *virtio_type, natural_t *owner, natural_t *modern, natural_t *features_lo,
			   natural_t *features_hi, natural_t *irq_line, natural_t *interrupts)
{
	if (!privileged(host_priv, "sm_virtio_at"))
		return KERN_INVALID_HOST;
	struct vdev *d = index < VDEV_MAX ? vdev_at((int)index) : NULL;
	if (!d)
		return KERN_INVALID_ARGUMENT;
	copy_name(location, d->name);
	*virtio_type = d->virtio_type;
	*owner = d->owner ? d->owner->id : 0;
	*modern = d->tr.modern;
	*features_lo = (natural_t)d->core.accepted;
	*features_hi = (natural_t)(d->core.accepted >> 32);
	*irq_line = d->pci->irq_pin ? d->pci->irq_line : 255;
	*interrupts = d->st.interrupts;
	return KERN_SUCCESS;
}

kern_return_t sm_pci_at(mach_port_t host_priv, natural_t index, natural_t *location, natural_t *ids,
			natural_t *class, natural_t *irq_line, sm_device_name_t description)
{
	if (!privileged(host_priv, "sm_pci_at"))
		return KERN_INVALID_HOST;
	int count;
	const struct pci_function *all = pci_functions(&count);
	if (index >= (natural_t)count)
		return KERN_INVALID_ARGUMENT;
	const struct pci_function *f = &all[index];
	*location = (natural_t)f->bus << 16 | (natural_t)f->dev << 8 | f->fn;
	*ids = (natural_t)f->vendor << 16 | f->device;
	*class = (natural_t)f->class_code << 16 | (natural_t)f->subclass << 8 | f->prog_if;
	*irq_line = f->irq_pin ? f->irq_line : 255;
	copy_name(description, pci_describe(f->vendor, f->device));
	return KERN_SUCCESS;
}
