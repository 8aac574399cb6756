/* test-port-set: port sets under load, from user space. A receive on a set
 * takes the message that arrived first at any member (Mach 3's port set:
 * one name to receive on for many receive rights; here in arrival order, so
 * that no member starves). The kernel keeps the members holding messages in
 * that order as messages come and go (kernel/ipc/port.h); these cases drive
 * every way that order can change and compare each message received with a
 * model of every port's queue: many members and interleaved sends and
 * receives, members added and removed with messages queued, receives on a
 * member taken out, members and sets destroyed with messages queued, and a
 * thread asleep on the set taking messages handed over while others queue.
 * Every message carries a sequence number: none may be lost, duplicated or
 * taken out of order, and the kernel's counts (pages, heap, ports) come
 * back after each. */
#include "guest-check.h"
#include <sm/threads.h>
#include <sm/traps.h>
#include "mach.h"
#include "mach_port.h"

static mach_port_t self;
struct seqmsg { mach_msg_header_t head; };

static uint32_t seed = 0x1234567u;
static uint32_t rnd_below(uint32_t n)
{
	seed ^= seed << 13;
	seed ^= seed >> 17;
	seed ^= seed << 5;
	return seed % n;
}

static mach_port_t new_port(uint32_t qlimit)
{
	mach_port_t p = MACH_PORT_NULL;
	CHECK_EQ(mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &p), KERN_SUCCESS);
	CHECK_EQ(mach_port_set_qlimit(self, p, qlimit), KERN_SUCCESS);
	return p;
}

static mach_port_t new_set(void)
{
	mach_port_t set = MACH_PORT_NULL;
	CHECK_EQ(mach_port_allocate(self, MACH_PORT_RIGHT_PORT_SET, &set), KERN_SUCCESS);
	return set;
}

static void send_seq(mach_port_t dest, int seq)
{
	struct seqmsg m = { { MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0), sizeof m, dest, { 0 }, 0, seq } };
	CHECK_EQ(mach_msg(&m.head, MACH_SEND_MSG | MACH_SEND_TIMEOUT, sizeof m, 0, 0, 0, 0), MACH_MSG_SUCCESS);
}

/* Receive on name without waiting: the message's sequence number and the
 * member it came to in *from, or -1 if none was queued. */
static int receive_seq(mach_port_t name, mach_port_t *from)
{
	struct seqmsg m;
	memset(&m, 0, sizeof m);
	mach_msg_return_t r = mach_msg(&m.head, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof m, name, 0, 0);
	if (r == MACH_RCV_TIMED_OUT)
		return -1;
	CHECK_EQ(r, MACH_MSG_SUCCESS);
	if (from)
		*from = m.head.msgh_local_port;
	return r == MACH_MSG_SUCCESS ? m.head.msgh_id : -2;
}

/* The model: each port's queue of sequence numbers, and its set (-1: none). */
enum { NP = 40, NS = 3, QMAX = 48, SEQS = 4096 };
static struct { mach_port_t name; int set, q[QMAX], n; } mp[NP];
static mach_port_t sets[NS];
static uint8_t seen[SEQS];      /* 1 received, 2 destroyed with its port */
static int next_seq;

static void model_send(int i)
{
	if (mp[i].n == QMAX || next_seq == SEQS)
		return;
	mp[i].q[mp[i].n++] = next_seq;
	send_seq(mp[i].name, next_seq++);
}

/* Which port a receive on set s must take from: the one whose first
 * message is oldest (sequence numbers rise with arrival), or -1. */
static int model_oldest(int s)
{
	int want = -1;
	for (int i = 0; i < NP; i++)
		if (mp[i].set == s && mp[i].n && (want < 0 || mp[i].q[0] < mp[want].q[0]))
			want = i;
	return want;
}

static void model_take(int i, int seq, mach_port_t from, const char *how)
{
	if (i < 0) {
		CHECK(seq == -1, "%s: got %d from an empty set or port", how, seq);
		return;
	}
	CHECK(seq == mp[i].q[0] && from == mp[i].name, "%s: got %d from port %u, want %d from %u",
	      how, seq, from, mp[i].q[0], mp[i].name);
	if (seq >= 0 && seq < SEQS) {
		CHECK(!seen[seq], "message %d received twice (or after its port died)", seq);
		seen[seq] = 1;
	}
	memmove(mp[i].q, mp[i].q + 1, (size_t)--mp[i].n * sizeof mp[i].q[0]);
}

static void model_receive_set(int s)
{
	mach_port_t from = MACH_PORT_NULL;
	int want = model_oldest(s), seq = receive_seq(sets[s], &from);
	model_take(want, seq, from, "set receive");
}

static void model_move(int i, int s)
{
	CHECK_EQ(mach_port_move_member(self, mp[i].name, s < 0 ? MACH_PORT_NULL : sets[s]), KERN_SUCCESS);
	mp[i].set = s;
}

static void model_destroy_port(int i)
{
	CHECK_EQ(mach_port_destroy(self, mp[i].name), KERN_SUCCESS);
	for (int k = 0; k < mp[i].n; k++)
		seen[mp[i].q[k]] = 2;
	mp[i].n = 0;
	mp[i].name = new_port(QMAX);
	mp[i].set = -1;
}

static void model_start(void)
{
	for (int s = 0; s < NS; s++)
		sets[s] = new_set();
	for (int i = 0; i < NP; i++) {
		mp[i].name = new_port(QMAX);
		mp[i].n = 0;
		model_move(i, i % NS == 0 ? -1 : (int)(i % NS) - 1);
	}
	memset(seen, 0, sizeof seen);
	next_seq = 0;
}

/* Everything still queued, drained port by port; then no message may be
 * missing. */
static void model_finish(const char *what)
{
	for (int i = 0; i < NP; i++) {
		if (mp[i].set >= 0)
			model_move(i, -1);
		while (mp[i].n) {
			mach_port_t from = MACH_PORT_NULL;
			int seq = receive_seq(mp[i].name, &from);
			model_take(i, seq, from, "drain");
		}
		CHECK_EQ(receive_seq(mp[i].name, NULL), -1);
		CHECK_EQ(mach_port_destroy(self, mp[i].name), KERN_SUCCESS);
	}
	for (int s = 0; s < NS; s++)
		CHECK_EQ(mach_port_destroy(self, sets[s]), KERN_SUCCESS);
	int lost = 0;
	for (int k = 0; k < next_seq; k++)
		lost += !seen[k];
	CHECK(lost == 0, "%s: %d of %d messages never received", what, lost, next_seq);
}

/* Many members, all in one set, sends and receives interleaved: the set
 * gives every message back in the order sent. */
static void interleaved(void *arg)
{
	(void)arg;
	model_start();
	for (int i = 0; i < NP; i++)
		model_move(i, 0);
	for (int round = 0; round < 3000 && next_seq < SEQS; round++) {
		int sends = (int)rnd_below(4), recvs = (int)rnd_below(4);
		for (int k = 0; k < sends; k++)
			model_send((int)rnd_below(NP));
		for (int k = 0; k < recvs; k++)
			model_receive_set(0);
	}
	while (model_oldest(0) >= 0)
		model_receive_set(0);
	model_receive_set(0);                     /* and then nothing */
	model_finish("interleaved");
}

/* Members move in, out and across sets and die with messages queued; sets
 * die with members holding messages; a member taken out is received from
 * directly. */
static void churn(void *arg)
{
	(void)arg;
	model_start();
	int set_deaths = 0;
	for (int step = 0; step < 6000 && next_seq < SEQS; step++) {
		int i = (int)rnd_below(NP), s = (int)rnd_below(NS);
		uint32_t op = rnd_below(100);
		if (op < 40) {
			model_send(i);
		} else if (op < 75) {
			model_receive_set(s);
		} else if (op < 87) {
			model_move(i, rnd_below(4) == 0 ? -1 : s);
		} else if (op < 93) {
			if (mp[i].set < 0) {              /* out of any set: its own queue, in order */
				mach_port_t from = MACH_PORT_NULL;
				int seq = receive_seq(mp[i].name, &from);
				model_take(mp[i].n ? i : -1, seq, from, "member receive");
			} else {                          /* in a set: refused, nothing taken */
				struct seqmsg m;
				CHECK_EQ(mach_msg(&m.head, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof m, mp[i].name, 0, 0),
					 MACH_RCV_IN_SET);
			}
		} else if (op < 98) {
			model_destroy_port(i);
		} else {
			/* The set dies; its members leave it holding their messages. */
			CHECK_EQ(mach_port_destroy(self, sets[s]), KERN_SUCCESS);
			sets[s] = new_set();
			for (int k = 0; k < NP; k++)
				if (mp[k].set == s)
					mp[k].set = -1;
			set_deaths++;
		}
	}
	CHECK(set_deaths > 0, "no set died in the run");
	model_finish("churn");
}

/* A thread asleep on the set: a message to an empty member is handed to
 * it, but only while no member holds an older one; it must see them all in
 * the order sent. */
enum { HANDED = 600 };
static mach_port_t rcv_set;
static int rcv_seq[HANDED];
static mach_port_t rcv_from[HANDED];

static void receiver(void *arg)
{
	(void)arg;
	for (int k = 0; k < HANDED; k++) {
		struct seqmsg m;
		memset(&m, 0, sizeof m);
		mach_msg_return_t r = mach_msg(&m.head, MACH_RCV_MSG, 0, sizeof m, rcv_set, 0, 0);
		rcv_seq[k] = r == MACH_MSG_SUCCESS ? m.head.msgh_id : -1;
		rcv_from[k] = m.head.msgh_local_port;
		if (k % 7 == 3)
			swtch_pri(0);             /* let the sender get ahead: messages queue */
	}
}

static void waiting_receiver(void *arg)
{
	(void)arg;
	enum { M = 8 };
	mach_port_t port[M];
	rcv_set = new_set();
	for (int i = 0; i < M; i++) {
		port[i] = new_port(HANDED);
		CHECK_EQ(mach_port_move_member(self, port[i], rcv_set), KERN_SUCCESS);
	}
	mach_port_t th = MACH_PORT_NULL;
	CHECK_EQ(smrt_thread_start(receiver, NULL, NULL, 0, &th), KERN_SUCCESS);
	CHECK(thread_blocks(th), "the receiver waits on the set");
	mach_port_t sent_to[HANDED];
	for (int k = 0; k < HANDED; k++) {
		sent_to[k] = port[rnd_below(M)];
		send_seq(sent_to[k], k);
		if (k % 5 == 0)
			swtch_pri(0);             /* and let it catch up: hand-offs */
	}
	CHECK_EQ(smrt_thread_join(th), KERN_SUCCESS);
	int wrong = 0;
	for (int k = 0; k < HANDED; k++)
		if (rcv_seq[k] != k || rcv_from[k] != sent_to[k]) {
			if (wrong++ < 5)
				CHECK(0, "receive %d got %d from %u, want %d from %u", k, rcv_seq[k], rcv_from[k], k,
				      sent_to[k]);
		}
	CHECK(wrong == 0, "%d of %d messages out of order through a waiting receiver", wrong, HANDED);
	for (int i = 0; i < M; i++)
		CHECK_EQ(mach_port_destroy(self, port[i]), KERN_SUCCESS);
	CHECK_EQ(mach_port_destroy(self, rcv_set), KERN_SUCCESS);
}

int main(void)
{
	self = mach_task_self();
	/* Each case is a round that must leave the kernel's counts as they
	 * were (a page a heap class keeps, or the task's name table grown,
	 * can move them once: up to 3 tries, each a new random run). */
	check_round_leaves_nothing("many members, interleaved", 3, interleaved, NULL);
	check_round_leaves_nothing("members moved and destroyed", 3, churn, NULL);
	check_round_leaves_nothing("a waiting receiver", 3, waiting_receiver, NULL);
	return guest_summary("test-port-set");
}
