/* blkmsg.c - device.defs requests built by hand (blkmsg.h). */
#include "blkmsg.h"
#include <sm/runtime.h>
#include <sm/traps.h>
#include "mach.h"
#include "mach_port.h"
#include "smhost.h"

#define HDR ((uint32_t)sizeof(mach_msg_header_t))

static uint32_t short_type(uint32_t name, uint32_t bits, uint32_t number, int is_inline)
{
	return name | bits << 8 | number << 16 | (uint32_t)(is_inline ? 1 : 0) << 28;
}

/* The next free word of m (m->h.msgh_size counts the bytes so far). */
static uint32_t *tail(struct bm_msg *m, uint32_t words)
{
	uint32_t at = (m->h.msgh_size - HDR) / 4;
	if (at + words > BM_WORDS)
		return NULL;
	m->h.msgh_size += 4 * words;
	return &m->w[at];
}

void bm_start(struct bm_msg *m, mach_msg_id_t id)
{
	memset(&m->h, 0, sizeof m->h);
	m->h.msgh_size = HDR;
	m->h.msgh_id = id;
}

uint32_t bm_size(const struct bm_msg *m)
{
	return m->h.msgh_size;
}

void bm_int(struct bm_msg *m, uint32_t v)
{
	uint32_t *t = tail(m, 2);
	if (t) {
		t[0] = short_type(MACH_MSG_TYPE_INTEGER_32, 32, 1, 1);
		t[1] = v;
	}
}

void bm_ints(struct bm_msg *m, const int32_t *v, uint32_t n)
{
	uint32_t *t = tail(m, 1 + n);
	if (t) {
		t[0] = short_type(MACH_MSG_TYPE_INTEGER_32, 32, n & 0xfff, 1);
		memcpy(t + 1, v, 4 * n);
	}
}

void bm_chars(struct bm_msg *m, const void *p, uint32_t n)
{
	uint32_t *t = tail(m, 1 + (n + 3) / 4);
	if (t) {
		t[0] = short_type(MACH_MSG_TYPE_CHAR, 8, n & 0xfff, 1);
		t[(n + 3) / 4] = 0;
		memcpy(t + 1, p, n);
	}
}

void bm_name(struct bm_msg *m, const char *name)
{
	uint32_t *t = tail(m, 3 + 32);
	if (t) {
		t[0] = 1u << 28 | 1u << 29;			/* inline, long form */
		t[1] = MACH_MSG_TYPE_STRING_C | 8u << 16;
		t[2] = 128;
		char *d = (char *)(t + 3);
		memset(d, 0, 128);
		for (int i = 0; i < 127 && name[i]; i++)
			d[i] = name[i];
	}
}

void bm_ool(struct bm_msg *m, const void *p, uint32_t n, int deallocate)
{
	uint32_t *t = tail(m, 4);
	if (t) {
		t[0] = 1u << 29 | (uint32_t)(deallocate ? 1 : 0) << 30;	/* out of line, long form */
		t[1] = MACH_MSG_TYPE_INTEGER_8 | 8u << 16;
		t[2] = n;
		t[3] = (uint32_t)(uintptr_t)p;			/* the 4-byte pointer */
		m->h.msgh_bits |= MACH_MSGH_BITS_COMPLEX;
	}
}

void bm_port(struct bm_msg *m, mach_port_t p, uint32_t disposition)
{
	uint32_t *t = tail(m, 2);
	if (t) {
		t[0] = short_type(disposition, 32, 1, 1);
		t[1] = p;
		m->h.msgh_bits |= MACH_MSGH_BITS_COMPLEX;
	}
}

mach_msg_return_t bm_send(struct bm_msg *m, mach_port_t dest, mach_port_t reply, uint32_t reply_disposition,
			  uint32_t size, uint32_t timeout_ms)
{
	if (!size)
		size = bm_size(m);
	m->h.msgh_bits = (m->h.msgh_bits & MACH_MSGH_BITS_COMPLEX) |
		MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, reply ? reply_disposition : 0);
	m->h.msgh_size = size;
	m->h.msgh_remote_port = dest;
	m->h.msgh_local_port = reply;
	return mach_msg(&m->h, MACH_SEND_MSG | MACH_SEND_TIMEOUT, size, 0, MACH_PORT_NULL, timeout_ms,
			MACH_PORT_NULL);
}

mach_msg_return_t bm_receive(mach_port_t port, struct bm_msg *r, uint32_t timeout_ms)
{
	memset(&r->h, 0, sizeof r->h);
	r->w[0] = r->w[1] = 0;
	return mach_msg(&r->h, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof *r, port, timeout_ms, MACH_PORT_NULL);
}

static void release(mach_port_t name, uint32_t type)
{
	if (!MACH_PORT_VALID(name))
		return;
	if (type == MACH_MSG_TYPE_PORT_RECEIVE)
		mach_port_mod_refs(smrt_task_port(), name, MACH_PORT_RIGHT_RECEIVE, -1);
	else if (type == MACH_MSG_TYPE_PORT_SEND || type == MACH_MSG_TYPE_PORT_SEND_ONCE)
		mach_port_deallocate(smrt_task_port(), name);
}

void bm_destroy(struct bm_msg *r)
{
	release(r->h.msgh_remote_port, MACH_MSGH_BITS_REMOTE(r->h.msgh_bits));
	if (!(r->h.msgh_bits & MACH_MSGH_BITS_COMPLEX))
		return;
	uint32_t end = r->h.msgh_size < sizeof *r ? r->h.msgh_size : sizeof *r;
	for (uint32_t off = HDR; off + 4 <= end;) {
		uint32_t w = *(uint32_t *)((char *)r + off), name = w & 0xff, bits = w >> 8 & 0xff;
		uint32_t number = w >> 16 & 0xfff, data = off + 4;
		if (w & 1u << 29) {
			if (off + 12 > end)
				return;
			uint32_t nw = *(uint32_t *)((char *)r + off + 4);
			name = nw & 0xffff;
			bits = nw >> 16;
			number = *(uint32_t *)((char *)r + off + 8);
			data = off + 12;
		}
		uint32_t bytes = (uint32_t)(((uint64_t)bits * number + 7) / 8);
		int is_port = name >= MACH_MSG_TYPE_PORT_RECEIVE && name <= MACH_MSG_TYPE_PORT_SEND_ONCE;
		if (w & 1u << 28) {
			for (uint32_t i = 0; is_port && i < number && data + 4 * i + 4 <= end; i++)
				release(*(uint32_t *)((char *)r + data + 4 * i), name);
			off = data + ((bytes + 3) & ~3u);
		} else {
			if (data + 4 > end)
				return;
			uint32_t addr = *(uint32_t *)((char *)r + data);
			if (addr && is_port)
				for (uint32_t i = 0; i < number; i++)
					release(((uint32_t *)(uintptr_t)addr)[i], name);
			if (addr && bytes)
				vm_deallocate(smrt_task_port(), addr, bytes);
			off = data + 4;
		}
	}
}

kern_return_t bm_call(struct bm_msg *m, mach_port_t dest, uint32_t timeout_ms, struct bm_msg *reply)
{
	static struct bm_msg scratch;
	mach_port_t rp = MACH_PORT_NULL;
	kern_return_t kr = mach_port_allocate(smrt_task_port(), MACH_PORT_RIGHT_RECEIVE, &rp);
	if (kr != KERN_SUCCESS)
		return kr;
	kr = bm_send(m, dest, rp, MACH_MSG_TYPE_MAKE_SEND_ONCE, 0, timeout_ms);
	if (kr == MACH_MSG_SUCCESS) {
		struct bm_msg *r = reply ? reply : &scratch;
		kr = bm_receive(rp, r, timeout_ms);
		if (kr == MACH_MSG_SUCCESS) {
			kr = r->h.msgh_id == m->h.msgh_id + 100 ? bm_code(r) : MIG_REPLY_MISMATCH;
			if (!reply)
				bm_destroy(r);
		}
	}
	mach_port_mod_refs(smrt_task_port(), rp, MACH_PORT_RIGHT_RECEIVE, -1);
	return kr;
}

kern_return_t bm_read(mach_port_t dev, dev_mode_t mode, recnum_t rec, int32_t bytes, uint32_t timeout_ms)
{
	static struct bm_msg m;
	bm_start(&m, BM_READ);
	bm_int(&m, mode);
	bm_int(&m, rec);
	bm_int(&m, (uint32_t)bytes);
	return bm_call(&m, dev, timeout_ms, NULL);
}

kern_return_t bm_get_status(mach_port_t dev, uint32_t flavor, uint32_t count, uint32_t timeout_ms)
{
	static struct bm_msg m;
	bm_start(&m, BM_GET_STATUS);
	bm_int(&m, flavor);
	bm_int(&m, count);
	return bm_call(&m, dev, timeout_ms, NULL);
}

kern_return_t bm_set_status(mach_port_t dev, uint32_t flavor, const int32_t *words, uint32_t n,
			    uint32_t timeout_ms)
{
	static struct bm_msg m;
	bm_start(&m, BM_SET_STATUS);
	bm_int(&m, flavor);
	bm_ints(&m, words, n);
	return bm_call(&m, dev, timeout_ms, NULL);
}

void bm_settled(uint32_t now[4], const uint32_t *want)
{
	uint32_t last[4] = { 0, 0, 0, 0 };
	for (int tries = 0; tries < 30; tries++) {
		if (sm_kernel_stats(mach_host_self(), &now[0], &now[1], &now[2], &now[3]) != KERN_SUCCESS)
			return;
		if (!memcmp(now, want ? want : last, sizeof last))
			return;
		memcpy(last, now, sizeof last);
		smrt_sleep_ms(100);
	}
}
