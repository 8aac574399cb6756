/* vdisk-async: many requests in flight from one thread (vdisk.h's vd_async_*
 * and vd_in_flight): device_request.defs requests, one reply port per slot,
 * all reply ports in one port set. */
#include "vdisk.h"
#include <mach/mig_errors.h>
#include "mach.h"
#include "mach_port.h"
#include <mach/vm_param.h>
/* device_read_request's message exactly as MIG lays it out. MIG keeps its
 * Request struct inside the user stub (gen/device_request_user.c);
 * tools/mig-sizecheck.py copies every one to file scope, with MIG's size
 * asserted, into this generated file. */
#include "device_request_user.sizecheck.c"
typedef migchk_user_device_read_request_Request vd_read_request_msg;

void vd_async_init(struct vd_async *a, int slots)
{
	memset(a, 0, sizeof *a);
	a->slots = slots;
	mach_port_allocate(smrt_task_port(), MACH_PORT_RIGHT_PORT_SET, &a->set);
	for (int i = 0; i < slots; i++) {
		mach_port_allocate(smrt_task_port(), MACH_PORT_RIGHT_RECEIVE, &a->port[i]);
		mach_port_move_member(smrt_task_port(), a->port[i], a->set);
		a->free_mask[i / 32] |= 1u << (i % 32);
		a->slot_of[a->port[i] % VD_SLOT_HASH] = (uint8_t)(i + 1);
	}
}

static void set_busy(struct vd_async *a, int slot, int busy)
{
	a->busy[slot] = busy;
	if (busy)
		a->free_mask[slot / 32] &= ~(1u << (slot % 32));
	else
		a->free_mask[slot / 32] |= 1u << (slot % 32);
}

/* The lowest free slot, as the scan over busy[] it replaces found. */
int vd_async_free_slot(const struct vd_async *a)
{
	for (int w = 0; w < VD_MAX_SLOTS / 32; w++)
		if (a->free_mask[w])
			return w * 32 + __builtin_ctz(a->free_mask[w]);
	return -1;
}

/* The slot whose port is name, or -1. */
static int slot_of_port(const struct vd_async *a, mach_port_t name)
{
	int s = a->slot_of[name % VD_SLOT_HASH] - 1;
	if (s >= 0 && a->port[s] == name)
		return s;
	for (int i = 0; i < a->slots; i++)
		if (a->port[i] == name)
			return i;
	return -1;
}

kern_return_t vd_async_read(struct vd_async *a, int slot, struct vd_disk *d, recnum_t rec, uint32_t bytes)
{
	kern_return_t kr = device_read_request(d->port, a->port[slot], vd_read_mode, rec, (int)bytes);
	set_busy(a, slot, kr == KERN_SUCCESS);
	return kr;
}

kern_return_t vd_async_write(struct vd_async *a, int slot, struct vd_disk *d, recnum_t rec, const void *src,
			     uint32_t bytes)
{
	kern_return_t kr = device_write_request(d->port, a->port[slot], 0, rec, (io_buf_ptr_t)(src), bytes);
	set_busy(a, slot, kr == KERN_SUCCESS);
	return kr;
}

/* device_reply.defs messages as the client receives them. */
union vd_reply_msg {
	mig_reply_header_t h;
	struct { mig_reply_header_t h; mach_msg_type_t t; int count; } write;
	struct { mig_reply_header_t h; mach_msg_type_long_t t; io_buf_ptr_t data; } read;
	struct { mig_reply_header_t h; mach_msg_type_t t; char data[IO_INBAND_MAX]; } inband;
};

/* The reply in m (received on one of a's ports) into r; its slot becomes
 * free. A message too short to hold a return code reads as
 * MIG_REPLY_MISMATCH. */
static void take_reply(struct vd_async *a, const union vd_reply_msg *m, struct vd_reply *r)
{
	uint32_t size = m->h.Head.msgh_size;
	r->slot = slot_of_port(a, m->h.Head.msgh_local_port);
	if (r->slot >= 0)
		set_busy(a, r->slot, 0);
	r->id = m->h.Head.msgh_id;
	r->code = size >= sizeof m->h ? m->h.RetCode : MIG_REPLY_MISMATCH;
	if ((r->id == 2902 || r->id == 2903) && size >= sizeof m->write)
		r->count = (uint32_t)m->write.count;
	else if (r->id == 2904 && size >= sizeof m->read) {
		r->count = m->read.t.msgtl_number;
		r->data = ((void *)(m->read.data));
	} else if (r->id == 2905 && size >= sizeof m->h + 4) {
		r->count = m->inband.t.msgt_number;
		if (r->count > IO_INBAND_MAX)
			r->count = IO_INBAND_MAX;
		memcpy(r->inband, m->inband.data, r->count);
	}
}

/* Every field but inband (read only up to count, which sets it). */
static void clear_reply(struct vd_reply *r)
{
	r->slot = 0, r->id = 0, r->code = 0, r->count = 0, r->data = NULL;
}

mach_msg_return_t vd_async_wait(struct vd_async *a, struct vd_reply *r, unsigned timeout_ms)
{
	union vd_reply_msg m;
	clear_reply(r);
	mach_msg_return_t mr = mach_msg(&m.h.Head, MACH_RCV_MSG | (timeout_ms ? MACH_RCV_TIMEOUT : 0), 0, sizeof m,
					a->set, timeout_ms, 0);
	if (mr == MACH_MSG_SUCCESS)
		take_reply(a, &m, r);
	return mr;
}

/* Message ids: device_request.defs is "subsystem device_request 2800" and
 * device_read_request its fifth routine (open, skip, write, write_inband,
 * read), numbered as device.defs' device_read. */
#define VD_DEVICE_REQUEST_BASE	2800
#define VD_READ_REQUEST_ID	(VD_DEVICE_REQUEST_BASE + 4)

int vd_send_failed(mach_msg_return_t mr)
{
	uint32_t code = (uint32_t)mr & ~(uint32_t)MACH_MSG_MASK;
	return code >= MACH_SEND_IN_PROGRESS && code < MACH_RCV_IN_PROGRESS;
}

mach_msg_return_t vd_async_read_wait(struct vd_async *a, int slot, struct vd_disk *d, recnum_t rec, uint32_t bytes,
				     struct vd_reply *r, unsigned timeout_ms)
{
	static const mach_msg_type_t int32 = {
		.msgt_name = MACH_MSG_TYPE_INTEGER_32, .msgt_size = 32, .msgt_number = 1, .msgt_inline = 1,
	};
	union { vd_read_request_msg q; union vd_reply_msg m; } u;
	u.q.Head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE);
	u.q.Head.msgh_size = sizeof u.q;
	u.q.Head.msgh_remote_port = d->port;
	u.q.Head.msgh_local_port = a->port[slot];
	u.q.Head.msgh_seqno = 0;
	u.q.Head.msgh_id = VD_READ_REQUEST_ID;
	u.q.modeType = int32;
	u.q.mode = vd_read_mode;
	u.q.recnumType = int32;
	u.q.recnum = rec;
	u.q.bytes_wantedType = int32;
	u.q.bytes_wanted = (int)bytes;
	clear_reply(r);
	mach_msg_return_t mr = mach_msg(&u.q.Head, MACH_SEND_MSG | MACH_RCV_MSG | (timeout_ms ? MACH_RCV_TIMEOUT : 0),
					sizeof u.q, sizeof u.m, a->set, timeout_ms, 0);
	if (vd_send_failed(mr))
		return mr;
	set_busy(a, slot, 1);            /* before the reply, which may be this slot's own */
	if (mr == MACH_MSG_SUCCESS)
		take_reply(a, &u.m, r);
	return mr;
}

/* ---------------------------------------------------------------- free runs */

void vd_free_run_init(struct vd_free_run *f, uint32_t max_bytes)
{
	memset(f, 0, sizeof *f);
	f->max = max_bytes;
}

void vd_free_run_flush(struct vd_free_run *f)
{
	if (f->end == f->start)
		return;
	vm_deallocate(smrt_task_port(), (vm_address_t)f->start, f->end - f->start);
	f->runs++;
	uint32_t pages = (uint32_t)atop(f->end - f->start);
	f->pages += pages;
	if (pages > f->longest)
		f->longest = pages;
	f->start = f->end = 0;
}

void vd_free_later(struct vd_free_run *f, void *data, uint32_t bytes)
{
	if (!data || !bytes)
		return;
	uintptr_t start = trunc_page((uintptr_t)data), end = round_page((uintptr_t)data + bytes);
	if (start != f->end || end - f->start > f->max) {
		vd_free_run_flush(f);
		f->start = start;
	}
	f->end = end;
	if (f->end - f->start >= f->max)
		vd_free_run_flush(f);   /* now: the next reply then lands at the start of this gap */
}

struct flight {
	uint32_t sector, nsect, gen;	/* gen 0: a read */
	uint8_t *data;
};

static int overlaps(const struct flight *f, const struct vd_async *a, uint32_t sector, uint32_t nsect, int write)
{
	for (int i = 0; i < a->slots; i++)
		if (a->busy[i] && (write || f[i].gen) && sector < f[i].sector + f[i].nsect && f[i].sector < sector + nsect)
			return 1;
	return 0;
}

/* One reply of vd_in_flight: check it, log and record a write. */
static int flight_done(struct flight *q, const struct vd_reply *r, uint32_t seed, uint16_t *model)
{
	uint32_t bytes = q->nsect * VD_SECTOR;
	if (q->gen) {
		CHECK(r->id == 2902 && r->code == D_SUCCESS && r->count == bytes, "write reply %d: %x, %u of %u bytes",
		      r->id, r->code, r->count, bytes);
		if (r->code == D_SUCCESS && r->count) {
			vd_log_write(seed, q->sector, r->count / VD_SECTOR, q->gen);
			for (uint32_t k = 0; k < r->count / VD_SECTOR; k++)
				model[q->sector + k] = (uint16_t)q->gen;
		}
		return r->code != D_SUCCESS;
	}
	int at = r->code == D_SUCCESS && r->count == bytes ? vd_verify(r->data, seed, q->sector, q->nsect, 0, model) : 0;
	CHECK(r->id == 2904 && r->code == D_SUCCESS && r->count == bytes && at < 0,
	      "read reply %d of %u sectors at %u: %x, %u bytes; sector %u holds %s", r->id, q->nsect, q->sector, r->code,
	      r->count, q->sector + (at < 0 ? 0 : at), r->count > (uint32_t)at * VD_SECTOR && at >= 0 ?
	      vd_describe((uint8_t *)r->data + at * VD_SECTOR) : "-");
	vd_free(r->data, r->count);
	return r->code != D_SUCCESS || at >= 0;
}

int vd_in_flight(struct vd_disk *d, uint32_t seed, uint32_t first, uint32_t nsect, uint16_t *model, uint16_t *gen,
		 uint32_t *rng, int slots, int ops, int write_percent)
{
	static struct vd_async a;
	static struct flight f[VD_MAX_SLOTS];
	const uint32_t recs = nsect / d->spr, max = 65536 / d->record_size;
	int issued = 0, done = 0, bad = 0, most = 0, in_flight = 0;
	vd_async_init(&a, slots);
	for (int i = 0; i < slots; i++)
		if (!f[i].data)
			f[i].data = malloc(65536);
	while (done < issued || issued < ops) {
		int slot, waited = 0;
		struct vd_reply r;
		mach_msg_return_t mr = MACH_MSG_SUCCESS;
		while (issued < ops && (slot = vd_async_free_slot(&a)) >= 0) {
			uint32_t n = 1 + vd_rand(rng) % max, rec = first / d->spr + vd_rand(rng) % (recs - n + 1);
			int write = (int)(vd_rand(rng) % 100) < write_percent;
			if (overlaps(f, &a, rec * d->spr, n * d->spr, write))
				continue;
			f[slot] = (struct flight){ rec * d->spr, n * d->spr, write ? (*gen)++ : 0, f[slot].data };
			kern_return_t kr;
			if (write) {
				vd_fill(f[slot].data, seed, f[slot].sector, f[slot].nsect, f[slot].gen);
				kr = vd_async_write(&a, slot, d, rec, f[slot].data, n * d->record_size);
			} else if (in_flight < slots - 1) {
				kr = vd_async_read(&a, slot, d, rec, n * d->record_size);
			} else {        /* the last free slot: the read goes out with the receive */
				mr = vd_async_read_wait(&a, slot, d, rec, n * d->record_size, &r, 20000);
				kr = vd_send_failed(mr) ? mr : KERN_SUCCESS;
				waited = 1;
			}
			CHECK_EQ(kr, KERN_SUCCESS);
			if (kr != KERN_SUCCESS)
				return most;
			issued++;
			if (++in_flight > most)
				most = in_flight;
			if (waited)
				break;
		}
		if (!waited)
			mr = vd_async_wait(&a, &r, 20000);
		CHECK(mr == MACH_MSG_SUCCESS && r.slot >= 0, "reply: %x, slot %d", mr, r.slot);
		if (mr != MACH_MSG_SUCCESS || r.slot < 0)
			break;
		done++, in_flight--;
		bad += flight_done(&f[r.slot], &r, seed, model);
	}
	CHECK(done == ops && bad == 0, "%d of %d requests answered, %d bad", done, ops, bad);
	return most;
}
