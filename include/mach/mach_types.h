/*
 * C side of the project's mach_types.defs: the types GNU Mach's mach.defs,
 * mach_port.defs, mach_host.defs and gnumach.defs name, with this ABI's
 * widths.  Kernel objects (tasks, threads, hosts, ...) are plain port
 * names here, in the kernel too: the kernel converts names to objects
 * itself.  Out-of-line arrays are pointers to their elements; inline
 * variable arrays are pointers to their element type (the stubs copy into
 * and out of them); fixed strings and structs have their exact wire size,
 * which the stubs check with _Static_assert.
 */

#ifndef _MACH_MACH_TYPES_H_
#define _MACH_MACH_TYPES_H_

#include <mach/std_types.h>

/* Kernel objects, named by ports. */
typedef mach_port_t task_t;
typedef mach_port_t thread_t;
typedef mach_port_t vm_task_t;
typedef mach_port_t ipc_space_t;
typedef mach_port_t host_t;
typedef mach_port_t host_priv_t;
typedef mach_port_t processor_t;
typedef mach_port_t processor_set_t;
typedef mach_port_t processor_set_name_t;
typedef mach_port_t memory_object_t;
typedef mach_port_t memory_object_control_t;
typedef mach_port_t memory_object_name_t;

/* Out-of-line arrays: a 4-byte pointer in the message. */
typedef task_t *task_array_t;
typedef thread_t *thread_array_t;
typedef processor_t *processor_array_t;
typedef processor_set_t *processor_set_array_t;
typedef processor_set_name_t *processor_set_name_array_t;
typedef vm_offset_t *emulation_vector_t;

/* Inline variable arrays (at most 1024 words each). */
typedef natural_t *thread_state_t;
typedef integer_t *thread_info_t;
typedef integer_t *task_info_t;
typedef integer_t *host_info_t;
typedef integer_t *processor_info_t;
typedef integer_t *processor_set_info_t;
typedef int *rpc_signature_info_t;

/* VM scalars. */
typedef int vm_prot_t;
typedef int vm_inherit_t;
typedef int vm_machine_attribute_t;
typedef int vm_machine_attribute_val_t;
typedef int vm_sync_t;
typedef int vm_wire_t;
typedef int memory_object_copy_strategy_t;
typedef int memory_object_return_t;

/* vm_statistics: 13 words. */
typedef struct vm_statistics {
	integer_t pagesize;		/* page size in bytes */
	integer_t free_count;		/* pages free */
	integer_t active_count;		/* pages active */
	integer_t inactive_count;	/* pages inactive */
	integer_t wire_count;		/* pages wired down */
	integer_t zero_fill_count;	/* zero-fill faults */
	integer_t reactivations;	/* pages reactivated */
	integer_t pageins;		/* page-ins */
	integer_t pageouts;		/* page-outs */
	integer_t faults;		/* faults */
	integer_t cow_faults;		/* copy-on-write faults */
	integer_t lookups;		/* object cache lookups */
	integer_t hits;			/* object cache hits */
} vm_statistics_data_t;

/* vm_cache_statistics (gnumach.defs): 11 words. */
typedef struct vm_cache_statistics {
	integer_t cache_object_count;	/* objects cached */
	integer_t cache_count;		/* pages in cached objects */
	integer_t active_tmp_count;	/* active temporary pages */
	integer_t inactive_tmp_count;	/* inactive temporary pages */
	integer_t active_perm_count;	/* active permanent pages */
	integer_t inactive_perm_count;	/* inactive permanent pages */
	integer_t dirty_count;		/* dirty pages */
	integer_t laundry_count;	/* pages being laundered */
	integer_t writeback_count;	/* pages being written back */
	integer_t slab_count;		/* pages in slab caches */
	integer_t slab_reclaim_count;	/* reclaimable slab pages */
} vm_cache_statistics_data_t;

/* Time: seconds and microseconds, 8 bytes. */
typedef struct rpc_time_value {
	rpc_long_integer_t seconds;
	integer_t microseconds;
} rpc_time_value_t;
typedef rpc_time_value_t time_value_t;
/* GNU Mach's newer time: seconds and nanoseconds, 16 bytes
 * (sm/mach_host_ext.defs). */
typedef struct time_value64 {
	int64_t seconds;
	int64_t nanoseconds;
} time_value64_t;

/* Fixed strings. */
typedef char kernel_version_t[512];
typedef char new_kernel_version_t[512];
typedef char kernel_boot_info_t[4096];

_Static_assert(sizeof(vm_statistics_data_t) == 13 * 4, "vm_statistics");
_Static_assert(sizeof(vm_cache_statistics_data_t) == 11 * 4,
	       "vm_cache_statistics");
_Static_assert(sizeof(time_value_t) == 8, "time_value_t");
_Static_assert(sizeof(time_value64_t) == 16, "time_value64_t");

/* As GNU Mach's <mach/mach_types.h>: the headers of the info, state and
 * special-port calls come with it.  They are included last, after the types
 * they use, since each of them includes this header too. */
#include <mach/machine.h>
#include <mach/vm_prot.h>
#include <mach/vm_inherit.h>
#include <mach/vm_wire.h>
#include <mach/time_value.h>
#include <mach/host_info.h>
#include <mach/task_info.h>
#include <mach/thread_info.h>
#include <mach/thread_status.h>
#include <mach/task_special_ports.h>
#include <mach/thread_special_ports.h>

#endif /* _MACH_MACH_TYPES_H_ */
