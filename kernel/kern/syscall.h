/* System calls: GNU Mach's trap numbers, entered with int $0x81 and %eax set to
 * the (negative) trap number; arguments are read from the user stack. */
#ifndef KERN_SYSCALL_H
#define KERN_SYSCALL_H
struct trapframe;
void syscall(struct trapframe *tf);
#endif
