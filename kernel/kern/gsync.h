/* gsync: GNU Mach's user-space synchronisation primitive (gnumach.defs'
 * gsync_wait, gsync_wake, gsync_requeue). A thread waits on a 32-bit word of
 * a task's memory while the word holds an expected value; another thread
 * wakes it after changing the word. glibc's locks on GNU Mach are built on
 * these, like futexes on Linux. */
#ifndef KERN_GSYNC_H
#define KERN_GSYNC_H

#include <sm/gsync.h>
#endif
