/* The request layouts the generator builds valid messages from: the kernel's
 * routines (GNU Mach's mach.defs, mach_port.defs, mach_host.defs,
 * gnumach.defs; include/sm/smhost.defs) and the device interface the servers
 * speak (device.defs). One letter per argument after the destination:
 *   i int   b boolean   a address   z size   n port name   r right kind
 *   f flavor   c count   L 64-bit int   T time value (2 ints)
 *   p a send right (COPY_SEND)   m a new send right (MAKE_SEND)
 *   o a send-once right (MAKE_SEND_ONCE)   x a right of any disposition
 *   k the child task (COPY_SEND)
 *   D out-of-line bytes   Q out-of-line port array
 *   S dev_name_t (1024-bit string)   s 64-byte string   P console text
 *   C inline bytes (<= 128)   A inline ints   H inline shorts
 * Which of them may go where is decided by routine_allowed. */
#include "fuzz.h"

#define TASK	(1u << T_SELF_TASK | 1u << T_CHILD_TASK)
#define THREAD	(1u << T_SELF_THREAD | 1u << T_CHILD_THREAD)
#define HOST	(1u << T_HOST)
#define MASTER	(1u << T_MASTER)
#define DEVICE	(1u << T_HELLO | 1u << T_BLK)

const struct routine routines[] = {
	/* mach.defs: tasks, threads, VM */
	{ 2008, TASK, "" }, { 2009, TASK, "" }, { 2011, TASK, "" }, { 2012, TASK, "fc" },
	{ 2016, THREAD, "" }, { 2017, THREAD, "fc" }, { 2018, THREAD, "fA" }, { 2019, THREAD, "fc" },
	{ 2021, TASK, "azb" }, { 2023, TASK, "az" }, { 2024, TASK, "azbi" }, { 2025, TASK, "azi" },
	{ 2026, TASK, "az" }, { 2027, TASK, "aD" }, { 2028, TASK, "aza" }, { 2029, TASK, "a" },
	{ 2030, TASK, "" }, { 2033, TASK, "Q" }, { 2034, TASK, "" }, { 2056, TASK, "" },
	{ 2057, TASK, "" }, { 2058, TASK, "i" }, { 2059, TASK, "ip" }, { 2061, TASK, "" },
	{ 2062, THREAD, "" }, { 2063, THREAD, "" }, { 2064, THREAD, "" }, { 2067, THREAD, "i" },
	{ 2068, THREAD, "ip" }, { 2089, TASK, "azibpibiii" },
	/* mach_port.defs: the target task's name space */
	{ 3200, TASK, "" }, { 3201, TASK, "n" }, { 3202, TASK, "nn" }, { 3203, TASK, "rn" },
	{ 3204, TASK, "r" }, { 3205, TASK, "n" }, { 3206, TASK, "n" }, { 3207, TASK, "nr" },
	{ 3208, TASK, "nri" }, { 3210, TASK, "ni" }, { 3211, TASK, "ni" }, { 3212, TASK, "n" },
	{ 3213, TASK, "nn" }, { 3214, TASK, "nibo" }, { 3215, TASK, "nx" }, { 3216, TASK, "ni" },
	{ 3217, TASK, "n" }, { 3218, TASK, "ni" }, { 3221, TASK, "ni" }, { 3222, TASK, "n" },
	/* mach_host.defs */
	{ 2600, HOST, "" }, { 2619, HOST, "" }, { 2620, THREAD, "ib" }, { 2622, TASK, "ib" },
	{ 2624, THREAD, "ii" }, { 2629, HOST, "" }, { 2630, HOST, "" }, { 2632, HOST, "T" },
	{ 2633, HOST, "T" }, { 2634, HOST, "" }, { 2635, HOST, "i" }, { 2636, HOST, "kazi" },
	{ 2637, HOST, "kb" }, { 2638, HOST, "fc" }, { 2642, HOST, "" },
	/* gnumach.defs */
	{ 4200, TASK, "" }, { 4201, THREAD, "knnaz" }, { 4202, TASK, "s" }, { 4203, HOST, "p" },
	{ 4204, TASK, "aiiii" }, { 4205, TASK, "aiii" }, { 4207, HOST, "ki" }, { 4209, TASK, "azi" },
	{ 4210, HOST, "kaziii" }, { 4211, TASK, "b" },
	/* device.defs, at the master port and at open devices */
	{ 2800, MASTER | DEVICE, "iS" }, { 2801, DEVICE, "" }, { 2802, DEVICE, "iiD" },
	{ 2803, DEVICE, "iiC" }, { 2804, DEVICE, "iiz" }, { 2805, DEVICE, "iiz" },
	{ 2809, DEVICE, "izzb" }, { 2810, DEVICE, "fA" }, { 2811, DEVICE, "fc" },
	{ 2812, DEVICE, "xiH" }, { 2813, MASTER | DEVICE, "iix" }, { 2814, MASTER | DEVICE, "x" },
	/* smhost.defs */
	{ 7000, HOST, "P" }, { 7001, HOST, "" }, { 7002, TASK, "i" }, { 7003, MASTER, "sm" },
	{ 7004, HOST, "" },
};
const unsigned routine_count = sizeof routines / sizeof routines[0];

static int in(int id, const int *ids)
{
	for (; *ids; ids++)
		if (*ids == id)
			return 1;
	return 0;
}

/* Never sent anywhere:
 *  2635 host_reboot: the plain host port accepts it in this kernel (no
 *       separate privileged port yet), and it would halt the machine.
 *  2007 task_create: a task made by a request whose reply went to a port the
 *       message named would live on with no one to terminate it (no-senders
 *       does not end a task); child_recycle makes the fuzzer's tasks.
 *  4204 gsync_wait: blocks the sender in the kernel (not served today). */
static const int never[] = { 2635, 2007, 4204, 0 };
/* Not at the fuzzer's own task: they would stop it, unmap or protect its
 * memory, replace its special ports, start threads in it, destroy or move
 * its own rights, or end it. */
static const int not_at_self[] = {
	2008, 2056, 2010, 2021, 2023, 2024, 2025, 2027, 2028, 2089, 4209, 2059, 2061,
	3202, 3205, 3206, 3208, 3213, 3216, 7002, 4201, 4211, 0 };
/* Not at the fuzzer's own thread: terminate, suspend, abort, new state. */
static const int not_at_self_thread[] = { 2016, 2018, 2062, 2064, 2068, 4201, 0 };

int routine_allowed(struct fuzz *f, enum target t, int id)
{
	if (in(id, never))
		return 0;
	if (t == T_SELF_TASK && in(id, not_at_self))
		return 0;
	if (t == T_SELF_THREAD && in(id, not_at_self_thread))
		return 0;
	return 1;
}
