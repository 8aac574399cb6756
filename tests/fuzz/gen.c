/* The message generator: a header with random bits, sizes, names and an id
 * near a real routine's, then one of three bodies: a valid request of a
 * routine in routines.c (often mutated after), random typed items (inline
 * data, long and short descriptors, rights of every disposition, out-of-line
 * memory with bad pointers, sizes and deallocate bits), or raw bytes. */
#include "fuzz.h"

#define W(b, off) (*(uint32_t *)((uint8_t *)(b) + (off)))

/* Which target each message goes to, as weights. */
static const uint8_t target_weight[T_COUNT] = {
	[T_SELF_TASK] = 10, [T_CHILD_TASK] = 16, [T_CHILD_THREAD] = 8, [T_SELF_THREAD] = 4,
	[T_HOST] = 10, [T_MASTER] = 8, [T_PORT_SET] = 3, [T_OWN] = 8, [T_HELLO] = 12,
	[T_BLK] = 12, [T_JUNK] = 5,
};

mach_port_t target_name(struct fuzz *f, enum target t)
{
	switch (t) {
	case T_SELF_TASK: return f->self;
	case T_CHILD_TASK: return f->child;
	case T_CHILD_THREAD: return f->child_thread[rng_below(f, CHILD_THREADS)];
	case T_SELF_THREAD: return f->self_thread;
	case T_HOST: return f->host;
	case T_MASTER: return f->master;
	case T_PORT_SET: return rng_chance(f, 2) ? f->drain : f->empty_set;
	case T_OWN: return f->own[rng_below(f, OWN_PORTS)];
	case T_HELLO: return f->hello;
	case T_BLK: return f->blk;
	default: break;
	}
	static const mach_port_t junk[] = { MACH_PORT_NULL, MACH_PORT_DEAD, 1, 3, 4, 0x7fffffff, 0x12345 };
	return rng_chance(f, 2) ? junk[rng_below(f, sizeof junk / sizeof junk[0])] : rng_interesting(f);
}

/* The kind of target a name is (after mutation the destination may differ). */
static enum target kind_of(struct fuzz *f, mach_port_t n)
{
	for (int t = 0; t < T_JUNK; t++) {
		if (t == T_CHILD_THREAD) {
			for (int i = 0; i < CHILD_THREADS; i++)
				if (n == f->child_thread[i])
					return T_CHILD_THREAD;
			continue;
		}
		if (t == T_PORT_SET) {
			if (n == f->drain || n == f->empty_set)
				return T_PORT_SET;
			continue;
		}
		if (t == T_OWN) {
			for (int i = 0; i < OWN_PORTS; i++)
				if (n == f->own[i])
					return T_OWN;
			continue;
		}
		if (n == target_name(f, (enum target)t))
			return (enum target)t;
	}
	return T_JUNK;
}

static mach_port_t any_name(struct fuzz *f)
{
	if (rng_chance(f, 6))
		return rng_chance(f, 2) ? rng_below(f, 64) : rng_interesting(f);
	return target_name(f, (enum target)rng_below(f, T_COUNT));
}

static uint32_t disposition(struct fuzz *f)
{
	if (rng_chance(f, 8))
		return rng_chance(f, 2) ? rng_below(f, 32) : rng(f) & 0xff;
	return MACH_MSG_TYPE_MOVE_RECEIVE + rng_below(f, 6);
}

static uint32_t address(struct fuzz *f)
{
	static uint32_t local_word;
	switch (rng_below(f, 6)) {
	case 0: return SCRATCH_ADDR + (rng_below(f, SCRATCH_BYTES) & ~(rng_chance(f, 2) ? 4095u : 0u));
	case 1: return (uint32_t)(uintptr_t)&local_word;
	case 2: return 0xc0000000u + (rng(f) & 0x3ffff000u);	/* the kernel's half */
	case 3: return 0;
	default: return rng_interesting(f);
	}
}

static uint32_t size_value(struct fuzz *f)
{
	return rng_chance(f, 2) ? 4096 * rng_below(f, 5) : rng_interesting(f);
}

/* ---------------------------------------------------------------- items */

struct body { uint8_t *p, *end; };

static int room(struct body *b, uint32_t n) { return b->p + n <= b->end; }

static void put_word(struct body *b, uint32_t v)
{
	if (room(b, 4)) {
		memcpy(b->p, &v, 4);
		b->p += 4;
	}
}

static void put_desc(struct body *b, uint32_t name, uint32_t size, uint32_t number, int is_inline,
		     int longform, int dealloc)
{
	if (longform) {
		mach_msg_type_long_t lt = { { 0, 0, 0, is_inline, 1, dealloc, 0 }, (uint16_t)name, (uint16_t)size, number };
		if (room(b, sizeof lt)) {
			memcpy(b->p, &lt, sizeof lt);
			b->p += sizeof lt;
		}
	} else {
		mach_msg_type_t t = { name, size, number, is_inline, 0, dealloc, 0 };
		if (room(b, sizeof t)) {
			memcpy(b->p, &t, sizeof t);
			b->p += sizeof t;
		}
	}
}

static void put_int(struct fuzz *f, struct body *b, uint32_t v)
{
	(void)f;
	put_desc(b, MACH_MSG_TYPE_INTEGER_32, 32, 1, 1, 0, 0);
	put_word(b, v);
}

static void put_port(struct body *b, uint32_t disp, mach_port_t name)
{
	put_desc(b, disp, 32, 1, 1, 0, 0);
	put_word(b, name);
}

static void put_inline_bytes(struct fuzz *f, struct body *b, uint32_t type, uint32_t bits, uint32_t count,
			     int longform)
{
	put_desc(b, type, bits, count, 1, longform, 0);
	uint32_t bytes = ((count * bits + 7) / 8 + 3) & ~3u;
	for (uint32_t i = 0; i < bytes / 4 && room(b, 4); i++)
		put_word(b, rng_chance(f, 2) ? 0x41414141u + i : rng(f));
}

/* An out-of-line item: pointer and size chosen to hurt. */
static void put_ool(struct fuzz *f, struct body *b, uint32_t type, uint32_t bits)
{
	uint32_t number = rng_chance(f, 3) ? rng_interesting(f) : rng_below(f, 4096);
	uint32_t addr = address(f);
	if (type >= MACH_MSG_TYPE_MOVE_RECEIVE && type <= MACH_MSG_TYPE_MAKE_SEND_ONCE) {
		bits = 32;
		addr = rng_chance(f, 4) ? address(f) : SCRATCH_ADDR;
		number = rng_below(f, 8);
		uint32_t *names = (uint32_t *)SCRATCH_ADDR;	/* mapped by scratch_remap */
		for (uint32_t i = 0; i < number; i++)
			names[i] = any_name(f);
	}
	put_desc(b, type, bits, number, 0, rng_chance(f, 3), rng_chance(f, 4));
	put_word(b, addr);			/* the 4-byte pointer */
}

/* One argument of a routine's request, by its letter (routines.c). */
static void put_arg(struct fuzz *f, struct body *b, char letter)
{
	switch (letter) {
	case 'i': put_int(f, b, rng_interesting(f)); break;
	case 'b': put_desc(b, MACH_MSG_TYPE_BOOLEAN, 32, 1, 1, 0, 0); put_word(b, rng_below(f, 3)); break;
	case 'a': put_int(f, b, address(f)); break;
	case 'z': put_int(f, b, size_value(f)); break;
	case 'n': put_desc(b, MACH_MSG_TYPE_PORT_NAME, 32, 1, 1, 0, 0); put_word(b, any_name(f)); break;
	case 'r': put_int(f, b, rng_chance(f, 4) ? rng_interesting(f) : rng_below(f, 5)); break;
	case 'f': put_int(f, b, rng_chance(f, 4) ? rng_interesting(f) : rng_below(f, 8)); break;
	case 'c': put_int(f, b, rng_chance(f, 4) ? rng_interesting(f) : rng_below(f, 40)); break;
	case 'L': put_desc(b, MACH_MSG_TYPE_INTEGER_64, 64, 1, 1, 0, 0); put_word(b, rng(f)); put_word(b, rng(f)); break;
	case 'T': put_desc(b, MACH_MSG_TYPE_INTEGER_32, 32, 2, 1, 0, 0); put_word(b, rng(f)); put_word(b, rng_interesting(f)); break;
	case 'p': put_port(b, MACH_MSG_TYPE_COPY_SEND, any_name(f)); break;
	case 'k': put_port(b, MACH_MSG_TYPE_COPY_SEND, f->child); break;
	case 'm': put_port(b, MACH_MSG_TYPE_MAKE_SEND, f->own[rng_below(f, OWN_PORTS)]); break;
	case 'o': put_port(b, MACH_MSG_TYPE_MAKE_SEND_ONCE, f->own[rng_below(f, OWN_PORTS)]); break;
	case 'x': put_port(b, disposition(f), any_name(f)); break;
	case 'D': put_ool(f, b, MACH_MSG_TYPE_CHAR, 8); break;
	case 'Q': put_ool(f, b, MACH_MSG_TYPE_COPY_SEND, 32); break;
	case 'S': case 's': case 'P': {
		uint32_t bytes = letter == 'S' ? 128 : letter == 's' ? 64 : rng_below(f, 513);
		put_desc(b, MACH_MSG_TYPE_STRING_C, letter == 'P' ? 8 : 8 * bytes, letter == 'P' ? bytes : 1, 1,
			 letter == 'S', 0);
		static const char *names[] = { "hello", "vda", "vdb", "test-fuzz", "", "hello\377", "vda0" };
		char s[512];
		memset(s, 0, sizeof s);
		if (letter == 'P')	/* console text: printable, so the log stays readable */
			for (uint32_t i = 0; i < bytes; i++)
				s[i] = (char)(' ' + rng_below(f, 95));
		else if (rng_chance(f, 3))
			for (uint32_t i = 0; i < bytes; i++)
				s[i] = (char)rng(f);
		else
			memcpy(s, names[rng_below(f, 7)], 8);
		for (uint32_t i = 0; i < (bytes + 3) / 4; i++)
			put_word(b, W(s, 4 * i));
		break;
	}
	case 'C': put_inline_bytes(f, b, MACH_MSG_TYPE_CHAR, 8, rng_chance(f, 4) ? rng_below(f, 600) : rng_below(f, 129), 0); break;
	case 'A': put_inline_bytes(f, b, MACH_MSG_TYPE_INTEGER_32, 32, rng_chance(f, 4) ? rng_below(f, 1100) : rng_below(f, 20), 0); break;
	case 'H': put_inline_bytes(f, b, MACH_MSG_TYPE_INTEGER_16, 16, rng_below(f, 70), 0); break;
	}
}

/* One random item of any shape. */
static void put_random_item(struct fuzz *f, struct body *b)
{
	static const uint8_t types[] = { MACH_MSG_TYPE_INTEGER_32, MACH_MSG_TYPE_CHAR, MACH_MSG_TYPE_INTEGER_8,
		MACH_MSG_TYPE_INTEGER_16, MACH_MSG_TYPE_INTEGER_64, MACH_MSG_TYPE_STRING_C, MACH_MSG_TYPE_BOOLEAN,
		MACH_MSG_TYPE_PORT_NAME, MACH_MSG_TYPE_REAL };
	uint32_t kind = rng_below(f, 10);
	if (kind < 4) {				/* rights */
		uint32_t disp = disposition(f), n = rng_chance(f, 4) ? rng_below(f, 6) : 1;
		put_desc(b, disp, rng_chance(f, 10) ? rng_below(f, 256) : 32, n, 1, rng_chance(f, 5), 0);
		for (uint32_t i = 0; i < n; i++)
			put_word(b, any_name(f));
	} else if (kind < 6) {			/* out of line */
		put_ool(f, b, rng_chance(f, 4) ? disposition(f) : types[rng_below(f, sizeof types)],
			rng_chance(f, 8) ? rng_below(f, 256) : 8);
	} else {				/* inline data, sometimes with absurd counts */
		uint32_t type = rng_chance(f, 8) ? rng_below(f, 256) : types[rng_below(f, sizeof types)];
		uint32_t bits = rng_chance(f, 6) ? rng_below(f, 256) : type == MACH_MSG_TYPE_INTEGER_64 ? 64 : 32;
		uint32_t count = rng_chance(f, 6) ? rng_interesting(f) & 0xfff : rng_below(f, 8);
		int longform = rng_chance(f, 5);
		if (longform && rng_chance(f, 3))
			count = rng_interesting(f);
		if ((uint64_t)count * bits > 8 * 2048)	/* keep the data we write small; the descriptor lies */
			put_desc(b, type, bits, count, 1, longform, 0);
		else
			put_inline_bytes(f, b, type, bits, count, longform);
	}
}

/* ---------------------------------------------------------------- mutation */

static void mutate(struct fuzz *f, uint32_t *buf, uint32_t used)
{
	uint32_t n = 1 + rng_below(f, 3);
	for (uint32_t i = 0; i < n && used > 4; i++) {
		uint32_t word = rng_below(f, used / 4);
		if (word == 1 || word == 2)
			word = 7;	/* size and destination: changed elsewhere, keep the id in play */
		switch (rng_below(f, 4)) {
		case 0: buf[word] ^= 1u << rng_below(f, 32); break;
		case 1: buf[word] = rng_interesting(f); break;
		case 2: buf[word] += rng_below(f, 9) - 4; break;
		default: ((uint8_t *)buf)[4 * word + rng_below(f, 4)] = (uint8_t)rng(f); break;
		}
	}
}

static const struct routine *pick_routine(struct fuzz *f, enum target t)
{
	for (int tries = 0; tries < 32; tries++) {
		const struct routine *r = &routines[rng_below(f, routine_count)];
		if ((r->dest & (1u << t)) || rng_chance(f, 8))
			return r;
	}
	return &routines[rng_below(f, routine_count)];
}

static int near_real_id(struct fuzz *f)
{
	static const int bases[] = { 2000, 2600, 2800, 2900, 3200, 4200, 7000, 7100, 7200, 64 };
	if (rng_chance(f, 10))
		return (int)rng(f);
	return bases[rng_below(f, sizeof bases / sizeof bases[0])] + (int)rng_below(f, 110) - 5;
}

void gen_message(struct fuzz *f, uint32_t *buf, struct fuzz_msg *m)
{
	uint32_t total = 0;
	for (int t = 0; t < T_COUNT; t++)
		total += target_weight[t];
	uint32_t pick = rng_below(f, total);
	enum target t = 0;
	while (pick >= target_weight[t])
		pick -= target_weight[t++];
	memset(m, 0, sizeof *m);
	m->target = t;

	mach_msg_header_t *h = (mach_msg_header_t *)buf;
	memset(h, 0, sizeof *h);
	struct body b = { (uint8_t *)buf + sizeof *h, (uint8_t *)buf + FUZZ_MSG_BYTES };
	uint32_t style = rng_below(f, 20);
	int id;
	if (style < 10) {			/* a routine's request, mutated 4 times in 5 */
		const struct routine *r = pick_routine(f, t);
		id = r->id;
		for (const char *a = r->args; *a; a++)
			put_arg(f, &b, *a);
		m->from_routine = id;
	} else if (style < 17) {		/* random typed items */
		id = near_real_id(f);
		uint32_t n = rng_below(f, 7);
		for (uint32_t i = 0; i < n; i++)
			put_random_item(f, &b);
	} else {				/* raw words */
		id = near_real_id(f);
		uint32_t n = rng_chance(f, 10) ? rng_below(f, 2800) : rng_below(f, 40);
		for (uint32_t i = 0; i < n; i++)
			put_word(&b, rng_chance(f, 2) ? rng(f) : rng_interesting(f));
	}
	uint32_t used = (uint32_t)(b.p - (uint8_t *)buf);

	int complex = style < 17 ? 1 : rng_chance(f, 2);
	uint32_t remote = rng_chance(f, 10) ? disposition(f) : MACH_MSG_TYPE_COPY_SEND;
	if (t == T_OWN && rng_chance(f, 2))
		remote = MACH_MSG_TYPE_MAKE_SEND;
	uint32_t local = rng_chance(f, 6) ? disposition(f) : MACH_MSG_TYPE_MAKE_SEND_ONCE;
	if (rng_chance(f, 10))
		local = 0;
	h->msgh_bits = remote | local << 8 | (complex ? MACH_MSGH_BITS_COMPLEX : 0);
	if (rng_chance(f, 20))
		h->msgh_bits |= rng(f) & ~0xffffu;
	h->msgh_remote_port = target_name(f, t);
	h->msgh_local_port = !local ? MACH_PORT_NULL : rng_chance(f, 8) ? any_name(f) : f->rp;
	h->msgh_id = id;
	h->msgh_size = used;
	if (style < 10 && !rng_chance(f, 5))
		mutate(f, buf, used);

	/* Sizes: usually the truth, sometimes absurd (the buffer is FUZZ_MSG_BYTES). */
	m->send_size = used;
	switch (rng_below(f, 16)) {
	case 0: m->send_size = rng_interesting(f); break;
	case 1: m->send_size = used + 4 * rng_below(f, 8) - 12; break;
	case 2: h->msgh_size = rng_interesting(f); break;
	case 3: m->send_size = h->msgh_size = used + 1 + rng_below(f, 3); break;
	}
	if (m->send_size > FUZZ_MSG_BYTES && m->send_size < 0x10000000u)
		m->send_size = FUZZ_MSG_BYTES;	/* larger ones read past the buffer: the kernel must refuse */

	/* A message id its final destination may not get is changed to an id
	 * nothing serves (routines.c says why). */
	enum target final = kind_of(f, h->msgh_remote_port);
	if (!routine_allowed(f, final, h->msgh_id) || !routine_allowed(f, t, h->msgh_id))
		h->msgh_id = 10000 + (int)rng_below(f, 10000);

	m->options = MACH_SEND_MSG | MACH_SEND_TIMEOUT;
	m->timeout = rng_chance(f, 4) ? 0 : 50;
	if (rng_chance(f, 16))
		m->options |= rng(f) & (MACH_SEND_NOTIFY | MACH_SEND_INTERRUPT | MACH_SEND_CANCEL);
	sanitize_message(f, buf, m->send_size, m);
}
