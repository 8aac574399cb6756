/* The mapped time: one kernel page holding a mapped_time_value_t
 * (<mach/time_value.h>) that the clock tick rewrites, so that a task reads
 * the time of day without a kernel call, kept to the time page's UTC. Tasks reach it as GNU Mach's do:
 * device_open of "time" on the device master port, device_map of that
 * device (read-only), vm_map of the memory object it returns
 * (kern/kernel_device.h, vm/kernel_memory_object.h).
 *
 * The writer's order is GNU Mach's: check_seconds, then microseconds, then
 * seconds. A reader takes seconds, then microseconds, and retries unless
 * check_seconds still equals the seconds it took: a value read across an
 * update that changed the second is never used. */
#ifndef KERN_MAPPED_TIME_H
#define KERN_MAPPED_TIME_H
#include <stdbool.h>
#include <stdint.h>
struct kernel_memory_object;
/* Take and keep the page (before the clock starts ticking). */
bool mapped_time_init(void);
/* Write the time of day, UTC ns (from the time page, kern/time_page.h,
 * whenever it publishes: every tick and every kernel reading). */
void mapped_time_update(int64_t utc_ns);
/* The page's memory object, or NULL before mapped_time_init. */
struct kernel_memory_object *mapped_time_object(void);
#endif
