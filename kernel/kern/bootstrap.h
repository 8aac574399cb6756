/* Starting the servers: each GRUB module is a static ELF that becomes a task
 * with one thread, its command line as argv, the privileged host port at name
 * 1 and the device master port at name 2, and the virtio devices named by its device=
 * argument at 3, 4, ... (device/virtio/vdev.h). GNU Mach's boot-script words
 * in the command line are substituted first (kern/boot_script.c). A module
 * that is not a loadable ELF, or whose script words are not understood, is
 * logged and skipped. */
#ifndef KERN_BOOTSTRAP_H
#define KERN_BOOTSTRAP_H
#include "kern/multiboot.h"
/* Returns how many tasks were started. */
int bootstrap_start_modules(const struct multiboot_info *mbi);
#endif
