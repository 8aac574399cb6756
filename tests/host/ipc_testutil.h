/*
 * ipc_testutil.h - helpers shared by the host tests of the IPC data
 * structures (test_ipc_*.c): checks of a port's counts and of an entry as
 * lookup sees it, handing rights to spaces, the leak check that ends every
 * test, byte-for-byte snapshots of a small world (spaces A, B, C; port P and
 * notify port N, received in A as pa and na) for refused operations, and
 * finding captured notifications.
 */
#ifndef TESTS_HOST_IPC_TESTUTIL_H
#define TESTS_HOST_IPC_TESTUTIL_H

#include "check.h"
#include "ipc_stubs.h"
#include "ipc/port.h"
#include "ipc/space.h"
#include "ipc/notify.h"
#include "ipc/kmsg.h"
#include "vm/kalloc.h"

#include <mach/notify.h>
#include <string.h>

#define SEND MACH_PORT_TYPE_SEND
#define SO MACH_PORT_TYPE_SEND_ONCE
#define RECV MACH_PORT_TYPE_RECEIVE
#define DEAD MACH_PORT_TYPE_DEAD_NAME
#define K_SEND MACH_MSG_TYPE_PORT_SEND
#define K_SO MACH_MSG_TYPE_PORT_SEND_ONCE
#define K_RECV MACH_MSG_TYPE_PORT_RECEIVE

#define CHECK_PORT(p, sr, so, rf) do {						\
	CHECK((p)->srights == (uint32_t)(sr) && (p)->sorights == (uint32_t)(so) &&	\
	      (p)->refs == (uint32_t)(rf),						\
	      "port srights %u sorights %u refs %u, want %u %u %u",		\
	      (p)->srights, (p)->sorights, (p)->refs, (unsigned)(sr), (unsigned)(so), (unsigned)(rf)); \
} while (0)

#define CHECK_ENTRY(s, name, pt, ty, ur) do {					\
	struct ipc_entry *e_ = ipc_space_lookup((s), (name));			\
	CHECK(e_ && e_->port == (pt) && e_->type == (ty) && e_->urefs == (ur),	\
	      "name %u: %s port %p type %#x urefs %u, want %p %#x %u",		\
	      (unsigned)(name), e_ ? "entry" : "no entry", e_ ? (void *)e_->port : NULL, \
	      e_ ? e_->type : 0, e_ ? e_->urefs : 0, (void *)(pt), (unsigned)(ty), (unsigned)(ur)); \
} while (0)

#define CHECK_KR(expr, want) do {						\
	kern_return_t kr_ = (expr);						\
	CHECK(kr_ == (want), "%s: %d, want %d", #expr, kr_, (want));		\
} while (0)

/* A new port whose receive right is named in s. */
__attribute__((unused)) static struct ipc_port *recv_in(struct ipc_space *s, mach_port_name_t *name)
{
	struct ipc_port *p = ipc_port_alloc();
	*name = ipc_space_insert(s, p, RECV);
	return p;
}

/* A receive right the "kernel" holds (no space): destroy it and let go. */
__attribute__((unused)) static void kill_kernel_port(struct ipc_port *p)
{
	ipc_port_destroy(p);
	ipc_port_release(p);
}

/* Nothing alive, nothing allocated: the end of every test.  Captured
 * messages are disposed of first, as the kernel would, and the spare
 * message (no message's) is given back. */
__attribute__((unused)) static void check_no_leaks(const char *test)
{
	stub_msgs_drain();
	kmsg_spare_release();
	CHECK(ipc_port_count() == 0, "%s: %u ports alive", test, ipc_port_count());
	CHECK(stub_kalloc_bytes == 0 && stub_kalloc_blocks == 0,
	      "%s: %zu bytes in %zu blocks outstanding", test, stub_kalloc_bytes, stub_kalloc_blocks);
}

/* The world of each test: spaces A, B, C; port P and notify port N, both
 * received in A (names pa, na). */
static struct ipc_space *A, *B, *C;
static struct ipc_port *P, *N;
static mach_port_name_t pa, na;

__attribute__((unused)) static void setup(void)
{
	A = ipc_space_create();
	B = ipc_space_create();
	C = ipc_space_create();
	P = ipc_port_alloc();
	pa = ipc_space_insert(A, P, RECV);
	N = ipc_port_alloc();
	na = ipc_space_insert(A, N, RECV);
}

__attribute__((unused)) static void teardown(const char *test)
{
	ipc_space_destroy(B);
	ipc_space_destroy(C);
	ipc_space_destroy(A);
	check_no_leaks(test);
}

__attribute__((unused)) static mach_port_name_t give_send(struct ipc_space *s, struct ipc_port *p)
{
	ipc_port_make_send(p);
	return ipc_space_insert(s, p, SEND);
}

__attribute__((unused)) static mach_port_name_t give_so(struct ipc_space *s, struct ipc_port *p)
{
	ipc_port_make_send_once(p);
	return ipc_space_insert(s, p, SO);
}

__attribute__((unused)) static struct ipc_port *so_right(struct ipc_port *p)
{
	ipc_port_make_send_once(p);
	return p;
}

/* A kernel-form message of just a header, with a send-once right to p as
 * its destination (what ipc_mqueue_enqueue takes), and id as msgh_id. */
__attribute__((unused)) static struct kmsg *note_to_id(struct ipc_port *p, mach_msg_id_t id)
{
	struct kmsg *m = kmsg_alloc(sizeof(mach_msg_header_t));
	m->hdr->msgh_bits = MACH_MSGH_BITS(K_SO, 0);
	m->hdr->msgh_size = sizeof(mach_msg_header_t);
	m->hdr->msgh_remote_port = (uint32_t)so_right(p);
	m->hdr->msgh_id = id;
	return m;
}

__attribute__((unused)) static struct kmsg *note_to(struct ipc_port *p) { return note_to_id(p, 0); }

/* One copyin expected to succeed with the given port and kernel type. */
__attribute__((unused)) static struct ipc_port *copyin_ok(struct ipc_space *s, mach_port_name_t name, uint32_t disp,
				  struct ipc_port *want, uint32_t want_type)
{
	struct ipc_port *p = NULL;
	uint32_t type = 0;
	kern_return_t kr = ipc_right_copyin(s, name, disp, &p, &type);
	CHECK(kr == KERN_SUCCESS && p == want && type == want_type,
	      "copyin name %u disposition %u: kr %d port %p type %u", name, disp, kr, (void *)p, type);
	return p;
}

/* ----- byte-for-byte snapshots, for refused operations ----- */

#define SNAP_NAMES 256
struct snap {
	uint32_t size[3], in_use[3];
	struct ipc_entry t[3][SNAP_NAMES];
	struct ipc_port p, n;
};

__attribute__((unused)) static void take_snap(struct snap *sn)
{
	struct ipc_space *s[3] = { A, B, C };
	memset(sn, 0, sizeof *sn);
	for (int i = 0; i < 3; i++) {
		sn->size[i] = s[i]->size;
		sn->in_use[i] = s[i]->in_use;
		memcpy(sn->t[i], s[i]->table, (s[i]->size < SNAP_NAMES ? s[i]->size : SNAP_NAMES) * sizeof s[i]->table[0]);
	}
	memcpy(&sn->p, P, sizeof *P);
	memcpy(&sn->n, N, sizeof *N);
}

__attribute__((unused)) static bool same_snap(const struct snap *before)
{
	struct snap now;
	take_snap(&now);
	return memcmp(before, &now, sizeof now) == 0;
}

/* ----- captured notifications ----- */

/* The index of the captured notification to dest with this id (and, when it
 * has a body, this body word), -1 if none; checks its format on the way. */
__attribute__((unused)) static int find_note(struct ipc_port *dest, mach_msg_id_t id, uint32_t body_type, uint32_t value)
{
	for (int i = 0; i < stub_nmsgs; i++) {
		struct kmsg *m = stub_msgs[i].m;
		mach_msg_header_t *h = m->hdr;
		if (kmsg_remote(m) != dest || h->msgh_id != id)
			continue;
		uint32_t size = body_type ? sizeof(mach_dead_name_notification_t) : sizeof(mach_send_once_notification_t);
		uint32_t bits = MACH_MSGH_BITS(K_SO, 0) | (body_type == K_RECV ? MACH_MSGH_BITS_COMPLEX : 0);
		CHECK(h->msgh_bits == bits && h->msgh_size == size && m->size == size &&
		      h->msgh_local_port == 0 && h->msgh_seqno == 0,
		      "notification %d: bits %#x size %u/%u local %u", id, h->msgh_bits, h->msgh_size,
		      m->size, h->msgh_local_port);
		if (!body_type)
			return i;
		mach_dead_name_notification_t *n = (mach_dead_name_notification_t *)h;
		CHECK(n->not_type.msgt_name == body_type && n->not_type.msgt_size == 32 &&
		      n->not_type.msgt_number == 1 && n->not_type.msgt_inline && !n->not_type.msgt_longform &&
		      !n->not_type.msgt_deallocate, "notification %d: body descriptor", id);
		if (n->not_port == value)
			return i;
	}
	return -1;
}

#endif
