/* The privileged time calls handed to the time server
 * (kern/time_server_link.c, include/sm/smtime.defs). */
#ifndef KERN_TIME_SERVER_LINK_H
#define KERN_TIME_SERVER_LINK_H
#include <stdbool.h>
struct kmsg;
/* For a message to the privileged host port: true if it was a time call
 * and is now the time server's (forwarded, or answered with an error);
 * false if the kernel should serve it. */
bool time_server_forward(struct kmsg *m);
#endif
