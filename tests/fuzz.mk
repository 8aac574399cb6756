# tests/fuzz.mk - the message fuzzer (tests/guest/test-fuzz.c, tests/fuzz/,
# docs/fuzzing.md). `make check` boots it as the guest topic "fuzz" for a
# short run with a fixed seed; `make fuzz SEED=N ITERS=N` boots a run of any
# length (timeout scaled to ITERS) and on failure prints the seed to replay.
# Beside it: the hello server and the blk server on a 1 MiB read-only disk
# image whose every sector starts with its number (tools/mkdisk.py).
FUZZ_OBJS = tests/fuzz/rng.o tests/fuzz/gen.o tests/fuzz/routines.o tests/fuzz/msgwalk.o \
	tests/fuzz/targets.o tests/fuzz/hostile.o tests/fuzz/found.o tests/msg-body-walk.o
FUZZ_HDRS = $(top_srcdir)/tests/fuzz/fuzz.h $(top_srcdir)/tests/lib/msg-body-walk.h
$(FUZZ_OBJS) tests/test-fuzz.o: $(FUZZ_HDRS)
tests/test-fuzz: tests/test-fuzz.o $(FUZZ_OBJS) tests/guest-check.o $(USER_LINK_DEPS)
	$(SM_V_LD)$(USER_LINK) -o $@ tests/test-fuzz.o $(FUZZ_OBJS) tests/guest-check.o $(USER_LIBS)

FUZZ_DISK = tests/fuzz-disk.img
$(FUZZ_DISK): $(top_srcdir)/tools/mkdisk.py
	@mkdir -p $(@D)
	$(AM_V_GEN)$(PYTHON) $(top_srcdir)/tools/mkdisk.py $@ 1
FUZZ_MODULES = $(HELLO_ELF) $(BLK_ELF):device=virtio-blk
FUZZ_QEMU_ARGS = -nic none -drive file=$(FUZZ_DISK),if=none,id=vd0,format=raw,readonly=on \
	-device virtio-blk-pci,drive=vd0

# Under `make check`: a few thousand messages (about 20 s under TCG).
FUZZ_CHECK_SEED = 1
FUZZ_CHECK_ITERS = 3000
test_fuzz_ARGS = seed=$(FUZZ_CHECK_SEED),iters=$(FUZZ_CHECK_ITERS)
test_fuzz_MODULES = $(FUZZ_MODULES)
test_fuzz_QEMU_ARGS = $(FUZZ_QEMU_ARGS)
test_fuzz_TIMEOUT = 120
check-guest run-fuzz check-fuzz: $(FUZZ_DISK)

# make fuzz SEED=N ITERS=N: one long run, its own image and log
# (tests/fuzz-SEED.log), so several can run at once with different seeds.
SEED = 1
ITERS = 100000
# More arguments for the test, e.g. FUZZ_ARGS=trace=1500 prints every message
# from iteration 1500 on (docs/fuzzing.md).
FUZZ_ARGS =
# Seconds: boot and checks, then a generous 2 ms per message (a message takes
# well under 1 ms under TCG on an idle machine).
comma = ,
FUZZ_TIMEOUT = $$((120 + $(ITERS) / 500))
fuzz: $(KERNEL_ELF) tests/test-fuzz $(call module_files,$(FUZZ_MODULES)) $(FUZZ_DISK) $(top_srcdir)/tools/mkiso.sh
	$(AM_V_GEN)$(MKISO) tests/fuzz-$(SEED).iso "exit-when-idle halt-when=test-fuzz" $(KERNEL_ELF) \
		tests/test-fuzz:seed=$(SEED),iters=$(ITERS)$(if $(FUZZ_ARGS),$(comma)$(FUZZ_ARGS)) $(FUZZ_MODULES)
	@start=$$(date +%s); \
	if QEMU=$(QEMU) GUEST_SUMMARY=test-fuzz $(RUN_GUEST_TEST) tests/fuzz-$(SEED) tests/fuzz-$(SEED).iso \
		/dev/null $(FUZZ_TIMEOUT) $(FUZZ_QEMU_ARGS); then \
		echo "fuzz: SEED=$(SEED) ITERS=$(ITERS) clean in $$(( $$(date +%s) - start )) s"; \
	else \
		echo "fuzz: FAILED: SEED=$(SEED) ITERS=$(ITERS) (log tests/fuzz-$(SEED).log; replay with make fuzz SEED=$(SEED) ITERS=$(ITERS))"; \
		exit 1; \
	fi

CLEANFILES += tests/test-fuzz $(FUZZ_OBJS) $(FUZZ_DISK) tests/fuzz-*.iso tests/fuzz-*.log
.PHONY: fuzz
