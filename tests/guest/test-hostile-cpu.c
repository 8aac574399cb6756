/* test-hostile-cpu: a task attacks the CPU privilege boundary, and every
 * attack fails. Attacks that must kill their task run in a child task (a
 * copy of this program made with task_create, named after the attack, see
 * tests/expect/test-hostile-cpu.expect for the kill lines the log must hold): a
 * call gate written into a low user page and called through an LDT
 * selector, lldt, reading CR0, I/O ports (including QEMU's exit port), cli
 * and hlt (after a popf that tried to raise IOPL), int n at vectors only the
 * kernel may raise (int3 and into raise their own exceptions instead, as
 * on GNU Mach), far calls, jumps and returns into kernel segments, the
 * TSS, and an iret with NT set. A child that survives its attack reports
 * back, which fails the test. Among them: far calls to LDT selectors other
 * than GNU Mach's system-call gate (selector 7), a jump through that gate,
 * the gate as a data or stack segment, and a call through it with TF set.
 * In this task: the gate works, refuses unknown trap numbers and argument
 * blocks the task cannot have, and passes mach_msg's seven arguments
 * intact with DF set; sldt shows the kernel's LDT,
 * popf cannot raise IOPL, the kernel sees every mach_msg argument with DF
 * (and AC, NT) set, and thread_get_state/thread_set_state neither reveal
 * nor accept anything of the kernel (a thread spinning with DF set while
 * interrupts arrive: test-hostile-df). Kernel object counts return to
 * their baseline after each. */
#include "guest-check.h"
#include <sm/traps.h>
#include <sm/threads.h>
#include <mach/task_special_ports.h>
#include <mach/thread_status.h>
#include <mach/thread_switch.h>
#include "mach.h"
#include "mach_port.h"
#include "gnumach.h"
#include "smhost.h"

#define USER_CS  0x17                   /* LDT entry 2, as GNU Mach */
#define USER_DS  0x1f                   /* LDT entry 3 */
#define KERNBASE 0xC0000000u
#define SEG_LDT  0x30               /* the kernel's LDT selector (kernel/i386/gdt.h) */
#define EFL_DF   0x400u
#define EFL_IOPL 0x3000u
#define EFL_NT   0x4000u
#define EFL_AC   0x40000u

static mach_port_t self, host;

/* --- Kernel object counts ------------------------------------------------ */

static uint32_t baseline[4];

/* --- The attacks, each run in its own child task ------------------------- */

enum attack { LDT_GATE_LOW, LDT_INDEX_1, LDT_INDEX_1_RPL0, LDT_INDEX_511, LJMP_GATE, MOV_DS_GATE, MOV_SS_GATE,
	      GATE_TRAP_FLAG, INT_81, LLDT, READ_CR0, OUT_EXIT_PORT, IN_PORT, POPF_IOPL_CLI, HLT,
	      INT_80, INT_CLOCK, INT_PAGE_FAULT, INT3, INTO, CALL_KERNEL_CODE, JMP_TSS, LOAD_KERNEL_DATA,
	      LRET_RING0, IRET_RING0, IRET_NT, WRITE_DR7, READ_DR6, ICEBP, TRAP_FLAG, SYSENTER, BAD_MXCSR,
	      BAD_FXRSTOR, READ_KERNEL, X87_EXCEPTION, ATTACKS };
static const char *const attack_names[ATTACKS] = {
	"hostile-ldt-low", "hostile-ldt-0f", "hostile-ldt-0c", "hostile-ldt-ff8", "hostile-ljmp-gate",
	"hostile-ds-gate", "hostile-ss-gate", "hostile-gate-tf", "hostile-int81", "hostile-lldt", "hostile-cr0", "hostile-out", "hostile-in",
	"hostile-cli", "hostile-hlt", "hostile-int80", "hostile-int20", "hostile-int0e", "hostile-int3",
	"hostile-into", "hostile-lcall", "hostile-ljmp-tss", "hostile-mov-ds", "hostile-lret",
	"hostile-iret", "hostile-iret-nt", "hostile-dr7", "hostile-dr6", "hostile-icebp", "hostile-tf",
	"hostile-sysenter", "hostile-ldmxcsr", "hostile-fxrstor", "hostile-kread", "hostile-x87",
};

static volatile int attack_mode;
static volatile uint32_t ring0_cr0;         /* what the ring-0 probe read */
static uint8_t child_stack[16384] __attribute__((aligned(16)));

/* The target of every attempt to reach ring 0: if it ever runs at CPL 0 it
 * reads CR0 and returns to its caller's ring with lret. */
void ring0_probe(void);
__asm__(".text\n.globl ring0_probe\nring0_probe:\n"
	"\tmovl %cr0, %eax\n\torl $1, %eax\n\tmovl %eax, ring0_cr0\n\tlret\n");

/* A 32-bit call gate to SEG_KCODE:ring0_probe that ring 3 may call. */
static uint64_t call_gate_to_probe(void)
{
	uint32_t off = (uint32_t)ring0_probe;
	return (uint64_t)(off & 0xFFFF) | (uint64_t)0x08 << 16 | (uint64_t)0xEC << 40 | (uint64_t)(off >> 16) << 48;
}

static void run_attack(int mode)
{
	switch (mode) {
	case LDT_GATE_LOW: {             /* a gate at 0x1000: index 512 of an LDT based at 0 */
		vm_address_t at = 0x1000;
		if (vm_allocate(mach_task_self(), &at, 4096, FALSE) != KERN_SUCCESS)
			return;                       /* reported as survival: the attack was not tried */
		*(volatile uint64_t *)at = call_gate_to_probe();
		__asm__ volatile("lcall $0x1007, $0" ::: "memory");
		break;
	}
	/* LDT entry 0 is the system-call gate (selector 7); every other LDT
	 * selector lies beyond the table's limit. */
	case LDT_INDEX_1:
		__asm__ volatile("lcall $0x0f, $0" ::: "memory");
		break;
	case LDT_INDEX_1_RPL0:
		__asm__ volatile("lcall $0x0c, $0" ::: "memory");
		break;
	case LDT_INDEX_511:
		__asm__ volatile("lcall $0xfff, $0" ::: "memory");
		break;
	case LJMP_GATE:                   /* a jump may not change privilege through a gate */
		__asm__ volatile("ljmp $7, $0" ::: "memory");
		break;
	case MOV_DS_GATE:                 /* the gate is no data segment */
		__asm__ volatile("movw $7, %%ax\n\tmovw %%ax, %%ds" ::: "eax");
		break;
	case MOV_SS_GATE:
		__asm__ volatile("movw $7, %%ax\n\tmovw %%ax, %%ss" ::: "eax");
		break;
	case GATE_TRAP_FLAG: {            /* the call gate keeps TF: a single step on the kernel's entry */
		mach_port_t name;
		__asm__ volatile("pushfl\n\torl $0x100, (%%esp)\n\tpopfl\n\tlcall $7, $0\n\tnop\n\tnop"
				 : "=a"(name) : "a"(-28) : "cc", "memory");
		break;
	}
	case INT_81: {                    /* the old system-call vector: closed, one trap path */
		mach_port_t name;
		__asm__ volatile("int $0x81" : "=a"(name) : "a"(-28) : "memory");
		break;
	}
	case LLDT:
		__asm__ volatile("xorl %%eax, %%eax\n\tlldt %%ax" ::: "eax");
		break;
	case READ_CR0:
		ring0_probe();
		break;
	case OUT_EXIT_PORT:               /* QEMU's isa-debug-exit: it would end the run */
		__asm__ volatile("movw $0xf4, %%dx\n\tmovb $0, %%al\n\toutb %%al, %%dx" ::: "eax", "edx");
		break;
	case IN_PORT:
		__asm__ volatile("inb $0x60, %%al" ::: "eax");
		break;
	case POPF_IOPL_CLI:               /* popf cannot raise IOPL, so cli faults */
		__asm__ volatile("pushfl\n\torl $0x3000, (%%esp)\n\tpopfl\n\tcli" ::: "cc");
		break;
	case HLT:
		__asm__ volatile("hlt");
		break;
	case INT_80:
		__asm__ volatile("int $0x80" ::: "memory");
		break;
	case INT_CLOCK:                   /* the clock's vector: no tick, no EOI */
		__asm__ volatile("int $0x20" ::: "memory");
		break;
	case INT_PAGE_FAULT:              /* no error code would be pushed */
		__asm__ volatile("int $0x0e" ::: "memory");
		break;
	case INT3:
		__asm__ volatile("int3" ::: "memory");
		break;
	case INTO:
		__asm__ volatile("movb $0x7f, %%al\n\taddb $1, %%al\n\t.byte 0xce" ::: "eax", "cc", "memory");
		break;
	case CALL_KERNEL_CODE:
		__asm__ volatile("lcall $0x08, $ring0_probe" ::: "memory");
		break;
	case JMP_TSS:
		__asm__ volatile("ljmp $0x28, $0" ::: "memory");
		break;
	case LOAD_KERNEL_DATA:
		__asm__ volatile("movw $0x10, %%ax\n\tmovw %%ax, %%ds" ::: "eax");
		break;
	case LRET_RING0:
		__asm__ volatile("pushl $0x08\n\tpushl $ring0_probe\n\tlret" ::: "memory");
		break;
	case IRET_RING0:
		__asm__ volatile("pushfl\n\tpushl $0x08\n\tpushl $ring0_probe\n\tiret" ::: "memory");
		break;
	case IRET_NT:                     /* a nested-task return through the TSS back link */
		__asm__ volatile("pushfl\n\torl $0x4000, (%%esp)\n\tpopfl\n\tiret" ::: "memory", "cc");
		break;
	case WRITE_DR7:                   /* a hardware breakpoint on kernel text */
		__asm__ volatile("movl $0xc0100000, %%eax\n\tmovl %%eax, %%dr0\n\tmovl $0x3, %%eax\n\tmovl %%eax, %%dr7"
				 ::: "eax");
		break;
	case READ_DR6:
		__asm__ volatile("movl %%dr6, %%eax" ::: "eax");
		break;
	case ICEBP:                       /* int1: #DB without the gate's DPL check */
		__asm__ volatile(".byte 0xf1" ::: "memory");
		break;
	case TRAP_FLAG:                   /* single-step: #DB after the next instruction */
		__asm__ volatile("pushfl\n\torl $0x100, (%%esp)\n\tpopfl\n\tnop\n\tnop" ::: "cc", "memory");
		break;
	case SYSENTER:                    /* no SYSENTER MSRs are set up */
		__asm__ volatile("sysenter" ::: "memory");
		break;
	case BAD_MXCSR: {                 /* reserved MXCSR bits */
		uint32_t mxcsr = 0xffffffffu;
		__asm__ volatile("ldmxcsr %0" :: "m"(mxcsr));
		break;
	}
	case BAD_FXRSTOR: {               /* the same through an FXSAVE image */
		static uint8_t image[512] __attribute__((aligned(16)));
		__asm__ volatile("fxsave %0" : "=m"(image));
		*(uint32_t *)(image + 24) = 0xffffffffu;
		__asm__ volatile("fxrstor %0" :: "m"(image));
		break;
	}
	case READ_KERNEL:                 /* the kernel image, through the shared directory */
		ring0_cr0 = *(volatile uint32_t *)0xC0100000u;
		break;
	case X87_EXCEPTION: {             /* divide by zero unmasked: #MF at the fwait */
		uint16_t cw = 0x037b;
		float zero = 0.0f;
		__asm__ volatile("fldcw %0\n\tfld1\n\tfdivs %1\n\tfwait" :: "m"(cw), "m"(zero) : "memory");
		break;
	}
	}
}

/* The CPU may take these (QEMU's TCG does not check MXCSR's reserved bits):
 * then the task lives on, and what must hold is that the kernel's own
 * saving and restoring of its FPU image does not fault. */
static int may_survive(int mode) { return mode == BAD_MXCSR || mode == BAD_FXRSTOR; }

struct report { mach_msg_header_t head; mach_msg_type_t type; uint32_t mode, cr0; };

/* The child: attack; if still alive, tell the parent (on its bootstrap port). */
static void __attribute__((noreturn, used)) child_main(void *arg)
{
	(void)arg;
	smrt_task_forked();
	run_attack(attack_mode);
	if (may_survive(attack_mode)) {
		/* Let the parent take the FPU (the kernel saves our image), then
		 * use SSE again (the kernel restores it): that must not fault. */
		thread_switch(MACH_PORT_NULL, SWITCH_OPTION_WAIT, 20);
		__asm__ volatile("addss %%xmm0, %%xmm0" ::: "memory");
	}
	mach_port_t boot = MACH_PORT_NULL;
	task_get_special_port(mach_task_self(), TASK_BOOTSTRAP_PORT, &boot);
	struct report r = { { MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0), sizeof r, boot, { 0 }, 0, 4700 },
			    { MACH_MSG_TYPE_INTEGER_32, 32, 2, 1, 0, 0, 0 }, (uint32_t)attack_mode, ring0_cr0 };
	mach_msg_trap(&r.head, MACH_SEND_MSG, sizeof r, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL);
	for (;;)
		thread_switch(MACH_PORT_NULL, SWITCH_OPTION_WAIT, 1000);
}

static mach_port_type_t name_type(mach_port_t name)
{
	mach_port_type_t t = 0;
	return mach_port_type(self, name, &t) == KERN_SUCCESS ? t : 0;
}

/* Run one attack in a child task and check that the child was killed and
 * never reported (so the probe behind the attack never ran); or, for an
 * attack that may_survive, that it reported a clean state. */
static void attack_in_child(int mode, mach_port_t report)
{
	attack_mode = mode;
	ring0_cr0 = 0;
	uint32_t *sp = (uint32_t *)(child_stack + sizeof child_stack - 20);
	sp[0] = sp[1] = 0;                  /* child_main(NULL), null return address */
	mach_port_t child = MACH_PORT_NULL, th = MACH_PORT_NULL;
	CHECK_EQ(task_create(self, TRUE, &child), KERN_SUCCESS);
	CHECK_EQ(task_set_name(child, (char *)attack_names[mode]), KERN_SUCCESS);
	CHECK_EQ(task_set_special_port(child, TASK_BOOTSTRAP_PORT, report), KERN_SUCCESS);
	start_thread_at(child, (uintptr_t)child_main, (uintptr_t)sp, &th);
	/* Until the child dies or reports, using the FPU meanwhile (so the
	 * kernel switches FPU images between us and the child). */
	struct report r;
	mach_msg_return_t mr = MACH_RCV_TIMED_OUT;
	volatile double fpu_work = 1.0;
	for (int waited = 0; waited < 5000 && mr == MACH_RCV_TIMED_OUT &&
			     !(name_type(child) & MACH_PORT_TYPE_DEAD_NAME); waited += 5) {
		fpu_work = fpu_work * 1.5 + 0.25;
		memset(&r, 0, sizeof r);
		mr = mach_msg(&r.head, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof r, report, 5, MACH_PORT_NULL);
	}
	if (mr == MACH_RCV_TIMED_OUT) {             /* dead: then nothing may have come */
		memset(&r, 0, sizeof r);
		mr = mach_msg(&r.head, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof r, report, 0, MACH_PORT_NULL);
	}
	if (may_survive(mode) && mr == MACH_MSG_SUCCESS) {
		CHECK_EQ(r.mode, mode);
		CHECK_EQ(r.cr0, 0);
	} else {
		CHECK(name_type(child) & MACH_PORT_TYPE_DEAD_NAME, "%s: the attacking task is still alive", attack_names[mode]);
		CHECK(mr == MACH_RCV_TIMED_OUT, "%s: the attacking task survived its attack (mode %u, CR0 read 0x%x)",
		      attack_names[mode], r.mode, r.cr0);
	}
	if (!(name_type(child) & MACH_PORT_TYPE_DEAD_NAME))
		task_terminate(child);
	mach_port_deallocate(self, th);
	mach_port_deallocate(self, child);
}

static void test_attacks_in_children(void)
{
	mach_port_t report = MACH_PORT_NULL;
	CHECK_EQ(mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &report), KERN_SUCCESS);
	CHECK_EQ(mach_port_insert_right(self, report, report, MACH_MSG_TYPE_MAKE_SEND), KERN_SUCCESS);
	kernel_counts(baseline);
	for (int mode = 0; mode < ATTACKS; mode++) {
		attack_in_child(mode, report);
		check_counts_back(baseline, attack_names[mode]);
	}
	CHECK_EQ(ring0_cr0, 0);                     /* and never in this task either */
	mach_port_destroy(self, report);
}

/* --- In this task: LDTR, IOPL, EFLAGS on kernel entry -------------------- */

static void test_ldtr_and_iopl(void)
{
	uint16_t ldtr = 0xFFFF;
	__asm__ volatile("sldt %0" : "=r"(ldtr));       /* not privileged: shows what is loaded */
	CHECK_EQ(ldtr, SEG_LDT);
	uint32_t efl;
	__asm__ volatile("pushfl\n\torl $0x3000, (%%esp)\n\tpopfl\n\tpushfl\n\tpopl %0" : "=r"(efl) :: "cc");
	CHECK_EQ(efl & EFL_IOPL, 0);                    /* popf at ring 3 leaves IOPL alone */
}

struct msg { mach_msg_header_t head; mach_msg_type_t type; uint32_t words[8]; };

/* mach_msg through GNU Mach's call gate (lcall $7,$0) with the arguments
 * on a stack of our own and the given EFLAGS bits set for the trap (DF, AC,
 * NT: all a task may set; a call gate, unlike an interrupt gate, clears
 * none of them). */
static uint32_t mach_msg_with_flags(struct msg *m, uint32_t option, uint32_t send_size, uint32_t rcv_size,
				    mach_port_t rcv_name, uint32_t flags, uint32_t *flags_after)
{
	uint32_t frame[8] = { 0xdeadbeef, (uint32_t)m, option, send_size, rcv_size, rcv_name, 0, MACH_PORT_NULL };
	uint32_t r, after;
	__asm__ volatile("movl %%esp, %%edi\n\t"
			 "pushfl\n\torl %[flags], (%%esp)\n\tpopfl\n\t"
			 "movl %[frame], %%esp\n\t"
			 "lcall $7, $0\n\t"
			 "movl %%edi, %%esp\n\t"
			 "pushfl\n\tpopl %%edx\n\t"
			 "pushfl\n\tandl $~0x44400, (%%esp)\n\tpopfl"
			 : "=a"(r), "=d"(after)
			 : "a"(SMRT_TRAP_MACH_MSG), [frame] "S"(frame), [flags] "c"(flags)
			 : "edi", "memory", "cc");
	*flags_after = after;
	return r;
}

static void test_flags_on_entry(void)
{
	mach_port_t p = MACH_PORT_NULL;
	kernel_counts(baseline);
	CHECK_EQ(mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &p), KERN_SUCCESS);
	static const uint32_t flag_sets[] = { EFL_DF, EFL_AC, EFL_DF | EFL_AC | EFL_NT };
	for (unsigned k = 0; k < sizeof flag_sets / sizeof flag_sets[0]; k++) {
		struct msg m;
		memset(&m, 0, sizeof m);
		m.head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0);
		m.head.msgh_size = sizeof m;
		m.head.msgh_remote_port = p;
		m.head.msgh_id = 4800 + k;
		m.type = (mach_msg_type_t){ MACH_MSG_TYPE_INTEGER_32, 32, 8, 1, 0, 0, 0 };
		for (int i = 0; i < 8; i++)
			m.words[i] = 0x1000 * k + 0x11 * (i + 1);
		uint32_t after;
		/* Send and receive in one call: every argument counts. */
		uint32_t r = mach_msg_with_flags(&m, MACH_SEND_MSG | MACH_RCV_MSG, sizeof m, sizeof m, p, flag_sets[k], &after);
		CHECK(r == MACH_MSG_SUCCESS, "flags 0x%x: mach_msg returned 0x%x", flag_sets[k], r);
		CHECK_EQ(m.head.msgh_id, 4800 + k);
		CHECK_EQ(m.head.msgh_size, sizeof m);
		CHECK_EQ(m.head.msgh_local_port, p);
		int same = 1;
		for (int i = 0; i < 8; i++)
			same &= m.words[i] == 0x1000 * k + 0x11 * (i + 1);
		CHECK(same, "flags 0x%x: the message body changed on the way", flag_sets[k]);
		CHECK_EQ(after & flag_sets[k], flag_sets[k]);   /* the task's own flags come back */
	}
	mach_port_destroy(self, p);
	check_counts_back(baseline, "mach_msg with DF, AC and NT set");
}

/* --- GNU Mach's system-call gate (LDT selector 7) ------------------------ */

/* A trap through the gate with ESP set to `stack` (its arguments at stack + 4). */
static uint32_t gate_trap_at(int32_t number, uint32_t stack)
{
	uint32_t r;
	__asm__ volatile("movl %%esp, %%edi\n\tmovl %[sp], %%esp\n\tlcall $7, $0\n\tmovl %%edi, %%esp"
			 : "=a"(r) : "a"(number), [sp] "S"(stack) : "edi", "memory", "cc");
	return r;
}

static void test_syscall_gate(void)
{
	kernel_counts(baseline);
	/* It works: mach_task_self through the gate names the task's port. */
	uint32_t by_gate;
	__asm__ volatile("lcall $7, $0" : "=a"(by_gate) : "a"(-28) : "memory", "cc");
	CHECK_EQ(by_gate, self);
	mach_port_deallocate(self, by_gate);
	/* mach_print's one argument, at the task's ESP + 4 where its cdecl call left it. */
	static const char line[] = "test-hostile-cpu: mach_print through lcall $7,$0\n";
	uint32_t frame[2] = { 0xdeadbeef, (uint32_t)line };
	CHECK_EQ(gate_trap_at(-30, (uint32_t)frame), KERN_SUCCESS);
	/* Trap numbers the kernel does not serve. */
	static const int32_t bad_numbers[] = { 0, -1, -24, -31, -63, -67, -77, -99, -103, 1, 25, 0x81, 0x7fffffff,
					       (int32_t)0x80000000 };
	int refused = 0;
	for (unsigned i = 0; i < sizeof bad_numbers / sizeof bad_numbers[0]; i++)
		refused += gate_trap_at(bad_numbers[i], (uint32_t)frame) == KERN_INVALID_ARGUMENT;
	CHECK_EQ(refused, sizeof bad_numbers / sizeof bad_numbers[0]);
	/* mach_msg's seven arguments where the task cannot have them: the
	 * kernel half, the gap below it, wrapping around 4 GiB, from the top of
	 * the user stack into that gap, the null page. The CPU does not touch the task's stack on a
	 * call through a gate (no parameters to copy), so the kernel's copyin
	 * is what refuses each. */
	static const uint32_t bad_stacks[] = { KERNBASE - 4, KERNBASE - 16, KERNBASE + 0x100000, 0xFFFFFFF0u,
					       0xFFFFFFFCu, 0xBFFFEFF0u, 0x10, 0 };
	refused = 0;
	for (unsigned i = 0; i < sizeof bad_stacks / sizeof bad_stacks[0]; i++)
		refused += gate_trap_at(SMRT_TRAP_MACH_MSG, bad_stacks[i]) == KERN_INVALID_ADDRESS;
	CHECK_EQ(refused, sizeof bad_stacks / sizeof bad_stacks[0]);
	check_counts_back(baseline, "the system-call gate");
}

/* i386_set_gdt (GNU Mach's mach_i386.defs id 3807) is not served: a
 * request built by hand, to this thread's port, asking to put a call gate
 * to ring 0 at selector 7, gets MIG_BAD_ID, and the gate still works. */
static void test_set_gdt_refused(void)
{
	kernel_counts(baseline);
	mach_port_t me = mach_thread_self(), reply = mach_reply_port();
	/* Its routine is the stub default (MIG_BAD_ID). i386_set_ldt and
	 * i386_get_ldt (3803, 3804) are served; test-ldt has their refusals. */
	static const int ids[] = { 3807 };
	for (unsigned i = 0; i < sizeof ids / sizeof ids[0]; i++) {
		struct {
			mach_msg_header_t head;
			mach_msg_type_t first_type;
			int first_selector;
			mach_msg_type_t desc_type;
			uint64_t descriptor;
		} req;
		memset(&req, 0, sizeof req);
		req.head = (mach_msg_header_t){ MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE),
						sizeof req, me, { reply }, 0, ids[i] };
		req.first_type = (mach_msg_type_t){ MACH_MSG_TYPE_INTEGER_32, 32, 1, 1, 0, 0, 0 };
		req.first_selector = 7;
		req.desc_type = (mach_msg_type_t){ MACH_MSG_TYPE_INTEGER_32, 32, 2, 1, 0, 0, 0 };
		req.descriptor = call_gate_to_probe();
		/* The reply (a mig_reply_header_t) comes back into req. */
		_Static_assert(sizeof req >= sizeof(mig_reply_header_t), "room for the reply");
		mach_msg_return_t mr = mach_msg(&req.head, MACH_SEND_MSG | MACH_RCV_MSG, sizeof req, sizeof req, reply, 0,
						MACH_PORT_NULL);
		CHECK(mr == MACH_MSG_SUCCESS, "request %d: mach_msg 0x%x", ids[i], mr);
		mig_reply_header_t *r = (mig_reply_header_t *)&req;
		CHECK(r->Head.msgh_id == ids[i] + 100 && r->RetCode == MIG_BAD_ID, "request %d: reply %d, code %d",
		      ids[i], r->Head.msgh_id, r->RetCode);
	}
	uint32_t by_gate;
	__asm__ volatile("lcall $7, $0" : "=a"(by_gate) : "a"(-28) : "memory", "cc");
	CHECK_EQ(by_gate, self);
	mach_port_deallocate(self, by_gate);
	CHECK_EQ(ring0_cr0, 0);
	mach_port_deallocate(self, me);
	mach_port_destroy(self, reply);
	check_counts_back(baseline, "i386_set_gdt");
}

/* --- thread_get_state / thread_set_state --------------------------------- */

static void blocked_receiver(void *arg)
{
	struct msg m;
	mach_msg(&m.head, MACH_RCV_MSG, 0, sizeof m, (mach_port_t)(uintptr_t)arg, 0, MACH_PORT_NULL);
}

static void test_thread_state(void)
{
	kernel_counts(baseline);
	/* A thread blocked inside the kernel: its state shows no kernel address. */
	mach_port_t p = MACH_PORT_NULL, th = MACH_PORT_NULL;
	CHECK_EQ(mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &p), KERN_SUCCESS);
	CHECK_EQ(smrt_thread_start(blocked_receiver, (void *)(uintptr_t)p, NULL, 0, &th), KERN_SUCCESS);
	smrt_sleep_ms(20);
	struct i386_thread_state st;
	mach_msg_type_number_t n = i386_THREAD_STATE_COUNT;
	CHECK_EQ(thread_get_state(th, i386_THREAD_STATE, (thread_state_t)&st, &n), KERN_SUCCESS);
	CHECK(st.esp < KERNBASE && st.uesp < KERNBASE, "esp 0x%x uesp 0x%x", st.esp, st.uesp);
	CHECK_EQ(st.esp, st.uesp);
	CHECK_EQ(st.cs, USER_CS);
	mach_msg_header_t wake = { MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0), sizeof wake, p, { 0 }, 0, 1 };
	CHECK_EQ(mach_msg(&wake, MACH_SEND_MSG, sizeof wake, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL), MACH_MSG_SUCCESS);
	CHECK_EQ(smrt_thread_join(th), KERN_SUCCESS);
	mach_port_destroy(self, p);

	/* A suspended new thread: every bad selector and EFLAGS is refused, and
	 * leaves its state as it was. */
	CHECK_EQ(thread_create(self, &th), KERN_SUCCESS);
	struct i386_thread_state good, bad, back;
	n = i386_THREAD_STATE_COUNT;
	CHECK_EQ(thread_get_state(th, i386_THREAD_STATE, (thread_state_t)&good, &n), KERN_SUCCESS);
	CHECK(good.esp < KERNBASE, "esp 0x%x of a new thread", good.esp);
	/* Kernel code and data, the null GDT entries where the user segments
	 * once were (0x1b, 0x23), the user segments at RPL 0 (0x14, 0x1c), the
	 * TSS, the LDT's descriptor, the gate (7), the empty entry (0x0f), past
	 * the LDT's end (0x27), the data segment as code, null. */
	static const uint32_t bad_cs[] = { 0x08, 0x0b, 0x10, 0x18, 0x1b, 0x20, 0x23, 0x14, 0x28, 0x2b, 0x30, 0x33,
					   0x07, 0x0f, 0x27, USER_DS, 0, 3, 0x10000 | USER_CS };
	static const uint32_t bad_data[] = { 0x08, 0x0b, 0x10, 0x13, 0x1b, 0x20, 0x23, 0x1c, 0x28, 0x2b, 0x30, 0x33,
					     0x07, 0x04, 0x0f, 0x27, 0x10000 | USER_DS };
	/* IOPL 1-3, NT, VM, VIF, VIP, reserved bits 3, 5, 15, 22 and 31. */
	static const uint32_t bad_efl[] = { 0x1000, 0x2000, 0x3000, 0x4000, 0x20000, 0x80000, 0x100000,
					    0x8, 0x20, 0x8000, 0x400000, 0x80000000 };
	int refused = 0, tries = 0;
	for (unsigned i = 0; i < sizeof bad_cs / sizeof bad_cs[0]; i++) {
		bad = good, bad.cs = bad_cs[i], tries++;
		refused += thread_set_state(th, i386_THREAD_STATE, (thread_state_t)&bad, n) == KERN_INVALID_ARGUMENT;
		if (bad_cs[i] == USER_DS)
			continue;                    /* the one good ss */
		bad = good, bad.ss = bad_cs[i], tries++;
		refused += thread_set_state(th, i386_REGS_SEGS_STATE, (thread_state_t)&bad, n) == KERN_INVALID_ARGUMENT;
	}
	for (unsigned i = 0; i < sizeof bad_data / sizeof bad_data[0]; i++) {
		uint32_t *regs[] = { &bad.ds, &bad.es, &bad.fs, &bad.gs };
		for (int r = 0; r < 4; r++) {
			bad = good, *regs[r] = bad_data[i], tries++;
			refused += thread_set_state(th, i386_THREAD_STATE, (thread_state_t)&bad, n) == KERN_INVALID_ARGUMENT;
		}
	}
	for (unsigned i = 0; i < sizeof bad_efl / sizeof bad_efl[0]; i++) {
		bad = good, bad.efl |= bad_efl[i], tries++;
		refused += thread_set_state(th, i386_THREAD_STATE, (thread_state_t)&bad, n) == KERN_INVALID_ARGUMENT;
	}
	CHECK_EQ(refused, tries);
	mach_msg_type_number_t m = i386_THREAD_STATE_COUNT;
	CHECK_EQ(thread_get_state(th, i386_THREAD_STATE, (thread_state_t)&back, &m), KERN_SUCCESS);
	CHECK(!memcmp(&back, &good, sizeof back), "a refused thread_set_state changed the thread");

	/* Taken: null and user data selectors; user flags (DF, AC, TF...). Sanitised:
	 * IF forced on, RF dropped. */
	bad = good, bad.ds = 0, bad.es = 3, bad.fs = USER_CS, bad.efl = 0x40000 | 0x400 | 0x10000 | 0x1;
	CHECK_EQ(thread_set_state(th, i386_THREAD_STATE, (thread_state_t)&bad, n), KERN_SUCCESS);
	CHECK_EQ(thread_get_state(th, i386_THREAD_STATE, (thread_state_t)&back, &m), KERN_SUCCESS);
	CHECK_EQ(back.efl, 0x40000 | 0x400 | 0x202 | 0x1);
	CHECK(back.ds == 0 && back.es == 3 && back.fs == USER_CS && back.cs == USER_CS && back.ss == USER_DS,
	      "selectors %x %x %x %x %x", back.ds, back.es, back.fs, back.cs, back.ss);
	CHECK_EQ(thread_terminate(th), KERN_SUCCESS);
	mach_port_deallocate(self, th);
	check_counts_back(baseline, "thread state");
}

int main(void)
{
	self = mach_task_self();
	host = mach_host_self();
	test_ldtr_and_iopl();
	test_syscall_gate();
	test_set_gdt_refused();
	test_flags_on_entry();
	test_thread_state();
	test_attacks_in_children();
	printf("test-hostile-cpu: the kernel is still running\n");
	return guest_summary("test-hostile-cpu");
}
