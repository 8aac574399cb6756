/*
 * test_ipc_transit.c - host unit test of receive rights in transit and the
 * cycles they could close (kernel/ipc/transit.c, with kmsg.c, port.c,
 * space.c, right.c over the stubs of ipc_stubs.c), of the receiver's name
 * after a rename, and of the bounds on messages queued past a port's limit
 * (kernel/ipc/mqueue.c), built -m32.
 *
 * A message whose body moves a receive right is copied in with kmsg_copyin
 * and held by the test (nothing is queued on the host): the right's
 * transit_dest is where the cycle check looks. Refused copyins leave the
 * spaces byte for byte as they were; every test ends with no port and no
 * heap block alive.
 */
#include "ipc_testutil.h"
#include "ipc/transit.h"
#include "ipc/mqueue.h"

/* A message from s to dest (disposition ddisp) carrying name's right
 * (disposition rdisp), copied in; *mr says how that went. */
struct right_msg { mach_msg_header_t head; mach_msg_type_t type; uint32_t port; };

static struct kmsg *send_right(struct ipc_space *s, mach_port_name_t dest, uint32_t ddisp,
			       mach_port_name_t name, uint32_t rdisp, mach_msg_return_t *mr)
{
	struct kmsg *m = kmsg_alloc(sizeof(struct right_msg));
	struct right_msg *r = (struct right_msg *)m->hdr;
	r->head = (mach_msg_header_t){ MACH_MSGH_BITS(ddisp, 0) | MACH_MSGH_BITS_COMPLEX, sizeof *r, { dest }, { 0 }, 0, 77 };
	r->type = (mach_msg_type_t){ rdisp, 32, 1, 1, 0, 0, 0 };
	r->port = name;
	*mr = kmsg_copyin(s, m);
	if (*mr != MACH_MSG_SUCCESS) {
		kfree(m);
		return NULL;
	}
	return m;
}

static void test_self_cycle(void)
{
	setup();
	struct snap before;
	take_snap(&before);
	mach_msg_return_t mr;
	struct kmsg *m = send_right(A, pa, MACH_MSG_TYPE_MAKE_SEND, pa, MACH_MSG_TYPE_MOVE_RECEIVE, &mr);
	CHECK(!m && mr == MACH_SEND_INVALID_RIGHT, "receive right to its own port: %#x", mr);
	CHECK(same_snap(&before), "refused: the space and the port are as they were (mscount %u)", P->mscount);
	CHECK(P->receiver == A && P->receiver_name == pa && !P->transit_dest, "P still held by A");
	teardown(__func__);
}

static void test_two_and_three_port_cycles(void)
{
	setup();
	give_send(A, N);                               /* na: send + receive */
	mach_msg_return_t mr;
	uint32_t n_refs = N->refs, p_refs = P->refs;
	struct kmsg *m1 = send_right(A, pa, MACH_MSG_TYPE_MAKE_SEND, na, MACH_MSG_TYPE_MOVE_RECEIVE, &mr);
	CHECK(m1 && mr == MACH_MSG_SUCCESS, "N into a message to P: %#x", mr);
	CHECK(N->receiver == NULL && N->transit_dest == P && P->refs == p_refs + 2,
	      "N in transit to P (P refs %u, was %u: the message's send right and N's transit)", P->refs, p_refs);
	CHECK_ENTRY(A, na, N, SEND, 1);
	struct snap before;
	take_snap(&before);
	struct kmsg *m2 = send_right(A, na, MACH_MSG_TYPE_COPY_SEND, pa, MACH_MSG_TYPE_MOVE_RECEIVE, &mr);
	CHECK(!m2 && mr == MACH_SEND_INVALID_RIGHT, "P into a message to N, which is in transit to P: %#x", mr);
	CHECK(same_snap(&before), "refused: nothing taken");
	CHECK(ipc_transit_would_cycle(P, N) && !ipc_transit_would_cycle(N, P) && ipc_transit_would_cycle(N, N),
	      "the walk: N -> P reaches P");

	/* Three ports: Q in transit to N, then P into a message to Q. */
	mach_port_name_t qa;
	struct ipc_port *Q = recv_in(A, &qa);
	give_send(A, Q);
	struct kmsg *m3 = send_right(A, na, MACH_MSG_TYPE_COPY_SEND, qa, MACH_MSG_TYPE_MOVE_RECEIVE, &mr);
	CHECK(m3 && Q->transit_dest == N, "Q into a message to N: %#x", mr);
	struct kmsg *m4 = send_right(A, qa, MACH_MSG_TYPE_COPY_SEND, pa, MACH_MSG_TYPE_MOVE_RECEIVE, &mr);
	CHECK(!m4 && mr == MACH_SEND_INVALID_RIGHT, "P to Q -> N -> P: %#x", mr);
	/* Another port may still travel to any of them. */
	mach_port_name_t xa;
	recv_in(A, &xa);
	struct kmsg *m5 = send_right(A, qa, MACH_MSG_TYPE_COPY_SEND, xa, MACH_MSG_TYPE_MOVE_RECEIVE, &mr);
	CHECK(m5 && mr == MACH_MSG_SUCCESS, "an unrelated right to Q: %#x", mr);

	/* Received, N is held again and lets go of P. */
	CHECK(kmsg_copyout(B, m1) == MACH_MSG_SUCCESS, "m1 received in B");
	kfree(m1);
	CHECK(N->receiver == B && N->transit_dest == NULL && P->refs == p_refs, "N in B, P refs %u", P->refs);
	kmsg_destroy(m3);                              /* Q dies, and lets go of N */
	kmsg_destroy(m5);
	CHECK(N->refs == n_refs + 1, "N refs %u (its send right in A, and B's receive right)", N->refs);
	ipc_space_release_entry(A, qa);
	ipc_space_release_entry(A, na);
	teardown(__func__);
}

static void test_port_destroyed_cycles(void)
{
	setup();
	/* P's request names N; N travels in a message to P: when P is
	 * destroyed, sending it to N would close the cycle, so it dies. */
	P->pdrequest = so_right(N);
	mach_msg_return_t mr;
	struct kmsg *m = send_right(A, pa, MACH_MSG_TYPE_MAKE_SEND, na, MACH_MSG_TYPE_MOVE_RECEIVE, &mr);
	CHECK(m && N->transit_dest == P, "N to P: %#x", mr);
	ipc_port_ref(P);
	ipc_space_release_entry(A, pa);
	CHECK(!P->active && find_note(N, MACH_NOTIFY_PORT_DESTROYED, K_RECV, (uint32_t)P) < 0,
	      "P died instead of coming back to N");
	CHECK(P->pdrequest == NULL && find_note(N, MACH_NOTIFY_SEND_ONCE, 0, 0) == 0,
	      "its request's unused send-once right told N");
	ipc_port_release(P);
	kmsg_destroy(m);                               /* takes N along */
	teardown(__func__);

	/* A request naming the port itself, however it got there. */
	setup();
	P->pdrequest = so_right(P);
	ipc_space_release_entry(A, pa);
	CHECK(stub_nmsgs == 0, "no notification queued on the dead port itself (%d)", stub_nmsgs);
	teardown(__func__);

	/* The ordinary case: P comes back to N, in transit to N. */
	setup();
	P->pdrequest = so_right(N);
	struct ipc_port *p = P;
	ipc_space_release_entry(A, pa);
	int i = find_note(N, MACH_NOTIFY_PORT_DESTROYED, K_RECV, (uint32_t)p);
	CHECK(i == 0 && p->active && p->transit_dest == N && !p->receiver, "P in transit to N");
	mach_msg_header_t h;
	uint32_t body;
	CHECK(stub_msg_receive(stub_msg_take(i), A, &h, &body) == MACH_MSG_SUCCESS, "received in A");
	CHECK(p->receiver == A && p->receiver_name == body && !p->transit_dest, "P back in A as %u", body);
	teardown(__func__);
}

/* A rename re-inserts a send+receive entry: the name messages report follows. */
static void test_rename_keeps_receiver_name(void)
{
	setup();
	give_send(A, P);
	struct ipc_entry saved = A->table[pa];
	CHECK(ipc_space_insert_at(A, 300, saved.port, saved.type), "inserted at 300");
	ipc_space_free_entry(A, pa);
	A->table[300].urefs = saved.urefs;
	CHECK(P->receiver == A && P->receiver_name == 300, "receiver name %u", P->receiver_name);
	teardown(__func__);
}

static void test_queue_bounds(void)
{
	setup();
	int accepted = 0;
	for (int i = 0; i < 200; i++)
		accepted += ipc_mqueue_enqueue(P, note_to(P)) == MACH_MSG_SUCCESS;
	CHECK(accepted == 5 + MQUEUE_OVERFLOW_PER_PORT && P->msgcount == (uint32_t)accepted,
	      "one port took %d of 200", accepted);
	CHECK(ipc_mqueue_overflow_count() == MQUEUE_OVERFLOW_PER_PORT && P->sorights == (uint32_t)accepted,
	      "overflow %u; dropped messages' rights let go (sorights %u)", ipc_mqueue_overflow_count(), P->sorights);
	stub_msg_consume(ipc_mqueue_dequeue(P));
	CHECK(ipc_mqueue_overflow_count() == MQUEUE_OVERFLOW_PER_PORT, "the head was within the limit");
	CHECK(ipc_mqueue_enqueue(P, note_to(P)) == MACH_MSG_SUCCESS, "room for one more past the limit");
	CHECK(ipc_mqueue_overflow_count() == MQUEUE_OVERFLOW_PER_PORT + 1, "now %u", ipc_mqueue_overflow_count());

	/* Kernel-wide: enough ports to reach the total. */
	enum { PORTS = MQUEUE_OVERFLOW_TOTAL / MQUEUE_OVERFLOW_PER_PORT + 2 };
	struct ipc_port *ports[PORTS];
	mach_port_name_t names[PORTS];
	for (int k = 0; k < PORTS; k++) {
		ports[k] = recv_in(B, &names[k]);
		for (int i = 0; i < 5 + MQUEUE_OVERFLOW_PER_PORT; i++)
			ipc_mqueue_enqueue(ports[k], note_to(ports[k]));
	}
	CHECK(ipc_mqueue_overflow_count() == MQUEUE_OVERFLOW_TOTAL, "kernel-wide %u", ipc_mqueue_overflow_count());
	CHECK(ports[PORTS - 1]->msgcount == 5, "the last port got only its queue limit: %u", ports[PORTS - 1]->msgcount);
	/* P holds 65 past its limit (the one after the dequeue too): the
	 * others took the rest of the total, and P's death gives its back. */
	ipc_space_release_entry(A, pa);
	CHECK(ipc_mqueue_overflow_count() == MQUEUE_OVERFLOW_TOTAL - MQUEUE_OVERFLOW_PER_PORT - 1,
	      "after P died: %u", ipc_mqueue_overflow_count());
	for (int k = 0; k < PORTS; k++)
		ipc_space_release_entry(B, names[k]);
	CHECK(ipc_mqueue_overflow_count() == 0, "all gone: %u", ipc_mqueue_overflow_count());
	teardown(__func__);
}

int main(void)
{
	test_self_cycle();
	test_two_and_three_port_cycles();
	test_port_destroyed_cycles();
	test_rename_keeps_receiver_name();
	test_queue_bounds();
	return check_summary();
}
