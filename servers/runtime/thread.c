/*
 * thread.c - threads in the caller's task, per-thread MIG reply ports and
 * the runtime's lock (see <sm/threads.h>).
 *
 * Each thread the runtime knows has a slot: its stack range, its reply
 * port and its own name for its thread port.  Slot 0 is the main thread
 * (and any thread the runtime did not start); a thread finds its slot from
 * its stack pointer, so no thread-local storage register is needed.  Only
 * the creator writes a new slot (under slots_lock, before the thread runs)
 * and only the thread itself changes its slot afterwards.
 */
#include <sm/runtime.h>
#include <sm/traps.h>
#include <sm/threads.h>
#include <mach/mig_support.h>
#include <mach/thread_status.h>
#include <mach/thread_switch.h>
#include "mach.h"
#include "mach_port.h"
#include "gnumach.h"

enum { SLOT_FREE, SLOT_USED };

struct slot {
	volatile int	state;
	uintptr_t	lo, hi;		/* its stack; 0, 0 for slot 0 */
	mach_port_t	reply;		/* MIG reply port, made on first use */
	mach_port_t	self;		/* its name for its own thread port */
	mach_port_t	port;		/* the creator's name for it */
	int		releasing;	/* inside mig_dealloc_reply_port */
	smrt_thread_fn	fn;
	void		*arg;
	vm_address_t	vm_stack;	/* allocated by the runtime (0: none) */
	vm_size_t	vm_size;
};

static struct slot slots[SMRT_MAX_THREADS];
static smrt_lock_t slots_lock;
/* One past the highest slot ever used: current_slot looks no further, so a
 * task that never starts a thread (most of them) finds slot 0 at once. It
 * only grows, and before the new thread runs. */
static int slots_high = 1;

void
smrt_lock(smrt_lock_t *lock)
{
	/* While it is taken, yield at the lowest priority until we run again,
	 * so the holder runs even if it is less urgent. */
	while (__atomic_exchange_n(lock, 1, __ATOMIC_ACQUIRE))
		(void)thread_switch(MACH_PORT_NULL, SWITCH_OPTION_DEPRESS, 0);
}

void
smrt_unlock(smrt_lock_t *lock)
{
	__atomic_store_n(lock, 0, __ATOMIC_RELEASE);
}

static struct slot *
current_slot(void)
{
	uintptr_t sp;

	__asm__ volatile("movl %%esp, %0" : "=r"(sp));
	int high = __atomic_load_n(&slots_high, __ATOMIC_ACQUIRE);
	for (int i = 1; i < high; i++) {
		struct slot *s = &slots[i];
		if (__atomic_load_n(&s->state, __ATOMIC_ACQUIRE) == SLOT_USED &&
		    sp >= s->lo && sp < s->hi)
			return s;
	}
	return &slots[0];
}

/* --- MIG reply ports --------------------------------------------------- */

void
mig_init(void *first)
{
	(void)first;
	slots[0].reply = MACH_PORT_NULL;
}

mach_port_t
mig_get_reply_port(void)
{
	struct slot *s = current_slot();

	if (s->reply == MACH_PORT_NULL)
		s->reply = mach_reply_port();
	return s->reply;
}

void
mig_put_reply_port(mach_port_t port)
{
	(void)port;		/* stays cached for the thread */
}

/*
 * After a failed RPC the port may still receive a late reply: stop using
 * it and destroy it (unless that very call is what failed).
 */
void
mig_dealloc_reply_port(mach_port_t port)
{
	struct slot *s = current_slot();

	if (port != s->reply)
		return;
	s->reply = MACH_PORT_NULL;
	if (s->releasing)
		return;
	s->releasing = 1;
	(void)mach_port_mod_refs(smrt_task_port(), port, MACH_PORT_RIGHT_RECEIVE, -1);
	s->releasing = 0;
}

/* --- Threads ----------------------------------------------------------- */

mach_port_t
smrt_thread_self(void)
{
	struct slot *s = current_slot();

	if (s->self == MACH_PORT_NULL)
		s->self = mach_thread_self();
	return s->self;
}

static void __attribute__((noreturn, used))
thread_entry(struct slot *s)
{
	s->self = mach_thread_self();
	s->fn(s->arg);
	smrt_thread_exit();
}

void
smrt_thread_exit(void)
{
	struct slot *s = current_slot();
	mach_port_t self = smrt_thread_self();
	mach_port_t reply = s->reply;
	vm_address_t stack = s->vm_stack;
	vm_size_t size = s->vm_size;

	/*
	 * The kernel ends the thread inside thread_terminate_release, so the
	 * slot is given back first; that call needs no reply port.
	 */
	s->reply = MACH_PORT_NULL;
	s->self = MACH_PORT_NULL;
	s->port = MACH_PORT_NULL;
	if (s != &slots[0]) {
		s->vm_stack = 0;
		__atomic_store_n(&s->state, SLOT_FREE, __ATOMIC_RELEASE);
	}
	(void)thread_terminate_release(self, smrt_task_port(), self, reply,
				       stack, size);
	for (;;)		/* only if the kernel lacks that call */
		(void)thread_terminate(self);
}

kern_return_t
smrt_thread_start(smrt_thread_fn fn, void *arg, void *stack,
		  size_t stack_size, mach_port_t *thread)
{
	mach_port_t task = smrt_task_port(), th = MACH_PORT_NULL;
	vm_address_t vm_stack = 0;
	struct slot *s = NULL;
	kern_return_t kr;

	if (!fn || (stack && stack_size < SMRT_THREAD_MIN_STACK))
		return KERN_INVALID_ARGUMENT;
	if (!stack) {
		stack_size = SMRT_THREAD_STACK;
		kr = vm_allocate(task, &vm_stack, stack_size, TRUE);
		if (kr != KERN_SUCCESS)
			return kr;
		stack = (void *)vm_stack;
	}

	smrt_lock(&slots_lock);
	for (int i = 1; i < SMRT_MAX_THREADS && !s; i++)
		if (slots[i].state == SLOT_FREE)
			s = &slots[i];
	if (s) {
		s->port = MACH_PORT_NULL;
		s->lo = (uintptr_t)stack;
		s->hi = (uintptr_t)stack + stack_size;
		s->reply = s->self = MACH_PORT_NULL;
		s->releasing = 0;
		s->fn = fn;
		s->arg = arg;
		s->vm_stack = vm_stack;
		s->vm_size = vm_stack ? stack_size : 0;
		__atomic_store_n(&s->state, SLOT_USED, __ATOMIC_RELEASE);
		if (s - slots + 1 > slots_high)
			__atomic_store_n(&slots_high, (int)(s - slots + 1), __ATOMIC_RELEASE);
	}
	smrt_unlock(&slots_lock);
	if (!s) {
		kr = KERN_RESOURCE_SHORTAGE;
		goto fail;
	}

	/* A new thread starts suspended with empty registers: give it a
	 * frame as if thread_entry(s) had been called, then let it go. */
	struct i386_thread_state st;
	mach_msg_type_number_t count = i386_THREAD_STATE_COUNT;
	uintptr_t top = s->hi & ~(uintptr_t)15;
	uint32_t *sp = (uint32_t *)(top - 20);	/* 4(%esp) 16-aligned */

	sp[0] = 0;				/* no return address */
	sp[1] = (uint32_t)(uintptr_t)s;
	if ((kr = thread_create(task, &th)) != KERN_SUCCESS ||
	    (kr = thread_get_state(th, i386_THREAD_STATE,
				   (thread_state_t)&st, &count)) != KERN_SUCCESS)
		goto fail;
	s->port = th;
	st.eip = (uintptr_t)thread_entry;
	st.uesp = (uintptr_t)sp;
	st.ebp = 0;
	if ((kr = thread_set_state(th, i386_THREAD_STATE, (thread_state_t)&st,
				   i386_THREAD_STATE_COUNT)) != KERN_SUCCESS ||
	    (kr = thread_resume(th)) != KERN_SUCCESS)
		goto fail;
	if (thread)
		*thread = th;
	else
		(void)mach_port_deallocate(task, th);
	return KERN_SUCCESS;

fail:
	if (th != MACH_PORT_NULL) {
		(void)thread_terminate(th);
		(void)mach_port_deallocate(task, th);
	}
	if (s)
		__atomic_store_n(&s->state, SLOT_FREE, __ATOMIC_RELEASE);
	if (vm_stack)
		(void)vm_deallocate(task, vm_stack, stack_size);
	return kr;
}

/* A thread ended by someone else (thread_terminate) could not give its
 * slot and stack back itself. */
static void
release_slot_of(mach_port_t thread)
{
	int high = __atomic_load_n(&slots_high, __ATOMIC_ACQUIRE);
	for (int i = 1; i < high; i++) {
		struct slot *s = &slots[i];
		if (s->state != SLOT_USED || s->port != thread)
			continue;
		if (s->vm_stack)
			(void)vm_deallocate(smrt_task_port(), s->vm_stack, s->vm_size);
		s->vm_stack = 0;
		if (s->reply != MACH_PORT_NULL)
			(void)mach_port_mod_refs(smrt_task_port(), s->reply,
						 MACH_PORT_RIGHT_RECEIVE, -1);
		s->reply = MACH_PORT_NULL;
		if (s->self != MACH_PORT_NULL)	/* its own reference, now dead */
			(void)mach_port_deallocate(smrt_task_port(), s->self);
		s->self = MACH_PORT_NULL;
		__atomic_store_n(&s->state, SLOT_FREE, __ATOMIC_RELEASE);
	}
}

kern_return_t
smrt_thread_join(mach_port_t thread)
{
	mach_port_t task = smrt_task_port();
	mach_port_type_t type;
	kern_return_t kr;

	for (int tries = 0;; tries++) {
		if ((kr = mach_port_type(task, thread, &type)) != KERN_SUCCESS)
			return kr;
		if (type & MACH_PORT_TYPE_DEAD_NAME) {
			release_slot_of(thread);
			return mach_port_deallocate(task, thread);
		}
		/* First hand the processor to the thread (and anything else
		 * ready), as it is often about to end; then poll every ms. */
		if (tries < 16)
			(void)thread_switch(thread, SWITCH_OPTION_DEPRESS, 0);
		else
			(void)thread_switch(MACH_PORT_NULL, SWITCH_OPTION_WAIT, 1);
	}
}

void
smrt_task_forked(void)
{
	for (int i = 1; i < SMRT_MAX_THREADS; i++)
		slots[i].state = SLOT_FREE;
	slots[0].reply = MACH_PORT_NULL;
	slots[0].self = MACH_PORT_NULL;
	slots[0].releasing = 0;
	slots_lock = SMRT_LOCK_INIT;
	_smrt_heap_lock = SMRT_LOCK_INIT;
	_smrt_console_lock = SMRT_LOCK_INIT;
	_smrt_forget_ports();
}
