/*
 * Port names and port rights as a task sees them.
 *
 * A port name is a 32-bit index into the task's IPC space, in the kernel,
 * in user programs and in host tests alike; it is 4 bytes inside a message
 * body and in the header (see <mach/message.h>).
 * Also: the right and type bits reported by mach_port_type/mach_port_names,
 * and the status record returned by mach_port_get_receive_status.
 * Values are GNU Mach's.
 */

#ifndef _MACH_PORT_H_
#define _MACH_PORT_H_

#include <mach/boolean.h>
#include <mach/machine/vm_types.h>

#ifndef __ASSEMBLER__

typedef natural_t mach_port_name_t;
typedef mach_port_name_t mach_port_t;

/* Out-of-line arrays of names: a 4-byte pointer in the message. */
typedef mach_port_t *mach_port_array_t;
typedef const mach_port_t *const_mach_port_array_t;
typedef mach_port_name_t *mach_port_name_array_t;
typedef const mach_port_name_t *const_mach_port_name_array_t;

typedef natural_t mach_port_right_t;
typedef natural_t mach_port_type_t;
typedef mach_port_type_t *mach_port_type_array_t;	/* out of line */
typedef natural_t mach_port_urefs_t;
typedef integer_t mach_port_delta_t;
typedef natural_t mach_port_seqno_t;
typedef unsigned int mach_port_mscount_t;
typedef unsigned int mach_port_msgcount_t;
typedef unsigned int mach_port_rights_t;

/* Receive-right status, 9 words (mach_types.defs: mach_port_status_t). */
typedef struct mach_port_status {
	mach_port_name_t	mps_pset;	/* port set holding it, or NULL */
	mach_port_seqno_t	mps_seqno;	/* next sequence number */
	mach_port_mscount_t	mps_mscount;	/* make-send count */
	mach_port_msgcount_t	mps_qlimit;	/* queue limit */
	mach_port_msgcount_t	mps_msgcount;	/* messages queued */
	mach_port_rights_t	mps_sorights;	/* send-once rights outstanding */
	boolean_t		mps_srights;	/* any send rights? */
	boolean_t		mps_pdrequest;	/* port-deleted requested? */
	boolean_t		mps_nsrequest;	/* no-senders requested? */
} mach_port_status_t;

_Static_assert(sizeof(mach_port_t) == 4, "port names are 32 bits");
_Static_assert(sizeof(mach_port_status_t) == 36, "mach_port_status_t");

#endif /* !__ASSEMBLER__ */

#define MACH_PORT_NULL		0
#define MACH_PORT_DEAD		0xffffffffU
#define MACH_PORT_VALID(name) \
	(((name) != MACH_PORT_NULL) && ((name) != MACH_PORT_DEAD))

/* GNU Mach's names for the same values when a name (not a right) is meant. */
#define MACH_PORT_NAME_NULL	((mach_port_name_t) 0)
#define MACH_PORT_NAME_DEAD	((mach_port_name_t) ~0)
#define MACH_PORT_NAME_VALID(name) \
	(((name) != MACH_PORT_NAME_NULL) && ((name) != MACH_PORT_NAME_DEAD))

/* Rights. */
#define MACH_PORT_RIGHT_SEND		0
#define MACH_PORT_RIGHT_RECEIVE		1
#define MACH_PORT_RIGHT_SEND_ONCE	2
#define MACH_PORT_RIGHT_PORT_SET	3
#define MACH_PORT_RIGHT_DEAD_NAME	4
#define MACH_PORT_RIGHT_NUMBER		5

/* Type bits: one bit per right, plus request flags. */
#define MACH_PORT_TYPE(right)		(1U << ((right) + 16))
#define MACH_PORT_TYPE_NONE		0U
#define MACH_PORT_TYPE_SEND		MACH_PORT_TYPE(MACH_PORT_RIGHT_SEND)
#define MACH_PORT_TYPE_RECEIVE		MACH_PORT_TYPE(MACH_PORT_RIGHT_RECEIVE)
#define MACH_PORT_TYPE_SEND_ONCE	MACH_PORT_TYPE(MACH_PORT_RIGHT_SEND_ONCE)
#define MACH_PORT_TYPE_PORT_SET		MACH_PORT_TYPE(MACH_PORT_RIGHT_PORT_SET)
#define MACH_PORT_TYPE_DEAD_NAME	MACH_PORT_TYPE(MACH_PORT_RIGHT_DEAD_NAME)

#define MACH_PORT_TYPE_SEND_RECEIVE \
	(MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_RECEIVE)
#define MACH_PORT_TYPE_SEND_RIGHTS \
	(MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_SEND_ONCE)
#define MACH_PORT_TYPE_PORT_RIGHTS \
	(MACH_PORT_TYPE_SEND_RIGHTS | MACH_PORT_TYPE_RECEIVE)
#define MACH_PORT_TYPE_PORT_OR_DEAD \
	(MACH_PORT_TYPE_PORT_RIGHTS | MACH_PORT_TYPE_DEAD_NAME)
#define MACH_PORT_TYPE_ALL_RIGHTS \
	(MACH_PORT_TYPE_PORT_OR_DEAD | MACH_PORT_TYPE_PORT_SET)

#define MACH_PORT_TYPE_DNREQUEST	0x80000000U	/* dead-name request */
#define MACH_PORT_TYPE_MAREQUEST	0x40000000U	/* msg-accepted request */
#define MACH_PORT_TYPE_COMPAT		0x20000000U	/* compat-mode right */

/* Message queue limits. */
#define MACH_PORT_QLIMIT_DEFAULT	5
#define MACH_PORT_QLIMIT_MAX		16

#endif /* _MACH_PORT_H_ */
