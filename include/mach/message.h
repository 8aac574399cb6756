/*
 * The Mach message: header, in-body type descriptors, mach_msg() options
 * and return codes.
 *
 * This is GNU Mach's native i386 message ABI, the layout Debian's
 * i686-gnu-mig generates stubs for (see docs/abi.md).  Names and numeric
 * values are GNU Mach's.  Layout:
 *   header      24 bytes, 4-byte aligned, six 32-bit words;
 *   descriptor  mach_msg_type_t, 4 bytes, or mach_msg_type_long_t, 12;
 *   data        inline items padded to 4 bytes; port names 4 bytes;
 *               every out-of-line item a 4-byte pointer.
 */

#ifndef _MACH_MESSAGE_H_
#define _MACH_MESSAGE_H_

#include <mach/kern_return.h>
#include <mach/port.h>

/* Every item of a message starts at a multiple of this many bytes in user
 * memory (GNU Mach's name for the i386 value; docs/abi.md "Layout"). */
#define MACH_MSG_USER_ALIGNMENT	4

#ifndef __ASSEMBLER__

#include <stddef.h>
#include <stdint.h>

typedef unsigned int mach_msg_bits_t;
typedef natural_t mach_msg_size_t;
typedef natural_t mach_msg_seqno_t;
typedef integer_t mach_msg_id_t;
typedef natural_t mach_msg_timeout_t;
typedef integer_t mach_msg_option_t;
typedef kern_return_t mach_msg_return_t;

typedef unsigned int mach_msg_type_name_t;
typedef unsigned int mach_msg_type_size_t;
typedef natural_t mach_msg_type_number_t;

#pragma pack(push, 4)

typedef struct {
	mach_msg_bits_t		msgh_bits;	/* @0  dispositions, flags */
	mach_msg_size_t		msgh_size;	/* @4  bytes incl. header */
	mach_port_t		msgh_remote_port; /* @8  destination (send) */
	union {					/* @12 reply port (send) */
		mach_port_t	msgh_local_port;
		mach_port_t	msgh_reply_port;	/* alias, see below */
		natural_t	msgh_protected_payload;	/* on receive */
	};
	mach_msg_seqno_t	msgh_seqno;	/* @16 set on receive */
	mach_msg_id_t		msgh_id;	/* @20 routine number */
} mach_msg_header_t;

/*
 * msgh_reply_port names the same 4 bytes as msgh_local_port.  It is a
 * union member rather than `#define msgh_reply_port msgh_local_port`
 * because MIG server stubs #define msgh_reply_port to msgh_remote_port
 * (a received message has its ports swapped); a macro here would clash.
 */

/*
 * In-body descriptor.  In the 32-bit word: name bits 0-7, size (bits per
 * element) 8-15, number 16-27, then inline, longform, deallocate, unused.
 */
typedef struct {
	unsigned int	msgt_name : 8,
			msgt_size : 8,
			msgt_number : 12,
			msgt_inline : 1,
			msgt_longform : 1,
			msgt_deallocate : 1,
			msgt_unused : 1;
} mach_msg_type_t;

/*
 * Long form: used for out-of-line items, more than 4095 elements, or
 * elements wider than 255 bits.  msgt_longform is set in the header and
 * its name/size/number fields are ignored.
 */
typedef struct {
	mach_msg_type_t	msgtl_header;
	unsigned short	msgtl_name;
	unsigned short	msgtl_size;
	natural_t	msgtl_number;
} mach_msg_type_long_t;

#pragma pack(pop)

_Static_assert(sizeof(mach_msg_header_t) == 24, "mach_msg_header_t");
_Static_assert(_Alignof(mach_msg_header_t) == 4, "header alignment");
_Static_assert(offsetof(mach_msg_header_t, msgh_bits) == 0, "msgh_bits");
_Static_assert(offsetof(mach_msg_header_t, msgh_size) == 4, "msgh_size");
_Static_assert(offsetof(mach_msg_header_t, msgh_remote_port) == 8,
	       "msgh_remote_port");
_Static_assert(offsetof(mach_msg_header_t, msgh_local_port) == 12,
	       "msgh_local_port");
_Static_assert(offsetof(mach_msg_header_t, msgh_reply_port) == 12,
	       "msgh_reply_port");
_Static_assert(offsetof(mach_msg_header_t, msgh_protected_payload) == 12,
	       "msgh_protected_payload");
_Static_assert(offsetof(mach_msg_header_t, msgh_seqno) == 16, "msgh_seqno");
_Static_assert(offsetof(mach_msg_header_t, msgh_id) == 20, "msgh_id");
_Static_assert(sizeof(mach_msg_type_t) == 4, "mach_msg_type_t");
_Static_assert(sizeof(mach_msg_type_long_t) == 12, "mach_msg_type_long_t");
_Static_assert(offsetof(mach_msg_type_long_t, msgtl_name) == 4, "msgtl_name");
_Static_assert(offsetof(mach_msg_type_long_t, msgtl_size) == 6, "msgtl_size");
_Static_assert(offsetof(mach_msg_type_long_t, msgtl_number) == 8,
	       "msgtl_number");

#endif /* !__ASSEMBLER__ */

#define MACH_MSG_SIZE_MAX	0xffffffffU
#define MACH_MSG_TIMEOUT_NONE	0

/* --- msgh_bits --- */
#define MACH_MSGH_BITS_ZERO		0x00000000
#define MACH_MSGH_BITS_REMOTE_MASK	0x000000ff
#define MACH_MSGH_BITS_LOCAL_MASK	0x0000ff00
#define MACH_MSGH_BITS_COMPLEX		0x80000000U	/* body has ports/OOL */
#define MACH_MSGH_BITS_CIRCULAR		0x40000000	/* kernel internal */
#define MACH_MSGH_BITS_COMPLEX_PORTS	0x20000000	/* kernel internal */
#define MACH_MSGH_BITS_COMPLEX_DATA	0x10000000	/* kernel internal */
#define MACH_MSGH_BITS_MIGRATED		0x08000000	/* kernel internal */
#define MACH_MSGH_BITS_UNUSED		0x07ff0000
#define MACH_MSGH_BITS_PORTS_MASK \
	(MACH_MSGH_BITS_REMOTE_MASK | MACH_MSGH_BITS_LOCAL_MASK)

#define MACH_MSGH_BITS(remote, local)	((remote) | ((local) << 8))
#define MACH_MSGH_BITS_REMOTE(bits)	((bits) & MACH_MSGH_BITS_REMOTE_MASK)
#define MACH_MSGH_BITS_LOCAL(bits) \
	(((bits) & MACH_MSGH_BITS_LOCAL_MASK) >> 8)
#define MACH_MSGH_BITS_PORTS(bits)	((bits) & MACH_MSGH_BITS_PORTS_MASK)
#define MACH_MSGH_BITS_OTHER(bits)	((bits) & ~MACH_MSGH_BITS_PORTS_MASK)

/* --- msgt_name: data types --- */
#define MACH_MSG_TYPE_UNSTRUCTURED	0
#define MACH_MSG_TYPE_BIT		0
#define MACH_MSG_TYPE_BOOLEAN		0
#define MACH_MSG_TYPE_INTEGER_16	1
#define MACH_MSG_TYPE_INTEGER_32	2
#define MACH_MSG_TYPE_CHAR		8
#define MACH_MSG_TYPE_BYTE		9
#define MACH_MSG_TYPE_INTEGER_8		9
#define MACH_MSG_TYPE_REAL		10
#define MACH_MSG_TYPE_INTEGER_64	11
#define MACH_MSG_TYPE_STRING		12
#define MACH_MSG_TYPE_STRING_C		12

/* --- msgt_name: port dispositions (as sent) and rights (as received) --- */
#define MACH_MSG_TYPE_PORT_NAME		15	/* a bare name, no right */
#define MACH_MSG_TYPE_MOVE_RECEIVE	16
#define MACH_MSG_TYPE_MOVE_SEND		17
#define MACH_MSG_TYPE_MOVE_SEND_ONCE	18
#define MACH_MSG_TYPE_COPY_SEND		19
#define MACH_MSG_TYPE_MAKE_SEND		20
#define MACH_MSG_TYPE_MAKE_SEND_ONCE	21
#define MACH_MSG_TYPE_PROTECTED_PAYLOAD	23	/* local slot holds payload */
#define MACH_MSG_TYPE_LAST		23

#define MACH_MSG_TYPE_PORT_RECEIVE	MACH_MSG_TYPE_MOVE_RECEIVE
#define MACH_MSG_TYPE_PORT_SEND		MACH_MSG_TYPE_MOVE_SEND
#define MACH_MSG_TYPE_PORT_SEND_ONCE	MACH_MSG_TYPE_MOVE_SEND_ONCE

#define MACH_MSG_TYPE_POLYMORPHIC	0xffffffffU

#define MACH_MSG_TYPE_PORT_ANY(x) \
	(((x) >= MACH_MSG_TYPE_MOVE_RECEIVE) && \
	 ((x) <= MACH_MSG_TYPE_MAKE_SEND_ONCE))
#define MACH_MSG_TYPE_PORT_ANY_SEND(x) \
	(((x) >= MACH_MSG_TYPE_MOVE_SEND) && \
	 ((x) <= MACH_MSG_TYPE_MAKE_SEND_ONCE))
#define MACH_MSG_TYPE_PORT_ANY_RIGHT(x) \
	(((x) >= MACH_MSG_TYPE_MOVE_RECEIVE) && \
	 ((x) <= MACH_MSG_TYPE_MOVE_SEND_ONCE))

/* --- mach_msg() options --- */
#define MACH_MSG_OPTION_NONE	0x00000000
#define MACH_SEND_MSG		0x00000001
#define MACH_RCV_MSG		0x00000002
#define MACH_SEND_TIMEOUT	0x00000010
#define MACH_SEND_NOTIFY	0x00000020
#define MACH_SEND_INTERRUPT	0x00000040	/* library: don't restart */
#define MACH_SEND_CANCEL	0x00000080
#define MACH_RCV_TIMEOUT	0x00000100
#define MACH_RCV_NOTIFY		0x00000200
#define MACH_RCV_INTERRUPT	0x00000400	/* library: don't restart */
#define MACH_RCV_LARGE		0x00000800
#define MACH_SEND_ALWAYS	0x00010000	/* kernel internal */

/* --- mach_msg() return codes --- */
#define MACH_MSG_SUCCESS		0x00000000

/* Bits or'd into MACH_SEND_INVALID_* / MACH_RCV_* codes. */
#define MACH_MSG_MASK			0x00003c00
#define MACH_MSG_IPC_SPACE		0x00002000	/* no room for rights */
#define MACH_MSG_VM_SPACE		0x00001000	/* no room for OOL */
#define MACH_MSG_IPC_KERNEL		0x00000800	/* kernel IPC resources */
#define MACH_MSG_VM_KERNEL		0x00000400	/* kernel VM resources */

#define MACH_SEND_IN_PROGRESS		0x10000001
#define MACH_SEND_INVALID_DATA		0x10000002
#define MACH_SEND_INVALID_DEST		0x10000003
#define MACH_SEND_TIMED_OUT		0x10000004
#define MACH_SEND_WILL_NOTIFY		0x10000005
#define MACH_SEND_NOTIFY_IN_PROGRESS	0x10000006
#define MACH_SEND_INTERRUPTED		0x10000007
#define MACH_SEND_MSG_TOO_SMALL		0x10000008
#define MACH_SEND_INVALID_REPLY		0x10000009
#define MACH_SEND_INVALID_RIGHT		0x1000000a
#define MACH_SEND_INVALID_NOTIFY	0x1000000b
#define MACH_SEND_INVALID_MEMORY	0x1000000c
#define MACH_SEND_NO_BUFFER		0x1000000d
#define MACH_SEND_NO_NOTIFY		0x1000000e
#define MACH_SEND_INVALID_TYPE		0x1000000f
#define MACH_SEND_INVALID_HEADER	0x10000010

#define MACH_RCV_IN_PROGRESS		0x10004001
#define MACH_RCV_INVALID_NAME		0x10004002
#define MACH_RCV_TIMED_OUT		0x10004003
#define MACH_RCV_TOO_LARGE		0x10004004
#define MACH_RCV_INTERRUPTED		0x10004005
#define MACH_RCV_PORT_CHANGED		0x10004006
#define MACH_RCV_INVALID_NOTIFY		0x10004007
#define MACH_RCV_INVALID_DATA		0x10004008
#define MACH_RCV_PORT_DIED		0x10004009
#define MACH_RCV_IN_SET			0x1000400a
#define MACH_RCV_HEADER_ERROR		0x1000400b
#define MACH_RCV_BODY_ERROR		0x1000400c

#if !defined(__ASSEMBLER__) && !defined(KERNEL)
/*
 * User side.  mach_msg_trap is the raw trap (-25, `lcall $7,$0`, arguments
 * on the stack as for this cdecl call); mach_msg is the library wrapper
 * that restarts interrupted sends/receives unless told not to.
 */
extern mach_msg_return_t mach_msg_trap(mach_msg_header_t *msg,
				       mach_msg_option_t option,
				       mach_msg_size_t send_size,
				       mach_msg_size_t rcv_size,
				       mach_port_t rcv_name,
				       mach_msg_timeout_t timeout,
				       mach_port_t notify);

extern mach_msg_return_t mach_msg(mach_msg_header_t *msg,
				  mach_msg_option_t option,
				  mach_msg_size_t send_size,
				  mach_msg_size_t rcv_size,
				  mach_port_t rcv_name,
				  mach_msg_timeout_t timeout,
				  mach_port_t notify);
#endif

#endif /* _MACH_MESSAGE_H_ */
