/*
 * test_ipc_body_items.c - host test of how kmsg_copyin and kmsg_copyout go
 * over a complex body (kernel/ipc/kmsg.c, with msg_body.c, transit.c and the
 * IPC data structures over ipc_stubs.c), built -m32.
 *
 * kmsg_copyin reads the body once, noting the items it acts on (up to four;
 * more, or a body the walk refuses, and it walks as before), and
 * kmsg_copyout then reads only those it noted (up to two; more, and it
 * walks). Each shape is sent from A to P and received in B: bodies of 0 to
 * 7 port items between inline data items, each a send right made from its
 * own port, so that an item copied in or out twice, or not at all, or
 * another's right, shows as a wrong name in B, a wrong count on a port, or
 * data changed. Then a receive right queued behind itself as the fifth and
 * as the first item is refused with nothing taken, and a body cut short
 * after some port items is refused with every right given back.
 */
#include "ipc_testutil.h"
#include "ipc/transit.h"

#define MAX_PORTS 7

/* A body of n port items, each followed by one inline 32-bit datum. */
struct item { mach_msg_type_t port_type; uint32_t port; mach_msg_type_t data_type; uint32_t data; };
struct body_msg { mach_msg_header_t head; struct item it[MAX_PORTS]; };

static uint32_t msg_size(int n) { return sizeof(mach_msg_header_t) + (uint32_t)n * sizeof(struct item); }

static struct kmsg *build(int n, const mach_port_name_t *names, uint32_t disposition)
{
	struct kmsg *m = kmsg_alloc(msg_size(n));
	struct body_msg *b = (struct body_msg *)m->hdr;
	b->head = (mach_msg_header_t){ MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0) | MACH_MSGH_BITS_COMPLEX,
				       msg_size(n), pa, { 0 }, 0, 99 };
	for (int i = 0; i < n; i++) {
		b->it[i].port_type = (mach_msg_type_t){ disposition, 32, 1, 1, 0, 0, 0 };
		b->it[i].port = names[i];
		b->it[i].data_type = (mach_msg_type_t){ MACH_MSG_TYPE_INTEGER_32, 32, 1, 1, 0, 0, 0 };
		b->it[i].data = 0x5eed0000u + (uint32_t)i;
	}
	return m;
}

/* In a fresh world, n new ports received in A and a message to P making
 * a send right from each. */
static struct kmsg *world_and_message(int n, struct ipc_port **port)
{
	setup();
	mach_port_name_t name[MAX_PORTS];
	for (int i = 0; i < n; i++)
		port[i] = recv_in(A, &name[i]);
	return build(n, name, MACH_MSG_TYPE_MAKE_SEND);
}

static void test_shapes(void)
{
	for (int n = 0; n <= MAX_PORTS; n++) {
		struct ipc_port *port[MAX_PORTS];
		struct kmsg *m = world_and_message(n, port);
		CHECK(kmsg_copyin(A, m) == MACH_MSG_SUCCESS, "%d ports: copied in", n);
		for (int i = 0; i < n; i++)
			CHECK(port[i]->srights == 1, "%d ports: item %d made one send right (%u)", n, i, port[i]->srights);
		CHECK(kmsg_copyout(B, m) == MACH_MSG_SUCCESS, "%d ports: copied out", n);
		struct body_msg *b = (struct body_msg *)m->hdr;
		for (int i = 0; i < n; i++) {
			struct ipc_entry *e = ipc_space_lookup(B, b->it[i].port);
			CHECK(e && e->port == port[i] && e->type == SEND && e->urefs == 1,
			      "%d ports: item %d names its port in B", n, i);
			CHECK(b->it[i].port_type.msgt_name == K_SEND && b->it[i].data == 0x5eed0000u + (uint32_t)i,
			      "%d ports: item %d's type and datum", n, i);
		}
		kfree(m);
		teardown(__func__);
	}
}

/* A receive right in transit to P cannot go in a message to itself's
 * holder chain: at position `at` of n items, the copyin is refused before
 * any right moves. */
static void test_cycle_at(int n, int at)
{
	setup();
	mach_port_name_t name[MAX_PORTS];
	for (int i = 0; i < n; i++)
		recv_in(A, &name[i]);
	name[at] = pa;                                 /* P's own receive right, sent to P */
	struct kmsg *m = build(n, name, MACH_MSG_TYPE_MAKE_SEND);
	struct body_msg *b = (struct body_msg *)m->hdr;
	b->it[at].port_type.msgt_name = MACH_MSG_TYPE_MOVE_RECEIVE;
	struct snap before;
	take_snap(&before);
	CHECK(kmsg_copyin(A, m) == MACH_SEND_INVALID_RIGHT, "%d items, cycle at %d: refused", n, at);
	CHECK(same_snap(&before), "%d items, cycle at %d: nothing taken", n, at);
	for (int i = 0; i < n; i++)
		if (i != at)
			CHECK(ipc_space_lookup(A, name[i])->port->srights == 0, "%d items, cycle at %d: no right made", n,
			      at);
	kfree(m);
	teardown(__func__);
}

static void test_cut_short(void)
{
	for (int n = 1; n <= MAX_PORTS; n++) {
		struct ipc_port *port[MAX_PORTS];
		struct kmsg *m = world_and_message(n, port);
		struct body_msg *b = (struct body_msg *)m->hdr;
		b->it[n - 1].data_type.msgt_number = 2;       /* the last datum runs past the end */
		CHECK(kmsg_copyin(A, m) == MACH_SEND_MSG_TOO_SMALL, "%d ports, cut short: refused", n);
		for (int i = 0; i < n; i++)
			CHECK(port[i]->srights == 0 && port[i]->refs == 1, "%d ports, cut short: item %d given back", n, i);
		kfree(m);
		teardown(__func__);
	}
}

int main(void)
{
	test_shapes();
	test_cycle_at(6, 4);
	test_cycle_at(6, 0);
	test_cycle_at(2, 1);
	test_cut_short();
	return check_summary();
}
