/* A small test library for in-guest tests (tests/guest/test-TOPIC.c): each CHECK is
 * one assertion; the run ends with "test-TOPIC: N passed, N failed", which the
 * harness (tests/scripts/run-guest-test.sh) reads. */
#ifndef TESTS_GUEST_CHECK_H
#define TESTS_GUEST_CHECK_H
#include <sm/runtime.h>
#include <mach/port.h>
#include <mach/message.h>
#include <stdbool.h>

extern int guest_passed, guest_failed;

#define CHECK(cond, ...) do { \
	if (cond) { guest_passed++; } \
	else { guest_failed++; printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
	       printf(__VA_ARGS__); printf("\n"); } \
} while (0)

/* CHECK that two integer values (e.g. return codes) are equal, printing both. */
#define CHECK_EQ(actual, expected) do { \
	long long a_ = (long long)(actual), e_ = (long long)(expected); \
	CHECK(a_ == e_, "got %llx, expected %llx", (unsigned long long)a_, (unsigned long long)e_); \
} while (0)

/* Kernel object counts, for leak checks: free physical pages, kernel heap
 * bytes, live ports and out-of-line items held by messages
 * (sm_kernel_stats). A test reads a baseline, makes its attack, and checks
 * the counts are back. */
void kernel_counts(uint32_t c[4]);
/* The counts once they have stopped moving (two reads 100 ms apart agree,
 * for up to 3 s): a baseline not disturbed by tasks still exiting. */
void kernel_counts_settled(uint32_t c[4]);
/* CHECK that the counts are back at base, after waiting up to a second for
 * them to settle (a dead task is reaped a moment after it dies). */
void check_counts_back(const uint32_t base[4], const char *after);
/* The same without a verdict: whether the counts came back to base within
 * a second; now holds the last reading. */
bool counts_back(const uint32_t base[4], uint32_t now[4]);
/* Runs round(arg) from a settled baseline until the counts come back after
 * it, at most `tries` times, and checks that they did. Another task
 * starting or exiting, or a heap size class reaching a new high-water mark
 * (a page carved that stays with the heap), can move them during one try;
 * a leak of the round's own shows in every try. */
void check_round_leaves_nothing(const char *what, int tries, void (*round)(void *), void *arg);

/* A thread's run state (thread_info's TH_STATE_*), or -1 if it cannot be
 * read. */
int thread_run_state(mach_port_t thread);
/* Whether thread is blocked in the kernel (TH_STATE_WAITING), after waiting
 * up to a second for it to get there. */
int thread_blocks(mach_port_t thread);

/* Start a new thread in task at eip with the stack pointer esp (a call
 * frame the caller has prepared, in the task's memory) and resume it; its
 * port in *thread. */
void start_thread_at(mach_port_t task, uintptr_t eip, uintptr_t esp, mach_port_t *thread);

/* Receive a header-only message into addr (memory the task must not be
 * able to write, such as a read-only mapped page): the mach_msg result.
 * The port it uses is made and destroyed here, each step CHECKed. */
mach_msg_return_t receive_into(void *addr);

/* Print the summary line and return the exit status for main. */
int guest_summary(const char *topic);
#endif
