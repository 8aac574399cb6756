/*
 * test_ipc_space.c - host unit test of port name spaces and their rights
 * accounting (kernel/ipc/space.c with port.c, right.c, notify.c, kmsg.c and
 * msg_body.c, over the stubs of ipc_stubs.c), built -m32.
 *
 * Names: insert, lookup, free; all send rights for a port share one name
 * counted in user references, each send-once right has a name of its own,
 * receive and send rights share a name (whichever arrives first); a right
 * whose port died reads as a dead name on lookup, keeping its user
 * references (a send-once right counts one); the table grows past its
 * initial size and to a chosen high name; names stop at the cap.
 * ipc_space_destroy releases everything: every test ends with no port alive
 * and nothing outstanding in the allocator.
 */
#include "ipc_testutil.h"

#include <sys/wait.h>

static void test_insert_lookup_free(void)
{
	struct ipc_space *s = ipc_space_create();
	CHECK(s && s->in_use == 0, "new space");
	CHECK(!ipc_space_lookup(s, 0) && !ipc_space_lookup(s, 1) && !ipc_space_lookup(s, 63) &&
	      !ipc_space_lookup(s, 64) && !ipc_space_lookup(s, 100000) &&
	      !ipc_space_lookup(s, MACH_PORT_DEAD), "an empty space names nothing");

	mach_port_name_t a, b;
	struct ipc_port *p = recv_in(s, &a), *q = recv_in(s, &b);
	CHECK(MACH_PORT_VALID(a) && MACH_PORT_VALID(b) && a != b, "names %u %u", a, b);
	CHECK(s->in_use == 2, "in_use %u", s->in_use);
	CHECK_ENTRY(s, a, p, RECV, 0);
	CHECK_ENTRY(s, b, q, RECV, 0);
	CHECK(p->receiver == s && p->receiver_name == a, "receiver of p");
	CHECK(q->receiver == s && q->receiver_name == b, "receiver of q");
	CHECK_PORT(p, 0, 0, 1);
	CHECK(ipc_port_count() == 2, "2 ports");

	/* free_entry forgets the name (the caller deals with the right) */
	ipc_space_free_entry(s, a);
	CHECK(!ipc_space_lookup(s, a) && s->in_use == 1, "freed name %u", a);
	CHECK_PORT(p, 0, 0, 1);
	CHECK(ipc_space_insert(s, p, RECV) == a, "the free name is used again");
	CHECK(s->in_use == 2, "in_use %u", s->in_use);

	/* release_entry of a receive right destroys the port */
	ipc_space_release_entry(s, b);
	CHECK(!ipc_space_lookup(s, b) && s->in_use == 1, "released %u", b);
	CHECK(ipc_port_count() == 1, "q freed");

	/* a dead name made directly */
	CHECK(ipc_space_insert_at(s, 40, NULL, DEAD), "dead name at 40");
	CHECK_ENTRY(s, 40, NULL, DEAD, 1);
	CHECK(!ipc_space_insert_at(s, 40, NULL, DEAD) && !ipc_space_insert_at(s, 0, NULL, DEAD),
	      "taken and null names refused");
	ipc_space_destroy(s);
	CHECK(stub_nmsgs == 0, "no notifications: %d", stub_nmsgs);
	check_no_leaks(__func__);
}

static void test_send_rights(void)
{
	struct ipc_space *a = ipc_space_create(), *b = ipc_space_create();
	mach_port_name_t r;
	struct ipc_port *p = recv_in(a, &r);

	/* send rights coalesce under one name in user references */
	mach_port_name_t n1 = give_send(b, p), n2 = give_send(b, p), n3 = give_send(b, p);
	CHECK(n1 && n1 == n2 && n2 == n3, "one name for sends: %u %u %u", n1, n2, n3);
	CHECK_ENTRY(b, n1, p, SEND, 3);
	CHECK_PORT(p, 1, 0, 2);
	CHECK(p->mscount == 3 && b->in_use == 1, "mscount %u in_use %u", p->mscount, b->in_use);

	/* send-once rights: a name each */
	mach_port_name_t o1 = give_so(b, p), o2 = give_so(b, p);
	CHECK(o1 && o2 && o1 != o2 && o1 != n1 && o2 != n1, "send-once names %u %u", o1, o2);
	CHECK_ENTRY(b, o1, p, SO, 0);
	CHECK_ENTRY(b, o2, p, SO, 0);
	CHECK_PORT(p, 1, 2, 4);
	CHECK(give_send(b, p) == n1, "a send right still joins its name");
	CHECK_ENTRY(b, n1, p, SEND, 4);
	CHECK_PORT(p, 1, 2, 4);

	/* receive and send share a name: send arriving where the receive is */
	mach_port_name_t s1 = give_send(a, p);
	CHECK(s1 == r, "send joins the receive name: %u vs %u", s1, r);
	CHECK_ENTRY(a, r, p, SEND | RECV, 1);
	CHECK_PORT(p, 2, 2, 4);
	CHECK(give_send(a, p) == r, "and again");
	CHECK_ENTRY(a, r, p, SEND | RECV, 2);
	CHECK_PORT(p, 2, 2, 4);

	/* ... and the receive right arriving where a send right is */
	struct ipc_port *q = ipc_port_alloc();      /* its reference: the receive right */
	mach_port_name_t qs = give_send(b, q);
	CHECK_PORT(q, 1, 0, 2);
	CHECK(ipc_space_insert(b, q, RECV) == qs, "receive joins the send name");
	CHECK_ENTRY(b, qs, q, SEND | RECV, 1);
	CHECK(q->receiver == b && q->receiver_name == qs, "receiver of q");
	CHECK_PORT(q, 1, 0, 1);

	/* releasing names */
	ipc_space_release_entry(b, o1);             /* unused send-once: a notification */
	CHECK(stub_nmsgs == 1 && kmsg_remote(stub_msgs[0].m) == p &&
	      stub_msgs[0].m->hdr->msgh_id == MACH_NOTIFY_SEND_ONCE, "send-once notification");
	CHECK_PORT(p, 2, 2, 4);                     /* the message holds the right */
	stub_msg_consume(stub_msg_take(0));
	CHECK_PORT(p, 2, 1, 3);
	ipc_space_release_entry(b, n1);             /* all 4 urefs: one send right */
	CHECK(!ipc_space_lookup(b, n1), "name %u gone", n1);
	CHECK_PORT(p, 1, 1, 2);
	ipc_space_destroy(b);                        /* q's receive: q dies */
	CHECK(ipc_port_count() == 1, "q freed");
	CHECK(stub_nmsgs == 1, "o2's send-once notification: %d", stub_nmsgs);
	stub_msgs_drain();
	CHECK_PORT(p, 1, 0, 1);
	ipc_space_destroy(a);
	check_no_leaks(__func__);
}

static void test_dead_names(void)
{
	struct ipc_space *a = ipc_space_create(), *b = ipc_space_create(), *c = ipc_space_create();
	mach_port_name_t r;
	struct ipc_port *p = recv_in(a, &r);
	mach_port_name_t n = give_send(b, p);
	give_send(b, p);
	give_send(b, p);
	mach_port_name_t o = give_so(b, p), cn = give_send(c, p), co = give_so(c, p);
	CHECK_PORT(p, 2, 2, 5);

	stub_wakes_reset();
	ipc_space_release_entry(a, r);
	CHECK(!p->active, "the port died");
	CHECK(stub_woken(&p->receivers, WAIT_INTERRUPTED) && stub_woken(&p->senders, WAIT_INTERRUPTED),
	      "its waiters are interrupted");
	CHECK(stub_nmsgs == 0, "no requests, no notifications: %d", stub_nmsgs);
	CHECK_PORT(p, 2, 2, 4);                     /* lazily: the names still hold it */
	CHECK(b->table[n].type == SEND && b->table[n].port == p, "raw entry not converted yet");

	CHECK_ENTRY(b, n, NULL, DEAD, 3);           /* keeps its user references */
	CHECK_PORT(p, 1, 2, 3);
	CHECK_ENTRY(b, o, NULL, DEAD, 1);           /* a send-once right counts one */
	CHECK_PORT(p, 1, 1, 2);
	CHECK_ENTRY(b, n, NULL, DEAD, 3);           /* looking again changes nothing */
	CHECK(b->in_use == 2, "in_use %u", b->in_use);
	CHECK(stub_nmsgs == 0, "a dead send-once right tells nobody: %d", stub_nmsgs);

	/* names never looked up go straight from the raw entry */
	ipc_space_release_entry(c, co);
	CHECK_PORT(p, 1, 0, 1);
	CHECK(ipc_port_count() == 1, "port alive until its last name goes");
	ipc_space_release_entry(c, cn);
	CHECK(ipc_port_count() == 0, "port freed with its last reference");
	CHECK(stub_nmsgs == 0, "no notifications: %d", stub_nmsgs);

	ipc_space_release_entry(b, n);              /* a dead name just goes */
	CHECK(!ipc_space_lookup(b, n) && b->in_use == 1, "dead name released");
	ipc_space_destroy(a);
	ipc_space_destroy(b);
	ipc_space_destroy(c);
	check_no_leaks(__func__);
}

static void test_growth(void)
{
	struct ipc_space *s = ipc_space_create();
	struct ipc_port *p = ipc_port_alloc();
	static bool seen[IPC_SPACE_MAX_NAMES];
	memset(seen, 0, sizeof seen);
	uint32_t initial = s->size;
	int bad = 0;
	for (int i = 0; i < 3 * (int)initial; i++) {
		mach_port_name_t n = give_so(s, p);
		if (!MACH_PORT_VALID(n) || n >= IPC_SPACE_MAX_NAMES || seen[n])
			bad++;
		else
			seen[n] = true;
	}
	CHECK(bad == 0, "%d bad or repeated names", bad);
	CHECK(s->size > 3 * initial && s->in_use == 3 * initial, "size %u in_use %u", s->size, s->in_use);
	CHECK_PORT(p, 0, 3 * initial, 3 * initial + 1);
	bad = 0;
	for (mach_port_name_t n = 1; n < s->size; n++) {
		struct ipc_entry *e = ipc_space_lookup(s, n);
		if (seen[n] ? !e || e->port != p || e->type != SO : e != NULL)
			bad++;
	}
	CHECK(bad == 0, "%d names wrong after growth", bad);

	/* a chosen high name */
	ipc_port_make_send_once(p);
	CHECK(ipc_space_insert_at(s, 5000, p, SO), "insert at 5000");
	CHECK(s->size > 5000, "size %u", s->size);
	CHECK_ENTRY(s, 5000, p, SO, 0);
	CHECK(!ipc_space_lookup(s, 4999) && !ipc_space_lookup(s, 5001) && !ipc_space_lookup(s, s->size),
	      "neighbours empty");
	ipc_port_make_send_once(p);
	CHECK(!ipc_space_insert_at(s, 5000, p, SO), "5000 is taken");
	CHECK_ENTRY(s, 5000, p, SO, 0);
	CHECK(!ipc_space_insert_at(s, 0, p, SO), "0 is never a name");
	ipc_port_release_send_once(p);              /* the refused right is still ours */
	CHECK_PORT(p, 0, 3 * initial + 1, 3 * initial + 2);

	/* the send right of another port at a high name still collects its sends */
	struct ipc_port *q = ipc_port_alloc();
	ipc_port_make_send(q);
	CHECK(ipc_space_insert_at(s, 3000, q, SEND), "send at 3000");
	CHECK(give_send(s, q) == 3000, "coalesced at the high name");
	CHECK_ENTRY(s, 3000, q, SEND, 2);
	CHECK_PORT(q, 1, 0, 2);

	/* freed low names are used again before the table grows */
	uint32_t size = s->size;
	ipc_space_release_entry(s, 7);
	ipc_space_release_entry(s, 3);
	CHECK(stub_nmsgs == 2, "two send-once notifications: %d", stub_nmsgs);
	stub_msgs_drain();
	mach_port_name_t x = give_so(s, p), y = give_so(s, p);
	CHECK((x == 3 && y == 7) || (x == 7 && y == 3), "reused %u %u", x, y);
	CHECK(s->size == size, "no growth: %u", s->size);

	ipc_space_destroy(s);
	CHECK(stub_nmsgs == (int)(3 * initial + 1), "a notification per send-once name: %d", stub_nmsgs);
	kill_kernel_port(q);
	kill_kernel_port(p);
	check_no_leaks(__func__);
}

/* Child process: insert at the name MACH_PORT_DEAD, which must be refused
 * without touching memory outside the table (exit 0 when it is). */
static int insert_at_dead_name_child(void)
{
	struct ipc_space *s = ipc_space_create();
	bool taken = ipc_space_insert_at(s, MACH_PORT_DEAD, NULL, DEAD);
	return taken ? 1 : 0;
}

static void test_name_cap(void)
{
	struct ipc_space *s = ipc_space_create();
	CHECK(ipc_space_insert_at(s, IPC_SPACE_MAX_NAMES - 1, NULL, DEAD), "the last name");
	CHECK(s->size == IPC_SPACE_MAX_NAMES, "size %u", s->size);
	CHECK(!ipc_space_insert_at(s, IPC_SPACE_MAX_NAMES, NULL, DEAD) &&
	      !ipc_space_insert_at(s, 0x80000000u, NULL, DEAD), "past the cap");
	CHECK(s->size == IPC_SPACE_MAX_NAMES && s->in_use == 1, "unchanged");

	/* the same, where an out-of-bounds write would do harm: in a child */
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0)
		_exit(insert_at_dead_name_child());
	int status = 0;
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "ipc_space_insert_at(MACH_PORT_DEAD) must be refused (child %s %d)",
	      WIFEXITED(status) ? "exit" : "signal", WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));

	/* fill every name: dead names, and one send right to q */
	struct ipc_port *q = ipc_port_alloc(), *p = ipc_port_alloc();
	ipc_port_make_send(q);
	CHECK(ipc_space_insert_at(s, 100, q, SEND), "q at 100");
	int bad = 0;
	for (mach_port_name_t n = 1; n < IPC_SPACE_MAX_NAMES - 1; n++)
		if (n != 100 && !ipc_space_insert_at(s, n, NULL, DEAD))
			bad++;
	CHECK(bad == 0 && s->in_use == IPC_SPACE_MAX_NAMES - 1, "filled: %d bad, in_use %u", bad, s->in_use);

	ipc_port_make_send_once(p);
	CHECK(ipc_space_insert(s, p, SO) == 0, "full: no name");
	CHECK_PORT(p, 0, 1, 2);                     /* the right is still the caller's */
	ipc_port_make_send(p);
	CHECK(ipc_space_insert(s, p, SEND) == 0, "full: no name for a send right");
	CHECK_PORT(p, 1, 1, 3);
	CHECK(s->in_use == IPC_SPACE_MAX_NAMES - 1 && s->size == IPC_SPACE_MAX_NAMES, "unchanged");

	/* copyout into the full space: dead, and the right is gone */
	CHECK(ipc_right_copyout(s, p, MACH_MSG_TYPE_PORT_SEND) == MACH_PORT_DEAD, "send: dead");
	CHECK_PORT(p, 0, 1, 2);
	CHECK(ipc_right_copyout(s, p, MACH_MSG_TYPE_PORT_SEND_ONCE) == MACH_PORT_DEAD, "send-once: dead");
	/* An unusable send-once right is destroyed, not used: its port hears of
	 * it (a send-once notification), as when a message carrying it dies. */
	CHECK(stub_nmsgs == 1 && kmsg_remote(stub_msgs[0].m) == p &&
	      stub_msgs[0].m->hdr->msgh_id == MACH_NOTIFY_SEND_ONCE,
	      "send-once right lost in a failed copyout sends a send-once notification (%d messages)", stub_nmsgs);
	stub_msgs_drain();
	CHECK_PORT(p, 0, 0, 1);
	/* a send right for a port the full space already names still fits */
	ipc_port_make_send(q);
	CHECK(ipc_right_copyout(s, q, MACH_MSG_TYPE_PORT_SEND) == 100, "coalesced in a full space");
	CHECK_ENTRY(s, 100, q, SEND, 2);

	ipc_space_destroy(s);
	kill_kernel_port(p);
	kill_kernel_port(q);
	check_no_leaks(__func__);
}

/* Every kind of entry in three spaces, with requests, sets and rights in
 * transit; destroying it all leaves nothing. */
static void test_destroy_everything(void)
{
	struct ipc_space *s[3];
	for (int i = 0; i < 3; i++)
		s[i] = ipc_space_create();
	struct ipc_port *p[6];
	mach_port_name_t r[6];
	for (int i = 0; i < 6; i++)
		p[i] = recv_in(s[i % 3], &r[i]);
	for (int i = 0; i < 6; i++) {
		give_send(s[(i + 1) % 3], p[i]);
		give_send(s[(i + 1) % 3], p[i]);
		give_so(s[(i + 2) % 3], p[i]);
		give_send(s[i % 3], p[i]);              /* send + receive under one name */
	}
	/* a port set in s[0] holding p[0] and p[3] */
	struct ipc_port *set = ipc_pset_alloc();
	mach_port_name_t sn = ipc_space_insert(s[0], set, MACH_PORT_TYPE_PORT_SET);
	CHECK(sn && s[0]->table[sn].type == MACH_PORT_TYPE_PORT_SET, "set named %u", sn);
	ipc_pset_move(p[0], set);
	ipc_pset_move(p[3], set);
	CHECK(set->set_next == p[3] && set->set_prev == p[0] && set->refs == 3, "set refs %u", set->refs);
	/* dead-name requests, a no-senders request and a port-destroyed request */
	for (int i = 0; i < 6; i++) {
		struct ipc_space *t = s[(i + 1) % 3];
		mach_port_name_t n = give_send(t, p[i]);
		ipc_port_make_send_once(p[(i + 1) % 6]);
		CHECK(ipc_dnrequest_set(p[i], t, n, p[(i + 1) % 6]) == NULL, "request %d", i);
	}
	ipc_port_make_send_once(p[5]);
	p[1]->nsrequest = p[5];
	p[1]->nsrequest_sync = 0;
	ipc_port_make_send_once(p[4]);
	p[2]->pdrequest = p[4];
	/* dead names, and a right in transit of each kind */
	CHECK(ipc_space_insert_at(s[1], 999, NULL, DEAD), "dead name");
	struct ipc_port *t1, *t2, *t3;
	uint32_t k1, k2, k3;
	CHECK(ipc_right_copyin(s[0], r[0], MACH_MSG_TYPE_MAKE_SEND, &t1, &k1) == KERN_SUCCESS &&
	      ipc_right_copyin(s[0], r[3], MACH_MSG_TYPE_MAKE_SEND_ONCE, &t2, &k2) == KERN_SUCCESS &&
	      ipc_right_copyin(s[1], r[1], MACH_MSG_TYPE_MOVE_RECEIVE, &t3, &k3) == KERN_SUCCESS,
	      "copyins");
	CHECK(ipc_port_count() == 7, "7 ports: %u", ipc_port_count());

	ipc_space_destroy(s[1]);
	ipc_right_destroy(t2, k2);
	ipc_space_destroy(s[0]);
	ipc_right_release(t1, k1);
	ipc_space_destroy(s[2]);
	int n = stub_msgs_drain();                  /* p[2] went to dead p[4]: it dies */
	CHECK(n > 0, "notifications went out (%d)", n);
	CHECK(ipc_port_count() == 1 && t3->active, "the receive right in transit keeps its port (%u ports)",
	      ipc_port_count());
	ipc_right_destroy(t3, k3);
	check_no_leaks(__func__);
}

/* A release the port cannot take is a kernel bug: panic. */
static void test_panics(void)
{
	jmp_buf j;
	struct ipc_port *p = ipc_port_alloc();
	if (!setjmp(j)) {
		stub_panic_jmp = &j;
		ipc_port_release(p);                    /* the last reference of a live port */
		CHECK(0, "releasing a live port's last reference did not panic");
	} else {
		CHECK(strstr(stub_panic_msg, "assertion failed: !p->active") != NULL, "panic: %s", stub_panic_msg);
	}
	stub_panic_jmp = NULL;
	p->refs = 1;                                /* undo, to clean up */
	kill_kernel_port(p);
	check_no_leaks(__func__);
}

int main(void)
{
	test_insert_lookup_free();
	test_send_rights();
	test_dead_names();
	test_growth();
	test_name_cap();
	test_destroy_everything();
	test_panics();
	return check_summary();
}
