/*
 * mach.h - the umbrella header a GNU Mach program includes: Mach types,
 * messages, the traps, and the user stubs of the kernel's interfaces
 * (mach.defs as <mach/mach_interface.h>, mach_port.defs, mach_host.defs,
 * gnumach.defs). Those three come from MIG at build time (gen/, see
 * include/mig.mk), so a program for GNU Mach builds here unchanged.
 */
#ifndef _SM_MACH_H_
#define _SM_MACH_H_

#include <mach/mach_types.h>
#include <mach/message.h>
#include <mach/mig_errors.h>
#include <mach/mig_support.h>
#include <mach_init.h>
#include <mach/mach_interface.h>
#include <mach/mach_port.h>
#include <mach/mach_host.h>
#include <mach/gnumach.h>

#endif /* _SM_MACH_H_ */
