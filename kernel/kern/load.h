/* The host's load averages for host_info(HOST_LOAD_INFO). */
#ifndef KERN_LOAD_H
#define KERN_LOAD_H
#include <mach/host_info.h>

/* Start sampling, once a second from now on (after clock_init). */
void load_init(void);
void load_get(struct host_load_info *out);
#endif
