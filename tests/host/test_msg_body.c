/*
 * test_msg_body.c - host unit test of the message body walker
 * (kernel/ipc/msg_body.c: msg_body_walk, msg_type_is_port), built -m32.
 *
 * Every message is placed so that its last byte is followed by an unmapped
 * page: reading even one byte past msgh_size faults.  Fixed cases check the
 * size rules item by item (short and long descriptors, inline data rounded
 * to 4 bytes, 64-bit integers, the 4-byte out-of-line pointer, 32-bit port
 * elements), truncation at every point, multiplication overflow, what the
 * callback is shown and that its error stops the walk.  Random messages then
 * check that the walk never reads outside the message and that the items it
 * reports tile the body exactly.
 */
#include "check.h"
#include "ipc/msg_body.h"

#include <string.h>

#define HDR ((uint32_t)sizeof(mach_msg_header_t))
#define MSG_MAX 0x10000

static struct guard guard;

/* ----- building messages ----- */

struct builder { uint8_t buf[MSG_MAX]; uint32_t len; };

static void b_init(struct builder *b)
{
	memset(b->buf, 0, HDR);
	b->len = HDR;
}

static void b_bytes(struct builder *b, const void *p, uint32_t n)
{
	memcpy(b->buf + b->len, p, n);
	b->len += n;
}

static void b_short(struct builder *b, unsigned name, unsigned size, unsigned number,
		    bool inl, bool dealloc)
{
	mach_msg_type_t t = { .msgt_name = name, .msgt_size = size, .msgt_number = number,
			      .msgt_inline = inl, .msgt_longform = 0, .msgt_deallocate = dealloc };
	b_bytes(b, &t, sizeof t);
}

/* A long descriptor; the header's own name/size/number hold decoys. */
static void b_long(struct builder *b, unsigned name, unsigned size, uint32_t number,
		   bool inl, bool dealloc)
{
	mach_msg_type_long_t t = {
		.msgtl_header = { .msgt_name = MACH_MSG_TYPE_MOVE_SEND, .msgt_size = 8,
				  .msgt_number = 4095, .msgt_inline = inl, .msgt_longform = 1,
				  .msgt_deallocate = dealloc },
		.msgtl_name = (unsigned short)name, .msgtl_size = (unsigned short)size,
		.msgtl_number = number,
	};
	b_bytes(b, &t, sizeof t);
}

static void b_data(struct builder *b, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		b->buf[b->len++] = (uint8_t)(i * 31 + 1);
}

/* ----- walking ----- */

#define MAXITEMS 64

struct record {
	int n;
	int fail_at;			/* callback index that returns fail_code */
	mach_msg_return_t fail_code;
	uint8_t *msg;
	uint32_t size;
	int msg_mismatch, outside;
	struct msg_item items[MAXITEMS];
};

static mach_msg_return_t record_item(void *ctx, uint8_t *msg, const struct msg_item *it)
{
	struct record *r = ctx;
	if (msg != r->msg)
		r->msg_mismatch++;
	/* touch every byte the item claims: past the end, this faults */
	if ((uint64_t)it->data_offset + it->data_bytes > r->size)
		r->outside++;
	else {
		volatile uint8_t sum = 0;
		for (uint32_t i = it->desc_offset; i < it->data_offset + it->data_bytes; i++)
			sum += msg[i];
		(void)sum;
	}
	if (r->n < MAXITEMS)
		r->items[r->n] = *it;
	int idx = r->n++;
	return idx == r->fail_at ? r->fail_code : MACH_MSG_SUCCESS;
}

/* Copies the message flush against the guard page and walks size bytes of it. */
static mach_msg_return_t walk(const struct builder *b, uint32_t size, struct record *r)
{
	uint8_t *m = guard_place(&guard, size);
	memcpy(m, b->buf, size);
	memset(r, 0, sizeof *r);
	r->fail_at = -1;
	r->msg = m;
	r->size = size;
	return msg_body_walk(m, size, record_item, r);
}

static mach_msg_return_t walk_failing(const struct builder *b, struct record *r, int at,
				      mach_msg_return_t code)
{
	uint8_t *m = guard_place(&guard, b->len);
	memcpy(m, b->buf, b->len);
	memset(r, 0, sizeof *r);
	r->fail_at = at;
	r->fail_code = code;
	r->msg = m;
	r->size = b->len;
	return msg_body_walk(m, b->len, record_item, r);
}

#define ITEM_IS(it, NAME, SIZE, NUMBER, INL, PORT, DESC, DATA, BYTES)		\
	CHECK((it).type_name == (NAME) && (it).size_bits == (SIZE) &&			\
	      (it).number == (NUMBER) && (it).is_inline == (INL) &&			\
	      (it).is_port == (PORT) && (it).desc_offset == (DESC) &&			\
	      (it).data_offset == (DATA) && (it).data_bytes == (BYTES),		\
	      "item: name %u size %u number %u inline %d port %d desc %u data %u bytes %u", \
	      (it).type_name, (it).size_bits, (it).number, (it).is_inline,		\
	      (it).is_port, (it).desc_offset, (it).data_offset, (it).data_bytes)

/* One short inline item of number elements of size bits: its data bytes. */
static void one_inline(unsigned name, unsigned size, unsigned number, uint32_t want_bytes)
{
	struct builder b;
	struct record r;
	b_init(&b);
	b_short(&b, name, size, number, true, false);
	b_data(&b, want_bytes);
	mach_msg_return_t ret = walk(&b, b.len, &r);
	CHECK(ret == MACH_MSG_SUCCESS && r.n == 1, "%u x %u bits: ret %#x n %d", number, size, ret, r.n);
	if (r.n == 1)
		ITEM_IS(r.items[0], name, size, number, true, msg_type_is_port(name), HDR, HDR + 4, want_bytes);
	if (want_bytes) {		/* one byte short of the data: refused */
		ret = walk(&b, b.len - 1, &r);
		CHECK(ret == MACH_SEND_MSG_TOO_SMALL && r.n == 0, "%u x %u bits, short by 1: %#x", number, size, ret);
	}
}

static void test_sizes(void)
{
	struct builder b;
	struct record r;
	b_init(&b);
	CHECK(walk(&b, HDR, &r) == MACH_MSG_SUCCESS && r.n == 0, "empty body");

	one_inline(MACH_MSG_TYPE_INTEGER_32, 32, 1, 4);
	one_inline(MACH_MSG_TYPE_INTEGER_32, 32, 3, 12);
	one_inline(MACH_MSG_TYPE_INTEGER_32, 32, 0, 0);
	one_inline(MACH_MSG_TYPE_CHAR, 8, 1, 4);
	one_inline(MACH_MSG_TYPE_CHAR, 8, 5, 8);
	one_inline(MACH_MSG_TYPE_CHAR, 8, 8, 8);
	one_inline(MACH_MSG_TYPE_CHAR, 8, 4095, 4096);
	one_inline(MACH_MSG_TYPE_INTEGER_16, 16, 3, 8);
	one_inline(MACH_MSG_TYPE_BOOLEAN, 1, 33, 8);		/* 33 bits: 5 bytes, rounded */
	one_inline(MACH_MSG_TYPE_BOOLEAN, 1, 1, 4);
	one_inline(MACH_MSG_TYPE_INTEGER_64, 64, 1, 8);
	one_inline(MACH_MSG_TYPE_INTEGER_64, 64, 3, 24);
	one_inline(MACH_MSG_TYPE_PORT_NAME, 32, 2, 8);
	one_inline(MACH_MSG_TYPE_COPY_SEND, 32, 3, 12);
	one_inline(MACH_MSG_TYPE_STRING_C, 8, 13, 16);
	one_inline(MACH_MSG_TYPE_CHAR, 255, 1, 32);		/* 255 bits: 32 bytes */

	/* long form: its own name/size/number win over the header's decoys */
	b_init(&b);
	b_long(&b, MACH_MSG_TYPE_CHAR, 8, 5000, true, false);
	b_data(&b, 5000);
	CHECK(walk(&b, b.len, &r) == MACH_MSG_SUCCESS && r.n == 1, "long inline");
	ITEM_IS(r.items[0], MACH_MSG_TYPE_CHAR, 8, 5000, true, false, HDR, HDR + 12, 5000);
	CHECK(walk(&b, b.len - 4, &r) == MACH_SEND_MSG_TOO_SMALL, "long inline short by 4");

	b_init(&b);
	b_long(&b, MACH_MSG_TYPE_STRING_C, 1024, 1, true, false);	/* 128-byte string */
	b_data(&b, 128);
	CHECK(walk(&b, b.len, &r) == MACH_MSG_SUCCESS && r.n == 1, "long 1024-bit element");
	ITEM_IS(r.items[0], MACH_MSG_TYPE_STRING_C, 1024, 1, true, false, HDR, HDR + 12, 128);

	b_init(&b);
	b_long(&b, MACH_MSG_TYPE_INTEGER_64, 64, 2, true, false);
	b_data(&b, 16);
	CHECK(walk(&b, b.len, &r) == MACH_MSG_SUCCESS && r.n == 1, "long int64");
	ITEM_IS(r.items[0], MACH_MSG_TYPE_INTEGER_64, 64, 2, true, false, HDR, HDR + 12, 16);

	/* out of line: always one 4-byte pointer, whatever the count */
	b_init(&b);
	b_long(&b, MACH_MSG_TYPE_CHAR, 8, 0x100000, false, true);
	b_data(&b, OOL_SLOT_SIZE);
	b_short(&b, MACH_MSG_TYPE_INTEGER_32, 32, 4000, false, false);
	b_data(&b, OOL_SLOT_SIZE);
	b_long(&b, MACH_MSG_TYPE_MOVE_SEND, 32, 70000, false, false);	/* OOL port array */
	b_data(&b, OOL_SLOT_SIZE);
	CHECK(walk(&b, b.len, &r) == MACH_MSG_SUCCESS && r.n == 3, "OOL items: n %d", r.n);
	ITEM_IS(r.items[0], MACH_MSG_TYPE_CHAR, 8, 0x100000, false, false, HDR, HDR + 12, OOL_SLOT_SIZE);
	CHECK(r.items[0].deallocate, "deallocate bit");
	ITEM_IS(r.items[1], MACH_MSG_TYPE_INTEGER_32, 32, 4000, false, false, HDR + 12 + OOL_SLOT_SIZE, HDR + 16 + OOL_SLOT_SIZE, OOL_SLOT_SIZE);
	CHECK(!r.items[1].deallocate, "no deallocate bit");
	ITEM_IS(r.items[2], MACH_MSG_TYPE_MOVE_SEND, 32, 70000, false, true, HDR + 16 + 2 * OOL_SLOT_SIZE, HDR + 28 + 2 * OOL_SLOT_SIZE, OOL_SLOT_SIZE);
	for (uint32_t cut = 1; cut <= OOL_SLOT_SIZE; cut++)
		CHECK(walk(&b, b.len - cut, &r) == MACH_SEND_MSG_TOO_SMALL && r.n == 2,
		      "OOL slot short by %u", cut);
}

static void test_ports(void)
{
	for (unsigned n = 0; n < 256; n++)
		CHECK(msg_type_is_port(n) == (n >= 16 && n <= 21), "msg_type_is_port(%u)", n);
	CHECK(!msg_type_is_port(0x10010) && !msg_type_is_port(0xffffffffu), "wide names");

	struct builder b;
	struct record r;
	for (unsigned name = MACH_MSG_TYPE_MOVE_RECEIVE; name <= MACH_MSG_TYPE_MAKE_SEND_ONCE; name++) {
		static const unsigned bad_sizes[] = { 0, 8, 16, 31, 33, 64 };
		for (unsigned i = 0; i < sizeof bad_sizes / sizeof bad_sizes[0]; i++) {
			b_init(&b);
			b_short(&b, name, bad_sizes[i], 1, true, false);
			b_data(&b, 8);
			CHECK(walk(&b, b.len, &r) == MACH_SEND_INVALID_TYPE && r.n == 0,
			      "port %u with %u-bit elements", name, bad_sizes[i]);
			b_init(&b);
			b_long(&b, name, bad_sizes[i], 1, false, false);
			b_data(&b, 8);
			CHECK(walk(&b, b.len, &r) == MACH_SEND_INVALID_TYPE && r.n == 0,
			      "long OOL port %u with %u-bit elements", name, bad_sizes[i]);
		}
		b_init(&b);
		b_short(&b, name, 32, 2, true, false);
		b_data(&b, 8);
		CHECK(walk(&b, b.len, &r) == MACH_MSG_SUCCESS && r.n == 1 && r.items[0].is_port,
		      "port %u with 32-bit elements", name);
	}
	/* names that are not rights may have other sizes */
	static const unsigned others[] = { MACH_MSG_TYPE_PORT_NAME, 22, MACH_MSG_TYPE_PROTECTED_PAYLOAD, 255 };
	for (unsigned i = 0; i < sizeof others / sizeof others[0]; i++) {
		b_init(&b);
		b_short(&b, others[i], 64, 1, true, false);
		b_data(&b, 8);
		CHECK(walk(&b, b.len, &r) == MACH_MSG_SUCCESS && r.n == 1 && !r.items[0].is_port,
		      "name %u with 64-bit elements", others[i]);
	}
	/* a long descriptor's port decoy in the header is not what counts */
	b_init(&b);
	b_long(&b, MACH_MSG_TYPE_INTEGER_16, 16, 2, true, false);
	b_data(&b, 4);
	CHECK(walk(&b, b.len, &r) == MACH_MSG_SUCCESS && r.n == 1 && !r.items[0].is_port,
	      "long form ignores the header's name");
	/* the bad port comes after a good item: the walk reports the good one first */
	b_init(&b);
	b_short(&b, MACH_MSG_TYPE_INTEGER_32, 32, 1, true, false);
	b_data(&b, 4);
	b_short(&b, MACH_MSG_TYPE_MOVE_SEND, 16, 1, true, false);
	b_data(&b, 4);
	CHECK(walk(&b, b.len, &r) == MACH_SEND_INVALID_TYPE && r.n == 1, "bad port second");
}

static void test_truncation(void)
{
	struct builder b;
	struct record r;
	mach_msg_return_t ret;
	/* a message of several items cut at every length: never a read past the
	 * cut, TOO_SMALL unless the cut falls exactly between items */
	b_init(&b);
	b_short(&b, MACH_MSG_TYPE_INTEGER_32, 32, 1, true, false); b_data(&b, 4);
	b_long(&b, MACH_MSG_TYPE_CHAR, 8, 10, true, false); b_data(&b, 12);
	b_short(&b, MACH_MSG_TYPE_INTEGER_64, 64, 1, true, false); b_data(&b, 8);
	b_long(&b, MACH_MSG_TYPE_CHAR, 8, 300, false, false); b_data(&b, OOL_SLOT_SIZE);
	b_short(&b, MACH_MSG_TYPE_MAKE_SEND, 32, 1, true, false); b_data(&b, 4);
	static const uint32_t bounds[] = { HDR, HDR + 8, HDR + 32, HDR + 44, HDR + 56 + OOL_SLOT_SIZE,
					   HDR + 64 + OOL_SLOT_SIZE };
	for (uint32_t size = HDR; size <= b.len; size++) {
		int at_boundary = 0, items = 0;
		for (unsigned i = 0; i < sizeof bounds / sizeof bounds[0]; i++)
			if (bounds[i] == size) { at_boundary = 1; items = (int)i; }
		ret = walk(&b, size, &r);
		if (at_boundary)
			CHECK(ret == MACH_MSG_SUCCESS && r.n == items, "cut at %u: %#x n %d", size, ret, r.n);
		else
			CHECK(ret == MACH_SEND_MSG_TOO_SMALL && r.outside == 0, "cut at %u: %#x", size, ret);
	}
	/* a long descriptor whose last bytes are missing */
	b_init(&b);
	b_long(&b, MACH_MSG_TYPE_CHAR, 8, 0, true, false);
	CHECK(walk(&b, b.len, &r) == MACH_MSG_SUCCESS && r.n == 1 && r.items[0].data_bytes == 0,
	      "long, zero elements");
	for (uint32_t cut = 1; cut <= 11; cut++)
		CHECK(walk(&b, b.len - cut, &r) == MACH_SEND_MSG_TOO_SMALL && r.n == 0,
		      "long descriptor short by %u", cut);
	/* sizes below the header walk nothing */
	for (uint32_t size = 0; size < HDR; size++) {
		ret = walk(&b, size, &r);
		CHECK(r.n == 0 && r.outside == 0, "size %u below the header: %#x n %d", size, ret, r.n);
	}
}

/* Counts whose element size times number wraps in 32 bits (or comes close):
 * must be refused, not treated as small. */
static void test_overflow(void)
{
	static const struct { unsigned size; uint32_t number; } cases[] = {
		{ 32, 0x80000001 },	/* 2^36 + 32 bits: low 32 bits say 4 bytes */
		{ 32, 0x40000000 },	/* 2^35 bits: low 32 bits are 0 */
		{ 8, 0xffffffff },	/* bytes 2^32-1, rounding up would wrap */
		{ 8, 0xfffffffd },
		{ 1, 0xffffffff },
		{ 0xffff, 0xffffffff },
		{ 0x8000, 0x20000 },	/* exactly 2^32 bits */
		{ 64, 0x08000000 },	/* 2^33 bits */
		{ 64, 0x04000001 },
	};
	struct builder b;
	struct record r;
	for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		b_init(&b);
		b_long(&b, MACH_MSG_TYPE_CHAR, cases[i].size, cases[i].number, true, false);
		b_data(&b, 64);
		mach_msg_return_t ret = walk(&b, b.len, &r);
		CHECK(ret == MACH_SEND_MSG_TOO_SMALL && r.n == 0, "%u x %#x bits: %#x, n %d",
		      cases[i].size, cases[i].number, ret, r.n);
		/* the same count out of line is just a slot */
		b_init(&b);
		b_long(&b, MACH_MSG_TYPE_CHAR, cases[i].size, cases[i].number, false, false);
		b_data(&b, OOL_SLOT_SIZE);
		ret = walk(&b, b.len, &r);
		CHECK(ret == MACH_MSG_SUCCESS && r.n == 1 && r.items[0].data_bytes == OOL_SLOT_SIZE,
		      "OOL %u x %#x: %#x", cases[i].size, cases[i].number, ret);
	}
}

static void test_callback(void)
{
	struct builder b;
	struct record r;
	b_init(&b);
	for (int i = 0; i < 5; i++) {
		b_short(&b, MACH_MSG_TYPE_INTEGER_32, 32, 1, true, false);
		b_data(&b, 4);
	}
	mach_msg_return_t ret = walk_failing(&b, &r, 2, MACH_SEND_INVALID_RIGHT);
	CHECK(ret == MACH_SEND_INVALID_RIGHT && r.n == 3, "callback error stops the walk: %#x n %d", ret, r.n);
	ret = walk_failing(&b, &r, 0, MACH_SEND_INVALID_MEMORY | MACH_MSG_VM_SPACE);
	CHECK(ret == (MACH_SEND_INVALID_MEMORY | MACH_MSG_VM_SPACE) && r.n == 1, "first item fails");
	ret = walk_failing(&b, &r, 4, MACH_SEND_INVALID_TYPE);
	CHECK(ret == MACH_SEND_INVALID_TYPE && r.n == 5, "last item fails");
	ret = walk(&b, b.len, &r);
	CHECK(ret == MACH_MSG_SUCCESS && r.n == 5 && r.msg_mismatch == 0, "callback sees msg");
	for (int i = 0; i < r.n; i++)
		CHECK(r.items[i].desc_offset == HDR + 8 * (uint32_t)i &&
		      r.items[i].data_offset == HDR + 8 * (uint32_t)i + 4, "item %d offsets", i);
	/* no callback at all */
	uint8_t *m = guard_place(&guard, b.len);
	memcpy(m, b.buf, b.len);
	CHECK(msg_body_walk(m, b.len, NULL, NULL) == MACH_MSG_SUCCESS, "NULL callback");
	CHECK(msg_body_walk(m, b.len - 1, NULL, NULL) == MACH_SEND_MSG_TOO_SMALL, "NULL callback, short");
}

/* ----- fuzz ----- */

static void check_tiling(const struct record *r, mach_msg_return_t ret, int *bad, const char *what, int round)
{
	uint32_t expect = HDR;
	int ok = r->outside == 0 && r->msg_mismatch == 0 && r->n <= MAXITEMS;
	for (int i = 0; ok && i < r->n && i < MAXITEMS; i++) {
		const struct msg_item *it = &r->items[i];
		ok = it->desc_offset == expect && it->data_offset > it->desc_offset &&
		     (it->data_offset - it->desc_offset == 4 || it->data_offset - it->desc_offset == 12) &&
		     (it->is_inline ? it->data_bytes % 4 == 0 : it->data_bytes == OOL_SLOT_SIZE) &&
		     (!it->is_port || it->size_bits == 32) &&
		     it->is_port == msg_type_is_port(it->type_name);
		expect = it->data_offset + it->data_bytes;
	}
	if (ok && ret == MACH_MSG_SUCCESS && r->n <= MAXITEMS)
		ok = expect == (r->size < HDR ? HDR : r->size);
	ok = ok && (ret == MACH_MSG_SUCCESS || ret == MACH_SEND_MSG_TOO_SMALL || ret == MACH_SEND_INVALID_TYPE);
	if (!ok && ++*bad <= 10)
		CHECK(0, "%s round %d: size %u ret %#x n %d outside %d", what, round, r->size, ret, r->n, r->outside);
}

static void test_fuzz(int rounds)
{
	struct builder b;
	struct record r;
	int bad = 0, success = 0;
	for (int round = 0; round < rounds; round++) {
		/* a plausible message of random items, then random damage */
		b_init(&b);
		int items = (int)rnd_below(8);
		for (int i = 0; i < items && b.len < MSG_MAX - 512; i++) {
			static const unsigned names[] = { 2, 8, 9, 11, 1, 0, 15, 16, 17, 19, 21, 12 };
			unsigned name = names[rnd_below(sizeof names / sizeof names[0])];
			unsigned size = msg_type_is_port(name) || name == 2 || name == 15 ? 32 :
					name == 11 ? 64 : name == 1 ? 16 : name == 0 ? 1 : 8;
			uint32_t number = rnd_below(40);
			bool inl = rnd_below(3) != 0;
			if (rnd32() & 1)
				b_long(&b, name, size, number, inl, false);
			else
				b_short(&b, name, size, number, inl, false);
			b_data(&b, inl ? (uint32_t)(((uint64_t)number * size + 7) / 8 + 3) & ~3u : OOL_SLOT_SIZE);
		}
		uint32_t size = b.len;
		int damage = (int)rnd_below(4);
		for (int d = 0; d < damage && size > HDR; d++) {
			uint32_t kind = rnd_below(4);
			if (kind == 0)
				size = HDR + rnd_below(size - HDR + 1);
			else if (kind == 1)
				b.buf[HDR + rnd_below(size - HDR)] = (uint8_t)rnd32();
			else if (kind == 2)
				b.buf[HDR + rnd_below(size - HDR)] ^= (uint8_t)(1u << rnd_below(8));
			else if (size + 4 < MSG_MAX)
				size += 1 + rnd_below(4), b.buf[size - 1] = (uint8_t)rnd32();
		}
		mach_msg_return_t ret = walk(&b, size, &r);
		if (damage == 0 && ret != MACH_MSG_SUCCESS && ++bad <= 10)
			CHECK(0, "undamaged round %d refused: %#x", round, ret);
		success += ret == MACH_MSG_SUCCESS;
		check_tiling(&r, ret, &bad, "structured", round);

		/* pure noise */
		size = rnd_below(300);
		for (uint32_t i = 0; i < size; i++)
			b.buf[i] = (uint8_t)rnd32();
		ret = walk(&b, size, &r);
		check_tiling(&r, ret, &bad, "noise", round);
	}
	CHECK(bad == 0, "%d fuzz rounds went wrong", bad);
	CHECK(success > rounds / 4, "fuzz coverage: %d of %d structured rounds succeeded", success, rounds);
}

int main(void)
{
	guard_init(&guard, MSG_MAX);
	test_sizes();
	test_ports();
	test_truncation();
	test_overflow();
	test_callback();
	test_fuzz(100000);
	return check_summary();
}
