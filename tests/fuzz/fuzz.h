/* tests/fuzz: the message fuzzer behind tests/guest/test-fuzz.c (docs/fuzzing.md).
 * One run is fixed by its seed: every random choice comes from the seeded
 * generator in struct fuzz, never from arc4random, so `seed=S` replays a run
 * message for message (up to timing: server replies may arrive in another
 * order, which changes no choice). */
#ifndef TESTS_FUZZ_FUZZ_H
#define TESTS_FUZZ_FUZZ_H
#include "guest-check.h"
#include "msg-body-walk.h"
#include <sm/traps.h>
#include <mach/mig_errors.h>
#include <mach/notify.h>

#define MASTER_NAME	2		/* the device master port every task gets */
#define FUZZ_MSG_BYTES	12288		/* the largest message the generator builds */
#define FUZZ_RCV_BYTES	65536		/* room for any reply the kernel or a server sends */
#define OWN_PORTS	4		/* expendable receive rights the fuzzer sends to */
#define CHILD_THREADS	2
/* Names a mach_port_* message may choose in the fuzzer's own space are
 * below this: its sweep (test-fuzz.c) probes names only so far past the
 * last one in use, and its name table is grown to this size before the
 * baseline (a space's table never shrinks, kernel/ipc/space.c). */
#define OWN_NAME_LIMIT	256
/* Out-of-line items with the deallocate bit may only name memory here: the
 * kernel removes it from the fuzzer's map, and it is mapped again after. */
#define SCRATCH_ADDR	0x30000000u
#define SCRATCH_BYTES	(64 * 1024)

/* What a message is sent to. */
enum target {
	T_SELF_TASK, T_CHILD_TASK, T_CHILD_THREAD, T_SELF_THREAD, T_HOST, T_MASTER,
	T_PORT_SET, T_OWN, T_HELLO, T_BLK, T_JUNK, T_COUNT
};

struct fuzz {
	uint64_t rng;
	uint32_t seed, iters, iter;
	uint32_t hostile_variant;	/* hostile=N: only that kind of hostile state */
	mach_port_t self, host, master, self_thread;
	mach_port_t rp;			/* reply port, in drain */
	mach_port_t drain;		/* port set of every receive right that gets replies */
	mach_port_t empty_set;		/* a port set with no members */
	mach_port_t own[OWN_PORTS];	/* receive rights (with a send right), in drain */
	mach_port_t child, child_thread[CHILD_THREADS];
	mach_port_t hello, blk;		/* device ports of the servers booted beside */
	mach_port_t startup[64];	/* names the runtime holds (its MIG reply port ...) */
	uint32_t startup_count;
	uint32_t sent, refused, received, children, own_remade, hostile;
};

/* ---- rng.c: xorshift64*, seeded by the run's seed */
void rng_seed(struct fuzz *f, uint32_t seed);
uint32_t rng(struct fuzz *f);
uint32_t rng_below(struct fuzz *f, uint32_t n);	/* 0..n-1 */
int rng_chance(struct fuzz *f, uint32_t one_in);	/* true once in one_in */
uint32_t rng_interesting(struct fuzz *f);		/* edge values: 0, -1, 2^31, page sizes ... */

/* ---- gen.c: builds one message into buf; returns the size to pass to
 * mach_msg (not always msgh_size) and the options */
struct fuzz_msg {
	uint32_t send_size;
	uint32_t options;		/* MACH_SEND_MSG | MACH_SEND_TIMEOUT | ... */
	uint32_t timeout;
	enum target target;
	int has_dealloc_ool;		/* scratch must be mapped again after */
	int from_routine;		/* a mutated valid request (its id) */
};
void gen_message(struct fuzz *f, uint32_t *buf, struct fuzz_msg *m);
mach_port_t target_name(struct fuzz *f, enum target t);

/* ---- routines.c: the request layouts of the kernel's and servers' routines */
struct routine {
	int id;
	unsigned dest;			/* 1 << enum target: where it is meant to go */
	const char *args;		/* one letter per argument, see routines.c */
};
extern const struct routine routines[];
extern const unsigned routine_count;
/* Zero when a message with this id must not go to this target (see the
 * reasons in routines.c). */
int routine_allowed(struct fuzz *f, enum target t, int id);

/* ---- msgwalk.c: the typed body (walked by tests/lib/msg-body-walk.c) */
/* Keeps the fuzzer alive: no MOVE_RECEIVE of its reply port or port sets,
 * no deallocated out-of-line memory outside the scratch region. */
int protected_name(struct fuzz *f, mach_port_t n);
void sanitize_message(struct fuzz *f, uint32_t *buf, uint32_t size, struct fuzz_msg *m);
/* Releases every right and page a received message brought. */
void destroy_received(struct fuzz *f, mach_msg_header_t *h);

/* ---- targets.c */
void targets_setup(struct fuzz *f);
void targets_repair(struct fuzz *f);	/* remake own ports and device opens that went away */
void child_recycle(struct fuzz *f);	/* terminate the sacrificial child task, make another */
void targets_teardown(struct fuzz *f);
void scratch_remap(void);
int drain_replies(struct fuzz *f, uint32_t first_wait_ms);	/* returns messages received */
kern_return_t open_device(struct fuzz *f, const char *name, int mode, mach_port_t *dev);

/* ---- hostile.c: threads started with hostile register state */
void hostile_round(struct fuzz *f);

/* ---- found.c: regression checks for what the fuzzer found */
void found_bugs_check(struct fuzz *f);

/* ---- test-fuzz.c */
void fuzz_fail(struct fuzz *f, const char *what);
#endif
