/* The mapped time page (kern/mapped_time.h). */
#include "kern/mapped_time.h"
#include "kern/host.h"
#include "kern/time_page.h"
#include "kern/printf.h"
#include "vm/kernel_memory_object.h"
#include "vm/pmm.h"
#include "i386/layout.h"
#include <mach/time_value.h>

static struct kernel_memory_object time_object;
static volatile mapped_time_value_t *mtime;   /* the page, through the kernel's direct map */

bool mapped_time_init(void)
{
	uintptr_t pa = pmm_alloc_page();       /* zeroed: reads as time 0 until the first tick */
	if (!pa || !kernel_memory_object_init(&time_object, "time", &pa, 1)) {
		kwarn("mapped time: no memory for its page\n");
		return false;
	}
	mtime = P2V(pa);
	mapped_time_update(time_page_real_ns());
	return true;
}

void mapped_time_update(int64_t ns)
{
	if (!mtime)
		return;
	integer_t s = (integer_t)(ns / 1000000000), us = (integer_t)(ns % 1000000000 / 1000);
	/* The stores must reach memory in this order (see the header); the
	 * barriers keep the compiler from merging or reordering them, and an
	 * i386 does not reorder stores. */
	mtime->check_seconds = s;
	__asm__ volatile("" ::: "memory");
	mtime->microseconds = us;
	__asm__ volatile("" ::: "memory");
	mtime->seconds = s;
}

struct kernel_memory_object *mapped_time_object(void) { return mtime ? &time_object : NULL; }
