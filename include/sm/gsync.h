/* Flag bits of gnumach.defs' gsync_wait, gsync_wake and gsync_requeue, with
 * GNU Mach's values (GNU Mach installs no header for them; glibc defines
 * the same ones for its locks). Shared by the kernel and user programs. */
#ifndef SM_GSYNC_H
#define SM_GSYNC_H

#define GSYNC_SHARED    0x01   /* key by physical memory, so tasks sharing it meet */
#define GSYNC_QUAD      0x02   /* wait: the word after addr must equal val2 too */
#define GSYNC_TIMED     0x04   /* wait: give up after msec milliseconds */
#define GSYNC_BROADCAST 0x08   /* wake/requeue: every waiter, not just one */
#define GSYNC_MUTATE    0x10   /* wake: store val at addr first */

#endif
