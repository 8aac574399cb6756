/*
 * test_ipc_notify.c - host unit test of the notifications the kernel sends
 * about rights and ports (kernel/ipc/notify.c, port.c, space.c, right.c over
 * the stubs of ipc_stubs.c), built -m32.
 *
 * ipc_mqueue_send is stubbed to capture the kernel-form messages, so each
 * notification is checked field by field (destination, id, size, header
 * bits, body descriptor and word), then received into a space with
 * kmsg_copyout as a task would: no-senders when the last send right goes
 * and not before mscount reaches the request's sync; dead-name requests
 * firing with the name on port death and adding a user reference;
 * port-deleted when a name with a request is deallocated; send-once when an
 * unused send-once right is destroyed; port-destroyed carrying the receive
 * right back.
 */
#include "ipc_testutil.h"

#include <sys/wait.h>

static void test_no_senders(void)
{
	setup();
	P->nsrequest = so_right(N);
	P->nsrequest_sync = 2;
	/* mscount 1 < sync 2: the last send right going says nothing */
	mach_port_name_t b = ipc_right_copyout(B, copyin_ok(A, pa, MACH_MSG_TYPE_MAKE_SEND, P, K_SEND), K_SEND);
	ipc_space_release_entry(B, b);
	CHECK(P->srights == 0 && stub_nmsgs == 0 && P->nsrequest == N, "not before mscount reaches sync");
	/* mscount 3: only the very last send right fires it */
	b = ipc_right_copyout(B, copyin_ok(A, pa, MACH_MSG_TYPE_MAKE_SEND, P, K_SEND), K_SEND);
	ipc_right_copyout(B, copyin_ok(A, pa, MACH_MSG_TYPE_MAKE_SEND, P, K_SEND), K_SEND);
	struct ipc_port *t = copyin_ok(B, b, MACH_MSG_TYPE_COPY_SEND, P, K_SEND);
	struct ipc_port *t2 = copyin_ok(B, b, MACH_MSG_TYPE_MOVE_SEND, P, K_SEND);
	CHECK_PORT(P, 3, 0, 4);
	ipc_space_release_entry(B, b);
	ipc_right_release(t, K_SEND);
	CHECK(P->srights == 1 && stub_nmsgs == 0, "one send right left, nothing said");
	ipc_right_destroy(t2, K_SEND);
	CHECK_PORT(P, 0, 0, 1);
	int i = find_note(N, MACH_NOTIFY_NO_SENDERS, MACH_MSG_TYPE_INTEGER_32, 3);
	CHECK(stub_nmsgs == 1 && i == 0, "no-senders with mscount 3 (%d messages)", stub_nmsgs);
	CHECK(P->nsrequest == NULL && N->sorights == 1, "request used up; the message holds its right");
	mach_msg_header_t h;
	uint32_t body;
	CHECK(stub_msg_receive(stub_msg_take(0), A, &h, &body) == MACH_MSG_SUCCESS, "received");
	CHECK(h.msgh_local_port == na && h.msgh_remote_port == 0 && h.msgh_bits == MACH_MSGH_BITS(0, K_SO) &&
	      h.msgh_id == MACH_NOTIFY_NO_SENDERS && body == 3, "as received: local %u bits %#x body %u",
	      h.msgh_local_port, h.msgh_bits, body);
	CHECK_PORT(N, 0, 0, 1);
	/* once only */
	ipc_right_release(copyin_ok(A, pa, MACH_MSG_TYPE_MAKE_SEND, P, K_SEND), K_SEND);
	CHECK(stub_nmsgs == 0, "fired once: %d", stub_nmsgs);
	/* a port that dies with a request: the request's right is destroyed */
	P->nsrequest = so_right(N);
	P->nsrequest_sync = 0;
	give_send(B, P);
	ipc_space_release_entry(A, pa);
	CHECK(stub_nmsgs == 1 && find_note(N, MACH_NOTIFY_SEND_ONCE, 0, 0) == 0,
	      "dead port: send-once notification instead (%d)", stub_nmsgs);
	stub_msgs_drain();
	CHECK_PORT(N, 0, 0, 1);
	teardown(__func__);
}

static void test_dead_name_requests(void)
{
	setup();
	CHECK(ipc_space_insert_at(C, 1, NULL, DEAD), "so that C's name differs from B's");
	mach_port_name_t b = give_send(B, P), c = give_so(C, P);
	CHECK(b != c, "names %u %u", b, c);
	CHECK(ipc_dnrequest_set(P, B, b, so_right(N)) == NULL, "request on B's send right");
	CHECK(ipc_dnrequest_set(P, C, c, so_right(N)) == NULL, "request on C's send-once right");
	struct ipc_port *prev = ipc_dnrequest_set(P, B, b, so_right(N));
	CHECK(prev == N, "a second request returns the first's right");
	ipc_right_destroy(prev, K_SO);
	CHECK(find_note(N, MACH_NOTIFY_SEND_ONCE, 0, 0) == 0, "which, destroyed, says so");
	stub_msgs_drain();
	CHECK_PORT(N, 0, 2, 3);

	ipc_space_release_entry(A, pa);
	CHECK(stub_nmsgs == 2, "two dead-name notifications: %d", stub_nmsgs);
	CHECK(find_note(N, MACH_NOTIFY_DEAD_NAME, MACH_MSG_TYPE_PORT_NAME, b) >= 0, "for B's name %u", b);
	CHECK(find_note(N, MACH_NOTIFY_DEAD_NAME, MACH_MSG_TYPE_PORT_NAME, c) >= 0, "for C's name %u", c);
	CHECK(P->dnrequests == NULL, "requests used up");
	/* each notification adds a user reference to the dead name */
	CHECK(B->table[b].urefs == 2 && C->table[c].urefs == 1, "raw urefs %u %u", B->table[b].urefs,
	      C->table[c].urefs);
	CHECK_ENTRY(B, b, NULL, DEAD, 2);
	CHECK_ENTRY(C, c, NULL, DEAD, 2);
	/* the name travels as a bare name */
	uint32_t body;
	CHECK(stub_msg_receive(stub_msg_take(0), A, NULL, &body) == MACH_MSG_SUCCESS && (body == b || body == c),
	      "received body %u", body);
	stub_msgs_drain();
	CHECK_PORT(N, 0, 0, 1);
	teardown(__func__);
}

static void test_port_deleted(void)
{
	setup();
	CHECK(ipc_space_insert_at(C, 1, NULL, DEAD), "so that C's name differs from B's");
	mach_port_name_t b = give_send(B, P), c = give_so(C, P), b2 = give_so(B, P);
	CHECK(b != c, "names %u %u", b, c);
	ipc_dnrequest_set(P, B, b, so_right(N));
	ipc_dnrequest_set(P, C, c, so_right(N));
	ipc_dnrequest_set(P, B, b2, so_right(N));
	ipc_space_release_entry(B, b);
	CHECK(stub_nmsgs == 1 && find_note(N, MACH_NOTIFY_PORT_DELETED, MACH_MSG_TYPE_PORT_NAME, b) == 0,
	      "port-deleted for %u (%d messages)", b, stub_nmsgs);
	ipc_space_release_entry(C, c);              /* and a send-once notification to P */
	CHECK(stub_nmsgs == 3 && find_note(N, MACH_NOTIFY_PORT_DELETED, MACH_MSG_TYPE_PORT_NAME, c) > 0 &&
	      find_note(P, MACH_NOTIFY_SEND_ONCE, 0, 0) > 0, "port-deleted for %u (%d messages)", c, stub_nmsgs);
	stub_msgs_drain();
	/* a cancelled request says nothing */
	CHECK(ipc_dnrequest_set(P, B, b2, NULL) == N, "cancel returns the right");
	ipc_right_destroy(N, K_SO);
	stub_msgs_drain();
	CHECK(P->dnrequests == NULL && N->sorights == 0, "no requests left");

	/* Moving the last right out of a name is deallocating it: a request on
	 * it turns into a port-deleted notification, as in Mach. */
	static const uint32_t how[2] = { MACH_MSG_TYPE_MOVE_SEND, MACH_MSG_TYPE_MOVE_SEND_ONCE };
	for (int k = 0; k < 2; k++) {
		mach_port_name_t n = k ? give_so(B, P) : give_send(B, P);
		ipc_dnrequest_set(P, B, n, so_right(N));
		struct ipc_port *t = copyin_ok(B, n, how[k], P, k ? K_SO : K_SEND);
		CHECK(P->dnrequests == NULL && stub_nmsgs == 1 &&
		      find_note(N, MACH_NOTIFY_PORT_DELETED, MACH_MSG_TYPE_PORT_NAME, n) == 0,
		      "copyin disposition %u of name %u's last right: the request on it must become port-deleted "
		      "(requests left: %s, %d messages)", how[k], n, P->dnrequests ? "yes" : "none", stub_nmsgs);
		if (P->dnrequests)                      /* clean up after the bug */
			ipc_right_destroy(ipc_dnrequest_set(P, B, n, NULL), K_SO);
		stub_msgs_drain();
		ipc_right_release(t, k ? K_SO : K_SEND);
	}
	CHECK_PORT(P, 0, 1, 2);                     /* b2 */
	CHECK_PORT(N, 0, 0, 1);
	teardown(__func__);
}

static void test_port_destroyed(void)
{
	setup();
	mach_port_name_t b = give_send(B, P);
	struct ipc_port *set = ipc_pset_alloc();
	ipc_space_insert(A, set, MACH_PORT_TYPE_PORT_SET);
	ipc_pset_move(P, set);
	P->pdrequest = so_right(N);
	ipc_space_release_entry(A, pa);
	CHECK(P->active && P->receiver == NULL && P->pset == NULL && set->set_next == set && !P->pdrequest,
	      "the receive right is out, in the notification");
	int i = find_note(N, MACH_NOTIFY_PORT_DESTROYED, K_RECV, (uint32_t)P);
	CHECK(stub_nmsgs == 1 && i == 0, "port-destroyed carrying the port (%d messages)", stub_nmsgs);
	CHECK_PORT(P, 1, 0, 2);                     /* B's name, the message */
	CHECK_ENTRY(B, b, P, SEND, 1);              /* senders see nothing */
	mach_msg_header_t h;
	uint32_t body;
	CHECK(stub_msg_receive(stub_msg_take(0), C, &h, &body) == MACH_MSG_SUCCESS, "received in C");
	CHECK(h.msgh_bits == (MACH_MSGH_BITS(0, K_SO) | MACH_MSGH_BITS_COMPLEX) && h.msgh_local_port == 0,
	      "header bits %#x local %u", h.msgh_bits, h.msgh_local_port);
	CHECK_ENTRY(C, body, P, RECV, 0);
	CHECK(P->receiver == C && P->receiver_name == body, "C holds the receive right as %u", body);
	CHECK_PORT(P, 1, 0, 2);
	CHECK_PORT(N, 0, 0, 1);

	/* a port-destroyed notification to a dead port destroys what it carries */
	pa = body;
	P->pdrequest = so_right(N);
	ipc_space_release_entry(A, na);             /* N dies */
	ipc_space_release_entry(C, pa);
	CHECK(P->active && stub_nmsgs == 1 && !stub_msgs[0].dest_active, "sent to the dead port");
	stub_msgs_drain();                          /* the kernel destroys it: P dies */
	CHECK_ENTRY(B, b, NULL, DEAD, 1);
	teardown(__func__);
}

/* Child process: a dead-name request on a name whose right was moved out,
 * then the space destroyed, then the port's death (exit 0 if that is safe). */
static int request_outlives_space_child(void)
{
	setup();
	mach_port_name_t b = give_send(B, P);
	ipc_dnrequest_set(P, B, b, so_right(N));
	ipc_right_release(copyin_ok(B, b, MACH_MSG_TYPE_MOVE_SEND, P, K_SEND), K_SEND);
	ipc_space_destroy(B);
	ipc_space_release_entry(A, pa);             /* P dies: its requests fire */
	return 0;
}

static void test_request_outlives_space(void)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0)
		_exit(request_outlives_space_child());
	int status = 0;
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "a port dying after the space that requested its dead-name notification was destroyed "
	      "(the request's name had been moved out) must not touch the freed space (child %s %d)",
	      WIFEXITED(status) ? "exit" : "signal", WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
}

int main(void)
{
	test_no_senders();
	test_dead_name_requests();
	test_port_deleted();
	test_port_destroyed();
	test_request_outlives_space();
	return check_summary();
}
