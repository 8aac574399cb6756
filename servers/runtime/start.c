/*
 * start.c - from _start (crt0.S) to main() and back out through exit().
 *
 * The kernel has already mapped every PT_LOAD and zero-filled .bss, so no
 * copying happens here: the runtime caches the task and host ports (the
 * plain host port from mach_host_self; the privileged one, which only boot
 * modules hold, on first use of smrt_host_priv_port), notes where the
 * time page is (from the auxiliary vector after envp), resets
 * the MIG reply-port cache, runs static constructors (.init_array; C only,
 * Swift does not emit any) and calls main(argc, argv, envp).
 *
 * A task ends by sending sm_task_exit(task, status) to the kernel.  If that
 * RPC comes back, the kernel did not destroy us: report it with mach_print
 * and park the thread forever in a receive that nobody can satisfy.
 */
#include <sm/runtime.h>
#include <sm/traps.h>
#include <sm/threads.h>
#include <mach/mig_support.h>
#include "smhost.h"
#include <sm/time_page.h>
#include "mach_port.h"

extern int main(int argc, char **argv, char **envp);
void _smrt_set_time_page(uintptr_t addr);
void _smrt_start(uint32_t *startup) __attribute__((noreturn, used));

extern void (*__init_array_start[])(void) __attribute__((weak));
extern void (*__init_array_end[])(void) __attribute__((weak));

static mach_port_t task_port = MACH_PORT_NULL;
static mach_port_t host_port = MACH_PORT_NULL;
static mach_port_t host_priv_port = MACH_PORT_NULL;

mach_port_t
smrt_task_port(void)
{
	if (task_port == MACH_PORT_NULL)
		task_port = mach_task_self();
	return task_port;
}

mach_port_t
smrt_host_port(void)
{
	if (host_port == MACH_PORT_NULL)
		host_port = mach_host_self();
	return host_port;
}

/* Boot modules hold the privileged host port at name 1 (the kernel's
 * bootstrap); any other task does not, and gets MACH_PORT_NULL here. */
mach_port_t
smrt_host_priv_port(void)
{
	mach_port_type_t type = 0;

	if (host_priv_port == MACH_PORT_NULL &&
	    mach_port_type(smrt_task_port(), SMRT_HOST_PRIV_NAME, &type) == KERN_SUCCESS &&
	    (type & MACH_PORT_TYPE_SEND))
		host_priv_port = SMRT_HOST_PRIV_NAME;
	return host_priv_port;
}

/* A task made with inherit_memory has its parent's names cached here. */
void
_smrt_forget_ports(void)
{
	task_port = MACH_PORT_NULL;
	host_port = MACH_PORT_NULL;
	host_priv_port = MACH_PORT_NULL;
}

static void __attribute__((noreturn))
park_forever(void)
{
	mach_port_t port = mach_reply_port();
	mach_msg_header_t msg;

	for (;;) {
		(void)mach_msg_trap(&msg, MACH_RCV_MSG, 0, sizeof(msg), port,
				    MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
		(void)swtch();
	}
}

void
exit(int status)
{
	kern_return_t kr;

	smrt_console_flush();
	kr = sm_task_exit(smrt_task_port(), status);
	printf("runtime: sm_task_exit(%d) returned %d; parking thread\n",
	       status, kr);
	smrt_console_flush();
	park_forever();
}

void
_smrt_start(uint32_t *startup)
{
	int argc = (int)startup[0];
	char **argv = (char **)(startup + 1);
	char **envp = argv + argc + 1;
	void (**ctor)(void);
	uint32_t *aux;

	/* The auxiliary vector, (tag, value) pairs after envp's NULL, tells
	 * where the kernel mapped the time page. */
	for (aux = (uint32_t *)envp; *aux != 0; aux++)
		;
	for (aux++; aux[0] != SM_AT_NULL; aux += 2)
		if (aux[0] == SM_AT_TIME_PAGE)
			_smrt_set_time_page(aux[1]);

	mig_init(NULL);
	(void)smrt_task_port();
	(void)smrt_host_port();
	if (__init_array_start)
		for (ctor = __init_array_start; ctor < __init_array_end; ctor++)
			(*ctor)();
	exit(main(argc, argv, envp));
}
