#include "ipc/ool.h"
#include "ipc/kmsg.h"
#include "ipc/space.h"
#include "ipc/transit.h"
#include "kern/task.h"
#include "kern/thread.h"
#include "kern/printf.h"
#include "kern/string.h"
#include "vm/vm_map.h"
#include "vm/pmap.h"
#include "vm/pmm.h"
#include "vm/kalloc.h"
#include "vm/copyio.h"
#include "i386/layout.h"

#define OOL_MAGIC 0x6f6f6c64u           /* "oold" */

enum grab { GRAB_OK, GRAB_BAD_MEMORY, GRAB_NO_MEMORY };

static uint32_t live_descriptors, live_pages;

void ool_stats(uint32_t *descriptors, uint32_t *pages)
{
	*descriptors = live_descriptors;
	*pages = live_pages;
}

/* Small descriptors kept by ool_free_container for the next ool_new:
 * every out-of-line item allocates one and frees it on delivery, a block
 * client's replies in flight hold one each, and the heap's size-class
 * lookup and free-list work were most of what that cost. The first is the
 * spare, taken and given back with one test; up to OOL_CACHE_MAX more wait
 * in a list behind it, each kept one's first word linking it to the next.
 * Descriptors of up to OOL_SMALL_WORDS words all get that many, so any of
 * them can serve for any other (64 KiB of data, or 16 ports). */
#define OOL_SMALL_WORDS 16
#define OOL_CACHE_MAX 64
static struct ool *ool_spare, *ool_cache;
static uint32_t ool_cached;

void ool_spare_release(void)
{
	kfree(ool_spare);
	ool_spare = NULL;
	while (ool_cache) {
		struct ool *o = ool_cache;
		ool_cache = (struct ool *)o->words[0];
		kfree(o);
	}
	ool_cached = 0;
}

static struct ool *ool_new(enum ool_kind kind, uint32_t count)
{
	uint32_t room = count <= OOL_SMALL_WORDS ? OOL_SMALL_WORDS : count;
	struct ool *o = room == OOL_SMALL_WORDS ? ool_spare : NULL;
	if (o) {
		ool_spare = NULL;
	} else if (room == OOL_SMALL_WORDS && (o = ool_cache)) {
		ool_cache = (struct ool *)o->words[0];
		ool_cached--;
	} else {
		o = kalloc_unzeroed(sizeof *o + (size_t)room * sizeof(uintptr_t));
	}
	if (!o)
		return NULL;
	/* Unzeroed: every caller writes all count words before anything reads
	 * them (or cuts count to those it wrote). */
	*o = (struct ool){ .magic = OOL_MAGIC, .kind = kind, .count = count, .room = room, .held = 0 };
	live_descriptors++;
	return o;
}

/* Free the descriptor itself; what it held has been dealt with. */
static void ool_free_container(struct ool *o)
{
	o->magic = 0;
	live_descriptors--;
	if (o->room == OOL_SMALL_WORDS && !ool_spare) {
		ool_spare = o;
	} else if (o->room == OOL_SMALL_WORDS && ool_cached < OOL_CACHE_MAX) {
		o->words[0] = (uintptr_t)ool_cache;
		ool_cache = o;
		ool_cached++;
	} else {
		kfree(o);
	}
}

static void free_frames(struct ool *o)
{
	for (uint32_t i = 0; i < o->count; i++)
		if (o->words[i]) {
			pmm_free_page(o->words[i]);
			live_pages--;
		}
}

static void destroy_rights(struct ool *o, void (*drop)(struct ipc_port *, uint32_t))
{
	for (uint32_t i = 0; i < o->count; i++)
		if (o->words[i] && o->words[i] != (uint32_t)MACH_PORT_DEAD)
			drop((struct ipc_port *)o->words[i], o->kernel_type);
}

static void ool_destroy(struct ool *o)
{
	if (o->kind == OOL_DATA)
		free_frames(o);
	else
		destroy_rights(o, ipc_right_destroy);
	ool_free_container(o);
}

struct ool *ool_from_slot(ool_slot_t slot)
{
	struct ool *o = (struct ool *)slot;
	if (!o)
		return NULL;
	if (o->magic != OOL_MAGIC)
		panic("ool: slot %#x does not hold an out-of-line descriptor", (unsigned)slot);
	return o;
}

void ool_destroy_slot(ool_slot_t *slot)
{
	struct ool *o = ool_from_slot(*slot);
	*slot = 0;
	if (o)
		ool_destroy(o);
}

/* Whether every page under [addr, addr + len) can be read by t: mapped for
 * the user, or reserved but never touched in a region t may read (it reads
 * as zeros). */
static bool readable(struct task *t, uintptr_t addr, size_t len)
{
	for (uintptr_t va = PAGE_ROUND_DOWN(addr); va < addr + len; va += PAGE_SIZE) {
		uintptr_t pa;
		if (pmap_lookup(&t->pmap, va, &pa, NULL))
			continue;
		const struct vm_region *r = vm_map_lookup(&t->map, va);
		if (!r || r->prot == VM_PROT_NONE || pmap_frame(&t->pmap, va, &pa))
			return false;
	}
	return true;
}

/* Copy [uaddr, uaddr + len) of t (checked by readable()) into kbuf without
 * backing any page: a page never touched reads as zeros, and kbuf (a fresh
 * zeroed frame) already holds them. */
static void read_without_filling(struct task *t, uintptr_t uaddr, char *kbuf, size_t len)
{
	while (len) {
		size_t chunk = PAGE_SIZE - (uaddr & (PAGE_SIZE - 1));
		if (chunk > len)
			chunk = len;
		uintptr_t pa;
		if (pmap_lookup(&t->pmap, uaddr, &pa, NULL))
			memcpy(kbuf, P2V(pa), chunk);
		uaddr += chunk;
		kbuf += chunk;
		len -= chunk;
	}
}

/* Whether the source pages under copy page i are all untouched. */
static bool copy_page_untouched(struct task *t, uintptr_t addr, size_t len, uint32_t i)
{
	uintptr_t from = addr + (uintptr_t)i * PAGE_SIZE;
	uintptr_t to = from + (len - (size_t)i * PAGE_SIZE < PAGE_SIZE ? len - (size_t)i * PAGE_SIZE : PAGE_SIZE);
	for (uintptr_t va = PAGE_ROUND_DOWN(from); va < to; va += PAGE_SIZE) {
		uintptr_t pa;
		if (pmap_lookup(&t->pmap, va, &pa, NULL))
			return false;
	}
	return true;
}

/* A virtual copy of [addr, addr + len) of t. The whole pages of a
 * page-aligned item are shared copy-on-write where pmap_share_cow allows
 * (the descriptor holds a reference to the frame and t's page is read-only
 * until written, vm/vm_fault.h); frames something writes behind a write
 * fault's back are copied instead: shared with another task by
 * VM_INHERIT_SHARE (its writes must reach the sharer, never a receiver),
 * kept by the kernel (e.g. the mapped time), seen by a device. A page whose
 * source was never touched is left as frame 0 (a zero page), so sending a
 * huge untouched range takes no frames; any other page is copied into a
 * fresh frame, a last partial page with zeros past the data, so the
 * receiver sees nothing the sender did not send. */
static enum grab copy_from_task(struct task *t, uintptr_t addr, size_t len, struct ool **out)
{
	uint32_t npages = PAGE_ROUND_UP(len) / PAGE_SIZE, needed = 0;
	struct ool *o = ool_new(OOL_DATA, npages);
	if (!o)
		return GRAB_NO_MEMORY;
	/* Pages outside every region (a DMA window the kernel mapped) are
	 * never shared; readable() lets them through to be copied. A task
	 * with no such page (vm/pmap.h counts them) has every present page in
	 * a region, so only the others check the regions first. */
	uint32_t whole = addr % PAGE_SIZE ? 0 : len / PAGE_SIZE, shared = 0;
	if (whole && (!t->pmap.foreign_pages || vm_map_covered(&t->map, addr, addr + (size_t)whole * PAGE_SIZE)))
		live_pages += shared = pmap_share_cow(&t->pmap, addr, whole, o->words);
	else
		whole = 0;
	/* Every page shared: each was present for the user in a region, so
	 * readable, and nothing is left to copy (the common case, checked
	 * without a second pass over the page tables). Otherwise the checks
	 * below, as if nothing had been shared: on failure ool_destroy drops
	 * the shares, and t's pages stay copy-on-write, which is harmless. */
	o->held = shared;
	if (shared == npages) {
		o->size = len;
		*out = o;
		return GRAB_OK;
	}
	for (uint32_t i = whole; i < npages; i++)
		o->words[i] = 0;
	if (len && !pmap_all_present(&t->pmap, PAGE_ROUND_DOWN(addr), PAGE_ROUND_UP(addr + len)) &&
	    !readable(t, addr, len)) {
		ool_destroy(o);
		return GRAB_BAD_MEMORY;
	}
	for (uint32_t i = 0; i < npages; i++)
		needed += !o->words[i] && !copy_page_untouched(t, addr, len, i);
	if (pmm_free_pages() < needed + KERNEL_RESERVE_PAGES) {
		ool_destroy(o);                        /* t's shared pages stay copy-on-write: harmless */
		return GRAB_NO_MEMORY;
	}
	for (uint32_t i = 0; i < npages && needed; i++) {
		if (o->words[i] || copy_page_untouched(t, addr, len, i))
			continue;
		uintptr_t pa = pmm_alloc_page();
		if (!pa) {
			ool_destroy(o);                    /* the words not reached yet are 0 */
			return GRAB_NO_MEMORY;
		}
		o->words[i] = pa;
		live_pages++;
		o->held++;
		needed--;
		size_t chunk = len - i * PAGE_SIZE < PAGE_SIZE ? len - i * PAGE_SIZE : PAGE_SIZE;
		read_without_filling(t, addr + (uintptr_t)i * PAGE_SIZE, P2V(pa), chunk);
	}
	o->size = len;
	*out = o;
	return GRAB_OK;
}

/* The pages of [addr, addr + len) themselves, taken out of t (addr is page
 * aligned). A copy-on-write page moves with the reference t held. */
static enum grab move_from_task(struct task *t, uintptr_t addr, size_t len, struct ool **out)
{
	uint32_t npages = PAGE_ROUND_UP(len) / PAGE_SIZE;
	struct ool *o = ool_new(OOL_DATA, npages);
	/* The last page, partial, is cut at the data's end: in a fresh frame
	 * when another holder shares it copy-on-write (taken now, so nothing
	 * can fail once the pages are out of t). */
	uintptr_t spare = o && len % PAGE_SIZE ? pmm_alloc_page() : 0;
	if (!o || (len % PAGE_SIZE && !spare)) {
		if (o)
			ool_free_container(o);
		return GRAB_NO_MEMORY;
	}
	kern_return_t kr = vm_map_extract(t, addr, npages, o->words);
	if (kr != KERN_SUCCESS) {
		if (spare)
			pmm_free_page(spare);
		ool_free_container(o);
		return kr == KERN_INVALID_ADDRESS ? GRAB_BAD_MEMORY : GRAB_NO_MEMORY;
	}
	for (uint32_t i = 0; i < npages; i++)
		o->held += o->words[i] != 0;              /* 0: never touched, a zero page */
	live_pages += o->held;
	uintptr_t *last = &o->words[npages - 1];
	if (spare && *last && pmm_page_shared(*last)) {
		memcpy(P2V(spare), P2V(*last), len % PAGE_SIZE);   /* spare is zeroed past it */
		pmm_free_page(*last);
		*last = spare;
		spare = 0;
	} else if (*last && len % PAGE_SIZE) {        /* the receiver sees nothing past the data */
		memset((char *)P2V(*last) + len % PAGE_SIZE, 0, PAGE_SIZE - len % PAGE_SIZE);
	}
	if (spare)
		pmm_free_page(spare);
	o->size = len;
	*out = o;
	return GRAB_OK;
}

static void set_type_name(uint8_t *msg, const struct msg_item *it, uint32_t name)
{
	mach_msg_type_t *t = (mach_msg_type_t *)(msg + it->desc_offset);
	if (t->msgt_longform)
		((mach_msg_type_long_t *)t)->msgtl_name = name;
	else
		t->msgt_name = name;
}

static mach_msg_return_t copyin_ports(struct task *t, uint8_t *msg, const struct msg_item *it,
				      uintptr_t addr, struct ool **out)
{
	uint32_t n = it->number;
	struct ool *o = ool_new(OOL_PORTS, n);
	if (!o)
		return MACH_SEND_NO_BUFFER;
	if (copyin(&t->pmap, addr, o->words, (size_t)n * 4) < 0) {
		ool_free_container(o);
		return MACH_SEND_INVALID_MEMORY;
	}
	uint32_t kernel_type = ipc_right_kernel_type(it->type_name);
	for (uint32_t i = 0; i < n; i++) {
		mach_port_name_t name = o->words[i];
		if (!MACH_PORT_VALID(name))
			continue;                          /* NULL and DEAD travel as they are */
		struct ipc_port *p, *dest = (struct ipc_port *)((mach_msg_header_t *)msg)->msgh_remote_port;
		if (ipc_right_copyin_bound(t->space, name, it->type_name, dest, &p, &kernel_type) != KERN_SUCCESS) {
			o->count = i;
			o->kernel_type = kernel_type;
			destroy_rights(o, ipc_right_release);
			ool_free_container(o);
			return MACH_SEND_INVALID_RIGHT;
		}
		o->words[i] = (uintptr_t)p;
	}
	o->size = n;
	o->kernel_type = kernel_type;
	set_type_name(msg, it, kernel_type);
	*out = o;
	return MACH_MSG_SUCCESS;
}

mach_msg_return_t ool_copyin(struct ipc_space *space, uint8_t *msg, const struct msg_item *it)
{
	ool_slot_t *slotp = (ool_slot_t *)(msg + it->data_offset);
	ool_slot_t slot = *slotp;
	*slotp = 0;                                /* until a descriptor holds something */
	struct task *t = current_task();
	if (t->space != space) {
		kwarn("mach_msg: out-of-line item outside its sender's context\n");
		return MACH_SEND_INVALID_MEMORY;
	}
	uint64_t bytes = it->is_port ? (uint64_t)it->number * 4 : ((uint64_t)it->number * it->size_bits + 7) / 8;
	if (bytes > OOL_MAX_BYTES || (it->is_port && it->number > OOL_MAX_PORTS)) {
		kwarn("task %u (%s): out-of-line item of %llu bytes is too large\n", t->id, t->name,
		      (unsigned long long)bytes);
		return MACH_SEND_NO_BUFFER;
	}
	if (bytes == 0)
		return MACH_MSG_SUCCESS;                 /* the receiver gets address 0 */
	uintptr_t addr = slot;
	if (!user_range_valid(addr, (size_t)bytes)) {   /* bytes <= OOL_MAX_BYTES */
		kwarn("task %u (%s): out-of-line item at %#x (%u bytes) is outside user space\n", t->id, t->name,
		      (unsigned)slot, (unsigned)bytes);
		return MACH_SEND_INVALID_MEMORY;
	}
	struct ool *o = NULL;
	bool moved = false;
	if (it->is_port) {
		mach_msg_return_t r = copyin_ports(t, msg, it, addr, &o);
		if (r != MACH_MSG_SUCCESS)
			return r;
	} else {
		moved = it->deallocate && addr % PAGE_SIZE == 0 && bytes >= PAGE_SIZE &&
			!vm_map_shares(t, addr, bytes);   /* shared pages are copied, never handed on */
		enum grab g = moved ? move_from_task(t, addr, bytes, &o) : copy_from_task(t, addr, bytes, &o);
		if (g == GRAB_BAD_MEMORY)
			return MACH_SEND_INVALID_MEMORY;
		if (g == GRAB_NO_MEMORY) {
			kwarn("task %u (%s): no kernel memory for an out-of-line item of %u bytes\n", t->id, t->name,
			      (unsigned)bytes);
			return MACH_SEND_NO_BUFFER;
		}
	}
	if (it->deallocate && !moved &&
	    vm_map_remove(t, PAGE_ROUND_DOWN(addr), PAGE_ROUND_UP(addr + bytes)) != KERN_SUCCESS)
		kwarn("task %u (%s): out-of-line memory at %p not deallocated\n", t->id, t->name, (void *)addr);
	*slotp = (ool_slot_t)o;
	return MACH_MSG_SUCCESS;
}

/* Port array -> fresh pages of t holding its names. */
static mach_msg_return_t copyout_ports(struct task *t, struct ool *o, uintptr_t *addr)
{
	uint32_t npages = PAGE_ROUND_UP((size_t)o->count * 4) / PAGE_SIZE;
	struct ool *names = ool_new(OOL_DATA, npages);
	mach_msg_return_t r = MACH_MSG_SUCCESS;
	for (uint32_t i = 0; names && i < npages; i++)
		if (!(names->words[i] = pmm_alloc_page())) {
			names->count = i;
			r = MACH_MSG_VM_KERNEL;
			break;
		} else {
			live_pages++;
		}
	if (!names)
		r = MACH_MSG_VM_KERNEL;
	else if (r == MACH_MSG_SUCCESS && vm_map_enter_frames(t, addr, names->words, npages) != KERN_SUCCESS)
		r = MACH_MSG_VM_SPACE;
	if (r != MACH_MSG_SUCCESS) {
		if (names)
			ool_destroy(names);
		ool_destroy(o);
		return r;
	}
	for (uint32_t i = 0; i < o->count; i++) {
		uint32_t word = o->words[i];
		if (word && word != (uint32_t)MACH_PORT_DEAD)
			word = ipc_right_copyout(t->space, (struct ipc_port *)word, o->kernel_type);
		((uint32_t *)P2V(names->words[i / 1024]))[i % 1024] = word;
	}
	live_pages -= npages;                          /* the task owns them now */
	ool_free_container(names);
	ool_free_container(o);
	return MACH_MSG_SUCCESS;
}

mach_msg_return_t ool_copyout(struct ipc_space *space, uint8_t *msg, const struct msg_item *it)
{
	ool_slot_t *slotp = (ool_slot_t *)(msg + it->data_offset);
	struct ool *o = ool_from_slot(*slotp);
	*slotp = 0;
	if (!o)
		return MACH_MSG_SUCCESS;
	struct task *t = current_task();
	if (t->space != space) {
		kwarn("mach_msg: out-of-line item delivered outside its receiver's context\n");
		ool_destroy(o);
		return MACH_MSG_VM_KERNEL;
	}
	uintptr_t addr;
	if (o->kind == OOL_PORTS) {
		mach_msg_return_t r = copyout_ports(t, o, &addr);
		if (r != MACH_MSG_SUCCESS)
			return r;
	} else if (vm_map_enter_frames_held(t, &addr, o->words, o->count, o->held) == KERN_SUCCESS) {
		live_pages -= o->held;
		ool_free_container(o);
	} else {
		kwarn("task %u (%s): no room for %u bytes of out-of-line data\n", t->id, t->name, o->size);
		ool_destroy(o);
		return MACH_MSG_VM_SPACE;
	}
	*slotp = addr;
	return MACH_MSG_SUCCESS;
}

static mach_msg_return_t clean_item(void *ctx, uint8_t *msg, const struct msg_item *it)
{
	if (it->is_inline)
		return MACH_MSG_SUCCESS;
	ool_slot_t *slotp = (ool_slot_t *)(msg + it->data_offset);
	struct ool *o = ool_from_slot(*slotp);
	*slotp = 0;
	if (o && o->kind == OOL_DATA)
		ool_destroy(o);
	else if (o)
		ool_free_container(o);                    /* the routine took the rights */
	return MACH_MSG_SUCCESS;
}

void ool_clean_request(mach_msg_header_t *h, uint32_t size)
{
	if (h->msgh_bits & MACH_MSGH_BITS_COMPLEX)
		msg_body_walk((uint8_t *)h, size, clean_item, NULL);
}

size_t ool_read(const struct ool *o, size_t offset, void *buf, size_t len)
{
	if (!o || o->kind != OOL_DATA || offset >= o->size)
		return 0;
	if (len > o->size - offset)
		len = o->size - offset;
	char *dst = buf;
	for (size_t done = 0; done < len;) {
		size_t at = offset + done, in_page = at % PAGE_SIZE;
		size_t chunk = PAGE_SIZE - in_page < len - done ? PAGE_SIZE - in_page : len - done;
		uintptr_t frame = o->words[at / PAGE_SIZE];
		if (frame)
			memcpy(dst + done, (char *)P2V(frame) + in_page, chunk);
		else
			memset(dst + done, 0, chunk);              /* a page never touched */
		done += chunk;
	}
	return len;
}

kern_return_t ool_write_task(const struct ool *o, struct task *t, uintptr_t addr)
{
	size_t len = o ? o->size : 0;
	if (!o || o->kind != OOL_DATA)
		return KERN_INVALID_ARGUMENT;
	if (!user_range_valid(addr, len) ||
	    !vm_map_covered(&t->map, PAGE_ROUND_DOWN(addr), PAGE_ROUND_UP(addr + len)))
		return KERN_INVALID_ADDRESS;
	if (copyout_check(&t->pmap, addr, len) < 0)
		return KERN_PROTECTION_FAILURE;
	for (uint32_t i = 0; i < o->count; i++) {
		size_t chunk = len - i * PAGE_SIZE < PAGE_SIZE ? len - i * PAGE_SIZE : PAGE_SIZE;
		static const char zero_page[PAGE_SIZE];
		copyout(&t->pmap, o->words[i] ? P2V(o->words[i]) : zero_page, addr + i * PAGE_SIZE, chunk);
	}
	return KERN_SUCCESS;
}

kern_return_t ool_data_from_kernel(const void *buf, size_t len, ool_slot_t *slot)
{
	*slot = 0;
	if (len == 0)
		return KERN_SUCCESS;
	uint32_t npages = PAGE_ROUND_UP(len) / PAGE_SIZE;
	struct ool *o = len <= OOL_MAX_BYTES ? ool_new(OOL_DATA, npages) : NULL;
	if (!o)
		return KERN_RESOURCE_SHORTAGE;
	for (uint32_t i = 0; i < npages; i++) {
		if (!(o->words[i] = pmm_alloc_page())) {
			o->count = i;
			ool_destroy(o);
			return KERN_RESOURCE_SHORTAGE;
		}
		live_pages++;
		o->held++;
		size_t chunk = len - i * PAGE_SIZE < PAGE_SIZE ? len - i * PAGE_SIZE : PAGE_SIZE;
		memcpy(P2V(o->words[i]), (const char *)buf + i * PAGE_SIZE, chunk);
	}
	o->size = len;
	*slot = (ool_slot_t)o;
	return KERN_SUCCESS;
}

kern_return_t ool_data_from_task(struct task *t, uintptr_t addr, size_t len, ool_slot_t *slot)
{
	*slot = 0;
	if (len == 0)
		return KERN_SUCCESS;
	if (len > OOL_MAX_BYTES)
		return KERN_RESOURCE_SHORTAGE;
	if (!user_range_valid(addr, len))
		return KERN_INVALID_ADDRESS;
	struct ool *o;
	enum grab g = copy_from_task(t, addr, len, &o);
	if (g != GRAB_OK)
		return g == GRAB_BAD_MEMORY ? KERN_INVALID_ADDRESS : KERN_RESOURCE_SHORTAGE;
	*slot = (ool_slot_t)o;
	return KERN_SUCCESS;
}

kern_return_t ool_port_array(struct ipc_port **ports, uint32_t n, uint32_t kernel_type, ool_slot_t *slot)
{
	*slot = 0;
	if (n == 0)
		return KERN_SUCCESS;
	struct ool *o = n <= OOL_MAX_PORTS ? ool_new(OOL_PORTS, n) : NULL;
	if (!o) {
		for (uint32_t i = 0; i < n; i++)
			ipc_right_release(ports[i], kernel_type);
		return KERN_RESOURCE_SHORTAGE;
	}
	for (uint32_t i = 0; i < n; i++)
		o->words[i] = (uintptr_t)ports[i];
	o->size = n;
	o->kernel_type = kernel_type;
	*slot = (ool_slot_t)o;
	return KERN_SUCCESS;
}
