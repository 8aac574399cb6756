# tests/bench.mk - make bench: the IPC benchmark, booted twice under QEMU
# (once timing wall clock and TSC, once with -icount so guest time counts
# instructions), summarised by tools/run-bench.sh into a table and
# bench-results.csv. Not part of make check: figures are not assertions.

BENCH_INTERFACES = bench
BENCH_MIG = $(call mig_user_files,bench) $(call mig_server_files,bench) $(call mig_stamps,bench)

tests/bench-ipc.o tests/bench-server.o: $(BENCH_MIG)
tests/bench_user.o: $(MIG_GEN)/bench_user.c $(BENCH_MIG)
	$(SM_V_CC)$(USER_CC) $(USER_CFLAGS) -w -c -o $@ $<
tests/bench_server.o: $(MIG_GEN)/bench_server.c $(BENCH_MIG)
	$(SM_V_CC)$(USER_CC) $(USER_CFLAGS) -w -c -o $@ $<

tests/bench-ipc: tests/bench-ipc.o tests/bench_user.o $(USER_LINK_DEPS)
	$(SM_V_LD)$(USER_LINK) -o $@ tests/bench-ipc.o tests/bench_user.o $(USER_LIBS)
tests/bench-server: tests/bench-server.o tests/bench_server.o $(USER_LINK_DEPS)
	$(SM_V_LD)$(USER_LINK) -o $@ tests/bench-server.o tests/bench_server.o $(USER_LIBS)

tests/bench-ipc.iso: $(KERNEL_ELF) tests/bench-ipc tests/bench-server $(TIME_ELF) $(top_srcdir)/tools/mkiso.sh
	$(AM_V_GEN)$(MKISO) $@ "exit-when-idle halt-when=bench-ipc" $(KERNEL_ELF) tests/bench-ipc tests/bench-server \
		$(TIME_ELF):bench

# The plots come last: the recipe runs after every prerequisite of bench
# (virtiobench below among them), so all the CSVs are there.
bench: tests/bench-ipc.iso
	QEMU=$(QEMU) $(SHELL) $(top_srcdir)/tools/run-bench.sh tests/bench-ipc.iso bench-results.csv
	$(PYTHON) $(top_srcdir)/tools/bench-plot.py $(top_srcdir)/docs/benchmarks.md .

CLEANFILES += tests/bench-ipc tests/bench-server tests/bench-ipc.iso bench-results.csv bench-*.png
.PHONY: bench

# virtiobench (tests/bench/virtiobench.c): block I/O through the virtio-blk server,
# booted by tools/run-virtiobench.sh against a raw image (tests/vdisk-bench.img,
# made afresh) and against QEMU's null-co driver, three times each (medians);
# table and virtiobench-results.csv. Part of make bench; make virtiobench
# runs it alone (RUNS=N for another number of boots).
VIRTIOBENCH_MIB = 64
RUNS = 3
tests/virtiobench: tests/virtiobench.o tests/vdisk.o tests/vdisk-async.o tests/guest-check.o $(USER_LINK_DEPS)
	$(SM_V_LD)$(USER_LINK) -o $@ tests/virtiobench.o tests/vdisk.o tests/vdisk-async.o tests/guest-check.o $(USER_LIBS)
tests/virtiobench.iso: $(KERNEL_ELF) tests/virtiobench $(call module_files,$(BLK_MODULE)) $(top_srcdir)/tools/mkiso.sh
	$(AM_V_GEN)$(MKISO) $@ "exit-when-idle halt-when=virtiobench" $(KERNEL_ELF) tests/virtiobench $(BLK_MODULE)
virtiobench: tests/virtiobench.iso
	$(PYTHON) $(top_srcdir)/tools/mkdisk.py tests/vdisk-bench.img $(VIRTIOBENCH_MIB)
	QEMU=$(QEMU) RUNS=$(RUNS) $(SHELL) $(top_srcdir)/tools/run-virtiobench.sh tests/virtiobench.iso tests/vdisk-bench.img \
		virtiobench-results.csv
bench: virtiobench
CLEANFILES += tests/virtiobench tests/virtiobench.iso tests/vdisk-bench.img virtiobench-results.csv \
	virtiobench-image*-*.log virtiobench-null*-*.log
.PHONY: virtiobench

# netbench (tests/bench/bench-net.c): the virtio-net server (servers/net) measured
# through GNU Mach's network device interface on QEMU's user network, with
# tools/net-host.py on the host, booted RUNS times by tools/run-netbench.sh
# (medians); table and netbench-results.csv. Part of make bench; make
# netbench runs it alone. NET_ECHO_PORT is tests/user-qemu.mk's.
tests/bench-net: tests/bench-net.o tests/netclient.o tests/vdisk.o tests/guest-check.o $(USER_LINK_DEPS)
	$(SM_V_LD)$(USER_LINK) -o $@ tests/bench-net.o tests/netclient.o tests/vdisk.o tests/guest-check.o $(USER_LIBS)
tests/bench-net.iso: $(KERNEL_ELF) tests/bench-net $(NET_ELF) $(top_srcdir)/tools/mkiso.sh
	$(AM_V_GEN)$(MKISO) $@ "exit-when-idle halt-when=bench-net" $(KERNEL_ELF) \
		tests/bench-net:port=$(shell echo $$(($(NET_ECHO_PORT) + 3))) $(NET_ELF):device=00:04.0
netbench: tests/bench-net.iso
	QEMU=$(QEMU) RUNS=$(RUNS) PYTHON=$(PYTHON) $(SHELL) $(top_srcdir)/tools/run-netbench.sh tests/bench-net.iso \
		$(shell echo $$(($(NET_ECHO_PORT) + 3))) netbench-results.csv
bench: netbench
CLEANFILES += tests/bench-net tests/bench-net.iso netbench-results.csv netbench-*.log netbench-host.pid
.PHONY: netbench
