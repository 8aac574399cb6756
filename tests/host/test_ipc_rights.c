/*
 * test_ipc_rights.c - host unit test of moving single rights between name
 * spaces and kernel-form messages (kernel/ipc/right.c: ipc_right_copyin,
 * _copyout, _release, _destroy; with port.c, space.c, notify.c, kmsg.c,
 * msg_body.c over the stubs of ipc_stubs.c), built -m32.
 *
 * Every copyin disposition (MAKE_SEND, MAKE_SEND_ONCE, COPY_SEND, MOVE_SEND
 * with urefs > 1 and == 1, with and without the receive right on the name,
 * MOVE_SEND_ONCE, MOVE_RECEIVE with and without send rights on the name),
 * each followed by copyout somewhere, with the port's srights, sorights,
 * refs and mscount exact after every step; refused copyins leave spaces and
 * ports byte-for-byte unchanged; kernel-form rights released (used) and
 * destroyed (unused), and copied out to dead ports; kmsg_copyin refusing a
 * message whose destination and reply name the same single right.
 * Notifications are test_ipc_notify.c, the randomized model test_ipc_model.c.
 */
#include "ipc_testutil.h"

/* ----- copyin, disposition by disposition ----- */

static void test_make_send(void)
{
	setup();
	struct ipc_port *p = copyin_ok(A, pa, MACH_MSG_TYPE_MAKE_SEND, P, K_SEND);
	CHECK_PORT(P, 1, 0, 2);
	CHECK(P->mscount == 1, "mscount %u", P->mscount);
	CHECK_ENTRY(A, pa, P, RECV, 0);
	mach_port_name_t c = ipc_right_copyout(C, p, K_SEND);
	CHECK_ENTRY(C, c, P, SEND, 1);
	CHECK_PORT(P, 1, 0, 2);
	p = copyin_ok(A, pa, MACH_MSG_TYPE_MAKE_SEND, P, K_SEND);
	CHECK(ipc_right_copyout(C, p, K_SEND) == c, "second send right joins the name");
	CHECK_ENTRY(C, c, P, SEND, 2);
	CHECK_PORT(P, 1, 0, 2);
	CHECK(P->mscount == 2, "mscount %u", P->mscount);
	/* a send right made and named where the receive right is */
	p = copyin_ok(A, pa, MACH_MSG_TYPE_MAKE_SEND, P, K_SEND);
	CHECK(ipc_right_copyout(A, p, K_SEND) == pa, "joins the receive name");
	CHECK_ENTRY(A, pa, P, SEND | RECV, 1);
	CHECK_PORT(P, 2, 0, 2);
	/* and made from a name that holds both */
	p = copyin_ok(A, pa, MACH_MSG_TYPE_MAKE_SEND, P, K_SEND);
	CHECK_PORT(P, 3, 0, 3);
	ipc_right_release(p, K_SEND);
	CHECK_PORT(P, 2, 0, 2);
	CHECK(P->mscount == 4 && stub_nmsgs == 0, "mscount %u, %d messages", P->mscount, stub_nmsgs);
	teardown(__func__);
}

static void test_make_send_once(void)
{
	setup();
	mach_port_name_t names[3];
	for (int i = 0; i < 3; i++) {
		struct ipc_port *p = copyin_ok(A, pa, MACH_MSG_TYPE_MAKE_SEND_ONCE, P, K_SO);
		CHECK_PORT(P, 0, i + 1, i + 2);
		names[i] = ipc_right_copyout(B, p, K_SO);
		CHECK_ENTRY(B, names[i], P, SO, 0);
	}
	CHECK(names[0] != names[1] && names[1] != names[2] && names[0] != names[2], "a name each");
	CHECK(P->mscount == 0 && B->in_use == 3, "mscount %u, in_use %u", P->mscount, B->in_use);
	CHECK_PORT(P, 0, 3, 4);
	/* a send-once right into the space holding the receive right: its own name */
	struct ipc_port *p = copyin_ok(A, pa, MACH_MSG_TYPE_MAKE_SEND_ONCE, P, K_SO);
	mach_port_name_t a = ipc_right_copyout(A, p, K_SO);
	CHECK(a != pa && a != na, "own name %u", a);
	CHECK_ENTRY(A, a, P, SO, 0);
	CHECK_ENTRY(A, pa, P, RECV, 0);
	CHECK_PORT(P, 0, 4, 5);
	teardown(__func__);
}

static void test_copy_send(void)
{
	setup();
	mach_port_name_t b = give_send(B, P);
	give_send(B, P);
	CHECK_PORT(P, 1, 0, 2);
	struct ipc_port *p = copyin_ok(B, b, MACH_MSG_TYPE_COPY_SEND, P, K_SEND);
	CHECK_ENTRY(B, b, P, SEND, 2);
	CHECK_PORT(P, 2, 0, 3);
	CHECK(P->mscount == 2, "copy-send makes no send right: mscount %u", P->mscount);
	mach_port_name_t c = ipc_right_copyout(C, p, K_SEND);
	CHECK_ENTRY(C, c, P, SEND, 1);
	CHECK_PORT(P, 2, 0, 3);
	/* copied back into the space it came from: one more user reference */
	p = copyin_ok(B, b, MACH_MSG_TYPE_COPY_SEND, P, K_SEND);
	CHECK(ipc_right_copyout(B, p, K_SEND) == b, "back to its name");
	CHECK_ENTRY(B, b, P, SEND, 3);
	CHECK_PORT(P, 2, 0, 3);
	/* from a send+receive name */
	give_send(A, P);
	p = copyin_ok(A, pa, MACH_MSG_TYPE_COPY_SEND, P, K_SEND);
	CHECK_ENTRY(A, pa, P, SEND | RECV, 1);
	CHECK_PORT(P, 4, 0, 4);
	ipc_right_release(p, K_SEND);
	CHECK_PORT(P, 3, 0, 3);
	teardown(__func__);
}

static void test_move_send(void)
{
	setup();
	mach_port_name_t b = give_send(B, P);
	give_send(B, P);
	give_send(B, P);
	CHECK_PORT(P, 1, 0, 2);
	/* urefs > 1: one user reference leaves as a right of its own */
	struct ipc_port *p = copyin_ok(B, b, MACH_MSG_TYPE_MOVE_SEND, P, K_SEND);
	CHECK_ENTRY(B, b, P, SEND, 2);
	CHECK_PORT(P, 2, 0, 3);
	mach_port_name_t c = ipc_right_copyout(C, p, K_SEND);
	CHECK_ENTRY(C, c, P, SEND, 1);
	CHECK_PORT(P, 2, 0, 3);
	/* urefs == 1 without a receive right: the name goes, the reference moves */
	p = copyin_ok(C, c, MACH_MSG_TYPE_MOVE_SEND, P, K_SEND);
	CHECK(!ipc_space_lookup(C, c) && C->in_use == 0, "name %u freed", c);
	CHECK_PORT(P, 2, 0, 3);
	CHECK(ipc_right_copyout(B, p, K_SEND) == b, "into B: joins");
	CHECK_ENTRY(B, b, P, SEND, 3);
	CHECK_PORT(P, 1, 0, 2);
	/* urefs == 1 with the receive right: the name keeps the receive right */
	give_send(A, P);
	CHECK_PORT(P, 2, 0, 2);
	p = copyin_ok(A, pa, MACH_MSG_TYPE_MOVE_SEND, P, K_SEND);
	CHECK_ENTRY(A, pa, P, RECV, 0);
	CHECK_PORT(P, 2, 0, 3);
	CHECK(ipc_right_copyout(A, p, K_SEND) == pa, "and back");
	CHECK_ENTRY(A, pa, P, SEND | RECV, 1);
	CHECK_PORT(P, 2, 0, 2);
	CHECK(P->mscount == 4 && stub_nmsgs == 0, "mscount %u, %d messages", P->mscount, stub_nmsgs);
	teardown(__func__);
}

static void test_move_send_once(void)
{
	setup();
	mach_port_name_t b = give_so(B, P), b2 = give_so(B, P);
	CHECK_PORT(P, 0, 2, 3);
	struct ipc_port *p = copyin_ok(B, b, MACH_MSG_TYPE_MOVE_SEND_ONCE, P, K_SO);
	CHECK(!ipc_space_lookup(B, b) && B->in_use == 1, "name %u freed", b);
	CHECK_PORT(P, 0, 2, 3);
	mach_port_name_t c = ipc_right_copyout(C, p, K_SO);
	CHECK_ENTRY(C, c, P, SO, 0);
	CHECK_PORT(P, 0, 2, 3);
	/* used (a message went through it): gone quietly */
	p = copyin_ok(C, c, MACH_MSG_TYPE_MOVE_SEND_ONCE, P, K_SO);
	ipc_right_release(p, K_SO);
	CHECK_PORT(P, 0, 1, 2);
	CHECK(stub_nmsgs == 0, "a used send-once right says nothing: %d", stub_nmsgs);
	/* destroyed unused: a send-once notification goes through it */
	p = copyin_ok(B, b2, MACH_MSG_TYPE_MOVE_SEND_ONCE, P, K_SO);
	ipc_right_destroy(p, K_SO);
	int i = find_note(P, MACH_NOTIFY_SEND_ONCE, 0, 0);
	CHECK(stub_nmsgs == 1 && i == 0, "send-once notification (%d messages)", stub_nmsgs);
	CHECK_PORT(P, 0, 1, 2);                     /* the message carries the right */
	mach_msg_header_t h;
	CHECK(stub_msg_receive(stub_msg_take(0), A, &h, NULL) == MACH_MSG_SUCCESS, "received");
	CHECK(h.msgh_local_port == pa && h.msgh_remote_port == 0 &&
	      h.msgh_bits == MACH_MSGH_BITS(0, K_SO) && h.msgh_id == MACH_NOTIFY_SEND_ONCE,
	      "as received: local %u remote %u bits %#x", h.msgh_local_port, h.msgh_remote_port, h.msgh_bits);
	CHECK_PORT(P, 0, 0, 1);
	teardown(__func__);
}

static void test_move_receive(void)
{
	setup();
	/* without send rights on the name */
	struct ipc_port *p = copyin_ok(A, pa, MACH_MSG_TYPE_MOVE_RECEIVE, P, K_RECV);
	CHECK(!ipc_space_lookup(A, pa) && P->receiver == NULL && P->active, "receive right in transit");
	CHECK_PORT(P, 0, 0, 1);
	mach_port_name_t c = ipc_right_copyout(C, p, K_RECV);
	CHECK_ENTRY(C, c, P, RECV, 0);
	CHECK(P->receiver == C && P->receiver_name == c, "receiver C/%u", c);
	CHECK_PORT(P, 0, 0, 1);
	/* with send rights on the name: they stay */
	give_send(C, P);
	give_send(C, P);
	p = copyin_ok(C, c, MACH_MSG_TYPE_MOVE_RECEIVE, P, K_RECV);
	CHECK_ENTRY(C, c, P, SEND, 2);
	CHECK(P->receiver == NULL, "in transit");
	CHECK_PORT(P, 1, 0, 2);
	/* back where the send rights are: one name again */
	CHECK(ipc_right_copyout(C, p, K_RECV) == c, "joins the send name");
	CHECK_ENTRY(C, c, P, SEND | RECV, 2);
	CHECK(P->receiver == C && P->receiver_name == c, "receiver again");
	CHECK_PORT(P, 1, 0, 1);
	/* into a space that has a send right under another name */
	mach_port_name_t b = give_send(B, P);
	p = copyin_ok(C, c, MACH_MSG_TYPE_MOVE_RECEIVE, P, K_RECV);
	CHECK(ipc_right_copyout(B, p, K_RECV) == b, "joins B's send name");
	CHECK_ENTRY(B, b, P, SEND | RECV, 1);
	CHECK_PORT(P, 2, 0, 2);
	/* the receive right of a port set member leaves the set */
	struct ipc_port *set = ipc_pset_alloc();
	mach_port_name_t sn = ipc_space_insert(B, set, MACH_PORT_TYPE_PORT_SET);
	ipc_pset_move(P, set);
	CHECK(P->pset == set && set->set_next == P && P->set_next == set && P->set_prev == set, "in the set");
	p = copyin_ok(B, b, MACH_MSG_TYPE_MOVE_RECEIVE, P, K_RECV);
	CHECK(P->pset == NULL && set->set_next == set && set->set_prev == set && !P->set_next,
	      "a receive right moved out of its space leaves its port set (pset %p, first member %p)",
	      (void *)P->pset, (void *)set->set_next);
	ipc_right_destroy(p, K_RECV);
	CHECK(!P->active && P->pset == NULL && set->set_next == set, "dead port out of the set");
	CHECK_ENTRY(B, sn, set, MACH_PORT_TYPE_PORT_SET, 0);
	teardown(__func__);
}

/* Refused copyins change nothing. */
static void test_copyin_errors(void)
{
	setup();
	mach_port_name_t bs = give_send(B, P), bo = give_so(B, P);
	CHECK(ipc_space_insert_at(B, 50, NULL, DEAD), "a dead name");
	give_send(A, N);                           /* na: send + receive */
	static const uint32_t disps[] = {
		MACH_MSG_TYPE_MOVE_RECEIVE, MACH_MSG_TYPE_MOVE_SEND, MACH_MSG_TYPE_MOVE_SEND_ONCE,
		MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE,
	};
	/* which dispositions each kind of name allows */
	struct { struct ipc_space *s; mach_port_name_t name; unsigned ok; } names[] = {
		{ A, pa, 1u << 0 | 1u << 4 | 1u << 5 },                 /* receive */
		{ A, na, 0x3f & ~(1u << 2) },                           /* send + receive */
		{ B, bs, 1u << 1 | 1u << 3 },                           /* send */
		{ B, bo, 1u << 2 },                                     /* send-once */
		{ B, 50, 0 },                                           /* dead name */
	};
	struct snap before;
	take_snap(&before);
	for (unsigned n = 0; n < sizeof names / sizeof names[0]; n++)
		for (unsigned d = 0; d < 6; d++) {
			if (names[n].ok & (1u << d))
				continue;
			struct ipc_port *p = (struct ipc_port *)0x1234;
			uint32_t t = 77;
			CHECK_KR(ipc_right_copyin(names[n].s, names[n].name, disps[d], &p, &t), KERN_INVALID_RIGHT);
			CHECK(p == (struct ipc_port *)0x1234 && t == 77, "outputs untouched");
			CHECK(same_snap(&before), "name %u disposition %u changed something", names[n].name, disps[d]);
		}
	static const uint32_t bad[] = { 0, MACH_MSG_TYPE_INTEGER_32, MACH_MSG_TYPE_PORT_NAME, 22, 99, 0xffffffffu };
	for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct ipc_port *p;
		uint32_t t;
		CHECK_KR(ipc_right_copyin(A, pa, bad[i], &p, &t), KERN_INVALID_VALUE);
		CHECK_KR(ipc_right_copyin(B, bs, bad[i], &p, &t), KERN_INVALID_VALUE);
		CHECK(same_snap(&before), "disposition %u changed something", bad[i]);
	}
	static const mach_port_name_t unused[] = { 0, 3, 49, 51, 63, 64, 1000, 65535, 65536, MACH_PORT_DEAD };
	for (unsigned i = 0; i < sizeof unused / sizeof unused[0]; i++)
		for (unsigned d = 0; d < 6; d++) {
			struct ipc_port *p;
			uint32_t t;
			if (unused[i] == bs || unused[i] == bo)
				continue;
			CHECK_KR(ipc_right_copyin(B, unused[i], disps[d], &p, &t), KERN_INVALID_NAME);
		}
	CHECK(same_snap(&before), "unused names changed something");
	CHECK(stub_nmsgs == 0 && stub_kprintf_calls == 0, "%d messages, %d kprintfs", stub_nmsgs, stub_kprintf_calls);
	teardown(__func__);
}

/* Rights in kernel form: released (used) or destroyed (unused), copied out. */
static void test_release_destroy_copyout(void)
{
	setup();
	ipc_right_release(NULL, K_SEND);
	ipc_right_destroy(NULL, K_SO);
	CHECK(ipc_right_copyout(B, NULL, K_SEND) == MACH_PORT_NULL, "null copies out as null");
	ipc_port_make_send(P);
	ipc_right_destroy(P, K_SEND);
	CHECK_PORT(P, 0, 0, 1);
	ipc_right_release(so_right(P), K_SO);
	CHECK_PORT(P, 0, 0, 1);
	CHECK(stub_nmsgs == 0, "nothing said: %d", stub_nmsgs);
	ipc_right_destroy(so_right(P), K_SO);
	CHECK(find_note(P, MACH_NOTIFY_SEND_ONCE, 0, 0) == 0, "unused send-once: notification");
	stub_msgs_drain();
	CHECK_PORT(P, 0, 0, 1);

	/* rights to a dead port copy out as MACH_PORT_DEAD and are let go */
	ipc_port_make_send(P);
	ipc_port_make_send(P);
	ipc_port_make_send_once(P);
	ipc_port_make_send_once(P);
	ipc_port_ref(P);                            /* to watch it after death */
	ipc_space_release_entry(A, pa);
	CHECK(!P->active, "dead");
	CHECK_PORT(P, 2, 2, 5);
	CHECK(ipc_right_copyout(B, P, K_SEND) == MACH_PORT_DEAD, "send to dead: DEAD");
	CHECK_PORT(P, 1, 2, 4);
	ipc_right_destroy(P, K_SEND);
	CHECK(ipc_right_copyout(B, P, K_SO) == MACH_PORT_DEAD, "send-once to dead: DEAD");
	ipc_right_destroy(P, K_SO);                 /* unused, but nobody is left to tell */
	CHECK_PORT(P, 0, 0, 1);
	CHECK(B->in_use == 0 && stub_nmsgs == 0, "in_use %u, %d messages", B->in_use, stub_nmsgs);
	ipc_port_release(P);

	/* a receive right in kernel form: releasing it kills the port */
	struct ipc_port *q = ipc_port_alloc();
	ipc_port_make_send(q);
	mach_port_name_t bq = ipc_space_insert(B, q, SEND);
	ipc_right_release(q, K_RECV);
	CHECK_ENTRY(B, bq, NULL, DEAD, 1);
	teardown(__func__);
}

/* kmsg_copyin: "on failure nothing is taken from the space". */
static void test_kmsg_same_name(void)
{
	setup();
	static const uint32_t disp[2] = { MACH_MSG_TYPE_MOVE_SEND, MACH_MSG_TYPE_MOVE_SEND_ONCE };
	for (int k = 0; k < 2; k++) {
		mach_port_name_t b = k ? give_so(B, P) : give_send(B, P);
		struct snap before;
		take_snap(&before);
		struct kmsg *m = kmsg_alloc(sizeof(mach_msg_header_t));
		m->hdr->msgh_bits = MACH_MSGH_BITS(disp[k], disp[k]);
		m->hdr->msgh_size = sizeof(mach_msg_header_t);
		m->hdr->msgh_remote_port = b;
		m->hdr->msgh_local_port = b;
		mach_msg_return_t r = kmsg_copyin(B, m);
		CHECK(r != MACH_MSG_SUCCESS, "dest and reply both moving name %u's only right: %#x", b, r);
		CHECK(same_snap(&before), "refused message with dest == reply (disposition %u) took name %u's right: "
		      "entry type %#x, port srights %u sorights %u", disp[k], b, B->table[b].type, P->srights, P->sorights);
		kfree(m);
		stub_msgs_drain();
	}
	teardown(__func__);
}

int main(void)
{
	test_make_send();
	test_make_send_once();
	test_copy_send();
	test_move_send();
	test_move_send_once();
	test_move_receive();
	test_copyin_errors();
	test_release_destroy_copyout();
	test_kmsg_same_name();
	return check_summary();
}
