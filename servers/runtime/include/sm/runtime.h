/*
 * sm/runtime.h - the freestanding C runtime for user tasks (libsmrt.a).
 *
 * What a user program gets: a heap (malloc family), the string and memory
 * primitives, a line-buffered console with a small printf, exit/abort and a
 * non-cryptographic random source.  Only the libc names a Swift or C program
 * actually needs are declared, with their standard prototypes, so the header
 * is safe next to a host libc.  Mach-specific entry points (traps, mach_msg,
 * MIG reply ports) are in <sm/traps.h>.
 *
 * Not provided: FILE, errno, locale, floating-point formatting.
 * Threads are in <sm/threads.h>; the heap and the console take a lock, so
 * they may be used from several threads (arc4random may not).
 */
#ifndef _SM_RUNTIME_H_
#define _SM_RUNTIME_H_

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Error numbers returned by posix_memalign (Linux values). */
#define SMRT_EINVAL	22
#define SMRT_ENOMEM	12

/* Heap (malloc.c).  Pointers are 16-byte aligned. */
void	*malloc(size_t size);
void	 free(void *ptr);
void	*calloc(size_t nmemb, size_t size);
void	*realloc(void *ptr, size_t size);
int	 posix_memalign(void **memptr, size_t alignment, size_t size);

struct smrt_heap_stats {
	size_t	arena_bytes;	/* bytes handed to the allocator so far */
	size_t	used_bytes;	/* bytes in allocated blocks (with headers) */
	size_t	free_bytes;	/* bytes in free blocks (with headers) */
	size_t	free_blocks;	/* length of the free list */
};
void	 smrt_heap_stats(struct smrt_heap_stats *st);
/* Walks every block and checks every invariant; returns 0 when sound. */
int	 smrt_heap_check(void);

/* Memory and strings: the freestanding library's, shared with the kernel. */
#include <freestanding/string.h>

/* Console (console.c): line buffered, written with sm_console_write on the
 * host port, falling back to the mach_print trap if that RPC fails. printf
 * and vprintf return 0, as GNU Mach's printf does. */
int	 putchar(int c);
int	 puts(const char *s);
int	 printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int	 vprintf(const char *fmt, va_list ap);
#include <freestanding/format.h>	/* snprintf, vsnprintf */
void	 smrt_console_flush(void);

/* Process (start.c, support.c). */
void	 exit(int status) __attribute__((noreturn));
void	 abort(void) __attribute__((noreturn));
/* Not cryptographic: a xorshift generator seeded from the uptime clock. */
void	 arc4random_buf(void *buf, size_t n);
uint32_t arc4random(void);
/* Block the calling thread for at least ms milliseconds (thread_switch with
 * SWITCH_OPTION_WAIT: no port, no message). */
void	 smrt_sleep_ms(uint32_t ms);

/* Time (time.c; clock_gettime and gettimeofday are in <time.h> and
 * <sys/time.h>): nanoseconds since boot and UTC nanoseconds since 1970,
 * from the kernel's time page without a kernel call where it can answer.
 * smrt_time_page is the page the kernel told the task of, or NULL. */
uint64_t smrt_now_ns(void);
int64_t	 smrt_utc_ns(void);
struct sm_time_page;
const volatile struct sm_time_page *smrt_time_page(void);

/* Prints "<file>:<line>: assertion failed: <expr>" and aborts. */
void	 smrt_assert_fail(const char *expr, const char *file, int line)
		__attribute__((noreturn));
#define SMRT_ASSERT(e) \
	((e) ? (void)0 : smrt_assert_fail(#e, __FILE__, __LINE__))

#ifdef __cplusplus
}
#endif

#endif /* _SM_RUNTIME_H_ */
