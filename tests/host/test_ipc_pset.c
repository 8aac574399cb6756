/*
 * test_ipc_pset.c - host unit test of port sets (kernel/ipc/port.c and the
 * queue hooks of kernel/ipc/mqueue.c over the stubs of ipc_stubs.c), -m32.
 *
 * A set keeps its members on a ring: those holding no message first, then
 * those holding one in the arrival order of their first messages, from the
 * set's oldest_ready on, so that a receive on the set takes the oldest
 * message of any member without a walk. After every operation the ring is
 * checked whole (links both ways, every member's pset, the order, the
 * oldest_ready pointer), and what a receive on the set takes is checked
 * against arrival order: across members, a member removed or destroyed
 * while it holds messages, a port moved between sets, a message put back
 * at the head of its queue (a hand-off the receiver could not take), a set
 * destroyed with messages queued. A randomised run of thousands of such
 * operations ends the test against a model that knows each port's queue.
 * Every test ends with no port and no heap block alive.
 */
#include "ipc_testutil.h"
#include "ipc/mqueue.h"

/* The ring of set as the comment above says it must be; why it is not, in
 * why (empty if it is). */
static bool ring_ok(struct ipc_port *set, char *why, size_t len)
{
	why[0] = 0;
	struct ipc_port *prev = set, *first_ready = NULL;
	int n = 0;
	for (struct ipc_port *m = set->set_next; m != set; prev = m, m = m->set_next) {
		if (++n > 4096)
			return snprintf(why, len, "the ring does not come back to the set"), false;
		if (m->set_prev != prev || m->pset != set || m->is_set)
			return snprintf(why, len, "member %d: prev %p pset %p", n, (void *)m->set_prev, (void *)m->pset), false;
		if (m->msgs_head && !first_ready)
			first_ready = m;
		if (!m->msgs_head && first_ready)
			return snprintf(why, len, "member %d holds no message, after one that does", n), false;
		if (m->msgs_head && m != first_ready &&
		    (int32_t)(m->msgs_head->arrival - prev->msgs_head->arrival) < 0)
			return snprintf(why, len, "member %d's first message arrived before its predecessor's", n), false;
	}
	if (set->set_prev != prev)
		return snprintf(why, len, "the set's last is %p, the walk ended at %p", (void *)set->set_prev,
				(void *)prev), false;
	if (set->oldest_ready != first_ready)
		return snprintf(why, len, "oldest_ready %p, the first holding a message %p",
				(void *)set->oldest_ready, (void *)first_ready), false;
	return true;
}

#define CHECK_RING(set) do {							\
	char why_[128];								\
	CHECK(ring_ok((set), why_, sizeof why_), "%s", why_);			\
} while (0)

/* What a receive on set takes: the id of the message, from member want
 * (NULL: none). The message is consumed. */
static int receive_on(struct ipc_port *set, struct ipc_port *want)
{
	struct ipc_port *p = ipc_pset_ready_member(set);
	CHECK(p == want, "receive on the set took from %p, want %p", (void *)p, (void *)want);
	if (!p)
		return -1;
	struct kmsg *m = ipc_mqueue_dequeue(p);
	int id = m->hdr->msgh_id;
	stub_msg_consume(m);
	CHECK_RING(set);
	return id;
}

static void send_id(struct ipc_port *p, int id)
{
	CHECK(ipc_mqueue_enqueue(p, note_to_id(p, id)) == MACH_MSG_SUCCESS, "message %d queued", id);
	if (p->pset)
		CHECK_RING(p->pset);
}

static struct ipc_port *new_set(struct ipc_space *s, mach_port_name_t *name)
{
	struct ipc_port *set = ipc_pset_alloc();
	*name = ipc_space_insert(s, set, MACH_PORT_TYPE_PORT_SET);
	CHECK_RING(set);
	return set;
}

/* Interleaved sends over several members come out in the order sent, a
 * member holding a burst among them; a port that joins holding messages
 * takes its place by their arrival. */
static void test_order_across_members(void)
{
	setup();
	enum { N = 6 };
	mach_port_name_t sn, names[N];
	struct ipc_port *set = new_set(A, &sn), *p[N];
	for (int i = 0; i < N; i++) {
		p[i] = recv_in(A, &names[i]);
		p[i]->qlimit = 100;
		if (i != 4)
			ipc_pset_move(p[i], set);
		CHECK_RING(set);
	}
	/* 0 gets a burst with others between its messages; 4 is not in the
	 * set yet when its messages arrive. */
	static const int to[] = { 0, 0, 3, 4, 0, 1, 4, 5, 0, 2, 3 };
	enum { M = sizeof to / sizeof to[0] };
	for (int k = 0; k < M; k++)
		send_id(p[to[k]], k);
	ipc_pset_move(p[4], set);
	CHECK_RING(set);
	for (int k = 0; k < M; k++)
		CHECK(receive_on(set, p[to[k]]) == k, "message %d in arrival order", k);
	CHECK(receive_on(set, NULL) == -1, "the set is empty");
	CHECK(!ipc_pset_has_ready(set), "no member holds a message");
	ipc_space_release_entry(A, sn);
	teardown(__func__);
}

/* A member that leaves or dies holding messages: the set goes on with the
 * others' in order; one that left keeps its own; one moved into another
 * set takes its place there by arrival. */
static void test_remove_destroy_move(void)
{
	setup();
	enum { N = 5 };
	mach_port_name_t s1n, s2n, names[N];
	struct ipc_port *s1 = new_set(A, &s1n), *s2 = new_set(A, &s2n), *p[N];
	for (int i = 0; i < N; i++) {
		p[i] = recv_in(A, &names[i]);
		p[i]->qlimit = 100;
		ipc_pset_move(p[i], i < 3 ? s1 : s2);
	}
	/* s1: 0 holds 1, 5; 1 holds 2; 2 holds 3, 6.  s2: 3 holds 4; 4 holds 7. */
	send_id(p[0], 1); send_id(p[1], 2); send_id(p[2], 3); send_id(p[3], 4);
	send_id(p[0], 5); send_id(p[2], 6); send_id(p[4], 7);
	/* The oldest member leaves: the next is the oldest. */
	ipc_pset_move(p[0], NULL);
	CHECK_RING(s1);
	CHECK(s1->oldest_ready == p[1] && !p[0]->pset && !p[0]->set_next, "0 left s1");
	CHECK(p[0]->msgcount == 2, "0 kept its messages (%u)", p[0]->msgcount);
	/* ... and joins s2, where its first message (1) is the oldest. */
	ipc_pset_move(p[0], s2);
	CHECK_RING(s2);
	CHECK(s2->oldest_ready == p[0], "0 is s2's oldest");
	CHECK(receive_on(s2, p[0]) == 1, "s2: 1");
	CHECK(receive_on(s2, p[3]) == 4, "s2: 4");
	CHECK(receive_on(s2, p[0]) == 5, "s2: 5");
	/* A member in the middle of the ready ones dies with its messages. */
	send_id(p[1], 8);
	ipc_space_release_entry(A, names[2]);     /* 3 and 6 destroyed with it */
	CHECK_RING(s1);
	CHECK(receive_on(s1, p[1]) == 2, "s1: 2");
	CHECK(receive_on(s1, p[1]) == 8, "s1: 8");
	CHECK(receive_on(s1, NULL) == -1, "s1 empty");
	/* The oldest member dies: the set's next oldest is the next. */
	send_id(p[3], 9);
	ipc_space_release_entry(A, names[4]);     /* 7 with it */
	CHECK_RING(s2);
	CHECK(receive_on(s2, p[3]) == 9, "s2: 9");
	CHECK(receive_on(s2, NULL) == -1, "s2 empty");
	ipc_space_release_entry(A, s1n);
	ipc_space_release_entry(A, s2n);
	teardown(__func__);
}

/* A message handed to a receiver that could not take it goes back to the
 * head of its port (ipc_mqueue_requeue_head), with the arrival it had: the
 * set delivers it before messages that came after it, on its port or
 * another. */
static void test_requeue_head(void)
{
	setup();
	mach_port_name_t sn, a, b;
	struct ipc_port *set = new_set(A, &sn), *pa_ = recv_in(A, &a), *pb = recv_in(A, &b);
	ipc_pset_move(pa_, set);
	ipc_pset_move(pb, set);
	send_id(pa_, 1);
	send_id(pb, 2);
	send_id(pa_, 3);
	struct kmsg *m = ipc_mqueue_dequeue(pa_);     /* taken: 1 */
	CHECK_RING(set);
	CHECK(set->oldest_ready == pb, "2 is the oldest left");
	ipc_mqueue_requeue_head(pa_, m);              /* and put back */
	CHECK_RING(set);
	CHECK(receive_on(set, pa_) == 1, "1 again first");
	/* The same on a member that was empty. */
	m = ipc_mqueue_dequeue(pb);                   /* 2: pb is empty */
	CHECK_RING(set);
	send_id(pb, 4);
	ipc_mqueue_requeue_head(pb, m);
	CHECK_RING(set);
	CHECK(receive_on(set, pb) == 2, "2 before 3");
	CHECK(receive_on(set, pa_) == 3, "3");
	CHECK(receive_on(set, pb) == 4, "4");
	ipc_space_release_entry(A, sn);
	teardown(__func__);
}

/* A set destroyed with messages queued: every member leaves it holding its
 * own, and the set's ring is empty. */
static void test_set_destroyed(void)
{
	setup();
	enum { N = 4 };
	mach_port_name_t sn, names[N];
	struct ipc_port *set = new_set(A, &sn), *p[N];
	ipc_port_ref(set);                            /* to look at it after */
	for (int i = 0; i < N; i++) {
		p[i] = recv_in(A, &names[i]);
		ipc_pset_move(p[i], set);
		if (i & 1)
			send_id(p[i], i);
	}
	CHECK(set->refs == 2 + N, "set refs %u", set->refs);
	ipc_space_release_entry(A, sn);
	CHECK(!set->active && set->set_next == set && set->set_prev == set && !set->oldest_ready,
	      "the dead set has no members");
	CHECK(set->refs == 1, "members let go of the set (refs %u)", set->refs);
	for (int i = 0; i < N; i++)
		CHECK(!p[i]->pset && !p[i]->set_next && !p[i]->set_prev && p[i]->msgcount == (uint32_t)(i & 1),
		      "member %d out, with its %u messages", i, p[i]->msgcount);
	ipc_port_release(set);
	teardown(__func__);
}

/* Random operations on 8 ports and 2 sets against a model of each queue:
 * sends, receives on a set, a hand-off put back, moves in, out and across,
 * ports and sets destroyed and made anew. A receive on a set must take the
 * member whose first message has the lowest id (ids rise with arrival). */
enum { RP = 8, RS = 2, RQ = 64 };
static struct { struct ipc_port *p; mach_port_name_t name; int set; int q[RQ], n; } rp[RP];
static struct { struct ipc_port *p; mach_port_name_t name; } rs[RS];

static void random_new_port(int i)
{
	rp[i].p = recv_in(A, &rp[i].name);
	rp[i].p->qlimit = RQ;
	rp[i].set = -1;
	rp[i].n = 0;
}

static void random_step(int *next_id, unsigned long *received)
{
	int i = (int)rnd_below(RP), s = (int)rnd_below(RS);
	switch (rnd_below(10)) {
	case 0: case 1: case 2: case 3:                   /* send */
		if (rp[i].n < RQ) {
			rp[i].q[rp[i].n++] = *next_id;
			send_id(rp[i].p, (*next_id)++);
		}
		break;
	case 4: case 5: case 6: {                         /* receive on set s */
		int want = -1;
		for (int k = 0; k < RP; k++)
			if (rp[k].set == s && rp[k].n && (want < 0 || rp[k].q[0] < rp[want].q[0]))
				want = k;
		int id = receive_on(rs[s].p, want < 0 ? NULL : rp[want].p);
		if (want >= 0) {
			CHECK(id == rp[want].q[0], "set %d gave %d, want %d", s, id, rp[want].q[0]);
			memmove(rp[want].q, rp[want].q + 1, (size_t)--rp[want].n * sizeof rp[want].q[0]);
			(*received)++;
		}
		break;
	}
	case 7:                                           /* a hand-off put back */
		if (rp[i].n && rp[i].set >= 0) {
			struct kmsg *m = ipc_mqueue_dequeue(rp[i].p);
			CHECK_RING(rs[rp[i].set].p);
			ipc_mqueue_requeue_head(rp[i].p, m);
			CHECK_RING(rs[rp[i].set].p);
		}
		break;
	case 8:                                           /* move in, out, across */
		if (rnd_below(3) == 0) {
			ipc_pset_move(rp[i].p, NULL);
			rp[i].set = -1;
		} else {
			int from = rp[i].set;
			ipc_pset_move(rp[i].p, rs[s].p);
			rp[i].set = s;
			if (from >= 0 && from != s)
				CHECK_RING(rs[from].p);
		}
		CHECK_RING(rs[s].p);
		break;
	case 9:                                           /* destroy a port, or a set */
		if (rnd_below(4)) {
			int from = rp[i].set;
			ipc_space_release_entry(A, rp[i].name);
			random_new_port(i);
			if (from >= 0)
				CHECK_RING(rs[from].p);
		} else {
			ipc_space_release_entry(A, rs[s].name);
			rs[s].p = new_set(A, &rs[s].name);
			for (int k = 0; k < RP; k++)
				if (rp[k].set == s) {
					CHECK(!rp[k].p->pset && rp[k].p->msgcount == (uint32_t)rp[k].n,
					      "port %d left the dead set with its %d messages", k, rp[k].n);
					rp[k].set = -1;
				}
		}
		break;
	}
}

static void test_random(void)
{
	setup();
	check_seed = 0x9e3779b9u;
	for (int s = 0; s < RS; s++)
		rs[s].p = new_set(A, &rs[s].name);
	for (int i = 0; i < RP; i++)
		random_new_port(i);
	int next_id = 1;
	unsigned long received = 0;
	for (int step = 0; step < 20000; step++)
		random_step(&next_id, &received);
	printf("random: %d sent, %lu received through sets\n", next_id - 1, received);
	CHECK(received > 2000, "the run received %lu", received);
	teardown(__func__);
}

int main(void)
{
	test_order_across_members();
	test_remove_destroy_move();
	test_requeue_head();
	test_set_destroyed();
	test_random();
	return check_summary();
}
