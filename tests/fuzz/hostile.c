/* Threads started with hostile register state: a copy of the fuzzer (a child
 * task made with task_create(inherit)) whose one thread gets a state from
 * thread_set_state with the direction flag set, odd EFLAGS, random segment
 * selectors or random everything (that one in an empty task instead), and
 * runs hostile_probe. The probe records
 * the flags and selectors it runs with and sends them, with a known pattern,
 * through a plain mach_msg trap. The kernel must refuse states it cannot run
 * (KERN_INVALID_ARGUMENT) or run them in ring 3 with interrupts on; a trap
 * made with DF=1 must copy the message right; a thread that faults ends only
 * its own task. */
#include "fuzz.h"
#include "mach.h"
#include "mach_port.h"
#include <mach/thread_status.h>
#include <stddef.h>

#define REPORT_NAME	0x4d00		/* the report port's name in the child */
#define PATTERN_WORDS	16
#define EFL_DF		0x400
#define EFL_IF		0x200
#define EFL_IOPL	0x3000
#define EFL_VM		0x20000

struct report {
	mach_msg_header_t head;
	mach_msg_type_t type;
	uint32_t efl, cs, ss, ds;
	uint32_t pattern[PATTERN_WORDS];
};

/* In the child's copy of this memory: the message the probe sends. */
struct report hostile_msg __attribute__((aligned(16)));
static uint8_t hostile_stack[4096] __attribute__((aligned(16)));

/* Where the probe stores what it sees, and the size it sends: the offsets of
 * struct report (a 24-byte header and a type word come first). */
#define REPORT_EFL	28
#define REPORT_CS	32
#define REPORT_SS	36
#define REPORT_DS	40
#define REPORT_SIZE	108
#define STR_(x)		#x
#define STR(x)		STR_(x)
_Static_assert(offsetof(struct report, efl) == REPORT_EFL && offsetof(struct report, cs) == REPORT_CS &&
	       offsetof(struct report, ss) == REPORT_SS && offsetof(struct report, ds) == REPORT_DS,
	       "the probe stores at these offsets");
_Static_assert(sizeof(struct report) == REPORT_SIZE, "the probe pushes this size");

void hostile_probe(void);
__asm__(".text\n.globl hostile_probe\nhostile_probe:\n"
	"\tmovl $hostile_msg, %esi\n"
	"\tpushfl\n\tpopl %eax\n\tmovl %eax, " STR(REPORT_EFL) "(%esi)\n"
	"\tmovl %cs, %eax\n\tmovl %eax, " STR(REPORT_CS) "(%esi)\n"
	"\tmovl %ss, %eax\n\tmovl %eax, " STR(REPORT_SS) "(%esi)\n"
	"\tmovl %ds, %eax\n\tmovl %eax, " STR(REPORT_DS) "(%esi)\n"
	"\tpushl $0\n\tpushl $0\n\tpushl $0\n\tpushl $0\n"
	"\tpushl $" STR(REPORT_SIZE) "\n\tpushl $1\n\tpushl %esi\n"	/* sizeof(struct report), MACH_SEND_MSG */
	"\tcall mach_msg_trap\n"
	"1:\tpushl $1000\n\tpushl $2\n\tpushl $0\n"	/* thread_switch(0, SWITCH_OPTION_WAIT, 1000) */
	"\tcall thread_switch\n\taddl $12, %esp\n\tjmp 1b\n");

static uint32_t selector(struct fuzz *f)
{
	static const uint32_t sels[] = { 0, 0x1b, 0x23, 0x08, 0x10, 0x18, 0x20, 0x03, 0x07, 0x0f, 0x17,
					 0x1f, 0x27, 0x2b, 0x33, 0xfff8, 0xffff, 0x1c, 0x22 };
	if (rng_chance(f, 4))
		return rng_chance(f, 2) ? rng(f) & 0xffff : rng(f);
	return sels[rng_below(f, sizeof sels / sizeof sels[0])];
}

void hostile_round(struct fuzz *f)
{
	mach_port_t report = MACH_PORT_NULL, child = MACH_PORT_NULL, th = MACH_PORT_NULL;
	CHECK_EQ(mach_port_allocate(f->self, MACH_PORT_RIGHT_RECEIVE, &report), KERN_SUCCESS);
	hostile_msg.head = (mach_msg_header_t){ MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0), sizeof hostile_msg,
						REPORT_NAME, { 0 }, 0, 4321 };
	hostile_msg.type = (mach_msg_type_t){ MACH_MSG_TYPE_INTEGER_32, 32, 4 + PATTERN_WORDS, 1, 0, 0, 0 };
	for (int i = 0; i < PATTERN_WORDS; i++)
		hostile_msg.pattern[i] = 0xa5000000u | (uint32_t)i << 8 | (uint32_t)i;
	hostile_msg.efl = hostile_msg.cs = hostile_msg.ss = hostile_msg.ds = 0xdeadbeef;
	uint32_t variant = rng_below(f, 4);
	if (f->hostile_variant < 5)
		variant = f->hostile_variant;
	/* Random everything (3) runs in an empty task: with a copy of the
	 * fuzzer, a random eip can land in its own start-up code and a second
	 * fuzzer runs (seen: it made tasks of its own that outlived it). */
	if (task_create(f->self, variant != 3, &child) != KERN_SUCCESS) {
		fuzz_fail(f, "task_create for a hostile thread");
		mach_port_destroy(f->self, report);
		return;
	}
	CHECK_EQ(mach_port_insert_right(child, REPORT_NAME, report, MACH_MSG_TYPE_MAKE_SEND), KERN_SUCCESS);
	CHECK_EQ(thread_create(child, &th), KERN_SUCCESS);
	struct i386_thread_state st;
	mach_msg_type_number_t n = i386_THREAD_STATE_COUNT;
	CHECK_EQ(thread_get_state(th, i386_THREAD_STATE, (thread_state_t)&st, &n), KERN_SUCCESS);
	st.eip = (uint32_t)(uintptr_t)hostile_probe;
	st.uesp = (uint32_t)(uintptr_t)(hostile_stack + sizeof hostile_stack - 64);
	switch (variant) {
	case 0: st.efl |= EFL_DF; break;			/* the trap must still copy right */
	case 4: break;						/* a plain thread: the probe itself works */
	case 1: st.efl = rng_chance(f, 2) ? rng(f) : rng(f) | EFL_DF | EFL_IOPL | EFL_VM; break;
	case 2:
		st.cs = selector(f); st.ss = selector(f); st.ds = selector(f);
		st.es = selector(f); st.fs = selector(f); st.gs = selector(f);
		if (rng_chance(f, 2))
			st.efl |= EFL_DF;
		break;
	default: {					/* anything at all */
		uint32_t *w = (uint32_t *)&st;
		for (unsigned i = 0; i < sizeof st / 4; i++)
			if (rng_chance(f, 3))
				w[i] = rng_chance(f, 2) ? rng(f) : rng_interesting(f);
		break;
	}
	}
	kern_return_t kr = thread_set_state(th, i386_THREAD_STATE, (thread_state_t)&st, i386_THREAD_STATE_COUNT);
	CHECK(kr == KERN_SUCCESS || kr == KERN_INVALID_ARGUMENT, "seed %u iteration %u: hostile state %u: set_state %x",
	      f->seed, f->iter, variant, kr);
	if (variant == 0)
		CHECK(kr == KERN_SUCCESS, "seed %u iteration %u: DF=1 refused", f->seed, f->iter);
	if (kr == KERN_SUCCESS && thread_resume(th) == KERN_SUCCESS) {
		struct { struct report r; char more[64]; } got;
		memset(&got, 0, sizeof got);
		mach_msg_return_t mr = mach_msg(&got.r.head, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof got, report,
						variant == 0 ? 2000 : 300, MACH_PORT_NULL);
		if (mr == MACH_MSG_SUCCESS) {
			int same = got.r.head.msgh_size == sizeof got.r && got.r.head.msgh_id == 4321;
			for (int i = 0; i < PATTERN_WORDS; i++)
				same &= got.r.pattern[i] == hostile_msg.pattern[i];
			CHECK(same, "seed %u iteration %u: hostile state %u: the report arrived changed (DF %u)",
			      f->seed, f->iter, variant, (got.r.efl & EFL_DF) != 0);
			CHECK((got.r.cs & 3) == 3 && (got.r.ss & 3) == 3 && (got.r.efl & EFL_IF) &&
			      !(got.r.efl & (EFL_IOPL | EFL_VM)),
			      "seed %u iteration %u: hostile state %u ran with cs %x ss %x eflags %x", f->seed, f->iter,
			      variant, got.r.cs, got.r.ss, got.r.efl);
		} else {
			CHECK(variant != 0, "seed %u iteration %u: no report from a thread with DF=1 (%x)",
			      f->seed, f->iter, mr);
		}
	}
	task_terminate(child);				/* it may have been killed already */
	mach_port_destroy(f->self, th);
	mach_port_destroy(f->self, child);
	mach_port_destroy(f->self, report);
	f->hostile++;
}
