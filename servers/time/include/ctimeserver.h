/*
 * ctimeserver.h - what module CTimeServer shows servers/time: the smtime
 * user stubs (sm_time_update, sm_time_rtc_read, sm_time_register), the
 * time page's constants and the server stubs' routine prototypes and
 * demuxes. Generated headers come from $(top_builddir)/gen.
 */
#ifndef SERVERS_TIME_CTIMESERVER_H
#define SERVERS_TIME_CTIMESERVER_H

#include <sm/swift_runtime.h>
#include <sm/time_page.h>
#include <mach/time_value.h>
#include "smtime.h"
#include "time_server_server.h"
#include "time_server64_server.h"

/* MIG's server headers declare the routines but not the demuxes. */
boolean_t time_server_server(mach_msg_header_t *in, mach_msg_header_t *out);
boolean_t time_server64_server(mach_msg_header_t *in, mach_msg_header_t *out);

#endif
