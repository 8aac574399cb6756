/* Stopping the machine. Under test, QEMU has an isa-debug-exit device at port
 * 0xf4 and a write there ends QEMU with status (code << 1) | 1, so the harness
 * can tell a clean finish from a panic; elsewhere the write is ignored and the
 * CPU halts. */
#ifndef KERN_HALT_H
#define KERN_HALT_H
enum halt_code { HALT_DONE = 0x10, HALT_PANIC = 0x7f };
void machine_halt(enum halt_code code) __attribute__((noreturn));
#endif
