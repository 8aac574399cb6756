#include "ipc/notify.h"
#include "ipc/port.h"
#include "ipc/space.h"
#include "ipc/kmsg.h"
#include "ipc/mqueue.h"
#include "kern/printf.h"
#include "vm/kalloc.h"
#include <mach/notify.h>

/* Build and send one notification through the send-once right notify. */
static void send_notification(struct ipc_port *notify, mach_msg_id_t id, uint32_t type_name, uint32_t value)
{
	if (!notify)
		return;
	uint32_t size = type_name ? sizeof(mach_dead_name_notification_t) : sizeof(mach_send_once_notification_t);
	struct kmsg *m = kmsg_alloc(size);
	if (!m) {
		kwarn("notify: no memory for notification %d: dropped\n", id);
		ipc_port_release_send_once(notify);
		if (type_name == MACH_MSG_TYPE_PORT_RECEIVE)
			ipc_right_release((struct ipc_port *)value, MACH_MSG_TYPE_PORT_RECEIVE);
		return;
	}
	mach_dead_name_notification_t *n = (mach_dead_name_notification_t *)m->hdr;
	n->not_header.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_PORT_SEND_ONCE, 0) |
		(type_name == MACH_MSG_TYPE_PORT_RECEIVE ? MACH_MSGH_BITS_COMPLEX : 0);
	n->not_header.msgh_size = size;
	n->not_header.msgh_remote_port = (uint32_t)notify;
	n->not_header.msgh_id = id;
	if (type_name) {
		n->not_type = (mach_msg_type_t){ type_name, 32, 1, 1, 0, 0, 0 };
		n->not_port = value;
	}
	ipc_mqueue_send(m);
}

void ipc_notify_dead_name(struct ipc_port *notify, mach_port_name_t name)
{
	send_notification(notify, MACH_NOTIFY_DEAD_NAME, MACH_MSG_TYPE_PORT_NAME, name);
}

void ipc_notify_port_deleted(struct ipc_port *notify, mach_port_name_t name)
{
	send_notification(notify, MACH_NOTIFY_PORT_DELETED, MACH_MSG_TYPE_PORT_NAME, name);
}

void ipc_notify_no_senders(struct ipc_port *notify, uint32_t mscount)
{
	send_notification(notify, MACH_NOTIFY_NO_SENDERS, MACH_MSG_TYPE_INTEGER_32, mscount);
}

void ipc_notify_send_once(struct ipc_port *port)
{
	send_notification(port, MACH_NOTIFY_SEND_ONCE, 0, 0);
}

void ipc_notify_port_destroyed(struct ipc_port *notify, struct ipc_port *port)
{
	send_notification(notify, MACH_NOTIFY_PORT_DESTROYED, MACH_MSG_TYPE_PORT_RECEIVE, (uint32_t)port);
}

struct ipc_port *ipc_dnrequest_set(struct ipc_port *port, struct ipc_space *space,
				   mach_port_name_t name, struct ipc_port *notify)
{
	struct dnrequest **p = &port->dnrequests;
	for (; *p; p = &(*p)->next)
		if ((*p)->space == space && (*p)->name == name)
			break;
	struct ipc_port *previous = NULL;
	if (*p) {
		struct dnrequest *r = *p;
		previous = r->notify;
		if (notify) {
			r->notify = notify;
		} else {
			*p = r->next;
			kfree(r);
		}
		return previous;
	}
	if (notify) {
		struct dnrequest *r = kalloc(sizeof *r);
		if (!r) {
			ipc_notify_dead_name(notify, name);   /* cannot watch: say so at once */
			return NULL;
		}
		r->space = space;
		r->name = name;
		r->notify = notify;
		r->next = port->dnrequests;
		port->dnrequests = r;
	}
	return previous;
}

void ipc_dnrequest_name_deleted_requested(struct ipc_port *port, struct ipc_space *space, mach_port_name_t name)
{
	struct ipc_port *notify = ipc_dnrequest_set(port, space, name, NULL);
	ipc_notify_port_deleted(notify, name);
}

void ipc_dnrequest_fire_all(struct ipc_port *port)
{
	while (port->dnrequests) {
		struct dnrequest *r = port->dnrequests;
		port->dnrequests = r->next;
		/* The notification holds a user reference on the dead name. */
		struct ipc_entry *e = r->name < r->space->size ? &r->space->table[r->name] : NULL;
		if (e && e->port == port)
			e->urefs++;
		ipc_notify_dead_name(r->notify, r->name);
		kfree(r);
	}
}
