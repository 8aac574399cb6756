/* The C string and memory routines the kernel uses: the freestanding
 * library's (freestanding/string.c, shared with the user runtime). gcc may
 * also emit calls to memcpy/memset for struct copies, so these are real
 * functions. */
#ifndef KERN_STRING_H
#define KERN_STRING_H
#include <freestanding/string.h>
#endif
