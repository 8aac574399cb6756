/* The kernel's link to the time server (include/sm/smtime.defs:
 * sm_time_register, sm_time_server_task): the privileged time calls that
 * GNU Mach clients send to the privileged host port are handed to the
 * server, which owns the policy; it answers them on the caller's reply port
 * and reaches the time page only through sm_time_update. While no live
 * server is registered the kernel answers them (kern/host_time.c). */
#include "kern/time_server_link.h"
#include "kern/host.h"
#include "kern/task.h"
#include "kern/printf.h"
#include "ipc/kmsg.h"
#include "ipc/transit.h"
#include "ipc/mqueue.h"
#include "ipc/kobject.h"
#include "ipc/port.h"
#include <mach/mig_errors.h>
#include "smtime_server.h"

/* mach_host.defs' host_set_time and host_adjust_time, mach_host_ext.defs'
 * host_set_time64 and host_adjust_time64. */
#define HOST_SET_TIME_ID      2632
#define HOST_ADJUST_TIME_ID   2633
#define HOST_SET_TIME64_ID    2644
#define HOST_ADJUST_TIME64_ID 2645

static struct ipc_port *server;          /* a send right, or NULL */
static struct task *server_task_ptr; /* valid while task_alive(server_task_id) */
static uint32_t server_task_id;

kern_return_t sm_time_register(mach_port_t host_priv, mach_port_t port_word)
{
	struct task *t = current_task();
	struct ipc_port *port = ipc_port_from_word(port_word);
	if (!host_priv_port_word_ok(host_priv)) {
		kwarn("time: task %u (%s): sm_time_register refused: needs the privileged host port\n", t->id, t->name);
		return KERN_INVALID_HOST;             /* kobject_receive destroys the right sent */
	}
	/* A kernel object's port would have the kernel serve the forwarded
	 * call (the host port itself would forward it to itself forever). */
	if (!port || !port->active || port->kotype != IKOT_NONE) {
		kwarn("time: task %u (%s): sm_time_register refused: a null, dead or kernel port\n", t->id, t->name);
		return KERN_INVALID_ARGUMENT;
	}
	if (server)
		ipc_port_release_send(server);
	server = port;                            /* the right is ours now */
	server_task_ptr = t;
	server_task_id = t->id;
	kprintf("time: task %u (%s) serves the time policy\n", t->id, t->name);
	return KERN_SUCCESS;
}

kern_return_t sm_time_server_task(mach_port_t host_priv, mach_port_t *server_task)
{
	if (!host_priv_port_word_ok(host_priv))
		return KERN_INVALID_HOST;
	struct task *t = server && server->active && task_alive(server_task_id) ? server_task_ptr : NULL;
	if (!t || !t->self_port)
		return KERN_INVALID_NAME;
	ipc_port_make_send(t->self_port);
	*server_task = (mach_port_t)t->self_port;
	return KERN_SUCCESS;
}

bool time_server_forward(struct kmsg *m)
{
	mach_msg_header_t *h = m->hdr;
	switch (h->msgh_id) {
	case HOST_SET_TIME_ID:
	case HOST_ADJUST_TIME_ID:
	case HOST_SET_TIME64_ID:
	case HOST_ADJUST_TIME64_ID:
		break;
	default:
		return false;
	}
	if (!server || !server->active || server->kotype != IKOT_NONE)
		return false;                     /* no server: the kernel answers */
	/* The host_priv right is used up, the server's port gets a send right. */
	if (!ipc_kmsg_retarget(m, server)) {
		kobject_reply_error(m, KERN_FAILURE);
		return true;
	}
	ipc_mqueue_send(m);
	return true;
}
