/* The Mach traps a GNU Mach program's C library declares (glibc's
 * <mach_init.h> and <mach/mach_traps.h> on the Hurd; GNU Mach's headers
 * give only their numbers, <mach/syscall_sw.h>), and vm_page_size, which
 * glibc's <mach_init.h> provides too. */
#ifndef _GNUMACH_LIBC_MACH_INIT_H
#define _GNUMACH_LIBC_MACH_INIT_H
#include <mach/port.h>
#include <mach/vm_param.h>

extern mach_port_t mach_task_self(void);
extern mach_port_t mach_host_self(void);
extern mach_port_t mach_thread_self(void);
extern mach_port_t mach_reply_port(void);

#define vm_page_size	PAGE_SIZE	/* trunc_page, round_page: <mach/vm_param.h> */
#endif
