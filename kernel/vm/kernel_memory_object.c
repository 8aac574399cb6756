/* Memory objects the kernel provides (vm/kernel_memory_object.h). */
#include "vm/kernel_memory_object.h"
#include "vm/pmm.h"
#include "ipc/port.h"

bool kernel_memory_object_init(struct kernel_memory_object *mo, const char *name,
			       const uintptr_t *frames, size_t npages)
{
	if (npages == 0 || npages > KERNEL_MEMORY_OBJECT_MAX_PAGES)
		return false;
	mo->name = name;
	mo->npages = npages;
	for (size_t i = 0; i < npages; i++) {
		pmm_keep_page(frames[i]);
		mo->frames[i] = frames[i];
	}
	mo->port = ipc_port_alloc_kobject(IKOT_MEMORY_OBJECT, mo);
	return mo->port != NULL;
}

struct ipc_port *kernel_memory_object_send(struct kernel_memory_object *mo)
{
	ipc_port_make_send(mo->port);
	return mo->port;
}

struct kernel_memory_object *kernel_memory_object_from_word(uint32_t word)
{
	return ipc_port_kobject(word, IKOT_MEMORY_OBJECT);
}
