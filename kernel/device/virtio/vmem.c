/* Memory the kernel maps into a driver task for its devices: virtqueue
 * blocks and DMA buffers. Both are physically contiguous runs of zeroed
 * frames from pmm_alloc_contig, mapped read/write at addresses of a window
 * reserved for them (VMEM_WINDOW_BASE..END), outside the task's vm_map
 * regions: the task cannot deallocate or reprotect them (vm_map only acts
 * on its regions), so a page the device may write is never freed while the
 * device can still reach it. The kernel frees them itself, and only after
 * the device that used them was reset and its bus mastering turned off
 * (vdev.c). Pages are counted in the task's pmap like its other memory.
 *
 * Scope: no partial frees (a task's DMA memory lives as long as the task);
 * addresses are handed out upwards and reused only once the window's top is
 * reached. */
#include "device/virtio/vdev.h"
#include "kern/task.h"
#include "kern/printf.h"
#include "vm/pmap.h"
#include "vm/pmm.h"
#include "vm/vm_map.h"
#include "vm/kalloc.h"
#include "i386/layout.h"
#include <mach/kern_return.h>


struct vmapping {
	struct vmapping *next;
	struct task *task;
	struct vdev *dev;                 /* queue memory of this device; NULL: DMA */
	uintptr_t uva, pa;
	uint32_t pages;
};

struct vtask {
	struct vtask *next;
	struct task *task;
	uintptr_t cursor;                 /* next free window address */
	uint32_t dma_pages;
};

static struct vmapping *mappings;
static struct vtask *vtasks;

static struct vtask *vtask_for(const struct task *t, bool create)
{
	for (struct vtask *v = vtasks; v; v = v->next)
		if (v->task == t)
			return v;
	if (!create)
		return NULL;
	struct vtask *v = kalloc(sizeof *v);
	if (!v)
		return NULL;
	v->task = (struct task *)t;
	v->cursor = VMEM_WINDOW_BASE;
	v->next = vtasks;
	vtasks = v;
	return v;
}

uint32_t vmem_dma_pages(const struct task *t)
{
	struct vtask *v = vtask_for(t, false);
	return v ? v->dma_pages : 0;
}

/* The first window range of npages from 'from' up that no region of the
 * task covers and no page of which is mapped. */
static bool find_from(struct task *t, uintptr_t from, uint32_t npages, uintptr_t *out)
{
	uintptr_t at = from, size = (uintptr_t)npages * PAGE_SIZE;
	while (at < VMEM_WINDOW_END && VMEM_WINDOW_END - at >= size) {
		struct vm_region *r = vm_map_next(&t->map, at);
		if (r && r->start < at + size) {
			at = PAGE_ROUND_UP(r->end);
			continue;
		}
		uintptr_t busy = 0;
		for (uintptr_t va = at; va < at + size && !busy; va += PAGE_SIZE) {
			uintptr_t pa;
			if (pmap_lookup(&t->pmap, va, &pa, NULL))
				busy = va;
		}
		if (!busy) {
			*out = at;
			return true;
		}
		at = busy + PAGE_SIZE;
	}
	return false;
}

/* Above the cursor first; then from the bottom of the window again, where
 * queues freed by a reset left holes. */
static bool find_space(struct task *t, struct vtask *v, uint32_t npages, uintptr_t *out)
{
	return find_from(t, v->cursor, npages, out) || find_from(t, VMEM_WINDOW_BASE, npages, out);
}

int vmem_alloc(struct task *t, struct vdev *dev, uint32_t pages, uintptr_t *uva, uintptr_t *pa)
{
	struct vtask *v = vtask_for(t, true);
	if (!v)
		return KERN_RESOURCE_SHORTAGE;
	if (!dev && (uint64_t)(v->dma_pages + pages) * PAGE_SIZE > SM_VIRTIO_DMA_TASK_LIMIT)
		return KERN_RESOURCE_SHORTAGE;
	if (t->pmap.user_pages + pages > t->page_limit || pmm_free_pages() < pages + KERNEL_RESERVE_PAGES)
		return KERN_RESOURCE_SHORTAGE;
	uintptr_t va;
	if (!find_space(t, v, pages, &va))
		return KERN_NO_SPACE;
	struct vmapping *m = kalloc(sizeof *m);
	uintptr_t frames = m ? pmm_alloc_contig(pages, 1) : 0;
	if (!frames) {
		kfree(m);
		return KERN_RESOURCE_SHORTAGE;
	}
	for (uint32_t i = 0; i < pages; i++)
		if (pmap_enter(&t->pmap, va + i * PAGE_SIZE, frames + i * PAGE_SIZE, true) < 0) {
			while (i--)
				pmap_remove(&t->pmap, va + i * PAGE_SIZE);
			pmm_free_contig(frames, pages);
			kfree(m);
			return KERN_RESOURCE_SHORTAGE;
		}
	t->pmap.foreign_pages += pages;          /* outside every region: vm/pmap.h */
	*m = (struct vmapping){ mappings, t, dev, va, frames, pages };
	mappings = m;
	v->cursor = va + pages * PAGE_SIZE;
	if (!dev)
		v->dma_pages += pages;
	*uva = va;
	*pa = frames;
	return KERN_SUCCESS;
}

/* Unmap and free one mapping's frames. A frame that is no longer mapped
 * where the kernel put it is left alone (never freed twice) and reported. */
static uint32_t unmap(struct vmapping *m)
{
	uint32_t freed = 0;
	for (uint32_t i = 0; i < m->pages; i++) {
		uintptr_t want = m->pa + i * PAGE_SIZE;
		uintptr_t got = pmap_remove(&m->task->pmap, m->uva + i * PAGE_SIZE);
		if (got && m->task->pmap.foreign_pages)
			m->task->pmap.foreign_pages--;
		if (got == want) {
			pmm_free_page(want);
			freed++;
		} else {
			kwarn("virtio: task %u: page %p no longer maps frame %p; not freed\n",
			      m->task->id, (void *)(m->uva + i * PAGE_SIZE), (void *)want);
		}
	}
	return freed;
}

static uint32_t release_matching(struct task *t, struct vdev *dev, bool all)
{
	uint32_t freed = 0;
	for (struct vmapping **p = &mappings; *p;) {
		struct vmapping *m = *p;
		if (m->task == t && (all || m->dev == dev)) {
			*p = m->next;
			freed += unmap(m);
			kfree(m);
		} else {
			p = &m->next;
		}
	}
	return freed;
}

void vmem_release_one(struct task *t, uintptr_t uva)
{
	for (struct vmapping **p = &mappings; *p; p = &(*p)->next)
		if ((*p)->task == t && (*p)->uva == uva) {
			struct vmapping *m = *p;
			*p = m->next;
			if (!m->dev) {
				struct vtask *v = vtask_for(t, false);
				if (v)
					v->dma_pages -= m->pages;
			}
			unmap(m);
			kfree(m);
			return;
		}
}

void vmem_release_dev(struct task *t, struct vdev *dev, uint32_t *pages_freed)
{
	uint32_t n = release_matching(t, dev, false);
	if (pages_freed)
		*pages_freed = n;
}

void vmem_release_task(struct task *t, uint32_t *dma_pages_freed)
{
	uint32_t n = release_matching(t, NULL, true);
	for (struct vtask **p = &vtasks; *p; p = &(*p)->next)
		if ((*p)->task == t) {
			struct vtask *v = *p;
			*p = v->next;
			kfree(v);
			break;
		}
	if (dma_pages_freed)
		*dma_pages_freed = n;
}
