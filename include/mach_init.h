/*
 * mach_init.h - what a GNU Mach program expects from its C library's Mach
 * start-up: the task, thread and host self ports, and page-size constants.
 * Here the runtime (servers/runtime) provides them; mach_task_self() is the
 * trap, as GNU Mach's own tests use it.
 */
#ifndef _MACH_INIT_H_
#define _MACH_INIT_H_

#include <mach/mach_traps.h>

#define vm_page_size	4096
#ifndef round_page	/* <mach/vm_param.h> may have them already: the same */
#define round_page(x)	(((x) + vm_page_size - 1) & ~(vm_page_size - 1))
#endif
#ifndef trunc_page
#define trunc_page(x)	((x) & ~(vm_page_size - 1))
#endif

#endif /* _MACH_INIT_H_ */
