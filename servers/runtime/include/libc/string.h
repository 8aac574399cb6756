/*
 * string.h - for programs written against a C library: the runtime's
 * freestanding subset (see <sm/runtime.h> for exactly what exists). User
 * tasks are built with servers/runtime/include/libc first on the include path
 * (host tests are not: they keep the host C library),
 * so this is found instead of the host's C library header.
 */
#ifndef _SMRT_STRING_H_
#define _SMRT_STRING_H_
#include <sm/runtime.h>
#endif
