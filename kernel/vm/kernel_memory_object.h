/* Memory objects the kernel itself provides: a fixed run of frames the
 * kernel keeps for good (pmm_keep_page), named by a kernel port
 * (IKOT_MEMORY_OBJECT) that device_map hands out and vm_map accepts. The
 * frames are the kernel's to write; tasks map them read-only
 * (vm_map_enter_kept). There are no external pagers: a memory object port
 * that is not one of these is refused by vm_map. Such objects live as long
 * as the kernel, so their ports never die. */
#ifndef VM_KERNEL_MEMORY_OBJECT_H
#define VM_KERNEL_MEMORY_OBJECT_H
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

#define KERNEL_MEMORY_OBJECT_MAX_PAGES 4

struct ipc_port;

struct kernel_memory_object {
	const char *name;                                  /* for log lines */
	uintptr_t frames[KERNEL_MEMORY_OBJECT_MAX_PAGES];  /* physical, kept */
	size_t npages;
	struct ipc_port *port;
};

/* Make mo the object of `npages` frames (each already allocated; the kernel
 * keeps them from now on) with a port of its own. False when out of memory. */
bool kernel_memory_object_init(struct kernel_memory_object *mo, const char *name,
			       const uintptr_t *frames, size_t npages);
/* A new send right to mo's port, for a reply. */
struct ipc_port *kernel_memory_object_send(struct kernel_memory_object *mo);
/* The object a port word names, or NULL (not one, null or dead). */
struct kernel_memory_object *kernel_memory_object_from_word(uint32_t word);
#endif
