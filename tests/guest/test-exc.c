/* test-exc: Mach exceptions (kernel/kern/exception.h). A CPU exception in
 * user mode is sent as exc.defs' exception_raise to the faulting thread's
 * exception port, else its task's; the handler's KERN_SUCCESS resumes the
 * thread with the state the handler set, anything else passes it on, and
 * with no port left the task is killed (and only it).
 *
 * The handlers here are exc.defs' own MIG server stub (exc_server, calling
 * catch_exception_raise below), as a GNU Mach program's would be:
 *   - in this task, on a thread of its own, for faults of the main thread:
 *     only the faulting thread may block, or the handler could never run;
 *   - in this task for a child task's faults (task_create copies of this
 *     program, named after what they do);
 * and each CPU exception arrives with GNU Mach's type and codes. */
#include "guest-check.h"
#include <stdbool.h>
#include <sm/traps.h>
#include <sm/threads.h>
#include <mach/exception.h>
#include <mach/thread_status.h>
#include <mach/task_special_ports.h>
#include <mach/thread_special_ports.h>
#include <mach/vm_prot.h>
#include <mach/thread_switch.h>
#include <mach/mig_errors.h>
#include "mach.h"
#include "mach_port.h"
#include "smhost.h"

#define PAGE 4096u
#define UNMAPPED_ADDRESS 0x50000000u       /* in user space, in no region of this test */

extern boolean_t exc_server(mach_msg_header_t *in, mach_msg_header_t *out);

static mach_port_t self;

/* What the last exception_raise carried, and what the handler does. */
static volatile struct {
	int count;
	mach_port_t port, thread, task;
	int exception, code, subcode;
} seen;
enum action { SKIP, MAP_PAGE, MAKE_WRITABLE };
static volatile enum action action;
static volatile uint32_t skip_bytes;          /* SKIP: past the faulting instruction */
static volatile kern_return_t answer;         /* the reply's return code */

static kern_return_t handle(mach_port_t thread, mach_port_t task, int subcode)
{
	if (action == SKIP) {
		struct i386_thread_state st;
		mach_msg_type_number_t n = i386_THREAD_STATE_COUNT;
		kern_return_t kr = thread_get_state(thread, i386_THREAD_STATE, (thread_state_t)&st, &n);
		st.eip += skip_bytes;
		return kr != KERN_SUCCESS ? kr : thread_set_state(thread, i386_THREAD_STATE, (thread_state_t)&st, n);
	}
	vm_address_t page = (uint32_t)subcode & ~(PAGE - 1);
	if (action == MAKE_WRITABLE)
		return vm_protect(task, page, PAGE, FALSE, VM_PROT_READ | VM_PROT_WRITE);
	kern_return_t kr = vm_allocate(task, &page, PAGE, FALSE);
	if (kr == KERN_SUCCESS && task == self)
		*(volatile uint32_t *)subcode = 0x1234;  /* what the resumed read must see */
	return kr;
}

/* exc.defs' routine, called by exc_server. The thread and task rights of
 * the request are released here whatever the answer, so the server loop
 * never has to. */
kern_return_t catch_exception_raise(mach_port_t port, mach_port_t thread, mach_port_t task, integer_t exception,
				    integer_t code, integer_t subcode)
{
	seen.count++;
	seen.port = port;
	seen.thread = thread;
	seen.task = task;
	seen.exception = exception;
	seen.code = code;
	seen.subcode = subcode;
	kern_return_t kr = answer == KERN_SUCCESS ? handle(thread, task, subcode) : answer;
	mach_port_deallocate(self, thread);
	mach_port_deallocate(self, task);
	return kr;
}

/* Receive one exception message on port (within timeout_ms) and answer it
 * through the MIG server stub; false if none came. */
static bool serve_one(mach_port_t port, uint32_t timeout_ms)
{
	union { mach_msg_header_t h; uint8_t buf[512]; } in, out;
	if (mach_msg(&in.h, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof in, port, timeout_ms, MACH_PORT_NULL) !=
	    MACH_MSG_SUCCESS)
		return false;
	CHECK(exc_server(&in.h, &out.h), "exc_server took message %d", in.h.msgh_id);
	CHECK_EQ(mach_msg(&out.h, MACH_SEND_MSG, out.h.msgh_size, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL),
		 MACH_MSG_SUCCESS);
	return true;
}

static mach_port_t new_port(void)
{
	mach_port_t p = MACH_PORT_NULL;
	CHECK_EQ(mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &p), KERN_SUCCESS);
	CHECK_EQ(mach_port_insert_right(self, p, p, MACH_MSG_TYPE_MAKE_SEND), KERN_SUCCESS);
	return p;
}

/* --- The faults, each an instruction of known length ------------------ */

static uint32_t fault_divide(void)
{
	uint32_t eax = 7, edx = 0, ecx = 0;
	__asm__ volatile(".byte 0xf7, 0xf1" : "+a"(eax), "+d"(edx) : "c"(ecx) : "memory");   /* div %ecx: 2 bytes */
	return eax;
}
static void fault_ud2(void) { __asm__ volatile(".byte 0x0f, 0x0b" ::: "memory"); }
static void fault_int3(void) { __asm__ volatile(".byte 0xcc" ::: "memory"); }      /* a trap: eip is past it */
static void fault_cli(void) { __asm__ volatile(".byte 0xfa" ::: "memory"); }       /* #GP at IOPL 0 */
static uint32_t fault_read(uint32_t address) { return *(volatile uint32_t *)address; }

/* --- A handler thread in this task, for the main thread's faults ------- */

static mach_port_t in_task_port;
static volatile bool handler_stop;

static void handler_thread(void *arg)
{
	(void)arg;
	while (!handler_stop)
		serve_one(in_task_port, 50);
}

static void expect_seen(int before, int exception, int code, int subcode, const char *what)
{
	CHECK(seen.count == before + 1, "%s: %d exception messages", what, seen.count - before);
	CHECK(seen.exception == exception && seen.code == code && seen.subcode == subcode,
	      "%s: exception %d code 0x%x subcode 0x%x", what, seen.exception, seen.code, seen.subcode);
	CHECK_EQ(seen.port, in_task_port);
	CHECK_EQ(seen.task, self);
}

static void test_in_task_handler(void)
{
	in_task_port = new_port();
	handler_stop = false;
	mach_port_t handler = MACH_PORT_NULL, me = mach_thread_self();
	CHECK_EQ(smrt_thread_start(handler_thread, NULL, NULL, 0, &handler), KERN_SUCCESS);
	CHECK_EQ(thread_set_special_port(me, THREAD_EXCEPTION_PORT, in_task_port), KERN_SUCCESS);
	answer = KERN_SUCCESS;

	int n = seen.count;
	action = SKIP;
	skip_bytes = 2;
	CHECK_EQ(fault_divide(), 7);                   /* resumed past the div, eax untouched */
	expect_seen(n, EXC_ARITHMETIC, EXC_I386_DIV, 0, "divide error");
	CHECK_EQ(seen.thread, me);

	n = seen.count;
	fault_ud2();
	expect_seen(n, EXC_BAD_INSTRUCTION, EXC_I386_INVOP, 0, "invalid opcode");

	n = seen.count;
	skip_bytes = 0;
	fault_int3();
	expect_seen(n, EXC_BREAKPOINT, EXC_I386_BPT, 0, "breakpoint");

	n = seen.count;
	skip_bytes = 1;
	fault_cli();
	expect_seen(n, EXC_BAD_INSTRUCTION, EXC_I386_GPFLT, 0, "general protection");

	n = seen.count;
	action = MAP_PAGE;                             /* the handler maps the page and writes it */
	CHECK_EQ(fault_read(UNMAPPED_ADDRESS + 12), 0x1234);
	expect_seen(n, EXC_BAD_ACCESS, KERN_INVALID_ADDRESS, UNMAPPED_ADDRESS + 12, "page fault (no memory)");
	CHECK_EQ(vm_deallocate(self, UNMAPPED_ADDRESS, PAGE), KERN_SUCCESS);

	vm_address_t ro = 0;
	CHECK_EQ(vm_allocate(self, &ro, PAGE, TRUE), KERN_SUCCESS);
	CHECK_EQ(vm_protect(self, ro, PAGE, FALSE, VM_PROT_READ), KERN_SUCCESS);
	n = seen.count;
	action = MAKE_WRITABLE;
	((volatile uint32_t *)ro)[5] = 99;           /* faults, made writable, runs again */
	expect_seen(n, EXC_BAD_ACCESS, KERN_PROTECTION_FAILURE, ro + 20, "page fault (read-only)");
	CHECK_EQ(((volatile uint32_t *)ro)[5], 99);
	CHECK_EQ(vm_deallocate(self, ro, PAGE), KERN_SUCCESS);

	CHECK_EQ(thread_set_special_port(me, THREAD_EXCEPTION_PORT, MACH_PORT_NULL), KERN_SUCCESS);
	handler_stop = true;
	CHECK_EQ(smrt_thread_join(handler), KERN_SUCCESS);
	mach_port_deallocate(self, me);
	mach_port_destroy(self, in_task_port);
}

/* --- Children: faults handled (or not) by this task -------------------- */

enum child_mode { CHILD_UD2, CHILD_UD2_TWICE };
static volatile int child_mode;
static uint8_t child_stack[16384] __attribute__((aligned(16)));

struct report { mach_msg_header_t head; mach_msg_type_t type; uint32_t value; };

/* The child: fault; if resumed, say so on its bootstrap port and wait. */
static void __attribute__((noreturn, used)) child_main(void *arg)
{
	(void)arg;
	smrt_task_forked();
	fault_ud2();
	mach_port_t boot = MACH_PORT_NULL;
	task_get_special_port(mach_task_self(), TASK_BOOTSTRAP_PORT, &boot);
	struct report r = { { MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0), sizeof r, boot, { MACH_PORT_NULL }, 0, 4800 },
			    { MACH_MSG_TYPE_INTEGER_32, 32, 1, 1, 0, 0, 0 }, 0x600d };
	mach_msg_trap(&r.head, MACH_SEND_MSG, sizeof r, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL);
	for (;;)
		thread_switch(MACH_PORT_NULL, SWITCH_OPTION_WAIT, 1000);
}

struct child { mach_port_t task, thread, report; };

/* A copy of this task running child_main, with the given exception ports
 * (MACH_PORT_NULL: none; own_task_port: the task's exception port is its
 * own task port) already set when it starts. */
static struct child start_child_with(const char *name, mach_port_t thread_exc, mach_port_t task_exc,
				     bool own_task_port)
{
	struct child c = { MACH_PORT_NULL, MACH_PORT_NULL, new_port() };
	uint32_t *sp = (uint32_t *)(child_stack + sizeof child_stack - 20);
	sp[0] = sp[1] = 0;
	CHECK_EQ(task_create(self, TRUE, &c.task), KERN_SUCCESS);
	CHECK_EQ(task_set_name(c.task, (char *)name), KERN_SUCCESS);
	CHECK_EQ(task_set_special_port(c.task, TASK_BOOTSTRAP_PORT, c.report), KERN_SUCCESS);
	CHECK_EQ(task_set_special_port(c.task, TASK_EXCEPTION_PORT, own_task_port ? c.task : task_exc), KERN_SUCCESS);
	CHECK_EQ(thread_create(c.task, &c.thread), KERN_SUCCESS);
	CHECK_EQ(thread_set_special_port(c.thread, THREAD_EXCEPTION_PORT, thread_exc), KERN_SUCCESS);
	struct i386_thread_state st;
	mach_msg_type_number_t n = i386_THREAD_STATE_COUNT;
	CHECK_EQ(thread_get_state(c.thread, i386_THREAD_STATE, (thread_state_t)&st, &n), KERN_SUCCESS);
	st.eip = (uintptr_t)child_main;
	st.uesp = (uintptr_t)sp;
	CHECK_EQ(thread_set_state(c.thread, i386_THREAD_STATE, (thread_state_t)&st, n), KERN_SUCCESS);
	CHECK_EQ(thread_resume(c.thread), KERN_SUCCESS);
	return c;
}

static struct child start_child(const char *name, mach_port_t thread_exc, mach_port_t task_exc)
{
	return start_child_with(name, thread_exc, task_exc, false);
}

static bool child_reported(struct child *c, uint32_t timeout_ms)
{
	struct report r;
	memset(&r, 0, sizeof r);
	return mach_msg(&r.head, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof r, c->report, timeout_ms,
			MACH_PORT_NULL) == MACH_MSG_SUCCESS && r.value == 0x600d;
}

static bool is_dead(mach_port_t name)
{
	mach_port_type_t t = 0;
	return mach_port_type(self, name, &t) == KERN_SUCCESS && (t & MACH_PORT_TYPE_DEAD_NAME);
}

static bool wait_dead(mach_port_t name)
{
	for (int i = 0; i < 400 && !is_dead(name); i++)
		smrt_sleep_ms(5);
	return is_dead(name);
}

static void end_child(struct child *c)
{
	if (!is_dead(c->task))
		task_terminate(c->task);
	mach_port_deallocate(self, c->thread);
	mach_port_deallocate(self, c->task);
	mach_port_destroy(self, c->report);
}

/* The thread's port first; its KERN_FAILURE passes the exception to the
 * task's port, whose KERN_SUCCESS (eip moved past the ud2) resumes it. */
static void test_other_task_handler(void)
{
	mach_port_t a = new_port(), b = new_port();
	struct child c = start_child("exc-handled", a, b);
	int n = seen.count;
	answer = KERN_FAILURE;
	CHECK(serve_one(a, 5000), "the thread's exception port got the exception");
	CHECK_EQ(seen.port, a);
	CHECK_EQ(seen.task, c.task);
	CHECK_EQ(seen.thread, c.thread);
	CHECK(seen.exception == EXC_BAD_INSTRUCTION && seen.code == EXC_I386_INVOP, "exception %d code %d",
	      seen.exception, seen.code);
	answer = KERN_SUCCESS;
	action = SKIP;
	skip_bytes = 2;
	CHECK(serve_one(b, 5000), "then the task's exception port");
	CHECK_EQ(seen.port, b);
	CHECK_EQ(seen.count, n + 2);
	CHECK(child_reported(&c, 5000), "the child resumed after its handler's reply");
	CHECK(!is_dead(c.task), "the handled child is alive");
	end_child(&c);
	mach_port_destroy(self, a);
	mach_port_destroy(self, b);
}

/* No exception port: the child is killed (the log says so), we go on. */
static void test_unhandled(void)
{
	struct child c = start_child("exc-unhandled", MACH_PORT_NULL, MACH_PORT_NULL);
	CHECK(wait_dead(c.task), "the unhandled child was killed");
	CHECK(!child_reported(&c, 0), "the unhandled child never ran past its fault");
	end_child(&c);
}

/* An exception port that is a kernel object (here the child's own task
 * port): the kernel answers exception_raise with MIG_BAD_ID, which handles
 * nothing, and the child is killed; nothing hangs. */
static void test_kernel_object_port(void)
{
	struct child c = start_child_with("exc-kobject", MACH_PORT_NULL, MACH_PORT_NULL, true);
	CHECK(wait_dead(c.task), "the child with a kernel object for a handler was killed");
	CHECK(!child_reported(&c, 0), "and never ran past its fault");
	end_child(&c);
}

/* Take one exception message off port without answering it: its thread
 * and task rights are released (exc_server with MIG_NO_REPLY), the reply
 * right is returned, 0 if nothing came. */
static mach_port_t receive_unanswered(mach_port_t port)
{
	union { mach_msg_header_t h; uint8_t buf[512]; } in, out;
	if (mach_msg(&in.h, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof in, port, 5000, MACH_PORT_NULL) !=
	    MACH_MSG_SUCCESS)
		return MACH_PORT_NULL;
	answer = MIG_NO_REPLY;
	CHECK(exc_server(&in.h, &out.h), "exc_server took message %d", in.h.msgh_id);
	answer = KERN_SUCCESS;
	return out.h.msgh_remote_port;
}

/* The handler dies holding the exception message: its reply right dies
 * with it, and the child, with no other port, is killed. */
static void test_handler_dies(void)
{
	mach_port_t d = new_port();
	struct child c = start_child("exc-orphan", MACH_PORT_NULL, d);
	mach_port_t reply = receive_unanswered(d);
	CHECK(reply != MACH_PORT_NULL, "the exception arrived");
	CHECK_EQ(mach_port_deallocate(self, reply), KERN_SUCCESS);    /* what a dying task's space does */
	CHECK_EQ(mach_port_destroy(self, d), KERN_SUCCESS);
	CHECK(wait_dead(c.task), "the orphaned child was killed");
	CHECK(!child_reported(&c, 0), "the orphaned child never ran past its fault");
	end_child(&c);
}

/* A thread waiting for its handler is abortable (it runs the faulting
 * instruction again and raises anew) and is cleaned up when its task is
 * terminated meanwhile. */
static void test_abort_and_terminate(void)
{
	mach_port_t e = new_port();
	struct child c = start_child("exc-aborted", MACH_PORT_NULL, e);
	mach_port_t reply = receive_unanswered(e);
	CHECK(reply != MACH_PORT_NULL, "the exception arrived");
	CHECK_EQ(thread_abort(c.thread), KERN_SUCCESS);
	action = SKIP;
	skip_bytes = 2;
	int n = seen.count;
	CHECK(serve_one(e, 5000), "the aborted thread raised its exception again");
	CHECK_EQ(seen.count, n + 1);
	CHECK(child_reported(&c, 5000), "and resumed after the second reply");
	mach_port_deallocate(self, reply);               /* the stale one: its reply port is gone */
	end_child(&c);

	c = start_child("exc-terminated", MACH_PORT_NULL, e);
	reply = receive_unanswered(e);
	CHECK(reply != MACH_PORT_NULL, "the exception arrived");
	CHECK_EQ(task_terminate(c.task), KERN_SUCCESS);    /* while its thread waits for us */
	CHECK(wait_dead(c.task), "terminated");
	mach_port_deallocate(self, reply);
	end_child(&c);
	mach_port_destroy(self, e);
}

static void suite(void)
{
	test_in_task_handler();
	test_other_task_handler();
	test_unhandled();
	test_kernel_object_port();
	test_handler_dies();
	test_abort_and_terminate();
}

int main(void)
{
	self = mach_task_self();
	natural_t before[4], after[4];
	suite();                                         /* warms up page tables and heap */
	kernel_counts(before);
	suite();
	kernel_counts(after);
	printf("test-exc: kernel after another run: free pages %u -> %u, heap %u -> %u bytes, ports %u -> %u\n",
	       before[0], after[0], before[1], after[1], before[2], after[2]);
	CHECK_EQ(after[0], before[0]);
	CHECK_EQ(after[1], before[1]);
	CHECK_EQ(after[2], before[2]);
	printf("test-exc: the kernel is still running\n");
	return guest_summary("test-exc");
}
