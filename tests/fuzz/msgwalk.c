/* Walking a typed message body the way the kernel does (kernel/ipc/
 * msg_body.c): to keep a fuzzed message from taking the fuzzer's own rights
 * and memory before it is sent, and to release what a received one brought. */
#include "fuzz.h"
#include "mach.h"
#include "mach_port.h"
#include <mach/mig_support.h>

static int is_port_type(uint32_t name)
{
	return name >= MACH_MSG_TYPE_MOVE_RECEIVE && name <= MACH_MSG_TYPE_MAKE_SEND_ONCE;
}


static uint64_t ool_bytes(const struct item *it)
{
	return ((uint64_t)it->number * it->size_bits + 7) / 8;
}

/* ---------------------------------------------------------------- sanitize */

/* Names the fuzzer cannot lose: its reply port, port sets, own ports and
 * every target's send right. */
int protected_name(struct fuzz *f, mach_port_t n)
{
	if (n == MACH_PORT_NULL || n == MACH_PORT_DEAD)
		return 0;
	for (uint32_t i = 0; i < f->startup_count; i++)
		if (n == f->startup[i])
			return 1;
	if (n == mig_get_reply_port())	/* the runtime remakes it after a failed RPC */
		return 1;
	if (n == f->rp || n == f->drain || n == f->empty_set || n == f->self || n == f->host ||
	    n == f->master || n == f->self_thread || n == f->child || n == f->hello || n == f->blk)
		return 1;
	for (int i = 0; i < OWN_PORTS; i++)
		if (n == f->own[i])
			return 1;
	for (int i = 0; i < CHILD_THREADS; i++)
		if (n == f->child_thread[i])
			return 1;
	return 0;
}

extern mach_port_t fuzz_spare;

static int is_own(struct fuzz *f, mach_port_t n)
{
	for (int i = 0; i < OWN_PORTS; i++)
		if (n == f->own[i])
			return 1;
	return 0;
}	/* targets.c: a receive right that may be given away */

/* A right of disposition *disp named *name: moving a protected receive right
 * becomes moving the spare; moving a protected send right becomes a copy. */
static void guard_right(struct fuzz *f, uint32_t *disp, mach_port_t *name)
{
	/* The runtime's MIG reply port must see only its own RPCs' replies: a
	 * fuzzed message's reply there would answer the next RPC. */
	if (*name == mig_get_reply_port() && *name != MACH_PORT_NULL)
		*name = f->rp;		/* and rp's rules, below */
	if (!protected_name(f, *name))
		return;
	if (*disp == MACH_MSG_TYPE_MOVE_RECEIVE)
		*name = fuzz_spare;
	else if (*disp == MACH_MSG_TYPE_MOVE_SEND)
		*disp = MACH_MSG_TYPE_COPY_SEND;
}

struct sanitize_ctx {
	struct fuzz *f;
	struct fuzz_msg *m;
	int no_self, own_space;
};

/* Routines that act on a task named in the body (vm_wire, thread_wire,
 * vm_wire_all, vm_allocate_contiguous, thread_terminate_release, which
 * deallocates memory): never the fuzzer's own. */
static int acts_on_task_in_body(int id)
{
	return id == 2636 || id == 2637 || id == 4207 || id == 4210 || id == 4201;
}

static int in_scratch(uint64_t addr, uint64_t bytes)
{
	return addr >= SCRATCH_ADDR && addr + bytes <= SCRATCH_ADDR + SCRATCH_BYTES;
}

static int sanitize_item(void *ctx, uint8_t *msg, const struct item *it)
{
	struct sanitize_ctx *c = ctx;
	mach_msg_type_t t;
	memcpy(&t, msg + it->desc_off, sizeof t);
	if (it->is_inline && c->own_space && it->name == MACH_MSG_TYPE_PORT_NAME) {
		/* mach_port_* at the fuzzer's own space: never on the names it
		 * lives by (qlimit, payload, notifications ...); an own port instead. */
		for (uint32_t i = 0; i < it->data_bytes / 4; i++) {
			mach_port_t name;
			memcpy(&name, msg + it->data_off + 4 * i, 4);
			/* A larger name that the kernel would take (below its
			 * IPC_SPACE_MAX_NAMES, 65536) grows the fuzzer's table for
			 * good, which the leak check counts as kernel heap, and
			 * may leave a right the sweep never finds. Large names
			 * still reach the child task's space (freed with it). */
			if (name >= OWN_NAME_LIMIT && name < 65536)
				name %= OWN_NAME_LIMIT;
			if (protected_name(c->f, name) && !is_own(c->f, name))
				name = c->f->own[i % OWN_PORTS];
			memcpy(msg + it->data_off + 4 * i, &name, 4);
		}
		return 0;
	}
	if (it->is_inline) {
		if (!is_port_type(it->name))
			return 0;
		uint32_t disp = it->name, n = it->data_bytes / 4;
		for (uint32_t i = 0; i < n; i++) {
			mach_port_t name;
			memcpy(&name, msg + it->data_off + 4 * i, 4);
			if (c->no_self && (name == c->f->self || name == c->f->self_thread))
				name = c->f->child;
			uint32_t d = disp;
			guard_right(c->f, &d, &name);
			memcpy(msg + it->data_off + 4 * i, &name, 4);
			if (d != disp)
				disp = d;	/* one disposition per item: copy for all */
		}
		if (disp != it->name) {
			if (it->longform) {
				uint16_t name16 = (uint16_t)disp;
				memcpy(msg + it->desc_off + 4, &name16, 2);
			} else {
				t.msgt_name = disp;
				memcpy(msg + it->desc_off, &t, sizeof t);
			}
		}
		return 0;
	}
	uint32_t addr;
	memcpy(&addr, msg + it->data_off, 4);
	uint64_t bytes = ool_bytes(it);
	if (it->dealloc) {
		if (in_scratch(addr, bytes))
			c->m->has_dealloc_ool = 1;
		else {				/* never free the fuzzer's own memory */
			t.msgt_deallocate = 0;
			memcpy(msg + it->desc_off, &t, sizeof t);
		}
	}
	/* An out-of-line port array is read from the fuzzer's memory: it may
	 * only come from the scratch region, whose words are never names the
	 * fuzzer holds (but for those gen.c put at its start, guarded here). */
	if (is_port_type(it->name) && addr != 0 && addr < 0xc0000000u) {
		if (!in_scratch(addr, bytes < 4096 ? bytes : 4096)) {
			addr = SCRATCH_ADDR;
			memcpy(msg + it->data_off, &addr, 4);
		}
		uint32_t disp = it->name;
		uint64_t n = bytes / 4;
		mach_port_t *names = (mach_port_t *)(uintptr_t)addr;
		for (uint64_t i = 0; i < n && in_scratch(addr, 4 * (i + 1)); i++) {
			uint32_t d = it->name;
			guard_right(c->f, &d, &names[i]);
			if (d != it->name)
				disp = d;
		}
		if (disp != it->name) {
			if (it->longform) {
				uint16_t name16 = (uint16_t)disp;
				memcpy(msg + it->desc_off + 4, &name16, 2);
			} else {
				t.msgt_name = disp;
				memcpy(msg + it->desc_off, &t, sizeof t);
			}
		}
	}
	return 0;
}

void sanitize_message(struct fuzz *f, uint32_t *buf, uint32_t size, struct fuzz_msg *m)
{
	mach_msg_header_t *h = (mach_msg_header_t *)buf;
	uint32_t remote = h->msgh_bits & 0xff, local = (h->msgh_bits >> 8) & 0xff;
	guard_right(f, &remote, &h->msgh_remote_port);
	guard_right(f, &local, &h->msgh_local_port);
	h->msgh_bits = (h->msgh_bits & ~0xffffu) | remote | local << 8;
	struct sanitize_ctx c = { f, m, acts_on_task_in_body(h->msgh_id),
				  h->msgh_remote_port == f->self && h->msgh_id >= 3200 && h->msgh_id < 3300 };
	/* The kernel may read either size; guard what both would cover. */
	if (size > FUZZ_MSG_BYTES)
		size = FUZZ_MSG_BYTES;
	msg_walk((uint8_t *)buf, size & ~3u, sanitize_item, &c);
	if (h->msgh_size != size && h->msgh_size <= FUZZ_MSG_BYTES)
		msg_walk((uint8_t *)buf, h->msgh_size & ~3u, sanitize_item, &c);
}

/* ---------------------------------------------------------------- destroy */

static void release_right(struct fuzz *f, uint32_t type, mach_port_t name)
{
	if (!MACH_PORT_VALID(name))
		return;
	if (type == MACH_MSG_TYPE_MOVE_RECEIVE)
		mach_port_mod_refs(f->self, name, MACH_PORT_RIGHT_RECEIVE, -1);
	else
		mach_port_deallocate(f->self, name);
}

static int destroy_item(void *ctx, uint8_t *msg, const struct item *it)
{
	struct fuzz *f = ctx;
	if (it->is_inline) {
		if (is_port_type(it->name))
			for (uint32_t i = 0; i < it->number && 4 * i < it->data_bytes; i++) {
				mach_port_t name;
				memcpy(&name, msg + it->data_off + 4 * i, 4);
				release_right(f, it->name, name);
			}
		return 0;
	}
	uint32_t addr;
	memcpy(&addr, msg + it->data_off, 4);
	uint64_t bytes = ool_bytes(it);
	if (addr == 0 || bytes == 0)
		return 0;
	if (is_port_type(it->name))
		for (uint32_t i = 0; i < it->number; i++)
			release_right(f, it->name, ((mach_port_t *)(uintptr_t)addr)[i]);
	vm_deallocate(f->self, addr, (vm_size_t)bytes);
	return 0;
}

void destroy_received(struct fuzz *f, mach_msg_header_t *h)
{
	uint32_t remote = h->msgh_bits & 0xff;
	if (remote == MACH_MSG_TYPE_MOVE_SEND || remote == MACH_MSG_TYPE_MOVE_SEND_ONCE)
		release_right(f, remote, h->msgh_remote_port);
	if (h->msgh_bits & MACH_MSGH_BITS_COMPLEX)
		msg_walk((uint8_t *)h, h->msgh_size, destroy_item, f);
}
