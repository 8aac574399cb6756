/* Kernel invariants checked at run time. assert(e) stops the machine with
 * the file, the line and the expression when e is false: a broken
 * invariant means kernel state is already wrong, and going on would spread
 * the damage. Always compiled in (there is no NDEBUG build) and cheap: one
 * test and a branch the compiler lays out as not taken.
 *
 * Only for what the kernel itself guarantees (list links, counts, states
 * its own code sets). Anything a task can cause (arguments, message
 * contents, a device's answers) is refused with an error code and a kwarn
 * line instead. */
#ifndef KERN_ASSERT_H
#define KERN_ASSERT_H
#include "kern/printf.h"

#define assert(e) \
	(__builtin_expect(!!(e), 1) ? (void)0 : panic("%s:%d: assertion failed: %s", __FILE__, __LINE__, #e))
#endif
