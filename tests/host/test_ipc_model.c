/*
 * test_ipc_model.c - randomized host test of the IPC rights accounting
 * (kernel/ipc/right.c, space.c, port.c, notify.c over ipc_stubs.c), -m32.
 *
 * Thousands of random operations over three name spaces and a changing set
 * of ports: ports created with their receive right in a space,
 * ipc_right_copyin of a random name (used, unused, out of range) with every
 * disposition and some invalid ones, ipc_right_copyout of a right in
 * transit into a random space, releasing or destroying rights in transit,
 * ipc_space_release_entry and ipc_space_lookup of random names.  A simple
 * model predicts every result (return codes, the port and kernel type
 * copied in, the name copied out: an existing name where rights coalesce, a
 * free one otherwise, MACH_PORT_DEAD for a dead port) and, after every
 * operation, the whole state: each entry of each space as stored (a right
 * to a dead port stays as it was until a lookup turns it into a dead name),
 * each port's srights, sorights, refs, mscount, active flag and receiver,
 * the live port count, the allocator's block count, and the send-once
 * notifications sent (an unused send-once right destroyed while its port
 * lives).  Each run ends by destroying everything: nothing may remain.
 * The first divergence stops a run and is reported with its step.
 */
#include "ipc_testutil.h"

#define NS 3
#define MAXPORTS 2000
#define MAXNAMES 1024
#define MAXTRANSIT 40

struct mport {
	struct ipc_port *p;
	bool freed, active;
	uint32_t mscount;
	int rspace;			/* space holding the receive right, -1 in transit or dead */
	mach_port_name_t rname;
};
struct ment { int port; mach_port_type_t type; uint32_t urefs; };	/* port -1: dead name */
struct mtransit { int port; uint32_t ktype; };

static struct ipc_space *sp[NS];
static struct ment me[NS][MAXNAMES];
static struct mport mp[MAXPORTS];
static int nports;
static struct mtransit tr[MAXTRANSIT];
static int ntr;
static int want_note[8], nwant;
static char diverged[512];
static unsigned long step;

/* what a run did, to show it reached everything */
enum { ST_COPYIN, ST_REFUSED, ST_COPYOUT, ST_JOINED, ST_DEAD_OUT, ST_DEATHS, ST_DEAD_NAMES,
       ST_NOTES, ST_RELEASED, ST_LOOKUPS, ST_N };
static unsigned long stats[ST_N], disp_ok[8];

__attribute__((format(printf, 1, 2)))
static void fail(const char *fmt, ...)
{
	if (diverged[0])
		return;
	int n = snprintf(diverged, sizeof diverged, "step %lu: ", step);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(diverged + n, sizeof diverged - n, fmt, ap);
	va_end(ap);
}

#define FAIL_RETURN(...) do { fail(__VA_ARGS__); return; } while (0)

static bool pending_dead(const struct ment *e)
{
	return e->type && e->port >= 0 && !mp[e->port].active && !(e->type & RECV);
}

/* What lookup does to a right whose port died. */
static void convert(struct ment *e)
{
	e->urefs = (e->type & SO) ? e->urefs + 1 : e->urefs;
	e->type = DEAD;
	e->port = -1;
	stats[ST_DEAD_NAMES]++;
}

static void kill_port(int j)
{
	mp[j].active = false;
	mp[j].rspace = -1;
	stats[ST_DEATHS]++;
}

/* A name of space i: mostly one in use, else anything near the table. */
static mach_port_name_t pick_name(int i, unsigned in_use_pct)
{
	if (rnd_below(100) < in_use_pct) {
		static mach_port_name_t used[MAXNAMES];
		int n = 0;
		for (mach_port_name_t k = 1; k < MAXNAMES; k++)
			if (me[i][k].type)
				used[n++] = k;
		if (n)
			return used[rnd_below(n)];
	}
	return rnd_below(sp[i]->size + 3);
}

static bool allowed(mach_port_type_t type, uint32_t disp)
{
	switch (disp) {
	case MACH_MSG_TYPE_MAKE_SEND: case MACH_MSG_TYPE_MAKE_SEND_ONCE: case MACH_MSG_TYPE_MOVE_RECEIVE:
		return type & RECV;
	case MACH_MSG_TYPE_COPY_SEND: case MACH_MSG_TYPE_MOVE_SEND:
		return type & SEND;
	default:
		return type & SO;
	}
}

static void op_newport(void)
{
	if (nports == MAXPORTS)
		return;
	int i = rnd_below(NS), j = nports++;
	mp[j] = (struct mport){ ipc_port_alloc(), false, true, 0, i, 0 };
	mach_port_name_t n = ipc_space_insert(sp[i], mp[j].p, RECV);
	if (!MACH_PORT_VALID(n) || n >= MAXNAMES || me[i][n].type)
		FAIL_RETURN("new port: name %u in space %d not free", n, i);
	me[i][n] = (struct ment){ j, RECV, 0 };
	mp[j].rname = n;
}

static void op_copyin(void)
{
	static const uint32_t good[6] = { MACH_MSG_TYPE_MOVE_RECEIVE, MACH_MSG_TYPE_MOVE_SEND,
		MACH_MSG_TYPE_MOVE_SEND_ONCE, MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND,
		MACH_MSG_TYPE_MAKE_SEND_ONCE };
	static const uint32_t bad[4] = { 0, MACH_MSG_TYPE_PORT_NAME, 22, 100 };
	int i = rnd_below(NS);
	mach_port_name_t n = pick_name(i, 85);
	bool valid = rnd_below(10) != 0;
	uint32_t disp = valid ? good[rnd_below(6)] : bad[rnd_below(4)];
	struct ment *m = n && n < MAXNAMES && me[i][n].type ? &me[i][n] : NULL;
	kern_return_t want = KERN_INVALID_NAME;
	if (m) {
		if (pending_dead(m))
			convert(m);
		/* mostly a disposition the name allows, if it allows any */
		for (int tries = 0; valid && rnd_below(100) < 60 && tries < 12 && !allowed(m->type, disp); tries++)
			disp = good[rnd_below(6)];
		want = !valid ? KERN_INVALID_VALUE : allowed(m->type, disp) ? KERN_SUCCESS : KERN_INVALID_RIGHT;
	}
	struct ipc_port *p = NULL;
	uint32_t kt = 0;
	kern_return_t kr = ipc_right_copyin(sp[i], n, disp, &p, &kt);
	if (kr != want)
		FAIL_RETURN("copyin space %d name %u disposition %u: %d, model says %d", i, n, disp, kr, want);
	if (kr != KERN_SUCCESS) {
		stats[ST_REFUSED]++;
		return;
	}
	int j = m->port;
	uint32_t want_kt = disp == MACH_MSG_TYPE_MOVE_RECEIVE ? K_RECV
		: disp == MACH_MSG_TYPE_MOVE_SEND_ONCE || disp == MACH_MSG_TYPE_MAKE_SEND_ONCE ? K_SO : K_SEND;
	if (p != mp[j].p || kt != want_kt)
		FAIL_RETURN("copyin space %d name %u disposition %u: port %p type %u, model says %p %u",
			    i, n, disp, (void *)p, kt, (void *)mp[j].p, want_kt);
	switch (disp) {
	case MACH_MSG_TYPE_MAKE_SEND:
		mp[j].mscount++;
		break;
	case MACH_MSG_TYPE_MOVE_SEND:
		if (m->urefs > 1)
			m->urefs--;
		else if (m->type & RECV)
			m->type = RECV, m->urefs = 0;
		else
			*m = (struct ment){ 0, 0, 0 };
		break;
	case MACH_MSG_TYPE_MOVE_SEND_ONCE:
		*m = (struct ment){ 0, 0, 0 };
		break;
	case MACH_MSG_TYPE_MOVE_RECEIVE:
		if (m->type & SEND)
			m->type = SEND;
		else
			*m = (struct ment){ 0, 0, 0 };
		mp[j].rspace = -1;
		break;
	}
	tr[ntr++] = (struct mtransit){ j, kt };
	stats[ST_COPYIN]++;
	disp_ok[disp - MACH_MSG_TYPE_MOVE_RECEIVE]++;
}

static struct mtransit take_transit(void)
{
	int t = rnd_below(ntr);
	struct mtransit x = tr[t];
	tr[t] = tr[--ntr];
	return x;
}

static void op_copyout_at(int t)
{
	struct mtransit x = tr[t];
	tr[t] = tr[--ntr];
	int i = rnd_below(NS);
	struct mport *q = &mp[x.port];
	mach_port_name_t want = 0;              /* 0: a free name */
	if (x.ktype != K_RECV && !q->active)
		want = MACH_PORT_DEAD;
	else if (x.ktype != K_SO)
		for (mach_port_name_t k = 1; k < MAXNAMES && !want; k++)
			if (me[i][k].port == x.port && (me[i][k].type & (SEND | RECV)))
				want = k;
	mach_port_name_t n = ipc_right_copyout(sp[i], q->p, x.ktype);
	stats[ST_COPYOUT]++;
	if (want == MACH_PORT_DEAD) {
		stats[ST_DEAD_OUT]++;
		if (n != MACH_PORT_DEAD)
			fail("copyout of type %u to dead port %d: %u, not DEAD", x.ktype, x.port, n);
		return;
	}
	if (want) {
		if (n != want)
			FAIL_RETURN("copyout of type %u to port %d in space %d: %u, model says %u", x.ktype, x.port, i, n, want);
		stats[ST_JOINED]++;
		if (x.ktype == K_SEND)
			me[i][n].type |= SEND, me[i][n].urefs++;
		else
			me[i][n].type |= RECV;
	} else {
		if (!MACH_PORT_VALID(n) || n >= MAXNAMES || me[i][n].type)
			FAIL_RETURN("copyout of type %u to port %d in space %d: name %u not free", x.ktype, x.port, i, n);
		me[i][n] = (struct ment){ x.port, x.ktype == K_SEND ? SEND : x.ktype == K_SO ? SO : RECV,
					  x.ktype == K_SEND };
	}
	if (x.ktype == K_RECV)
		q->rspace = i, q->rname = n;
}

static void op_copyout(void)
{
	if (ntr)
		op_copyout_at(rnd_below(ntr));
}

static void op_drop(void)
{
	if (!ntr)
		return;
	int t = rnd_below(ntr);
	if (tr[t].ktype == K_RECV && rnd_below(4))
		return op_copyout_at(t);                /* ports live a while */
	struct mtransit x = tr[t];
	tr[t] = tr[--ntr];
	bool destroy = rnd_below(2);
	if (x.ktype == K_SO && destroy && mp[x.port].active)
		want_note[nwant++] = x.port;
	if (x.ktype == K_RECV)
		kill_port(x.port);
	if (destroy)
		ipc_right_destroy(mp[x.port].p, x.ktype);
	else
		ipc_right_release(mp[x.port].p, x.ktype);
	stats[ST_RELEASED]++;
}

static void op_release_entry(void)
{
	int i = rnd_below(NS);
	mach_port_name_t n = pick_name(i, 100);
	struct ment *m = n < MAXNAMES ? &me[i][n] : NULL;
	if (!m || !m->type)
		return;                             /* the space is empty */
	if (m->type & RECV)
		kill_port(m->port);
	else if ((m->type & SO) && mp[m->port].active)
		want_note[nwant++] = m->port;
	ipc_space_release_entry(sp[i], n);
	*m = (struct ment){ 0, 0, 0 };
	stats[ST_RELEASED]++;
}

static void op_lookup(void)
{
	int i = rnd_below(NS);
	mach_port_name_t n = pick_name(i, 70);
	struct ment *m = n && n < MAXNAMES && me[i][n].type ? &me[i][n] : NULL;
	if (m && pending_dead(m))
		convert(m);
	struct ipc_entry *e = ipc_space_lookup(sp[i], n);
	stats[ST_LOOKUPS]++;
	if (m ? e != &sp[i]->table[n] : e != NULL)
		fail("lookup space %d name %u: %p, model says %s", i, n, (void *)e, m ? "its entry" : "none");
}

/* The notifications this step sent, then the whole state. */
static void settle(void)
{
	if (stub_nmsgs != nwant)
		fail("%d messages sent, model says %d", stub_nmsgs, nwant);
	for (int k = 0; k < stub_nmsgs && k < nwant; k++)
		if (kmsg_remote(stub_msgs[k].m) != mp[want_note[k]].p || stub_msgs[k].m->hdr->msgh_id != MACH_NOTIFY_SEND_ONCE)
			fail("message %d: to %p id %d, model says send-once to port %d", k,
			     (void *)kmsg_remote(stub_msgs[k].m), stub_msgs[k].m->hdr->msgh_id, want_note[k]);
	stats[ST_NOTES] += stub_msgs_drain();
	kmsg_spare_release();                   /* the spare message is no message's */
	nwant = 0;

	unsigned live = 0;
	for (int i = 0; i < NS; i++) {
		struct ipc_space *s = sp[i];
		uint32_t count = 0;
		if (s->size > MAXNAMES)
			FAIL_RETURN("space %d grew to %u names", i, s->size);
		for (mach_port_name_t n = 1; n < s->size; n++) {
			struct ipc_entry *e = &s->table[n];
			struct ment *m = &me[i][n];
			struct ipc_port *want = m->type && m->port >= 0 ? mp[m->port].p : NULL;
			if (e->type != m->type || e->urefs != m->urefs || e->port != want)
				FAIL_RETURN("space %d name %u: type %#x urefs %u port %p, model %#x %u %p",
					    i, n, e->type, e->urefs, (void *)e->port, m->type, m->urefs, (void *)want);
			count += m->type != 0;
		}
		if (s->in_use != count)
			FAIL_RETURN("space %d: in_use %u, model %u", i, s->in_use, count);
	}
	for (int j = 0; j < nports; j++) {
		struct mport *q = &mp[j];
		if (q->freed)
			continue;
		uint32_t sr = 0, so = 0, refs = 0;
		for (int i = 0; i < NS; i++)
			for (mach_port_name_t n = 1; n < MAXNAMES; n++)
				if (me[i][n].type && me[i][n].port == j) {
					refs++;
					sr += (me[i][n].type & SEND) != 0;
					so += (me[i][n].type & SO) != 0;
				}
		for (int t = 0; t < ntr; t++)
			if (tr[t].port == j) {
				refs++;
				sr += tr[t].ktype == K_SEND;
				so += tr[t].ktype == K_SO;
			}
		if (!refs) {
			if (q->active)
				FAIL_RETURN("port %d: active with no reference in the model", j);
			q->freed = true;                /* the kernel must have freed it */
			continue;
		}
		live++;
		struct ipc_port *p = q->p;
		struct ipc_space *rs = q->rspace >= 0 ? sp[q->rspace] : NULL;
		if (p->srights != sr || p->sorights != so || p->refs != refs || p->active != q->active ||
		    p->mscount != q->mscount || p->receiver != rs || (rs && p->receiver_name != q->rname))
			FAIL_RETURN("port %d: srights %u sorights %u refs %u active %d mscount %u receiver %p/%u, "
				    "model %u %u %u %d %u %p/%u", j, p->srights, p->sorights, p->refs, p->active,
				    p->mscount, (void *)p->receiver, p->receiver_name, sr, so, refs, q->active,
				    q->mscount, (void *)rs, q->rname);
	}
	if (ipc_port_count() != live)
		fail("%u ports alive, model %u", ipc_port_count(), live);
	if (stub_kalloc_blocks != 2 * NS + live)
		fail("%zu blocks allocated, model %u (spaces, tables, ports)", stub_kalloc_blocks, 2 * NS + live);
}

static void run(uint32_t seed, unsigned long steps)
{
	check_seed = seed;
	memset(me, 0, sizeof me);
	memset(mp, 0, sizeof mp);
	memset(stats, 0, sizeof stats);
	memset(disp_ok, 0, sizeof disp_ok);
	nports = ntr = nwant = 0;
	diverged[0] = 0;
	for (int i = 0; i < NS; i++)
		sp[i] = ipc_space_create();
	for (step = 0; step < steps && !diverged[0]; step++) {
		unsigned active = 0, entries = 0;
		for (int j = 0; j < nports; j++)
			active += mp[j].active;
		for (int i = 0; i < NS; i++)
			entries += sp[i]->in_use;
		uint32_t r = rnd_below(100);
		if (nports < MAXPORTS && (active < 3 || (active < 6 && r < 4)))
			op_newport();
		else if (entries > 90 ? r < 50 : r < 10)
			op_release_entry();
		else if (ntr == MAXTRANSIT ? r < 70 : r < 30)
			op_copyout();
		else if (r < 38)
			op_drop();
		else if (r < 50)
			op_lookup();
		else if (ntr < MAXTRANSIT)
			op_copyin();
		if (!diverged[0])
			settle();
	}
	CHECK(!diverged[0], "seed %#x: %s", seed, diverged);
	printf("model seed %#x: %lu steps, %lu ports; copyin %lu ok (receive %lu send %lu send-once %lu copy %lu "
	       "make-send %lu make-send-once %lu), %lu refused; copyout %lu (%lu joined a name, %lu dead); "
	       "%lu released, %lu deaths, %lu dead names, %lu lookups, %lu notifications\n",
	       seed, step, (unsigned long)nports, stats[ST_COPYIN], disp_ok[0], disp_ok[1], disp_ok[2], disp_ok[3],
	       disp_ok[4], disp_ok[5], stats[ST_REFUSED], stats[ST_COPYOUT], stats[ST_JOINED], stats[ST_DEAD_OUT],
	       stats[ST_RELEASED], stats[ST_DEATHS], stats[ST_DEAD_NAMES], stats[ST_LOOKUPS], stats[ST_NOTES]);
	CHECK(diverged[0] || (stats[ST_COPYIN] > steps / 10 && stats[ST_DEATHS] > 10 && stats[ST_DEAD_NAMES] > 10 &&
	      stats[ST_JOINED] > 10 && stats[ST_DEAD_OUT] > 0 && stats[ST_NOTES] > 10),
	      "seed %#x: the run reached every case", seed);
	if (diverged[0])
		return;                                 /* the state is not to be trusted */
	while (ntr) {
		struct mtransit x = take_transit();
		ipc_right_destroy(mp[x.port].p, x.ktype);
	}
	for (int i = 0; i < NS; i++)
		ipc_space_destroy(sp[i]);
	check_no_leaks("model run");
}

int main(void)
{
	static const uint32_t seeds[] = { 0x2545f491u, 0x9e3779b9u, 0x12345678u, 0xdeadbeefu };
	for (unsigned k = 0; k < sizeof seeds / sizeof seeds[0]; k++)
		run(seeds[k], 20000);
	return check_summary();
}
