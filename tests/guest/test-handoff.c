/* test-handoff: the direct hand-off (docs/architecture.md, "Direct
 * hand-off"). A message sent to a port whose receiver is already asleep in
 * mach_msg goes straight to that receiver, and a send-and-receive mach_msg
 * switches straight to it; sm_ipc_counters counts both, so a ping-pong
 * between two threads must move them. The corners: a receiver on a port set
 * gets the message with the member's name, and a receiver whose buffer is too
 * small (with MACH_RCV_LARGE) is not handed the message: it gets
 * MACH_RCV_TOO_LARGE and the message stays queued for a larger receive,
 * exactly as without the hand-off.
 *
 * A simple message to a waiting receiver is copied once, from the sender's
 * buffer into the receiver's (kernel/ipc/direct_send.c); sm_ipc_counters
 * counts those too. The tests check that the ping-pong goes that way, and
 * that what it leaves to the queued path, or refuses, comes out as from that
 * path: rights in the header, a bad reply right, a receive buffer the
 * receiver may not write. */
#include "guest-check.h"
#include <stdbool.h>
#include <string.h>
#include <sm/traps.h>
#include <mach/thread_switch.h>
#include "mach.h"
#include "smhost.h"

static mach_port_t self;

struct ping { mach_msg_header_t head; mach_msg_type_t type; uint32_t value; };
struct big { mach_msg_header_t head; mach_msg_type_t type; uint32_t words[24]; };

static uint8_t peer_stack[16384] __attribute__((aligned(16)));
/* Pages whose protection the buffer tests change (touched before the
 * kernel's counts are taken, so that they hold no page-table surprise). */
static uint8_t test_pages[2 * 4096] __attribute__((aligned(4096)));

/* What the peer thread does, set before it starts. */
static enum { PEER_ECHO, PEER_SMALL, PEER_ONE, PEER_HEADER, PEER_READ_ONLY } peer_job;
static mach_port_t peer_port;              /* where the peer receives */
static volatile int peer_rounds;
static volatile mach_msg_return_t peer_small_result;
static volatile uint32_t peer_small_size, peer_large_size, peer_large_word;
static volatile int peer_done;
static volatile mach_msg_return_t peer_one_result;
static volatile uint32_t peer_one_value;
static mach_msg_header_t peer_header;       /* PEER_HEADER: the header received */
static struct ping *peer_read_only_buffer;  /* PEER_READ_ONLY: where it receives */

/* PEER_ECHO: answer every ping on peer_port with value + 1, receiving the
 * next one in the same call, until a value of 0. */
static void echo(void)
{
	struct ping m;
	mach_msg_return_t r = mach_msg(&m.head, MACH_RCV_MSG, 0, sizeof m, peer_port, 0, 0);
	while (r == MACH_MSG_SUCCESS && m.value != 0) {
		peer_rounds++;
		m.head.msgh_bits = MACH_MSGH_BITS(MACH_MSGH_BITS_REMOTE(m.head.msgh_bits), 0);
		m.head.msgh_local_port = MACH_PORT_NULL;
		m.head.msgh_size = sizeof m;
		m.value++;
		r = mach_msg(&m.head, MACH_SEND_MSG | MACH_RCV_MSG, sizeof m, sizeof m, peer_port, 0, 0);
	}
}

/* PEER_SMALL: receive into a buffer too small, with MACH_RCV_LARGE, then
 * again with room. */
static void small_then_large(void)
{
	struct big m;
	m.head.msgh_size = 0;
	peer_small_result = mach_msg(&m.head, MACH_RCV_MSG | MACH_RCV_LARGE, 0, sizeof(struct ping),
				     peer_port, 0, 0);
	peer_small_size = m.head.msgh_size;
	if (mach_msg(&m.head, MACH_RCV_MSG, 0, sizeof m, peer_port, 0, 0) == MACH_MSG_SUCCESS) {
		peer_large_size = m.head.msgh_size;
		peer_large_word = m.words[23];
	}
}

/* PEER_ONE: one receive, its result and value recorded. */
static void one(void)
{
	struct ping m;
	m.value = 0;
	peer_one_result = mach_msg(&m.head, MACH_RCV_MSG, 0, sizeof m, peer_port, 0, 0);
	peer_one_value = m.value;
}

/* PEER_HEADER: one receive, its header kept. */
static void header(void)
{
	struct ping m;
	memset(&m, 0, sizeof m);
	peer_one_result = mach_msg(&m.head, MACH_RCV_MSG, 0, sizeof m, peer_port, 0, 0);
	peer_header = m.head;
	peer_one_value = m.value;
}

/* PEER_READ_ONLY: one receive into a buffer it may read but not write. */
static void read_only(void)
{
	peer_one_result = mach_msg(&peer_read_only_buffer->head, MACH_RCV_MSG, 0, sizeof(struct ping), peer_port, 0, 0);
}

static void __attribute__((noreturn, used)) peer_main(void *arg)
{
	(void)arg;
	if (peer_job == PEER_ECHO)
		echo();
	else if (peer_job == PEER_SMALL)
		small_then_large();
	else if (peer_job == PEER_HEADER)
		header();
	else if (peer_job == PEER_READ_ONLY)
		read_only();
	else
		one();
	peer_done = 1;
	for (;;)
		thread_switch(MACH_PORT_NULL, SWITCH_OPTION_WAIT, 1000);
}

static mach_port_t start_peer(void)
{
	peer_done = 0;
	uint32_t *sp = (uint32_t *)(peer_stack + sizeof peer_stack - 20);
	sp[0] = sp[1] = 0;
	mach_port_t th = MACH_PORT_NULL;
	start_thread_at(self, (uintptr_t)peer_main, (uintptr_t)sp, &th);
	return th;
}

static void stop_peer(mach_port_t th)
{
	for (int i = 0; i < 1000 && !peer_done; i++)
		smrt_sleep_ms(1);
	CHECK(peer_done, "the peer thread finished");
	CHECK_EQ(thread_terminate(th), KERN_SUCCESS);
	mach_port_deallocate(self, th);
}

static mach_port_t new_port(void)
{
	mach_port_t p = MACH_PORT_NULL;
	CHECK_EQ(mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &p), KERN_SUCCESS);
	return p;
}

static natural_t single_copies;            /* the third counter, at the last ipc_counters */

static void ipc_counters(natural_t *handoffs, natural_t *switches)
{
	CHECK_EQ(sm_ipc_counters(smrt_host_port(), handoffs, switches, &single_copies), KERN_SUCCESS);
}

static natural_t single_copy_count(void)
{
	natural_t h, s;
	ipc_counters(&h, &s);
	return single_copies;
}

static void set_ping(struct ping *m, mach_port_t dest, mach_port_t reply, uint32_t value)
{
	m->head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, reply ? MACH_MSG_TYPE_MAKE_SEND_ONCE : 0);
	m->head.msgh_size = sizeof *m;
	m->head.msgh_remote_port = dest;
	m->head.msgh_local_port = reply;
	m->head.msgh_seqno = 0;
	m->head.msgh_id = 1600;
	m->type = (mach_msg_type_t){ .msgt_name = MACH_MSG_TYPE_INTEGER_32, .msgt_size = 32,
				     .msgt_number = 1, .msgt_inline = 1 };
	m->value = value;
}

/* Ping-pong: every request finds the peer asleep in its receive and every
 * reply finds this thread asleep in its own, so both directions go by
 * hand-off and each blocking receive switches straight to the other side. */
static void test_ping_pong(void)
{
	enum { ROUNDS = 50 };
	peer_port = new_port();
	mach_port_t reply = new_port();
	peer_job = PEER_ECHO;
	peer_rounds = 0;
	mach_port_t th = start_peer();
	CHECK(thread_blocks(th), "the echo thread waits for its first message");
	natural_t h0 = 0, s0 = 0, h1 = 0, s1 = 0;
	ipc_counters(&h0, &s0);
	natural_t c0 = single_copies;
	int good = 0;
	for (uint32_t i = 1; i <= ROUNDS; i++) {
		struct ping m;
		set_ping(&m, peer_port, reply, i * 10);
		mach_msg_return_t r = mach_msg(&m.head, MACH_SEND_MSG | MACH_RCV_MSG, sizeof m, sizeof m, reply, 0, 0);
		if (r == MACH_MSG_SUCCESS && m.value == i * 10 + 1 && m.head.msgh_local_port == reply &&
		    m.head.msgh_seqno == i - 1)
			good++;
	}
	ipc_counters(&h1, &s1);
	CHECK(good == ROUNDS, "%d of %d round trips answered in order", good, ROUNDS);
	CHECK(peer_rounds == ROUNDS, "the peer saw %d requests", peer_rounds);
	/* Both ways, every round: 2 * ROUNDS of each; a timer tick may
	 * reorder a few, so ask for the bulk. */
	CHECK(h1 - h0 >= ROUNDS, "%u messages handed over in %d round trips", h1 - h0, ROUNDS);
	CHECK(s1 - s0 >= ROUNDS, "%u direct switches in %d round trips", s1 - s0, ROUNDS);
	CHECK(single_copies - c0 >= ROUNDS, "%u messages copied once in %d round trips", single_copies - c0, ROUNDS);
	struct ping stop;
	set_ping(&stop, peer_port, MACH_PORT_NULL, 0);
	CHECK_EQ(mach_msg(&stop.head, MACH_SEND_MSG, sizeof stop, 0, 0, 0, 0), MACH_MSG_SUCCESS);
	stop_peer(th);
	mach_port_destroy(self, peer_port);
	mach_port_destroy(self, reply);
}

/* A receiver asleep on a port set takes a message sent to a member straight
 * away, and sees the member's name and its sequence number. */
static void test_port_set(void)
{
	mach_port_t set = MACH_PORT_NULL, a = new_port(), b = new_port();
	CHECK_EQ(mach_port_allocate(self, MACH_PORT_RIGHT_PORT_SET, &set), KERN_SUCCESS);
	CHECK_EQ(mach_port_move_member(self, a, set), KERN_SUCCESS);
	CHECK_EQ(mach_port_move_member(self, b, set), KERN_SUCCESS);
	peer_port = set;
	peer_job = PEER_SMALL;                     /* its second receive takes the message */
	peer_large_size = peer_large_word = 0;
	/* First a too-large message to get past its small receive. */
	struct big first;
	memset(&first, 0, sizeof first);
	first.head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0);
	first.head.msgh_size = sizeof first;
	first.head.msgh_remote_port = a;
	first.type = (mach_msg_type_t){ .msgt_name = MACH_MSG_TYPE_INTEGER_32, .msgt_size = 32,
					.msgt_number = 24, .msgt_inline = 1 };
	first.words[23] = 0x5e7;
	mach_port_t th = start_peer();
	CHECK(thread_blocks(th), "the set receiver waits");
	CHECK_EQ(mach_msg(&first.head, MACH_SEND_MSG, sizeof first, 0, 0, 0, 0), MACH_MSG_SUCCESS);
	stop_peer(th);
	CHECK_EQ(peer_small_result, MACH_RCV_TOO_LARGE);
	CHECK(peer_small_size == sizeof first, "MACH_RCV_TOO_LARGE on the set reports %u bytes", peer_small_size);
	CHECK(peer_large_size == sizeof first && peer_large_word == 0x5e7,
	      "the too-large message was received whole later (%u bytes, word %x)", peer_large_size, peer_large_word);

	natural_t h0 = 0, s0 = 0, h1 = 0, s1 = 0;
	peer_job = PEER_ECHO;                      /* one request on b, then stop */
	peer_rounds = 0;
	mach_port_t th2 = start_peer();
	CHECK(thread_blocks(th2), "the set echo thread waits");
	ipc_counters(&h0, &s0);
	mach_port_t reply = new_port();
	struct ping m;
	set_ping(&m, b, reply, 70);
	CHECK_EQ(mach_msg(&m.head, MACH_SEND_MSG | MACH_RCV_MSG, sizeof m, sizeof m, reply, 0, 0), MACH_MSG_SUCCESS);
	ipc_counters(&h1, &s1);
	CHECK(m.value == 71, "the set receiver answered (%u)", m.value);
	CHECK(peer_rounds == 1, "the set receiver saw %d requests", peer_rounds);
	CHECK(h1 - h0 >= 1, "the message to a set member was handed over (%u)", h1 - h0);
	set_ping(&m, b, MACH_PORT_NULL, 0);
	CHECK_EQ(mach_msg(&m.head, MACH_SEND_MSG, sizeof m, 0, 0, 0, 0), MACH_MSG_SUCCESS);
	stop_peer(th2);
	mach_port_destroy(self, a);
	mach_port_destroy(self, b);
	mach_port_destroy(self, set);
	mach_port_destroy(self, reply);
}

/* A receiver whose buffer is too small is not handed the message: it gets
 * MACH_RCV_TOO_LARGE with the size it needs, and the message waits for its
 * larger receive. */
static void test_too_small(void)
{
	peer_port = new_port();
	peer_job = PEER_SMALL;
	peer_small_size = peer_large_size = peer_large_word = 0;
	mach_port_t th = start_peer();
	CHECK(thread_blocks(th), "the small receiver waits");
	struct big m;
	memset(&m, 0, sizeof m);
	m.head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0);
	m.head.msgh_size = sizeof m;
	m.head.msgh_remote_port = peer_port;
	m.type = (mach_msg_type_t){ .msgt_name = MACH_MSG_TYPE_INTEGER_32, .msgt_size = 32,
				    .msgt_number = 24, .msgt_inline = 1 };
	m.words[23] = 0xb16;
	CHECK_EQ(mach_msg(&m.head, MACH_SEND_MSG, sizeof m, 0, 0, 0, 0), MACH_MSG_SUCCESS);
	stop_peer(th);
	CHECK_EQ(peer_small_result, MACH_RCV_TOO_LARGE);
	CHECK(peer_small_size == sizeof m, "MACH_RCV_TOO_LARGE reports %u bytes", peer_small_size);
	CHECK(peer_large_size == sizeof m && peer_large_word == 0xb16,
	      "the message was received whole afterwards (%u bytes, word %x)", peer_large_size, peer_large_word);
	mach_port_destroy(self, peer_port);
}

/* The port changes after the message was handed over and before its
 * receiver ran (this thread keeps the CPU: the receiver has its priority
 * and a send alone does not block). The receiver must then not take it:
 * renamed, it returns MACH_RCV_PORT_CHANGED and the message waits under the
 * new name; destroyed, it returns MACH_RCV_PORT_DIED and the message is
 * destroyed with the port, leaking nothing. A timer tick between the send
 * and the change may let the receiver run first; then it has the message,
 * which is as good. Either way the message is never lost or seen twice. */
static void test_change_in_flight(bool destroy)
{
	peer_port = new_port();
	peer_job = PEER_ONE;
	peer_one_result = MACH_MSG_SUCCESS;
	peer_one_value = 0;
	mach_port_t th = start_peer();
	CHECK(thread_blocks(th), "the receiver waits");
	/* A free name inside the space's table (a far one would grow it). */
	mach_port_t renamed = new_port();
	CHECK_EQ(mach_port_destroy(self, renamed), KERN_SUCCESS);
	natural_t h0 = 0, s0 = 0, h1 = 0, s1 = 0;
	ipc_counters(&h0, &s0);
	struct ping m;
	set_ping(&m, peer_port, MACH_PORT_NULL, 42);
	CHECK_EQ(mach_msg(&m.head, MACH_SEND_MSG, sizeof m, 0, 0, 0, 0), MACH_MSG_SUCCESS);
	if (destroy)
		CHECK_EQ(mach_port_destroy(self, peer_port), KERN_SUCCESS);
	else
		CHECK_EQ(mach_port_rename(self, peer_port, renamed), KERN_SUCCESS);
	ipc_counters(&h1, &s1);
	CHECK(h1 - h0 >= 1, "the message was handed over (%u)", h1 - h0);
	stop_peer(th);
	printf("test-handoff: port %s with its message in flight: receiver got 0x%x\n",
	       destroy ? "destroyed" : "renamed", peer_one_result);
	if (peer_one_result == MACH_MSG_SUCCESS) {
		CHECK(peer_one_value == 42, "the receiver ran first and has the message (%u)", peer_one_value);
	} else if (destroy) {
		CHECK_EQ(peer_one_result, MACH_RCV_PORT_DIED);
	} else {
		CHECK_EQ(peer_one_result, MACH_RCV_PORT_CHANGED);
		struct ping r;
		r.value = 0;
		CHECK_EQ(mach_msg(&r.head, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof r, renamed, 0, 0), MACH_MSG_SUCCESS);
		CHECK(r.value == 42 && r.head.msgh_local_port == renamed,
		      "the message waited under the new name (value %u, port %x)", r.value, r.head.msgh_local_port);
	}
	if (!destroy)
		CHECK_EQ(mach_port_destroy(self, renamed), KERN_SUCCESS);
}

/* Send m to peer_port with the peer asleep in a PEER_HEADER receive; the
 * result of the send. single_copied says whether that path took it,
 * received whether the peer got it: a stop message (value 0) follows it, so
 * the peer takes exactly one of the two, and the other is drained. */
static mach_msg_return_t send_to_waiting_peer(struct ping *m, bool *single_copied, bool *received)
{
	peer_job = PEER_HEADER;
	peer_one_result = MACH_RCV_INVALID_NAME;
	peer_one_value = 0;
	memset(&peer_header, 0, sizeof peer_header);
	mach_port_t th = start_peer();
	CHECK(thread_blocks(th), "the receiver waits");
	natural_t c0 = single_copy_count();
	mach_msg_return_t r = mach_msg(&m->head, MACH_SEND_MSG, sizeof *m, 0, 0, 0, 0);
	*single_copied = single_copy_count() != c0;
	struct ping stop;
	set_ping(&stop, peer_port, MACH_PORT_NULL, 0);
	CHECK_EQ(mach_msg(&stop.head, MACH_SEND_MSG, sizeof stop, 0, 0, 0, 0), MACH_MSG_SUCCESS);
	stop_peer(th);
	*received = peer_one_result == MACH_MSG_SUCCESS && peer_one_value != 0;
	if (*received) {
		CHECK_EQ(mach_msg(&stop.head, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof stop, peer_port, 0, 0),
			 MACH_MSG_SUCCESS);
		CHECK(stop.value == 0, "the stop message waited behind (%u)", stop.value);
	}
	return r;
}

/* A message carrying rights in its header (a send right made from a third
 * port as its reply port) arrives the same copied once as queued: the same
 * name, bits and value, and the right counted once. */
static void test_header_rights(void)
{
	peer_port = new_port();
	mach_port_t other = new_port();
	struct ping m;
	set_ping(&m, peer_port, other, 5);
	m.head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, MACH_MSG_TYPE_MAKE_SEND);
	bool single = false, received = false;
	CHECK_EQ(send_to_waiting_peer(&m, &single, &received), MACH_MSG_SUCCESS);
	CHECK(single && received, "a simple message to a waiting receiver is copied once (%d, %d)", single, received);
	CHECK_EQ(peer_one_result, MACH_MSG_SUCCESS);
	mach_msg_header_t direct = peer_header;
	uint32_t direct_value = peer_one_value;
	mach_port_urefs_t refs = 0;
	CHECK_EQ(mach_port_get_refs(self, other, MACH_PORT_RIGHT_SEND, &refs), KERN_SUCCESS);
	CHECK(refs == 1, "the reply send right arrived once (%u)", refs);
	CHECK_EQ(mach_port_deallocate(self, other), KERN_SUCCESS);

	/* The same message queued (no receiver waits), then received. */
	set_ping(&m, peer_port, other, 5);
	m.head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, MACH_MSG_TYPE_MAKE_SEND);
	natural_t c0 = single_copy_count();
	CHECK_EQ(mach_msg(&m.head, MACH_SEND_MSG, sizeof m, 0, 0, 0, 0), MACH_MSG_SUCCESS);
	struct ping q;
	memset(&q, 0, sizeof q);
	CHECK_EQ(mach_msg(&q.head, MACH_RCV_MSG, 0, sizeof q, peer_port, 0, 0), MACH_MSG_SUCCESS);
	CHECK(single_copy_count() == c0, "a queued message is not counted as copied once");
	CHECK(q.head.msgh_bits == direct.msgh_bits && q.head.msgh_remote_port == direct.msgh_remote_port &&
	      q.head.msgh_local_port == direct.msgh_local_port && q.head.msgh_size == direct.msgh_size &&
	      q.head.msgh_id == direct.msgh_id && q.value == direct_value,
	      "copied once and queued look alike (bits %x/%x, reply %x/%x, port %x/%x, size %u/%u, value %u/%u)",
	      direct.msgh_bits, q.head.msgh_bits, direct.msgh_remote_port, q.head.msgh_remote_port,
	      direct.msgh_local_port, q.head.msgh_local_port, direct.msgh_size, q.head.msgh_size,
	      direct_value, q.value);
	CHECK(direct.msgh_seqno + 2 == q.head.msgh_seqno, "sequence numbers %u then %u (the stop message between)",
	      direct.msgh_seqno, q.head.msgh_seqno);
	CHECK_EQ(mach_port_get_refs(self, other, MACH_PORT_RIGHT_SEND, &refs), KERN_SUCCESS);
	CHECK(refs == 1, "the queued reply send right arrived once (%u)", refs);
	CHECK_EQ(mach_port_deallocate(self, other), KERN_SUCCESS);
	mach_port_destroy(self, other);
	mach_port_destroy(self, peer_port);
}

/* A bad reply right to a waiting receiver: the queued path's refusal,
 * nothing delivered, the receiver still waiting for the next message. A
 * sender buffer it cannot read: the same. */
static void test_refusals(void)
{
	peer_port = new_port();
	struct ping m;
	set_ping(&m, peer_port, 0x7777, 6);
	m.head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, MACH_MSG_TYPE_COPY_SEND);
	bool single = true, received = true;
	CHECK_EQ(send_to_waiting_peer(&m, &single, &received), MACH_SEND_INVALID_REPLY);
	CHECK(!single && !received, "a bad reply right delivers nothing (%d, %d)", single, received);
	CHECK(peer_one_result == MACH_MSG_SUCCESS && peer_one_value == 0,
	      "the receiver took the next message instead (%x, value %u)", peer_one_result, peer_one_value);
	set_ping(&m, peer_port, 0x7777, 6);
	m.head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, MACH_MSG_TYPE_COPY_SEND);
	CHECK_EQ(mach_msg(&m.head, MACH_SEND_MSG, sizeof m, 0, 0, 0, 0), MACH_SEND_INVALID_REPLY);

	/* The sender's buffer runs into a page it may not read. */
	CHECK_EQ(vm_protect(self, (vm_address_t)&test_pages[vm_page_size], vm_page_size, FALSE, VM_PROT_NONE),
		 KERN_SUCCESS);
	struct ping *edge = (struct ping *)&test_pages[vm_page_size - sizeof(mach_msg_header_t)];
	set_ping(&m, peer_port, MACH_PORT_NULL, 7);
	memcpy(edge, &m, sizeof(mach_msg_header_t));
	single = received = true;
	CHECK_EQ(send_to_waiting_peer(edge, &single, &received), MACH_SEND_INVALID_DATA);
	CHECK(!single && !received, "an unreadable message delivers nothing (%d, %d)", single, received);
	CHECK_EQ(vm_protect(self, (vm_address_t)&test_pages[vm_page_size], vm_page_size, FALSE,
			    VM_PROT_READ | VM_PROT_WRITE), KERN_SUCCESS);
	mach_port_destroy(self, peer_port);
}

/* A receiver waiting with a buffer it may not write: not copied into; it
 * gets MACH_RCV_INVALID_DATA as from the queue, and the message stays
 * queued, whole, for a good receive. */
static void test_read_only_buffer(void)
{
	peer_port = new_port();
	vm_address_t page = (vm_address_t)test_pages;
	memset((void *)page, 0x5a, vm_page_size);
	CHECK_EQ(vm_protect(self, page, vm_page_size, FALSE, VM_PROT_READ), KERN_SUCCESS);
	peer_read_only_buffer = (struct ping *)page;
	peer_job = PEER_READ_ONLY;
	peer_one_result = MACH_MSG_SUCCESS;
	mach_port_t th = start_peer();
	CHECK(thread_blocks(th), "the read-only receiver waits");
	natural_t c0 = single_copy_count();
	struct ping m;
	set_ping(&m, peer_port, MACH_PORT_NULL, 8);
	CHECK_EQ(mach_msg(&m.head, MACH_SEND_MSG, sizeof m, 0, 0, 0, 0), MACH_MSG_SUCCESS);
	stop_peer(th);
	CHECK(single_copy_count() == c0, "nothing copied into a read-only buffer");
	CHECK_EQ(peer_one_result, MACH_RCV_INVALID_DATA);
	CHECK(((volatile uint8_t *)page)[0] == 0x5a, "the read-only buffer is untouched");
	struct ping q;
	memset(&q, 0, sizeof q);
	CHECK_EQ(mach_msg(&q.head, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof q, peer_port, 0, 0), MACH_MSG_SUCCESS);
	CHECK(q.value == 8 && q.head.msgh_size == sizeof q, "the message waited, whole (value %u)", q.value);
	CHECK_EQ(vm_protect(self, page, vm_page_size, FALSE, VM_PROT_READ | VM_PROT_WRITE), KERN_SUCCESS);
	mach_port_destroy(self, peer_port);
}

int main(void)
{
	self = mach_task_self();
	memset(test_pages, 0, sizeof test_pages);
	/* Each page a map entry of its own before the counts are taken: the
	 * tests' protection changes then split nothing. */
	for (int i = 0; i < 2; i++)
		CHECK_EQ(vm_protect(self, (vm_address_t)&test_pages[i * 4096], 4096, FALSE, VM_PROT_READ | VM_PROT_WRITE),
			 KERN_SUCCESS);
	uint32_t base[4];
	kernel_counts_settled(base);
	test_ping_pong();
	test_too_small();
	test_port_set();
	test_change_in_flight(false);
	test_change_in_flight(true);
	test_header_rights();
	test_refusals();
	test_read_only_buffer();
	check_counts_back(base, "the hand-off tests");
	return guest_summary("test-handoff");
}
