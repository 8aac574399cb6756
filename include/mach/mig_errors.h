/*
 * MIG's own error codes and the types its generated server code uses:
 * the reply header every reply starts with (32 bytes; MIG assumes exactly
 * this size for replies that carry only a return code), the server
 * routine type, and the symbol table emitted with `mig -s`.
 * MIG_* values are GNU MIG's.
 */

#ifndef _MACH_MIG_ERRORS_H_
#define _MACH_MIG_ERRORS_H_

#include <mach/kern_return.h>
#include <mach/message.h>

#define MIG_TYPE_ERROR		-300	/* type check failure */
#define MIG_REPLY_MISMATCH	-301	/* wrong reply message id */
#define MIG_REMOTE_ERROR	-302	/* server detected an error */
#define MIG_BAD_ID		-303	/* bad request message id */
#define MIG_BAD_ARGUMENTS	-304	/* server type check failure */
#define MIG_NO_REPLY		-305	/* server must not reply */
#define MIG_EXCEPTION		-306	/* server raised an exception */
#define MIG_ARRAY_TOO_LARGE	-307	/* array larger than the buffer */
#define MIG_SERVER_DIED		-308	/* server died (send-once notice) */
#define MIG_DESTROY_REQUEST	-309	/* destroy the request, no reply */

#ifndef __ASSEMBLER__

#pragma pack(push, 4)
typedef struct {
	mach_msg_header_t	Head;
	mach_msg_type_t		RetCodeType;
	kern_return_t		RetCode;
} mig_reply_header_t;
#pragma pack(pop)

_Static_assert(sizeof(mig_reply_header_t) == 32, "mig_reply_header_t");

/* A server stub: decode InHeadP, call the routine, encode OutHeadP. */
typedef void (*mig_routine_t)(mach_msg_header_t *InHeadP,
			      mach_msg_header_t *OutHeadP);

typedef struct mig_symtab {
	const char	*ms_routine_name;
	int		ms_routine_number;
	mig_routine_t	ms_routine;
} mig_symtab_t;

#endif /* !__ASSEMBLER__ */

#endif /* _MACH_MIG_ERRORS_H_ */
