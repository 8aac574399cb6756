/*
 * C types named by include/sm/smhost.defs.
 *
 * sm_console_data_t is an inline variable array of at most 512 bytes; a
 * routine receives it as a pointer plus a count (dataCnt).  The fixed
 * maximum keeps the whole sm_console_write request at 36 + 512 bytes.
 */

#ifndef _SM_SMHOST_TYPES_H_
#define _SM_SMHOST_TYPES_H_

#include <mach/std_types.h>

#define SM_CONSOLE_DATA_MAX	512

typedef char sm_console_data_t[SM_CONSOLE_DATA_MAX];

#define SM_DEVICE_NAME_MAX	64
typedef char sm_device_name_t[SM_DEVICE_NAME_MAX];
typedef const char *const_sm_device_name_t;

/* sminfo.defs' sm_virtio_at: how a virtio device's interrupts reach its
 * driver. NONE: the driver registered no port (or none claimed it). */
#define SM_VIRTIO_IRQ_NONE		0
#define SM_VIRTIO_IRQ_INTX		1	/* the shared PCI line, ISR read */
#define SM_VIRTIO_IRQ_MSIX_DEVICE	2	/* MSI-X: config + all queues (2 vectors) */
#define SM_VIRTIO_IRQ_MSIX_QUEUE	3	/* MSI-X: one vector per source */

#endif /* _SM_SMHOST_TYPES_H_ */
