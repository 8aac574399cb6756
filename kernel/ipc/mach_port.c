/* GNU Mach's mach_port.defs, served by the kernel: a task manages the rights
 * in a name space (its own, or another task's it holds the task port of).
 * Prototypes come from the generated mach_port_server.h; routines not here
 * answer MIG_BAD_ID (see kobject.c). Errors follow Mach: KERN_INVALID_TASK for
 * a port that is not a task, KERN_INVALID_NAME for an unused name,
 * KERN_INVALID_RIGHT when the name lacks the right, KERN_INVALID_VALUE for an
 * argument out of range. */
#include "ipc/port.h"
#include "ipc/space.h"
#include "ipc/kmsg.h"
#include "ipc/notify.h"
#include "kern/task.h"
#include "kern/printf.h"
#include <mach/notify.h>
#include <mach/mig_errors.h>
#include "mach_port_server.h"

#define UREFS_MAX       0xFFFF
#define QLIMIT_MAX      1024

static struct ipc_space *space_of(mach_port_t task_port)
{
	struct task *t = ipc_port_kobject(task_port, IKOT_TASK);
	return t ? t->space : NULL;
}

#define WITH_ENTRY(task, name, e, s)                        \
	struct ipc_space *s = space_of(task);               \
	if (!s)                                             \
		return KERN_INVALID_TASK;                   \
	struct ipc_entry *e = ipc_space_lookup(s, name);    \
	if (!e)                                             \
		return KERN_INVALID_NAME

/* A new port (or set, or dead name) for right; one reference, or NULL. */
static kern_return_t make_object(mach_port_right_t right, struct ipc_port **obj, mach_port_type_t *type)
{
	*obj = NULL;
	switch (right) {
	case MACH_PORT_RIGHT_RECEIVE:
		*obj = ipc_port_alloc();
		*type = MACH_PORT_TYPE_RECEIVE;
		break;
	case MACH_PORT_RIGHT_PORT_SET:
		*obj = ipc_pset_alloc();
		*type = MACH_PORT_TYPE_PORT_SET;
		break;
	case MACH_PORT_RIGHT_DEAD_NAME:
		*type = MACH_PORT_TYPE_DEAD_NAME;
		return KERN_SUCCESS;
	default:
		return KERN_INVALID_VALUE;
	}
	return *obj ? KERN_SUCCESS : KERN_RESOURCE_SHORTAGE;
}

static void drop_object(struct ipc_port *obj)
{
	if (obj) {
		ipc_port_destroy(obj);
		ipc_port_release(obj);
	}
}

kern_return_t mach_port_allocate(mach_port_t task, mach_port_right_t right, mach_port_name_t *name)
{
	struct ipc_space *s = space_of(task);
	if (!s)
		return KERN_INVALID_TASK;
	struct ipc_port *obj;
	mach_port_type_t type;
	kern_return_t kr = make_object(right, &obj, &type);
	if (kr != KERN_SUCCESS)
		return kr;
	*name = obj ? ipc_space_insert(s, obj, type) : MACH_PORT_NULL;
	if (!obj) {                               /* a dead name: any free name */
		for (mach_port_name_t n = 1; n < IPC_SPACE_MAX_NAMES && !*name; n++)
			if (ipc_space_insert_at(s, n, NULL, type))
				*name = n;
	}
	if (!*name) {
		drop_object(obj);
		return KERN_NO_SPACE;
	}
	return KERN_SUCCESS;
}

kern_return_t mach_port_allocate_name(mach_port_t task, mach_port_right_t right, mach_port_name_t name)
{
	struct ipc_space *s = space_of(task);
	if (!s)
		return KERN_INVALID_TASK;
	if (!MACH_PORT_VALID(name) || name >= IPC_SPACE_MAX_NAMES)
		return KERN_INVALID_VALUE;
	if (ipc_space_lookup(s, name))
		return KERN_NAME_EXISTS;
	struct ipc_port *obj;
	mach_port_type_t type;
	kern_return_t kr = make_object(right, &obj, &type);
	if (kr != KERN_SUCCESS)
		return kr;
	if (!ipc_space_insert_at(s, name, obj, type)) {
		drop_object(obj);
		return KERN_RESOURCE_SHORTAGE;
	}
	return KERN_SUCCESS;
}

kern_return_t mach_port_destroy(mach_port_t task, mach_port_name_t name)
{
	WITH_ENTRY(task, name, e, s);
	(void)e;
	ipc_space_release_entry(s, name);
	return KERN_SUCCESS;
}

/* Take delta user references of a send right or dead name. */
static kern_return_t mod_urefs(struct ipc_space *s, mach_port_name_t name, struct ipc_entry *e, int delta)
{
	if (delta > 0 && e->urefs + (uint32_t)delta > UREFS_MAX)
		return KERN_UREFS_OVERFLOW;
	if (delta < 0 && (uint32_t)-delta > e->urefs)
		return KERN_INVALID_VALUE;
	e->urefs += delta;
	if (e->urefs)
		return KERN_SUCCESS;
	if (e->type & MACH_PORT_TYPE_RECEIVE) {   /* the send right goes, receive stays */
		struct ipc_port *p = e->port;
		e->type &= ~MACH_PORT_TYPE_SEND;
		ipc_dnrequest_name_deleted(p, s, name);
		ipc_port_ref(p);
		ipc_port_release_send(p);
	} else {
		ipc_space_release_entry(s, name);
	}
	return KERN_SUCCESS;
}

kern_return_t mach_port_deallocate(mach_port_t task, mach_port_name_t name)
{
	WITH_ENTRY(task, name, e, s);
	if (e->type & (MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_DEAD_NAME))
		return mod_urefs(s, name, e, -1);
	if (e->type & MACH_PORT_TYPE_SEND_ONCE) {
		ipc_space_release_entry(s, name);
		return KERN_SUCCESS;
	}
	return KERN_INVALID_RIGHT;
}

kern_return_t mach_port_mod_refs(mach_port_t task, mach_port_name_t name, mach_port_right_t right, mach_port_delta_t delta)
{
	WITH_ENTRY(task, name, e, s);
	switch (right) {
	case MACH_PORT_RIGHT_SEND:
		if (!(e->type & MACH_PORT_TYPE_SEND))
			return KERN_INVALID_RIGHT;
		return mod_urefs(s, name, e, delta);
	case MACH_PORT_RIGHT_DEAD_NAME:
		if (!(e->type & MACH_PORT_TYPE_DEAD_NAME))
			return KERN_INVALID_RIGHT;
		return mod_urefs(s, name, e, delta);
	case MACH_PORT_RIGHT_RECEIVE:
	case MACH_PORT_RIGHT_SEND_ONCE:
	case MACH_PORT_RIGHT_PORT_SET: {
		mach_port_type_t t = MACH_PORT_TYPE(right);
		if (!(e->type & t))
			return KERN_INVALID_RIGHT;
		if (delta == 0)
			return KERN_SUCCESS;
		if (delta != -1)
			return KERN_INVALID_VALUE;
		if (right == MACH_PORT_RIGHT_RECEIVE && (e->type & MACH_PORT_TYPE_SEND)) {
			/* Only the receive right goes; the send rights become a dead name. */
			struct ipc_port *p = e->port;
			e->type &= ~MACH_PORT_TYPE_RECEIVE;
			ipc_port_ref(p);
			ipc_port_destroy(p);
			ipc_port_release(p);
			ipc_space_lookup(s, name);
			return KERN_SUCCESS;
		}
		ipc_space_release_entry(s, name);
		return KERN_SUCCESS;
	}
	default:
		return KERN_INVALID_VALUE;
	}
}

kern_return_t mach_port_get_refs(mach_port_t task, mach_port_name_t name, mach_port_right_t right, mach_port_urefs_t *refs)
{
	WITH_ENTRY(task, name, e, s);
	(void)s;
	if (right >= MACH_PORT_RIGHT_NUMBER)
		return KERN_INVALID_VALUE;
	mach_port_type_t t = MACH_PORT_TYPE(right);
	if (right == MACH_PORT_RIGHT_SEND || right == MACH_PORT_RIGHT_DEAD_NAME)
		*refs = (e->type & t) ? e->urefs : 0;
	else
		*refs = (e->type & t) ? 1 : 0;
	return KERN_SUCCESS;
}

kern_return_t mach_port_type(mach_port_t task, mach_port_name_t name, mach_port_type_t *ptype)
{
	WITH_ENTRY(task, name, e, s);
	(void)s;
	*ptype = e->type;
	return KERN_SUCCESS;
}

kern_return_t mach_port_rename(mach_port_t task, mach_port_name_t old_name, mach_port_name_t new_name)
{
	WITH_ENTRY(task, old_name, e, s);
	if (!MACH_PORT_VALID(new_name) || new_name >= IPC_SPACE_MAX_NAMES)
		return KERN_INVALID_VALUE;
	if (ipc_space_lookup(s, new_name))
		return KERN_NAME_EXISTS;
	struct ipc_entry saved = *e;
	if (saved.port && saved.port->dnrequests)
		return KERN_FAILURE;                 /* a request names the old name */
	if (!ipc_space_insert_at(s, new_name, saved.port, saved.type))
		return KERN_RESOURCE_SHORTAGE;
	s->table[new_name].urefs = saved.urefs;  /* insert_at may have moved the table */
	ipc_space_free_entry(s, old_name);
	return KERN_SUCCESS;
}

kern_return_t mach_port_insert_right(mach_port_t task, mach_port_name_t name, mach_port_t poly, mach_msg_type_name_t polyPoly)
{
	struct ipc_space *s = space_of(task);
	if (!s)
		return KERN_INVALID_TASK;
	/* MIG passes a polymorphic item's type as it came: only a right makes
	 * poly a port; an integer there is just the sender's number. */
	if (!ipc_port_type_is_right(polyPoly)) {
		kwarn("mach_port_insert_right: item of type %u is not a port right\n", (unsigned)polyPoly);
		return KERN_INVALID_VALUE;
	}
	struct ipc_port *p = ipc_port_from_word(poly);
	if (!MACH_PORT_VALID(name) || name >= IPC_SPACE_MAX_NAMES || !p)
		return KERN_INVALID_VALUE;
	mach_port_type_t right = polyPoly == MACH_MSG_TYPE_PORT_RECEIVE ? MACH_PORT_TYPE_RECEIVE
		: polyPoly == MACH_MSG_TYPE_PORT_SEND_ONCE ? MACH_PORT_TYPE_SEND_ONCE : MACH_PORT_TYPE_SEND;
	struct ipc_entry *e = ipc_space_lookup(s, name);
	if (!e)
		return ipc_space_insert_at(s, name, p, right) ? KERN_SUCCESS : KERN_RESOURCE_SHORTAGE;
	/* Only a send or receive right for the same port may join an existing name. */
	if (e->port != p || right == MACH_PORT_TYPE_SEND_ONCE || (e->type & right & MACH_PORT_TYPE_RECEIVE))
		return KERN_NAME_EXISTS;
	if (right == MACH_PORT_TYPE_SEND) {
		if (e->urefs >= UREFS_MAX)
			return KERN_UREFS_OVERFLOW;
		if (e->type & MACH_PORT_TYPE_SEND)
			p->srights--;                    /* the name already counts as one */
		e->urefs++;
	} else {
		ipc_port_set_receiver(p, s, name);
	}
	e->type |= right;
	ipc_port_release(p);                     /* the entry holds one reference */
	return KERN_SUCCESS;
}

kern_return_t mach_port_extract_right(mach_port_t task, mach_port_name_t name, mach_msg_type_name_t msgt_name,
				      mach_port_t *poly, mach_msg_type_name_t *polyPoly)
{
	WITH_ENTRY(task, name, e, s);
	(void)e;
	struct ipc_port *p;
	uint32_t type;
	kern_return_t kr = ipc_right_copyin(s, name, msgt_name, &p, &type);
	if (kr != KERN_SUCCESS)
		return kr == KERN_INVALID_VALUE ? KERN_INVALID_VALUE : KERN_INVALID_RIGHT;
	*poly = (mach_port_t)p;
	*polyPoly = type;
	return KERN_SUCCESS;
}

/* The receive right (not a set) a name holds, or an error. */
static kern_return_t receive_right(mach_port_t task, mach_port_name_t name, struct ipc_port **p)
{
	WITH_ENTRY(task, name, e, s);
	(void)s;
	if (!(e->type & MACH_PORT_TYPE_RECEIVE))
		return KERN_INVALID_RIGHT;
	*p = e->port;
	return KERN_SUCCESS;
}

kern_return_t mach_port_move_member(mach_port_t task, mach_port_name_t member, mach_port_name_t after)
{
	struct ipc_port *p, *set = NULL;
	kern_return_t kr = receive_right(task, member, &p);
	if (kr != KERN_SUCCESS)
		return kr;
	if (after != MACH_PORT_NULL) {
		struct ipc_entry *e = ipc_space_lookup(space_of(task), after);
		if (!e)
			return KERN_INVALID_NAME;
		if (!(e->type & MACH_PORT_TYPE_PORT_SET))
			return KERN_INVALID_RIGHT;
		set = e->port;
	}
	ipc_pset_move(p, set);
	return KERN_SUCCESS;
}

kern_return_t mach_port_set_qlimit(mach_port_t task, mach_port_name_t name, mach_port_msgcount_t qlimit)
{
	struct ipc_port *p;
	kern_return_t kr = receive_right(task, name, &p);
	if (kr != KERN_SUCCESS)
		return kr;
	if (qlimit == 0 || qlimit > QLIMIT_MAX)
		return KERN_INVALID_VALUE;
	p->qlimit = qlimit;
	waitq_wake_all(&p->senders, WAIT_AWAKENED);      /* they re-check the room */
	return KERN_SUCCESS;
}

kern_return_t mach_port_set_mscount(mach_port_t task, mach_port_name_t name, mach_port_mscount_t mscount)
{
	struct ipc_port *p;
	kern_return_t kr = receive_right(task, name, &p);
	if (kr == KERN_SUCCESS)
		p->mscount = mscount;
	return kr;
}

kern_return_t mach_port_set_seqno(mach_port_t task, mach_port_name_t name, mach_port_seqno_t seqno)
{
	struct ipc_port *p;
	kern_return_t kr = receive_right(task, name, &p);
	if (kr == KERN_SUCCESS)
		p->seqno = seqno;
	return kr;
}

kern_return_t mach_port_get_receive_status(mach_port_t task, mach_port_name_t name, mach_port_status_t *status)
{
	struct ipc_port *p;
	kern_return_t kr = receive_right(task, name, &p);
	if (kr != KERN_SUCCESS)
		return kr;
	status->mps_pset = p->pset ? p->pset->receiver_name : MACH_PORT_NULL;
	status->mps_seqno = p->seqno;
	status->mps_mscount = p->mscount;
	status->mps_qlimit = p->qlimit;
	status->mps_msgcount = p->msgcount;
	status->mps_sorights = p->sorights;
	status->mps_srights = p->srights > 0;
	status->mps_pdrequest = p->pdrequest != NULL;
	status->mps_nsrequest = p->nsrequest != NULL;
	return KERN_SUCCESS;
}

kern_return_t mach_port_request_notification(mach_port_t task, mach_port_name_t name, mach_msg_id_t id,
					     mach_port_mscount_t sync, mach_port_t notify,
					     mach_port_t *previous, mach_msg_type_name_t *previousPoly)
{
	WITH_ENTRY(task, name, e, s);
	struct ipc_port *n = ipc_port_from_word(notify), *prev = NULL;
	switch (id) {
	case MACH_NOTIFY_DEAD_NAME:
		if (e->type & MACH_PORT_TYPE_DEAD_NAME) {
			if (!n)
				return KERN_INVALID_ARGUMENT;
			e->urefs++;                      /* the notification's reference */
			ipc_notify_dead_name(n, name);   /* already dead: tell at once */
			break;
		}
		if (!(e->type & (MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_SEND_ONCE)))
			return KERN_INVALID_RIGHT;
		prev = ipc_dnrequest_set(e->port, s, name, n);
		break;
	case MACH_NOTIFY_NO_SENDERS:
		if (!(e->type & MACH_PORT_TYPE_RECEIVE))
			return KERN_INVALID_RIGHT;
		prev = e->port->nsrequest;
		e->port->nsrequest = n;
		e->port->nsrequest_sync = sync;
		if (n && e->port->srights == 0 && e->port->mscount >= sync) {
			e->port->nsrequest = NULL;
			ipc_notify_no_senders(n, e->port->mscount);
		}
		break;
	case MACH_NOTIFY_PORT_DESTROYED:
		if (!(e->type & MACH_PORT_TYPE_RECEIVE) || sync != 0)
			return (e->type & MACH_PORT_TYPE_RECEIVE) ? KERN_INVALID_VALUE : KERN_INVALID_RIGHT;
		if (n == e->port) {
			/* The port would come back queued on itself, receivable by
			 * no one (a cycle, kernel/ipc/transit.h). A request through
			 * a port in transit that could reach it back is caught when
			 * the port is destroyed: it dies instead. */
			kwarn("mach_port_request_notification: port-destroyed request for port %u names the port itself: refused\n", name);
			return KERN_INVALID_CAPABILITY;
		}
		prev = e->port->pdrequest;
		e->port->pdrequest = n;
		break;
	default:
		return KERN_INVALID_VALUE;
	}
	*previous = (mach_port_t)prev;
	*previousPoly = MACH_MSG_TYPE_PORT_SEND_ONCE;
	return KERN_SUCCESS;
}
