/* Ports: the kernel object behind every Mach port name. A port has at most one
 * receive right (held in a task's name space, or by the kernel for kernel
 * objects such as tasks and the host), any number of send rights, and a queue of
 * messages. A port whose receive right is destroyed is dead: its messages are
 * destroyed, dead-name requests fire, and every remaining right to it reads as
 * a dead name.
 *
 * A port set is a struct ipc_port too (is_set): it has no queue of its own;
 * its members are receive rights, and a receive on the set takes the oldest
 * first message of any member (arrival order across the set). */
#ifndef IPC_PORT_H
#define IPC_PORT_H
#include <stdint.h>
#include <stdbool.h>
#include "kern/thread.h"
#include "kern/assert.h"

struct ipc_space;
struct kmsg;
struct dnrequest;

/* What a kernel-owned port stands for. */
enum ikot { IKOT_NONE, IKOT_HOST, IKOT_HOST_PRIV, IKOT_TASK, IKOT_THREAD, IKOT_DEVICE_MASTER,
	IKOT_DEVICE_CLASS /* a device class's object: device/device_layer.h */,
	IKOT_DEVICE /* kern/kernel_device.h */, IKOT_MEMORY_OBJECT /* vm/kernel_memory_object.h */ };

#define PORT_QLIMIT_DEFAULT 5

struct ipc_port {
	uint32_t refs;                /* rights, queued messages and kernel pointers */
	bool active;
	bool is_set;                  /* a port set (below) */
	/* Where a space last named this port's send or receive right: a
	 * guess ipc_space_insert checks against the table before it trusts
	 * it (the space may have dropped the name, or be another at the same
	 * address), never dereferenced. Names are below IPC_SPACE_MAX_NAMES
	 * (65536); packed beside the flags, so that a port with its heap
	 * header still fits a 128-byte block. */
	uint16_t named_as;
	struct ipc_space *named_in;
	enum ikot kotype;
	void *kobject;
	struct ipc_space *receiver;   /* space holding the receive right, if a task does */
	uint32_t receiver_name;
	uint32_t srights;             /* send rights in existence */
	uint32_t sorights;            /* send-once rights in existence */
	uint32_t mscount;             /* make-send count */
	uint32_t seqno;
	struct kmsg *msgs_head, *msgs_tail;
	uint32_t msgcount, qlimit;
	struct waitq receivers;       /* threads blocked receiving */
	struct waitq senders;         /* threads blocked on a full queue */

	/* notifications (kernel/ipc/notify.c) */
	struct ipc_port *nsrequest;   /* send-once right for a no-senders notification */
	uint32_t nsrequest_sync;      /* fire once mscount has reached this */
	struct ipc_port *pdrequest;   /* send-once right for port-destroyed */
	struct dnrequest *dnrequests; /* dead-name requests of the spaces naming it */

	/* a receive right travelling in a message (kernel/ipc/transit.c) */
	struct ipc_port *transit_dest; /* where that message is bound; holds a reference */

	/* port sets (is_set is above, beside active): a set's members are on a
	 * ring through set_next/set_prev whose head is the set itself. First
	 * come the members holding no message, then, from oldest_ready on, those
	 * holding one, in the arrival order of their first messages; the queue
	 * operations (kernel/ipc/mqueue.c) keep it so through the helpers below.
	 * A receive on the set then takes oldest_ready's first message without
	 * looking at another member, however many the set has. */
	struct ipc_port *pset;        /* the set this receive right is in */
	struct ipc_port *set_next;    /* of a member: the next on its set's ring; of a set: the first */
	struct ipc_port *set_prev;    /* of a member: the previous one; of a set: the last */
	struct ipc_port *oldest_ready; /* of a set: the member whose first message is oldest, or NULL */
};

struct ipc_port *ipc_port_alloc(void);
struct ipc_port *ipc_port_alloc_kobject(enum ikot type, void *object);
/* One more reference, and one fewer. Inline, since every message takes
 * and drops several; a count already at zero (a freed port) still stops
 * the kernel (kern/assert.h), at the cost of one compare: release's only
 * test sends every count but one above it to ipc_port_release_last. */
static inline void ipc_port_ref(struct ipc_port *p)
{
	assert(p->refs > 0);                         /* a reference to a freed port */
	p->refs++;
}
void ipc_port_release_last(struct ipc_port *p);
static inline void ipc_port_release(struct ipc_port *p)
{
	if (p->refs > 1)
		p->refs--;
	else
		ipc_port_release_last(p);
}
/* Destroy the receive right: the port dies, its queue is emptied, waiters wake. */
void ipc_port_destroy(struct ipc_port *p);
/* A kernel object is going away: its port dies and the kernel's reference goes. */
void ipc_port_destroy_kobject(struct ipc_port *p);
/* The receive right now has a holder (space s under name), or has a new name
 * there: it is no longer in transit, and threads still blocked receiving on
 * it under the old holder or name are woken to find out (MACH_RCV_PORT_CHANGED). */
void ipc_port_set_receiver(struct ipc_port *p, struct ipc_space *s, uint32_t name);
/* The receive right has left its holder (into a message, or back through a
 * port-destroyed request): its blocked receivers wake to MACH_RCV_PORT_CHANGED,
 * so that the next message wakes a receiver of the next holder. */
void ipc_port_receiver_gone(struct ipc_port *p);
/* Make a send right from the receive right (or the kernel's ownership).
 * The right operations every message makes are inline; what is rare (a
 * no-senders notification) is out of line. */
static inline void ipc_port_make_send(struct ipc_port *p) { p->srights++; p->mscount++; ipc_port_ref(p); }
static inline void ipc_port_make_send_once(struct ipc_port *p) { p->sorights++; ipc_port_ref(p); }
/* Another send right from one the caller holds (NULL stays NULL). */
struct ipc_port *ipc_port_copy_send(struct ipc_port *p);
/* Drop a send right; the last one fires a no-senders request. */
void ipc_port_release_last_send(struct ipc_port *p);
static inline void ipc_port_release_send(struct ipc_port *p)
{
	if (p->srights > 1) {
		p->srights--;                 /* not the last: no notification to look at */
		ipc_port_release(p);
	} else {
		ipc_port_release_last_send(p);
	}
}
/* Drop a send-once right that was used (its message was delivered). */
static inline void ipc_port_release_send_once(struct ipc_port *p)
{
	if (p->sorights)
		p->sorights--;
	ipc_port_release(p);
}
/* Destroy an unused send-once right: its port gets a send-once notification. */
void ipc_port_destroy_send_once(struct ipc_port *p);
/* A new, empty port set (one reference, for the caller). */
struct ipc_port *ipc_pset_alloc(void);
/* Move a receive right into set (or out of any set when set is NULL). */
void ipc_pset_move(struct ipc_port *p, struct ipc_port *set);
/* The member of set whose first message is the oldest, or NULL: the set
 * delivers in arrival order across its members. Taking any member with a
 * message instead starves the others while it keeps getting messages (a
 * client with 32 reply ports in a set, reusing the lowest free one, left
 * replies on its last ports unreceived for 5-20 ms; docs/benchmarks.md). */
static inline struct ipc_port *ipc_pset_ready_member(struct ipc_port *set) { return set->oldest_ready; }
/* Whether a member of set holds a message. */
static inline bool ipc_pset_has_ready(const struct ipc_port *set) { return set->oldest_ready != NULL; }
/* Take member p off its set's ring (p's set stays p->pset). */
static inline void ipc_pset_unlink(struct ipc_port *p)
{
	struct ipc_port *set = p->pset;
	if (set->oldest_ready == p)       /* every member after it holds a message */
		set->oldest_ready = p->set_next != set ? p->set_next : NULL;
	p->set_prev->set_next = p->set_next;
	p->set_next->set_prev = p->set_prev;
}
/* Put p (off the ring) on its set's ring after node (a member, or the set
 * itself: then first). */
static inline void ipc_pset_insert_after(struct ipc_port *p, struct ipc_port *node)
{
	p->set_prev = node;
	p->set_next = node->set_next;
	node->set_next->set_prev = p;
	node->set_next = p;
}
/* Member p holding messages, on its set's ring: move it to where its first
 * message's arrival puts it among the members holding one (out of line: it
 * compares arrivals, struct kmsg's). */
void ipc_pset_place(struct ipc_port *p);
/* Member p's queue was empty and now holds one message, the newest of all
 * (kernel/ipc/mqueue.c stamps them in order): p goes last. */
static inline void ipc_pset_first_queued(struct ipc_port *p)
{
	struct ipc_port *set = p->pset;
	if (set->set_prev != p) {
		ipc_pset_unlink(p);
		ipc_pset_insert_after(p, set->set_prev);
	}
	if (!set->oldest_ready)
		set->oldest_ready = p;
}
/* Member p's first message was taken. Emptied, the oldest member with a
 * message (the one a receive on the set takes from) stays where it is, now
 * the last of those without, and the next member is the oldest; one that
 * still holds messages moves to where its next one's arrival puts it. */
static inline void ipc_pset_dequeued(struct ipc_port *p)
{
	struct ipc_port *set = p->pset;
	if (p->msgs_head) {
		ipc_pset_place(p);
	} else if (set->oldest_ready == p) {
		set->oldest_ready = p->set_next != set ? p->set_next : NULL;
	} else {
		ipc_pset_unlink(p);
		ipc_pset_insert_after(p, set);
	}
}
/* The word MACH_PORT_DEAD travels as in a kernel-form message: a right that
 * was a dead name when sent. It is never a port's address (the kernel half
 * ends below it), and neither is MACH_PORT_NULL. */
#define PORT_DEAD_WORD 0xFFFFFFFFu
/* A port word from a request (a routine's port argument, an item of a
 * kernel-form body) as the port it names, or NULL for MACH_PORT_NULL and
 * MACH_PORT_DEAD. Every routine reads its port arguments through this (or
 * ipc_port_kobject, which does): a dead name is never dereferenced. */
struct ipc_port *ipc_port_from_word(uint32_t word);
/* Whether a port item's type, in kernel form, carries a right: only then is
 * its word a port (MIG lets a polymorphic argument be any type at all, an
 * INTEGER_32 included, and hands the routine the word as it was sent). */
bool ipc_port_type_is_right(uint32_t kernel_type);
/* The object behind a kernel port of the given type, or NULL (also for a
 * null or dead word). */
void *ipc_port_kobject(uint32_t port_as_word, enum ikot type);
uint32_t ipc_port_count(void);
#endif
