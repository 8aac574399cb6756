#include "device/registry.h"
#include "device/device_layer.h"
#include "kern/kernel_device.h"
#include "kern/printf.h"
#include "kern/string.h"
#include "kern/task.h"
#include "ipc/kmsg.h"
#include "ipc/transit.h"
#include <device/device_types.h>
#include "ipc/msg_body.h"
#include "ipc/mqueue.h"
#include "ipc/kobject.h"
#include "ipc/port.h"
#include <mach/mig_errors.h>
#include "smhost_server.h"

#define MAX_DEVICES 32

/* A slot is in use while port is set; it holds one send right. A slot whose
 * port has died is free for the taking: by the same name (its driver's
 * successor) or, when no slot is empty, by any name. */
static struct { char name[SM_DEVICE_NAME_MAX]; struct ipc_port *port; } devices[MAX_DEVICES];

static int find(const char *name)
{
	for (int i = 0; i < MAX_DEVICES; i++)
		if (devices[i].port && strcmp(devices[i].name, name) == 0)
			return i;
	return -1;
}

/* An empty slot, else one whose driver's port is dead (its right goes), else -1. */
static int free_slot(void)
{
	for (int i = 0; i < MAX_DEVICES; i++)
		if (!devices[i].port)
			return i;
	for (int i = 0; i < MAX_DEVICES; i++)
		if (!devices[i].port->active) {
			kprintf("device: %s unregistered: its port is dead\n", devices[i].name);
			ipc_port_release_send(devices[i].port);
			devices[i].port = NULL;
			return i;
		}
	return -1;
}

static kern_return_t refuse(kern_return_t kr, const char *why, const char *name)
{
	struct task *t = current_task();
	kwarn("device: task %u (%s): registration of %s refused: %s\n", t->id, t->name, name, why);
	return kr;
}

kern_return_t sm_device_register(mach_port_t master, const_sm_device_name_t name, mach_port_t device)
{
	if (!ipc_port_kobject(master, IKOT_DEVICE_MASTER))
		return KERN_INVALID_ARGUMENT;
	size_t len = strnlen(name, SM_DEVICE_NAME_MAX);
	if (len == 0 || len == SM_DEVICE_NAME_MAX)
		return refuse(KERN_INVALID_ARGUMENT, "empty or unterminated name", "(bad name)");
	struct ipc_port *port = ipc_port_from_word(device);
	if (!port || !port->active)
		return refuse(KERN_INVALID_ARGUMENT, "null or dead port", name);
	/* A device open is forwarded to this port as a message: a kernel
	 * object's port would have the kernel serve it (the device master port
	 * itself would forward it to itself forever). No driver is the kernel. */
	if (port->kotype != IKOT_NONE)
		return refuse(KERN_INVALID_ARGUMENT, "a kernel object's port", name);
	if (kernel_device_exists(name)) {
		kwarn("device: %s is the kernel's own device\n", name);
		return KERN_NAME_EXISTS;
	}
	int i = find(name);
	if (i >= 0 && devices[i].port->active) {
		kwarn("device: %s is already registered\n", name);
		return KERN_NAME_EXISTS;
	}
	if (i >= 0) {
		ipc_port_release_send(devices[i].port);   /* its driver died: take over */
		kprintf("device: %s re-registered by task %u\n", name, current_task()->id);
	} else {
		if ((i = free_slot()) < 0)
			return refuse(KERN_RESOURCE_SHORTAGE, "every slot is taken by a live driver", name);
		strlcpy(devices[i].name, name, SM_DEVICE_NAME_MAX);
		kprintf("device: %s registered by task %u (%s)\n", name, current_task()->id, current_task()->name);
	}
	devices[i].port = port;                           /* the right is ours now */
	return KERN_SUCCESS;
}

/* The name in a device_open request: its second item, a C string. */
struct name_search { int item; const char *name; };

static mach_msg_return_t find_name(void *ctx, uint8_t *msg, const struct msg_item *it)
{
	struct name_search *s = ctx;
	if (++s->item != 2)
		return MACH_MSG_SUCCESS;
	if (it->type_name != MACH_MSG_TYPE_STRING_C || !it->is_inline || it->data_bytes == 0)
		return MACH_SEND_INVALID_TYPE;
	const char *str = (const char *)msg + it->data_offset;
	if (strnlen(str, it->data_bytes) == it->data_bytes)
		return MACH_SEND_INVALID_TYPE;                   /* unterminated */
	s->name = str;
	return MACH_MSG_SUCCESS;
}

void device_master_receive(struct kmsg *m)
{
	mach_msg_header_t *h = m->hdr;
	if (h->msgh_id != DEVICE_OPEN_MSG_ID) {
		kobject_receive(m);                       /* answered as an unknown routine */
		return;
	}
	struct name_search s = { 0, NULL };
	msg_body_walk((uint8_t *)h, m->size, find_name, &s);
	if (s.name && kernel_device_exists(s.name)) {
		kobject_receive(m);                       /* answered by kern/kernel_device.c */
		return;
	}
	int i = s.name ? find(s.name) : -1;
	/* The open is queued on a task's port, never served in the kernel, so it
	 * cannot come back here. Registration refuses kernel objects' ports; the
	 * check is repeated because a slip there would recurse without bound. */
	if (i < 0 || !devices[i].port->active || devices[i].port->kotype != IKOT_NONE) {
		kwarn("device: open of unknown device %s\n", s.name ? s.name : "(malformed request)");
		kobject_reply_error(m, D_NO_SUCH_DEVICE);
		return;
	}
	/* The master right is used up, the driver's port gets a send right. */
	if (!ipc_kmsg_retarget(m, devices[i].port)) {
		kobject_reply_error(m, D_INVALID_OPERATION);
		return;
	}
	ipc_mqueue_send(m);
}

bool device_registry_at(int i, const char **name, struct ipc_port **port)
{
	for (int slot = 0; slot < MAX_DEVICES; slot++)
		if (devices[slot].port && i-- == 0) {
			*name = devices[slot].name;
			*port = devices[slot].port;
			return true;
		}
	return false;
}
