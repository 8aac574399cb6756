#!/bin/sh
# run-guest-test.sh NAME ISO EXPECT-FILE TIMEOUT-SECONDS [QEMU ARGS...]
# Boots ISO headless under qemu-system-i386 and judges the run from the serial
# log (NAME.log) and QEMU's exit status. Passes only when the kernel halted
# cleanly (isa-debug-exit status 33), nothing panicked or faulted in the
# kernel, the test printed "test-TOPIC: N passed, 0 failed" with N > 0, no
# other summary line in the log reports a failure, and every line of
# EXPECT-FILE (an extended regular expression) matches the log.
# Optional environment, for a topic that boots another topic's program or
# leaves something on the host to check:
#   GUEST_SUMMARY    the summary line's name (default: the base name of NAME)
#   GUEST_SETUP      a command run before QEMU (e.g. making a fresh disk image)
#   GUEST_POSTCHECK  a command run after QEMU exits, with the log as its last
#                    argument; its failure fails the topic and its output
#                    goes to NAME.check
#   GUEST_CONSOLE    1: the console on this terminal too (make run-TOPIC);
#                    a TIMEOUT-SECONDS of 0 means no limit
set -u
name=$1; iso=$2; expect=$3; limit=$4; shift 4
log=$name.log
: "${QEMU:=qemu-system-i386}"
fail() {
	echo "FAIL: $name: $*"; echo "--- last lines of $log:"; tail -n 25 "$log"
	[ "${checked:-0}" = failed ] && { echo "--- host check ($name.check):"; cat "$name.check"; }
	exit 1
}
if [ -n "${GUEST_SETUP:-}" ]; then
	sh -c "$GUEST_SETUP" || { echo "FAIL: $name: setup failed: $GUEST_SETUP"; exit 1; }
fi
if [ "${GUEST_CONSOLE:-0}" = 1 ]; then
	# The console on this terminal as well as in the log (QEMU's status
	# goes through a file, since the pipe's status is tee's).
	{ timeout --foreground -k 5 "$limit" "$QEMU" -m 256M -nographic -no-reboot \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 -cdrom "$iso" "$@"; \
	  echo $? > "$name.status"; } | tee "$log"
	status=$(cat "$name.status"); rm -f "$name.status"
else
	timeout --foreground -k 5 "$limit" "$QEMU" -m 256M -display none -no-reboot \
		-serial "file:$log" -monitor none \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 -cdrom "$iso" "$@" </dev/null
	status=$?
fi
if [ -n "${GUEST_POSTCHECK:-}" ]; then
	checked=passed
	sh -c "$GUEST_POSTCHECK \"\$1\"" postcheck "$log" > "$name.check" 2>&1 || checked=failed
fi
case $status in
33) ;;
124|137) fail "timed out after ${limit}s" ;;
255) fail "kernel panic" ;;
0) fail "QEMU reset (triple fault?)" ;;
*) fail "QEMU exited with status $status" ;;
esac
grep -q 'panic:' "$log" && fail "kernel panic"
grep -q 'kernel fault' "$log" && fail "kernel fault"
# Every summary line in the log counts (the test's, and any a Swift client or
# server prints); the test's own line must be there.
summaries=$(tr -d '\r' < "$log" | grep -E '^([A-Za-z0-9_-]+: )?[0-9]+ passed, [0-9]+ failed')
topic=${GUEST_SUMMARY:-$(basename "$name")}
summary=$(echo "$summaries" | grep -E "^$topic: " | tail -n 1)
[ -n "$summary" ] || fail "no '$topic: N passed, N failed' line"
bad=$(echo "$summaries" | grep -Ev ' 0 failed$' || true)
[ -z "$bad" ] || fail "guest reported failures: $bad"
echo "$summary" | grep -Eq ': 0 passed' && fail "guest ran no test"
if [ -f "$expect" ]; then
	while IFS= read -r pattern; do
		case $pattern in ''|'#'*) continue ;; esac
		grep -Eq -- "$pattern" "$log" || fail "log lacks: $pattern"
	done < "$expect"
fi
[ "${checked:-}" = failed ] && fail "host check failed: $GUEST_POSTCHECK"
echo "PASS: $name ($summary)"
