/* GNU Mach's boot-script words in module command lines (boot_script.c). */
#ifndef KERN_BOOT_SCRIPT_H
#define KERN_BOOT_SCRIPT_H
#include <stddef.h>
/* Rewrite argv[0..*argc) in place: substitute ${host-port}, ${device-port},
 * ${kernel-command-line} and ${root} inside words (the expanded words are
 * written into buf), drop the $(task-create) and $(task-resume) words.
 * Returns NULL, or why the module must not be started (logged by the
 * caller); kernel_cmdline is the kernel's own command line. */
const char *boot_script_expand(int *argc, char **argv, char *buf, size_t size, const char *kernel_cmdline);
#endif
