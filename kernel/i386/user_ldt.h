/* A task's own local descriptor table, set through GNU Mach's
 * i386_set_ldt (mach_i386.defs; the routines are in user_ldt.c). */
#ifndef I386_USER_LDT_H
#define I386_USER_LDT_H
#include <stdint.h>

/* The most entries a task's table may have: selectors up to 0x7ff
 * (2 KiB of kernel heap per task at most; every i386_get_ldt answer fits
 * inline in MIG's 256-descriptor reply buffer). */
#define USER_LDT_MAX_ENTRIES 256

#include <stdbool.h>
struct task;
/* Whether sel (TI=1, RPL 3) names an entry the task set in its own table:
 * such an entry stays a loadable data segment for the task's life. */
bool user_ldt_selector_ok(const struct task *t, uint32_t sel);
/* Load the task's table into LDTR, or the kernel's if it has none
 * (the context switch, kern/sched.c). */
void user_ldt_activate(struct task *t);
/* Free the task's table when the task is finished (kern/task.c). */
void user_ldt_free(struct task *t);
#endif
