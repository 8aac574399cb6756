/* Moving single rights between a name space and a message. */
#include "ipc/kmsg.h"
#include "ipc/port.h"
#include "ipc/space.h"
#include "ipc/notify.h"

uint32_t ipc_right_kernel_type(uint32_t disposition)
{
	switch (disposition) {
	case MACH_MSG_TYPE_MAKE_SEND:
	case MACH_MSG_TYPE_COPY_SEND:
	case MACH_MSG_TYPE_MOVE_SEND:
		return MACH_MSG_TYPE_PORT_SEND;
	case MACH_MSG_TYPE_MAKE_SEND_ONCE:
	case MACH_MSG_TYPE_MOVE_SEND_ONCE:
		return MACH_MSG_TYPE_PORT_SEND_ONCE;
	default:
		return disposition;      /* MOVE_RECEIVE is PORT_RECEIVE already */
	}
}

kern_return_t ipc_right_copyin(struct ipc_space *space, mach_port_name_t name, uint32_t disposition,
			       struct ipc_port **port, uint32_t *kernel_type)
{
	return ipc_right_copyin_entry(space, name, ipc_space_lookup(space, name), disposition, port, kernel_type);
}

kern_return_t ipc_right_copyin_entry(struct ipc_space *space, mach_port_name_t name, struct ipc_entry *e,
				     uint32_t disposition, struct ipc_port **port, uint32_t *kernel_type)
{
	if (!e)
		return KERN_INVALID_NAME;
	struct ipc_port *p = e->port;
	switch (disposition) {
	case MACH_MSG_TYPE_MAKE_SEND:
		if (!(e->type & MACH_PORT_TYPE_RECEIVE))
			return KERN_INVALID_RIGHT;
		ipc_port_make_send(p);
		*kernel_type = MACH_MSG_TYPE_PORT_SEND;
		break;
	case MACH_MSG_TYPE_MAKE_SEND_ONCE:
		if (!(e->type & MACH_PORT_TYPE_RECEIVE))
			return KERN_INVALID_RIGHT;
		ipc_port_make_send_once(p);
		*kernel_type = MACH_MSG_TYPE_PORT_SEND_ONCE;
		break;
	case MACH_MSG_TYPE_COPY_SEND:
		if (!(e->type & MACH_PORT_TYPE_SEND))
			return KERN_INVALID_RIGHT;
		p->srights++;
		ipc_port_ref(p);
		*kernel_type = MACH_MSG_TYPE_PORT_SEND;
		break;
	case MACH_MSG_TYPE_MOVE_SEND:
		if (!(e->type & MACH_PORT_TYPE_SEND))
			return KERN_INVALID_RIGHT;
		if (e->urefs > 1) {
			e->urefs--;
			p->srights++;
			ipc_port_ref(p);
		} else if (e->type & MACH_PORT_TYPE_RECEIVE) {
			e->type &= ~MACH_PORT_TYPE_SEND;
			e->urefs = 0;
			ipc_port_ref(p);
		} else {
			ipc_space_free_entry(space, name);   /* its reference moves */
			ipc_dnrequest_name_deleted(p, space, name);
		}
		*kernel_type = MACH_MSG_TYPE_PORT_SEND;
		break;
	case MACH_MSG_TYPE_MOVE_SEND_ONCE:
		if (!(e->type & MACH_PORT_TYPE_SEND_ONCE))
			return KERN_INVALID_RIGHT;
		ipc_space_free_entry(space, name);
		ipc_dnrequest_name_deleted(p, space, name);
		*kernel_type = MACH_MSG_TYPE_PORT_SEND_ONCE;
		break;
	case MACH_MSG_TYPE_MOVE_RECEIVE:
		if (!(e->type & MACH_PORT_TYPE_RECEIVE))
			return KERN_INVALID_RIGHT;
		if (e->type & MACH_PORT_TYPE_SEND) {
			e->type &= ~MACH_PORT_TYPE_RECEIVE;
			ipc_port_ref(p);
		} else {
			ipc_space_free_entry(space, name);
		}
		ipc_pset_move(p, NULL);             /* in transit, and in no set */
		ipc_port_receiver_gone(p);
		*kernel_type = MACH_MSG_TYPE_PORT_RECEIVE;
		break;
	default:
		return KERN_INVALID_VALUE;
	}
	*port = p;
	return KERN_SUCCESS;
}

void ipc_right_destroy(struct ipc_port *p, uint32_t kernel_type)
{
	if (p && kernel_type == MACH_MSG_TYPE_PORT_SEND_ONCE)
		ipc_port_destroy_send_once(p);
	else
		ipc_right_release(p, kernel_type);
}

mach_port_name_t ipc_right_copyout(struct ipc_space *space, struct ipc_port *p, uint32_t kernel_type)
{
	if (!p)
		return MACH_PORT_NULL;
	mach_port_type_t right =
		kernel_type == MACH_MSG_TYPE_PORT_RECEIVE ? MACH_PORT_TYPE_RECEIVE :
		kernel_type == MACH_MSG_TYPE_PORT_SEND_ONCE ? MACH_PORT_TYPE_SEND_ONCE : MACH_PORT_TYPE_SEND;
	if (!p->active && right != MACH_PORT_TYPE_RECEIVE) {
		ipc_right_release(p, kernel_type);
		return MACH_PORT_DEAD;
	}
	mach_port_name_t name = ipc_space_insert(space, p, right);
	if (!name) {
		ipc_right_destroy(p, kernel_type);     /* unused: a send-once right tells its port */
		return MACH_PORT_DEAD;
	}
	return name;
}
