#include "ipc/port.h"
#include "ipc/kmsg.h"
#include "ipc/notify.h"
#include "ipc/mqueue.h"
#include "ipc/transit.h"
#include "kern/printf.h"
#include "vm/kalloc.h"
#include "kern/assert.h"

static uint32_t live_ports;

/* A port and the heap's 16-byte block header fit a 128-byte block: one
 * more word would put every port in the 256-byte class (and change what
 * the leak checks see, a fresh class taking a page). */
_Static_assert(sizeof(struct ipc_port) + 16 <= 128, "struct ipc_port outgrew its heap class");

struct ipc_port *ipc_port_alloc(void)
{
	struct ipc_port *p = kalloc(sizeof *p);
	if (!p)
		return NULL;
	p->refs = 1;
	p->active = true;
	p->qlimit = PORT_QLIMIT_DEFAULT;
	live_ports++;
	return p;
}

struct ipc_port *ipc_port_alloc_kobject(enum ikot type, void *object)
{
	struct ipc_port *p = ipc_port_alloc();
	if (p) {
		p->kotype = type;
		p->kobject = object;
	}
	return p;
}

struct ipc_port *ipc_pset_alloc(void)
{
	struct ipc_port *set = ipc_port_alloc();
	if (set) {
		set->is_set = true;
		set->set_next = set->set_prev = set;      /* a ring of no members */
	}
	return set;
}

/* The last reference goes (ipc_port_release): the port is freed. */
void ipc_port_release_last(struct ipc_port *p)
{
	assert(p->refs == 1);                        /* 0: released after it was freed */
	assert(!p->active);                          /* its receive right still holds it */
	p->refs = 0;
	live_ports--;
	kfree(p);
}

void ipc_pset_move(struct ipc_port *p, struct ipc_port *set)
{
	if (p->pset) {
		struct ipc_port *old = p->pset;
		ipc_pset_unlink(p);
		p->set_next = p->set_prev = NULL;
		p->pset = NULL;
		ipc_port_release(old);
	}
	if (set) {
		p->pset = set;
		ipc_port_ref(set);
		ipc_pset_insert_after(p, set);  /* first: with the members holding no message */
		if (p->msgs_head) {             /* a receiver on the set may take it now */
			ipc_pset_place(p);
			waitq_wake_one(&set->receivers, WAIT_AWAKENED, NULL);
		}
		/* Threads receiving on the port itself would take the next
		 * wake-up and find it in a set (MACH_RCV_IN_SET), leaving the
		 * set's receivers asleep: they find out now. */
		waitq_wake_all(&p->receivers, WAIT_AWAKENED);
	}
}

/* Whether a's first message arrived before b's (the stamps wrap). */
static bool arrived_before(const struct ipc_port *a, const struct ipc_port *b)
{
	return (int32_t)(a->msgs_head->arrival - b->msgs_head->arrival) < 0;
}

void ipc_pset_place(struct ipc_port *p)
{
	struct ipc_port *set = p->pset;
	/* The oldest, and still before the next: a member holding a burst of
	 * messages stays ahead of one that got a message since the burst. */
	if (p == set->oldest_ready && (p->set_next == set || arrived_before(p, p->set_next)))
		return;
	ipc_pset_unlink(p);
	/* From the newest back: past the check above, p's next message is
	 * newer than some other member's first, and a message just queued is
	 * newer than all. */
	struct ipc_port *q = set->set_prev;
	while (q != set && q->msgs_head && arrived_before(p, q))
		q = q->set_prev;
	ipc_pset_insert_after(p, q);
	if (q == set || !q->msgs_head)  /* nothing before it holds a message */
		set->oldest_ready = p;
}

void ipc_port_destroy(struct ipc_port *p)
{
	if (!p->active)
		return;
	if (p->is_set) {
		p->active = false;
		while (p->set_next != p)
			ipc_pset_move(p->set_next, NULL);
		waitq_wake_all(&p->receivers, WAIT_INTERRUPTED);
		return;
	}
	if (p->pdrequest && p->kotype == IKOT_NONE) {
		/* Port-destroyed request: the receive right goes back instead of
		 * dying, unless the notification would be queued behind the port
		 * itself (kernel/ipc/transit.h): then the port dies after all. */
		struct ipc_port *notify = p->pdrequest;
		if (!ipc_transit_would_cycle(p, notify)) {
			p->pdrequest = NULL;
			ipc_pset_move(p, NULL);
			ipc_port_receiver_gone(p);
			ipc_transit_set(p, notify);
			ipc_port_ref(p);                  /* the notification's */
			ipc_notify_port_destroyed(notify, p);
			return;
		}
		kwarn("ipc: port-destroyed request would queue port %p behind itself: the port dies\n", (void *)p);
	}
	p->active = false;
	p->receiver = NULL;
	ipc_port_ref(p);                      /* hold it while everything lets go */
	ipc_transit_clear(p);
	ipc_pset_move(p, NULL);
	while (p->msgs_head)
		kmsg_destroy(ipc_mqueue_dequeue(p));
	waitq_wake_all(&p->receivers, WAIT_INTERRUPTED);
	waitq_wake_all(&p->senders, WAIT_INTERRUPTED);
	if (p->nsrequest) {
		ipc_port_destroy_send_once(p->nsrequest);
		p->nsrequest = NULL;
	}
	if (p->pdrequest) {
		ipc_port_destroy_send_once(p->pdrequest);
		p->pdrequest = NULL;
	}
	ipc_dnrequest_fire_all(p);
	ipc_port_release(p);
}

void ipc_port_destroy_kobject(struct ipc_port *p)
{
	p->kobject = NULL;
	p->kotype = IKOT_NONE;
	ipc_port_destroy(p);
	ipc_port_release(p);
}

void ipc_port_set_receiver(struct ipc_port *p, struct ipc_space *s, uint32_t name)
{
	if (p->receiver && (p->receiver != s || p->receiver_name != name))
		waitq_wake_all(&p->receivers, WAIT_AWAKENED);
	p->receiver = s;
	p->receiver_name = name;
	ipc_transit_clear(p);
}

void ipc_port_receiver_gone(struct ipc_port *p)
{
	p->receiver = NULL;
	waitq_wake_all(&p->receivers, WAIT_AWAKENED);
}


struct ipc_port *ipc_port_copy_send(struct ipc_port *p)
{
	if (p) {
		p->srights++;
		ipc_port_ref(p);
	}
	return p;
}

void ipc_port_release_last_send(struct ipc_port *p)
{
	if (p->srights && --p->srights == 0 && p->nsrequest && p->active && p->mscount >= p->nsrequest_sync) {
		struct ipc_port *notify = p->nsrequest;
		p->nsrequest = NULL;
		ipc_notify_no_senders(notify, p->mscount);
	}
	ipc_port_release(p);
}


void ipc_port_destroy_send_once(struct ipc_port *p)
{
	if (p->active)
		ipc_notify_send_once(p);      /* the notification uses up the right */
	else
		ipc_port_release_send_once(p);
}

struct ipc_port *ipc_port_from_word(uint32_t word)
{
	return word == MACH_PORT_NULL || word == PORT_DEAD_WORD ? NULL : (struct ipc_port *)word;
}

bool ipc_port_type_is_right(uint32_t kernel_type)
{
	return kernel_type == MACH_MSG_TYPE_PORT_RECEIVE || kernel_type == MACH_MSG_TYPE_PORT_SEND ||
	       kernel_type == MACH_MSG_TYPE_PORT_SEND_ONCE;
}

void *ipc_port_kobject(uint32_t port_as_word, enum ikot type)
{
	struct ipc_port *p = ipc_port_from_word(port_as_word);
	if (!p || !p->active || p->kotype != type)
		return NULL;
	return p->kobject;
}

uint32_t ipc_port_count(void) { return live_ports; }
