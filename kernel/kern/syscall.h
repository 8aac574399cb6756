/* System calls: GNU Mach's trap numbers, entered through the call gate at LDT
 * selector 7 (lcall $7,$0) with %eax set to the (negative) trap number;
 * arguments are read from the user stack at its ESP + 4. */
#ifndef KERN_SYSCALL_H
#define KERN_SYSCALL_H
struct trapframe;
void syscall(struct trapframe *tf);
#endif
