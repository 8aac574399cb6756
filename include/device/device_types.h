/*
 * C types named by GNU Mach's device.defs / device_types.defs, with this
 * project's i386 message ABI widths.  io_buf_ptr_t (out-of-line I/O data,
 * which has no ctype in device_types.defs) is a char pointer, 4 bytes in
 * the message, as in GNU Mach.  Record numbers are
 * 32 bits.  Only what the MIG stubs and device users need so far.
 */

#ifndef _DEVICE_DEVICE_TYPES_H_
#define _DEVICE_DEVICE_TYPES_H_

#include <mach/std_types.h>

/* Device names: fixed 128-byte C strings. */
typedef char dev_name_t[128];
typedef const char *const_dev_name_t;

/* Open modes (dev_mode_t). */
typedef unsigned int dev_mode_t;
#define D_READ		0x1
#define D_WRITE		0x2
#define D_NODELAY	0x4
#define D_NOWAIT	0x8

/* I/O data: out of line (a pointer) or inline (at most 128 bytes). */
typedef char *io_buf_ptr_t;
typedef const char *const_io_buf_ptr_t;
#define IO_INBAND_MAX	128
typedef char io_buf_ptr_inband_t[IO_INBAND_MAX];
typedef const char *const_io_buf_ptr_inband_t;

/* Record numbers. */
typedef uint32_t recnum_t;
typedef uint32_t rpc_recnum_t;

/* Status: flavor plus up to 1024 words. */
typedef unsigned int dev_flavor_t;
typedef int *dev_status_t;
#define DEV_STATUS_MAX	1024
typedef int dev_status_data_t[DEV_STATUS_MAX];

/* get_status flavors every device answers (GNU Mach's numbers): the word
 * indexes in the returned status, and how many words the flavor fills. */
#define DEV_GET_SIZE			0
#define DEV_GET_SIZE_DEVICE_SIZE	0	/* bytes; 0 if unknown */
#define DEV_GET_SIZE_RECORD_SIZE	1	/* bytes per record */
#define DEV_GET_SIZE_COUNT		2
#define DEV_GET_RECORDS			1
#define DEV_GET_RECORDS_DEVICE_RECORDS	0	/* records; 0 if unknown */
#define DEV_GET_RECORDS_RECORD_SIZE	1	/* bytes per record */
#define DEV_GET_RECORDS_COUNT		2

/* What device calls return: a kern_return_t or one of the D_ codes below. */
typedef int io_return_t;

/* Device return codes (kern_return_t values). */
#define D_IO_QUEUED		(-1)	/* queued: no reply now */
#define D_SUCCESS		0
#define D_IO_ERROR		2500
#define D_WOULD_BLOCK		2501
#define D_NO_SUCH_DEVICE	2502
#define D_ALREADY_OPEN		2503
#define D_DEVICE_DOWN		2504
#define D_INVALID_OPERATION	2505
#define D_INVALID_RECNUM	2506
#define D_INVALID_SIZE		2507
#define D_NO_MEMORY		2508
#define D_READ_ONLY		2509

_Static_assert(sizeof(recnum_t) == 4, "recnum_t");

#endif /* _DEVICE_DEVICE_TYPES_H_ */
