/* test-ldt: GNU Mach's i386_set_ldt and i386_get_ldt (mach_i386.defs).
 *
 * A task sets a DPL 3 data segment based inside its own memory in its LDT,
 * loads it into %fs and reads and writes through it (the flat view at
 * base + offset sees the same bytes); i386_get_ldt returns what was set;
 * replacing the entry %fs holds applies when the call returns. With a
 * segment of its own in %ds and %es (flat, ending below USER_TOP) the task
 * exchanges messages through the kernel and has both back afterwards, and
 * with %es based 4 KiB up its received messages still land where it asked.
 * Every descriptor that could reach ring 0 or the kernel half is refused
 * with KERN_INVALID_ARGUMENT and changes nothing: call, interrupt, trap
 * and task gates, TSS and LDT descriptors, DPL 0-2 segments, segments whose
 * end reaches USER_TOP or wraps, a 4 GiB limit, entries 0-3 (the gate and
 * the user segments), selectors and counts out of range; the system-call
 * gate still works afterwards. thread_set_state takes the entries the
 * task set as data selectors, and no others. The table is the task's own:
 * a child task loading the selector is killed (tests/expect/test-ldt.expect), and a child that
 * sets its own entry at the same selector ping-pongs messages with this
 * task, each reading its own segment through %fs every round while the
 * kernel switches between them and the servers (which have no LDT). A task
 * dying with a table of its own leaves the kernel's counts at baseline. */
#include "guest-check.h"
#include <sm/traps.h>
#include <sm/threads.h>
#include <mach/task_special_ports.h>
#include <mach/thread_status.h>
#include <mach/thread_switch.h>
#include "mach.h"
#include "mach_port.h"
#include "mach_i386.h"
#include "smhost.h"

#define USER_TOP    0xBFFFF000u             /* kernel/i386/layout.h */
#define SEL_MINE    0x27                    /* LDT entry 4, RPL 3: the first a task may set */
#define PARENT_MARK 0x5e9a11e1u
#define CHILD_MARK  0xc41dc41du
#define ROUNDS      200

static mach_port_t self, host;
static uint32_t baseline[4];

/* An 8-byte descriptor from its fields (Intel SDM vol. 3, "Segment Descriptors"). */
static descriptor_t descriptor(uint32_t base, uint32_t limit, uint8_t access, uint8_t flags)
{
	return (descriptor_t){
		.low_word = (limit & 0xFFFF) | (base & 0xFFFF) << 16,
		.high_word = ((base >> 16) & 0xFF) | (uint32_t)access << 8 | (limit & 0xF0000) |
			     (uint32_t)(flags & 0xF) << 20 | (base & 0xFF000000),
	};
}

/* Present, DPL 3, writable data, accessed (so the CPU leaves it as set), 32-bit. */
static descriptor_t user_data(uint32_t base, uint32_t limit) { return descriptor(base, limit, 0xF3, 0x4); }

static uint32_t seg_page[1024] __attribute__((aligned(4096)));

static uint32_t fs_read(uint32_t offset)
{
	uint32_t v;
	__asm__ volatile("movl %%fs:(%1), %0" : "=r"(v) : "r"(offset) : "memory");
	return v;
}

static void load_fs(uint16_t sel) { __asm__ volatile("movw %0, %%fs" :: "r"(sel) : "memory"); }

static int same(descriptor_t a, descriptor_t b) { return a.low_word == b.low_word && a.high_word == b.high_word; }

static descriptor_t get_one(mach_port_t th, int sel)
{
	descriptor_t buf[256], *list = buf;
	mach_msg_type_number_t n = 256;
	descriptor_t d = { 0xdead, 0xdead };
	if (i386_get_ldt(th, sel, 1, &list, &n) == KERN_SUCCESS && n == 1)
		d = list[0];
	return d;
}

/* --- Setting a segment and using it ---------------------------------------- */

static void test_set_and_use(mach_port_t me)
{
	for (int i = 0; i < 1024; i++)
		seg_page[i] = 0x1000u * i + 7;
	seg_page[0] = PARENT_MARK;
	descriptor_t d = user_data((uint32_t)seg_page, sizeof seg_page - 1);
	CHECK_EQ(i386_set_ldt(me, SEL_MINE, &d, 1), KERN_SUCCESS);
	CHECK(same(get_one(me, SEL_MINE), d), "get_ldt returns what set_ldt set");
	/* Entries 0-3 read back as the kernel's: the gate (a 32-bit call
	 * gate, DPL 3) and flat DPL 3 user code and data. */
	CHECK_EQ((get_one(me, 0x07).high_word >> 8) & 0xFF, 0xEC);
	CHECK_EQ((get_one(me, 0x17).high_word >> 8) & 0xF8, 0xF8);
	CHECK_EQ((get_one(me, 0x1f).high_word >> 8) & 0xF8, 0xF0);
	load_fs(SEL_MINE);
	int mismatches = 0;
	for (uint32_t i = 0; i < 1024; i++)
		mismatches += fs_read(i * 4) != seg_page[i];
	CHECK_EQ(mismatches, 0);
	__asm__ volatile("movl %0, %%fs:64" :: "r"(0xabcdef01u) : "memory");
	CHECK_EQ(seg_page[16], 0xabcdef01u);
	/* A thread switch and a trap restore %fs through the task's own table. */
	thread_switch(MACH_PORT_NULL, SWITCH_OPTION_WAIT, 5);
	CHECK_EQ(fs_read(0), PARENT_MARK);
	/* A second, higher entry grows the table and keeps the first. */
	descriptor_t hi = user_data((uint32_t)&seg_page[512], 4095 - 2048);
	CHECK_EQ(i386_set_ldt(me, 0xff, &hi, 1), KERN_SUCCESS);
	CHECK_EQ(fs_read(0), PARENT_MARK);
	uint32_t via_gs;
	__asm__ volatile("movw %w1, %%gs\n\tmovl %%gs:0, %0\n\tmovw %w2, %%gs" : "=r"(via_gs) : "r"(0xff), "r"(0) : "memory");
	CHECK_EQ(via_gs, seg_page[512]);
	CHECK(same(get_one(me, SEL_MINE), d), "growing the table kept entry 4");
	/* Replacing the entry %fs holds takes effect at the call's return,
	 * without the task loading %fs again (the kernel's return reloads a
	 * selector whose descriptor may have changed). */
	descriptor_t moved = user_data((uint32_t)&seg_page[256], 1023);
	CHECK_EQ(i386_set_ldt(me, SEL_MINE, &moved, 1), KERN_SUCCESS);
	CHECK_EQ(fs_read(0), seg_page[256]);
	CHECK_EQ(i386_set_ldt(me, SEL_MINE, &d, 1), KERN_SUCCESS);
	CHECK_EQ(fs_read(0), PARENT_MARK);
}

/* --- A data segment of the task's own in %ds and %es -------------------------- */

#define SEL_FLAT    0x4f                    /* LDT entry 9 */
#define SEL_SHIFTED 0x57                    /* LDT entry 10 */

static uint16_t read_ds(void) { uint16_t v; __asm__ volatile("movw %%ds, %0" : "=r"(v)); return v; }
static uint16_t read_es(void) { uint16_t v; __asm__ volatile("movw %%es, %0" : "=r"(v)); return v; }
static void load_ds_es(uint16_t sel) { __asm__ volatile("movw %0, %%ds\n\tmovw %0, %%es" :: "r"(sel) : "memory"); }

/* mach_msg_trap made with `sel` in %es for the trap alone (this task's own
 * string instructions would use it too); *seen is %es right after it. */
static mach_msg_return_t trap_with_es(uint16_t sel, mach_msg_header_t *msg, mach_msg_option_t option,
				      mach_msg_size_t send_size, mach_msg_size_t rcv_size, mach_port_t rcv_name,
				      uint16_t *seen)
{
	uint32_t args[7] = { (uint32_t)msg, option, send_size, rcv_size, rcv_name, 0, 0 };
	uint32_t *argp = args, es;
	mach_msg_return_t mr;
	__asm__ volatile("pushl 24(%[a])\n\tpushl 20(%[a])\n\tpushl 16(%[a])\n\tpushl 12(%[a])\n\t"
			 "pushl 8(%[a])\n\tpushl 4(%[a])\n\tpushl (%[a])\n\t"
			 "movw %w[sel], %%es\n\tcall mach_msg_trap\n\t"
			 "movw %%es, %w[seen]\n\tmovw %w[flat], %%es\n\taddl $28, %%esp"
			 : "=&a"(mr), [seen] "=&S"(es), [a] "+c"(argp)
			 : [sel] "b"((uint32_t)sel), [flat] "D"((uint32_t)0x1f)
			 : "memory", "edx", "cc");
	*seen = (uint16_t)es;
	return mr;
}

/* The kernel runs on the task's %ds and %es only when they hold the flat
 * user data selector 0x1f; any other selector is replaced for the kernel's
 * own use and given back on return. A flat segment of the task's own, which
 * ends below USER_TOP, would fault on the kernel's first access to its own
 * memory if the kernel kept it. So: messages through the kernel with both
 * registers holding one, and the registers afterwards. */
static void test_own_data_segment(mach_port_t me)
{
	descriptor_t flat = descriptor(0, (USER_TOP >> 12) - 1, 0xF3, 0xC);   /* 4 KiB granular */
	CHECK_EQ(i386_set_ldt(me, SEL_FLAT, &flat, 1), KERN_SUCCESS);
	mach_port_t port = MACH_PORT_NULL;
	CHECK_EQ(mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &port), KERN_SUCCESS);
	struct { mach_msg_header_t head; mach_msg_type_t type; uint32_t round, ok; } m;
	int ok = 0;
	uint16_t ds = 0, es = 0;
	load_ds_es(SEL_FLAT);
	for (uint32_t i = 0; i < 50; i++) {
		m.head = (mach_msg_header_t){ MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND_ONCE, 0), sizeof m, port, { 0 }, 0, 4700 };
		m.type = (mach_msg_type_t){ MACH_MSG_TYPE_INTEGER_32, 32, 2, 1, 0, 0, 0 };
		m.round = i, m.ok = ~i;
		if (mach_msg(&m.head, MACH_SEND_MSG | MACH_RCV_MSG, sizeof m, sizeof m, port, 0, MACH_PORT_NULL) != MACH_MSG_SUCCESS)
			break;
		ok += m.round == i && m.ok == ~i && m.head.msgh_id == 4700;
	}
	ds = read_ds(), es = read_es();
	load_ds_es(0x1f);
	CHECK_EQ(ok, 50);
	CHECK_EQ(ds, SEL_FLAT);
	CHECK_EQ(es, SEL_FLAT);
	CHECK_EQ(read_ds(), 0x1f);

	/* QEMU's TCG does not check segment limits, but it does add bases: with
	 * %es based 4 KiB up, a kernel that kept it would copy the received
	 * message 4 KiB past the buffer (its copies are rep movs, through %es). */
	descriptor_t shifted = descriptor(4096, (USER_TOP >> 12) - 3, 0xF3, 0xC);
	CHECK_EQ(i386_set_ldt(me, SEL_SHIFTED, &shifted, 1), KERN_SUCCESS);
	ok = 0;
	for (uint32_t i = 0; i < 20; i++) {
		m.head = (mach_msg_header_t){ MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND_ONCE, 0), sizeof m, port, { 0 }, 0, 4701 };
		m.type = (mach_msg_type_t){ MACH_MSG_TYPE_INTEGER_32, 32, 2, 1, 0, 0, 0 };
		m.round = i, m.ok = ~i;
		/* Sent, then received into the cleared buffer, each by a trap
		 * made with the shifted %es. */
		uint16_t es_sent = 0;
		mach_msg_return_t mr = trap_with_es(SEL_SHIFTED, &m.head, MACH_SEND_MSG, sizeof m, 0, MACH_PORT_NULL,
						    &es_sent);
		memset(&m, 0, sizeof m);
		if (mr == MACH_MSG_SUCCESS)
			mr = trap_with_es(SEL_SHIFTED, &m.head, MACH_RCV_MSG, 0, sizeof m, port, &es);
		es = es == es_sent ? es : 0;
		ok += mr == MACH_MSG_SUCCESS && m.round == i && m.ok == ~i && m.head.msgh_id == 4701 && es == SEL_SHIFTED;
	}
	CHECK_EQ(ok, 20);
	CHECK_EQ(read_es(), 0x1f);
	mach_port_destroy(self, port);
}

/* i386_set_ldt with the list out of line (the stub sends it inline up to
 * 256 entries, which is the table's bound): `ints` 32-bit words of data. */
static kern_return_t set_ldt_out_of_line(mach_port_t th, int sel, const void *data, uint32_t ints)
{
	struct {
		mach_msg_header_t head;
		mach_msg_type_t first_type;
		int first_selector;
		mach_msg_type_long_t list_type;
		const void *list;
		uint32_t room_for_reply[4];
	} req;
	memset(&req, 0, sizeof req);
	mach_port_t reply = mach_reply_port();
	req.head = (mach_msg_header_t){ MACH_MSGH_BITS_COMPLEX | MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND,
										 MACH_MSG_TYPE_MAKE_SEND_ONCE),
					44 + 4, th, { reply }, 0, 3803 };
	req.first_type = (mach_msg_type_t){ MACH_MSG_TYPE_INTEGER_32, 32, 1, 1, 0, 0, 0 };
	req.first_selector = sel;
	req.list_type.msgtl_header = (mach_msg_type_t){ 0, 0, 0, 0, 1, 0, 0 };
	req.list_type.msgtl_name = MACH_MSG_TYPE_INTEGER_32;
	req.list_type.msgtl_size = 32;
	req.list_type.msgtl_number = ints;
	req.list = data;
	mach_msg_return_t mr = mach_msg(&req.head, MACH_SEND_MSG | MACH_RCV_MSG, 48, sizeof req, reply, 0, MACH_PORT_NULL);
	mach_port_destroy(self, reply);
	if (mr != MACH_MSG_SUCCESS)
		return mr;
	mig_reply_header_t *r = (mig_reply_header_t *)&req;
	return r->Head.msgh_id == 3903 ? r->RetCode : MIG_REPLY_MISMATCH;
}

static void test_out_of_line(mach_port_t me)
{
	descriptor_t d[2] = { user_data((uint32_t)&seg_page[8], 63), user_data((uint32_t)seg_page, 8) };
	CHECK_EQ(set_ldt_out_of_line(me, 0x2f, d, 2), KERN_SUCCESS);
	CHECK(same(get_one(me, 0x2f), d[0]), "out-of-line entry 5 set");
	descriptor_t gate[2] = { descriptor((uint32_t)seg_page, 8, 0xEC, 0), d[1] };
	CHECK_EQ(set_ldt_out_of_line(me, 0x2f, gate, 2), KERN_INVALID_ARGUMENT);
	CHECK_EQ(set_ldt_out_of_line(me, 0x2f, d, 3), KERN_INVALID_ARGUMENT);    /* 12 bytes: not whole descriptors */
	CHECK_EQ(set_ldt_out_of_line(me, 0x07, d, 2), KERN_INVALID_ARGUMENT);
	CHECK(same(get_one(me, 0x2f), d[0]), "refused out-of-line requests changed nothing");
	uint32_t v;
	__asm__ volatile("movw %w1, %%gs\n\tmovl %%gs:4, %0\n\tmovw %w2, %%gs" : "=r"(v) : "r"(0x2f), "r"(0) : "memory");
	CHECK_EQ(v, seg_page[9]);
}

/* --- thread_set_state with the task's own selectors ------------------------- */

static volatile uint32_t seen_fs, seen_gs;
static uint8_t thread_stack[8192] __attribute__((aligned(16)));

static void __attribute__((noreturn, used)) reader_main(void)
{
	seen_fs = fs_read(0);
	__asm__ volatile("movl %%gs:4, %0" : "=r"(seen_gs) :: "memory");
	for (;;)
		thread_switch(MACH_PORT_NULL, SWITCH_OPTION_WAIT, 1000);
}

/* A thread started by thread_set_state with %fs and %gs naming entries this
 * task set (4 and 5) reads through them; selectors of entries it did not
 * set, at another RPL, or with high bits are refused. */
static void test_thread_state_selectors(void)
{
	mach_port_t th = MACH_PORT_NULL;
	CHECK_EQ(thread_create(self, &th), KERN_SUCCESS);
	struct i386_thread_state st, bad;
	mach_msg_type_number_t n = i386_THREAD_STATE_COUNT;
	CHECK_EQ(thread_get_state(th, i386_THREAD_STATE, (thread_state_t)&st, &n), KERN_SUCCESS);
	st.eip = (uintptr_t)reader_main;
	st.uesp = (uintptr_t)(thread_stack + sizeof thread_stack - 16);
	static const uint32_t refused[] = { 0x37, 0xf7, 0x7ff, 0xfff, 0x24, 0x25, 0x26, 0x10027, 0x20 };
	int n_refused = 0;
	for (unsigned i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		bad = st, bad.fs = refused[i];
		n_refused += thread_set_state(th, i386_THREAD_STATE, (thread_state_t)&bad, n) == KERN_INVALID_ARGUMENT;
		bad = st, bad.gs = refused[i];
		n_refused += thread_set_state(th, i386_THREAD_STATE, (thread_state_t)&bad, n) == KERN_INVALID_ARGUMENT;
	}
	CHECK_EQ(n_refused, 2 * (int)(sizeof refused / sizeof refused[0]));
	st.fs = SEL_MINE, st.gs = 0x2f;
	CHECK_EQ(thread_set_state(th, i386_THREAD_STATE, (thread_state_t)&st, n), KERN_SUCCESS);
	seen_fs = seen_gs = 0;
	CHECK_EQ(thread_resume(th), KERN_SUCCESS);
	for (int i = 0; i < 100 && !seen_gs; i++)
		smrt_sleep_ms(5);
	CHECK_EQ(seen_fs, PARENT_MARK);
	CHECK_EQ(seen_gs, seg_page[9]);
	/* Read back, the state is taken again as it is. */
	CHECK_EQ(thread_suspend(th), KERN_SUCCESS);
	n = i386_THREAD_STATE_COUNT;
	CHECK_EQ(thread_get_state(th, i386_THREAD_STATE, (thread_state_t)&bad, &n), KERN_SUCCESS);
	CHECK(bad.fs == SEL_MINE && bad.gs == 0x2f, "fs 0x%x gs 0x%x", bad.fs, bad.gs);
	CHECK_EQ(thread_set_state(th, i386_THREAD_STATE, (thread_state_t)&bad, n), KERN_SUCCESS);
	CHECK_EQ(thread_terminate(th), KERN_SUCCESS);
	mach_port_deallocate(self, th);
}

/* --- Hostile descriptors ---------------------------------------------------- */

static void test_refused(mach_port_t me)
{
	uint32_t stats[4];
	kernel_counts(stats);
	memcpy(baseline, stats, sizeof baseline);
	descriptor_t before = get_one(me, SEL_MINE);
	uint32_t probe = (uint32_t)seg_page;
	static const struct { uint32_t base, limit; uint8_t access, flags; const char *what; } bad[] = {
		{ 0, 0, 0, 0, "empty" },
		{ 0x1000, 0xFFF, 0x73, 0x4, "not present" },
		{ 0x1000, 0x0008, 0xEC, 0x0, "32-bit call gate DPL 3" },
		{ 0x1000, 0x0008, 0xE4, 0x0, "16-bit call gate" },
		{ 0x1000, 0x0008, 0xEE, 0x0, "interrupt gate" },
		{ 0x1000, 0x0008, 0xEF, 0x0, "trap gate" },
		{ 0x1000, 0x0000, 0xE5, 0x0, "task gate" },
		{ 0x1000, 0x0067, 0xE9, 0x0, "available TSS" },
		{ 0x1000, 0x0067, 0xEB, 0x0, "busy TSS" },
		{ 0x1000, 0x00FF, 0xE2, 0x0, "LDT descriptor" },
		{ 0x1000, 0xFFF, 0x93, 0x4, "DPL 0 data" },
		{ 0x1000, 0xFFF, 0xB3, 0x4, "DPL 1 data" },
		{ 0x1000, 0xFFF, 0xD3, 0x4, "DPL 2 data" },
		{ 0x1000, 0xFFF, 0x9B, 0x4, "DPL 0 code" },
		{ 0x1000, 0xFFF, 0x9F, 0x4, "DPL 0 conforming code" },
		{ 0x1000, 0xFFF, 0xFB, 0x4, "DPL 3 code" },
		{ 0x1000, 0xFFF, 0xF1, 0x4, "read-only data" },
		{ 0x1000, 0xFFF, 0xF7, 0x4, "expand-down data" },
		{ 0x1000, 0xFFF, 0xF3, 0x0, "16-bit data" },
		{ 0x1000, 0xFFF, 0xF3, 0x6, "64-bit data" },
		{ 0, 0xFFFFF, 0xF3, 0xC, "4 GiB limit, G=1" },
		{ 0xC0000000u, 0xFFF, 0xF3, 0x4, "kernel-half base" },
		{ USER_TOP - 0x1000, 0x1000, 0xF3, 0x4, "end at USER_TOP" },
		{ 0x1000, 0xBFFFF, 0xF3, 0xC, "G=1 end at USER_TOP" },
		{ 0x80000000u, 0xFFFFF, 0xF3, 0xC, "end wraps past 4 GiB to 0x7fffffff" },
	};
	int refused = 0, tries = 0;
	for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		descriptor_t d = descriptor(bad[i].base, bad[i].limit, bad[i].access, bad[i].flags);
		tries++;
		kern_return_t kr = i386_set_ldt(me, SEL_MINE, &d, 1);
		refused += kr == KERN_INVALID_ARGUMENT;
		CHECK(kr == KERN_INVALID_ARGUMENT, "%s: code %d", bad[i].what, kr);
	}
	/* One bad descriptor among good ones: nothing is changed. */
	descriptor_t mixed[3] = { user_data(probe, 15), descriptor(probe, 8, 0xEC, 0), user_data(probe, 31) };
	tries++, refused += i386_set_ldt(me, SEL_MINE, mixed, 3) == KERN_INVALID_ARGUMENT;
	CHECK(same(get_one(me, SEL_MINE), before), "a refused request changed entry 4");
	CHECK_EQ(get_one(me, 0x37).high_word, 0);
	/* Entries 0-3, whatever the selector's low bits say. */
	descriptor_t good = user_data(probe, 4095);
	static const int kernel_sels[] = { 0, 7, 0x0f, 0x10, 0x17, 0x1f, 0x1c };
	for (unsigned i = 0; i < sizeof kernel_sels / sizeof kernel_sels[0]; i++)
		tries++, refused += i386_set_ldt(me, kernel_sels[i], &good, 1) == KERN_INVALID_ARGUMENT;
	/* Selectors and counts out of range; 300 entries go out of line. */
	static descriptor_t many[300];
	for (int i = 0; i < 300; i++)
		many[i] = good;
	tries++, refused += i386_set_ldt(me, -8, &good, 1) == KERN_INVALID_ARGUMENT;
	tries++, refused += i386_set_ldt(me, 0x7fffffff, &good, 1) == KERN_INVALID_ARGUMENT;
	tries++, refused += i386_set_ldt(me, 256 * 8, &good, 1) == KERN_INVALID_ARGUMENT;
	tries++, refused += i386_set_ldt(me, 255 * 8, many, 2) == KERN_INVALID_ARGUMENT;
	tries++, refused += i386_set_ldt(me, SEL_MINE, many, 300) == KERN_INVALID_ARGUMENT;
	tries++, refused += i386_set_ldt(me, SEL_MINE, many, 253) == KERN_INVALID_ARGUMENT;
	tries++, refused += i386_set_ldt(self, SEL_MINE, &good, 1) == KERN_INVALID_ARGUMENT;   /* a task port */
	descriptor_t buf[256], *list = buf;
	mach_msg_type_number_t n = 256;
	tries++, refused += i386_get_ldt(me, 0, -1, &list, &n) == KERN_INVALID_ARGUMENT;
	n = 256, tries++, refused += i386_get_ldt(me, -8, 1, &list, &n) == KERN_INVALID_ARGUMENT;
	n = 256, tries++, refused += i386_get_ldt(me, 0, 257, &list, &n) == KERN_INVALID_ARGUMENT;
	n = 256, tries++, refused += i386_get_ldt(me, 0x7ff8, 0x7fffffff, &list, &n) == KERN_INVALID_ARGUMENT;
	CHECK_EQ(refused, tries);
	CHECK(same(get_one(me, SEL_MINE), before), "entry 4 is unchanged");
	CHECK_EQ(fs_read(0), PARENT_MARK);
	/* The gate still works: mach_task_self through lcall $7,$0. */
	uint32_t by_gate;
	__asm__ volatile("lcall $7, $0" : "=a"(by_gate) : "a"(-28) : "memory", "cc");
	CHECK_EQ(by_gate, self);
	mach_port_deallocate(self, by_gate);
	check_counts_back(baseline, "refused descriptors");
}

/* --- Other tasks -------------------------------------------------------------- */

enum child_mode { LOAD_FOREIGN, PING_PONG };
static const char *const child_names[] = { "ldt-foreign", "ldt-pingpong" };
static volatile int child_mode;
static uint8_t child_stack[16384] __attribute__((aligned(16)));

struct ping { mach_msg_header_t head; mach_msg_type_t type; uint32_t round, ok; };

static void __attribute__((noreturn, used)) child_main(void *arg)
{
	(void)arg;
	smrt_task_forked();
	mach_port_t boot = MACH_PORT_NULL;
	task_get_special_port(mach_task_self(), TASK_BOOTSTRAP_PORT, &boot);
	struct ping m;
	if (child_mode == LOAD_FOREIGN) {
		/* The parent's entry 4 is not ours: this faults, and kills us. */
		load_fs(SEL_MINE);
		m = (struct ping){ { MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0), sizeof m, boot, { 0 }, 0, 4801 },
				   { MACH_MSG_TYPE_INTEGER_32, 32, 2, 1, 0, 0, 0 }, 0, fs_read(0) };
		mach_msg_trap(&m.head, MACH_SEND_MSG, sizeof m, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL);
	} else {
		seg_page[256] = CHILD_MARK;
		mach_port_t me = mach_thread_self(), mine = MACH_PORT_NULL;
		descriptor_t d = user_data((uint32_t)&seg_page[256], 1023);
		uint32_t ok = i386_set_ldt(me, SEL_MINE, &d, 1) == KERN_SUCCESS;
		mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &mine);
		load_fs(SEL_MINE);
		for (uint32_t round = 0; round <= ROUNDS; round++) {
			ok &= fs_read(0) == CHILD_MARK;
			m = (struct ping){ { MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE), sizeof m,
					     boot, { mine }, 0, 4800 },
					   { MACH_MSG_TYPE_INTEGER_32, 32, 2, 1, 0, 0, 0 }, round, ok };
			mach_msg(&m.head, MACH_SEND_MSG | MACH_RCV_MSG, sizeof m, sizeof m, mine, 0, MACH_PORT_NULL);
		}
	}
	for (;;)
		thread_switch(MACH_PORT_NULL, SWITCH_OPTION_WAIT, 1000);
}

static mach_port_type_t name_type(mach_port_t name)
{
	mach_port_type_t t = 0;
	return mach_port_type(self, name, &t) == KERN_SUCCESS ? t : 0;
}

static mach_port_t start_child(int mode, mach_port_t report)
{
	child_mode = mode;
	uint32_t *sp = (uint32_t *)(child_stack + sizeof child_stack - 20);
	sp[0] = sp[1] = 0;
	mach_port_t child = MACH_PORT_NULL, th = MACH_PORT_NULL;
	CHECK_EQ(task_create(self, TRUE, &child), KERN_SUCCESS);
	CHECK_EQ(task_set_name(child, (char *)child_names[mode]), KERN_SUCCESS);
	CHECK_EQ(task_set_special_port(child, TASK_BOOTSTRAP_PORT, report), KERN_SUCCESS);
	CHECK_EQ(thread_create(child, &th), KERN_SUCCESS);
	struct i386_thread_state st;
	mach_msg_type_number_t n = i386_THREAD_STATE_COUNT;
	CHECK_EQ(thread_get_state(th, i386_THREAD_STATE, (thread_state_t)&st, &n), KERN_SUCCESS);
	st.eip = (uintptr_t)child_main;
	st.uesp = (uintptr_t)sp;
	if (mode == LOAD_FOREIGN) {                 /* our entry 4 is not the child's */
		struct i386_thread_state foreign = st;
		foreign.fs = SEL_MINE;
		CHECK_EQ(thread_set_state(th, i386_THREAD_STATE, (thread_state_t)&foreign, i386_THREAD_STATE_COUNT),
			 KERN_INVALID_ARGUMENT);
	}
	CHECK_EQ(thread_set_state(th, i386_THREAD_STATE, (thread_state_t)&st, i386_THREAD_STATE_COUNT), KERN_SUCCESS);
	CHECK_EQ(thread_resume(th), KERN_SUCCESS);
	mach_port_deallocate(self, th);
	return child;
}

static void end_child(mach_port_t child)
{
	if (!(name_type(child) & MACH_PORT_TYPE_DEAD_NAME))
		task_terminate(child);
	mach_port_deallocate(self, child);
}

static void test_foreign_selector(mach_port_t report)
{
	mach_port_t child = start_child(LOAD_FOREIGN, report);
	struct ping m;
	mach_msg_return_t mr = MACH_RCV_TIMED_OUT;
	for (int waited = 0; waited < 5000 && mr == MACH_RCV_TIMED_OUT &&
			     !(name_type(child) & MACH_PORT_TYPE_DEAD_NAME); waited += 5)
		mr = mach_msg(&m.head, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof m, report, 5, MACH_PORT_NULL);
	if (mr == MACH_RCV_TIMED_OUT)
		mr = mach_msg(&m.head, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof m, report, 0, MACH_PORT_NULL);
	CHECK(name_type(child) & MACH_PORT_TYPE_DEAD_NAME, "the child loading our selector is still alive");
	CHECK(mr == MACH_RCV_TIMED_OUT, "the child loaded our selector and read 0x%x through it", m.ok);
	end_child(child);
}

static void test_ping_pong(mach_port_t report)
{
	mach_port_t child = start_child(PING_PONG, report);
	struct ping m;
	uint32_t rounds = 0, child_ok = 1, parent_ok = 1;
	mach_msg_return_t mr = mach_msg(&m.head, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof m, report, 5000, MACH_PORT_NULL);
	while (mr == MACH_MSG_SUCCESS && m.head.msgh_id == 4800) {
		child_ok &= m.ok;
		parent_ok &= fs_read(0) == PARENT_MARK;
		rounds = m.round;
		if (m.round == ROUNDS)
			break;
		mach_port_t back = m.head.msgh_remote_port;
		m.head = (mach_msg_header_t){ MACH_MSGH_BITS(MACH_MSG_TYPE_MOVE_SEND_ONCE, 0), sizeof m, back, { 0 }, 0, 4900 };
		mr = mach_msg(&m.head, MACH_SEND_MSG | MACH_RCV_MSG | MACH_RCV_TIMEOUT, sizeof m, sizeof m, report, 5000,
			      MACH_PORT_NULL);
	}
	CHECK_EQ(rounds, ROUNDS);
	CHECK_EQ(child_ok, 1);
	CHECK_EQ(parent_ok, 1);
	if (m.head.msgh_remote_port)
		mach_port_deallocate(self, m.head.msgh_remote_port);
	end_child(child);
	check_counts_back(baseline, "a child with its own LDT died");
}

int main(void)
{
	self = mach_task_self();
	host = mach_host_self();
	mach_port_t me = mach_thread_self();
	test_set_and_use(me);
	test_own_data_segment(me);
	test_out_of_line(me);
	test_thread_state_selectors();
	test_refused(me);
	mach_port_t report = MACH_PORT_NULL;
	CHECK_EQ(mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &report), KERN_SUCCESS);
	CHECK_EQ(mach_port_insert_right(self, report, report, MACH_MSG_TYPE_MAKE_SEND), KERN_SUCCESS);
	kernel_counts(baseline);
	test_foreign_selector(report);
	check_counts_back(baseline, "a child loading a foreign selector");
	test_ping_pong(report);
	CHECK_EQ(fs_read(0), PARENT_MARK);
	load_fs(0);
	mach_port_destroy(self, report);
	mach_port_deallocate(self, me);
	printf("test-ldt: the kernel is still running\n");
	return guest_summary("test-ldt");
}
