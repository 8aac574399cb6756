/*
 * Kernel-generated notification messages: their msgh_id values (GNU Mach's)
 * and their layouts under this ABI.  MIG user stubs compare a reply's id
 * with MACH_NOTIFY_SEND_ONCE to detect a server that died; servers that
 * request no-senders or dead-name notifications receive these structs.
 */

#ifndef _MACH_NOTIFY_H_
#define _MACH_NOTIFY_H_

#include <mach/message.h>

#define MACH_NOTIFY_FIRST		0100
#define MACH_NOTIFY_PORT_DELETED	(MACH_NOTIFY_FIRST + 001)
#define MACH_NOTIFY_MSG_ACCEPTED	(MACH_NOTIFY_FIRST + 002)
#define MACH_NOTIFY_PORT_DESTROYED	(MACH_NOTIFY_FIRST + 005)
#define MACH_NOTIFY_NO_SENDERS		(MACH_NOTIFY_FIRST + 006)
#define MACH_NOTIFY_SEND_ONCE		(MACH_NOTIFY_FIRST + 007)
#define MACH_NOTIFY_DEAD_NAME		(MACH_NOTIFY_FIRST + 010)
#define MACH_NOTIFY_LAST		(MACH_NOTIFY_FIRST + 015)

#ifndef __ASSEMBLER__

#pragma pack(push, 4)

/* A send right's name was deleted (not_port: the name). */
typedef struct {
	mach_msg_header_t	not_header;
	mach_msg_type_t		not_type;	/* MACH_MSG_TYPE_PORT_NAME */
	mach_port_t		not_port;
} mach_port_deleted_notification_t;

/* A message sent with MACH_SEND_NOTIFY was dequeued. */
typedef struct {
	mach_msg_header_t	not_header;
	mach_msg_type_t		not_type;	/* MACH_MSG_TYPE_PORT_NAME */
	mach_port_t		not_port;
} mach_msg_accepted_notification_t;

/* A receive right was destroyed; it comes back in not_port. */
typedef struct {
	mach_msg_header_t	not_header;
	mach_msg_type_t		not_type;	/* MACH_MSG_TYPE_PORT_RECEIVE */
	mach_port_t		not_port;
} mach_port_destroyed_notification_t;

/* The last send right went away; not_count is the make-send count. */
typedef struct {
	mach_msg_header_t	not_header;
	mach_msg_type_t		not_type;	/* MACH_MSG_TYPE_INTEGER_32 */
	unsigned int		not_count;
} mach_no_senders_notification_t;

/* A send-once right was destroyed unused. */
typedef struct {
	mach_msg_header_t	not_header;
} mach_send_once_notification_t;

/* A send or send-once right became a dead name (not_port). */
typedef struct {
	mach_msg_header_t	not_header;
	mach_msg_type_t		not_type;	/* MACH_MSG_TYPE_PORT_NAME */
	mach_port_t		not_port;
} mach_dead_name_notification_t;

#pragma pack(pop)

_Static_assert(sizeof(mach_dead_name_notification_t) == 32, "notification");
_Static_assert(sizeof(mach_no_senders_notification_t) == 32, "notification");
_Static_assert(sizeof(mach_send_once_notification_t) == 24, "notification");

#endif /* !__ASSEMBLER__ */

#endif /* _MACH_NOTIFY_H_ */
