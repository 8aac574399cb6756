/* System calls: GNU Mach's trap numbers, entered through the call gate at LDT
 * selector 7 (lcall $7,$0) with %eax set to the (negative) trap number;
 * arguments are read from the user stack at its ESP + 4. */
#ifndef KERN_SYSCALL_H
#define KERN_SYSCALL_H
struct trapframe;
void syscall(struct trapframe *tf);

#include <stdint.h>
/* One trap: its number, how many 32-bit arguments it reads, its work. */
struct trap_entry { int number; int nargs; uint32_t (*fn)(const uint32_t *args); const char *name; };

/* GNU Mach's syscall_* traps (syscall_mach.c); args as read from the user stack. */
#include <stdint.h>
uint32_t trap_syscall_vm_map(const uint32_t *args);
uint32_t trap_syscall_vm_allocate(const uint32_t *args);
uint32_t trap_syscall_vm_deallocate(const uint32_t *args);
uint32_t trap_syscall_task_create(const uint32_t *args);
uint32_t trap_syscall_task_terminate(const uint32_t *args);
uint32_t trap_syscall_task_suspend(const uint32_t *args);
uint32_t trap_syscall_task_set_special_port(const uint32_t *args);
uint32_t trap_syscall_mach_port_allocate(const uint32_t *args);
uint32_t trap_syscall_mach_port_deallocate(const uint32_t *args);
uint32_t trap_syscall_mach_port_insert_right(const uint32_t *args);
uint32_t trap_syscall_mach_port_allocate_name(const uint32_t *args);
uint32_t trap_syscall_thread_depress_abort(const uint32_t *args);
#endif
