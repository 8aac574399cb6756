#!/usr/bin/env python3
"""console-session.py: drive `make run`'s system through its serial console
as a person would, and check every answer.

Boots ISO under QEMU with the serial line on this script's pipes (the
devices `make run` attaches: the virtio-blk disk DISK and a virtio-net NIC,
the NIC with two MSI-X vectors so that both MSI-X modes show),
waits for the console task's prompt, types each command of SESSION below
byte by byte (with its control keys: backspace, Ctrl-U, Ctrl-C, the up
arrow), and checks what comes back against regular expressions. Bad
commands and arguments must get their one-line error and the prompt back;
Ctrl-C in the middle of a running benchmark must stop it; at the end the
kernel and the servers must still answer. The whole serial log goes to
LOG. Prints each check and then "console-session: N passed, N failed";
the exit status is 1 on any failure.

usage: console-session.py QEMU ISO DISK LOG [TIMEOUT-SECONDS] [write]

With "write" last, ISO is the same system with the console booted with
allow-write and both devices booted without MSI-X (vectors=0: INTx), and
the session is WRITE_SESSION: writes that land, and the ones still refused.
"""
import os
import re
import select
import subprocess
import sys
import time

PROMPT = "swiftmach> "
# A prompt at the start of a line: the line editor also redraws it after
# "\r\033[K" (Ctrl-U, history), which is not the next prompt.
PROMPT_RE = r"\n" + PROMPT
BS, CTRL_C, CTRL_U, UP = "\x7f", "\x03", "\x15", "\x1b[A"

# (what to type, patterns the answer must match, patterns it must not).
# The answer is everything printed between sending and the next prompt.
SESSION = [
    ("help\r", [r"devices", r"stats <dev>", r"bench ipc\|blk\|net\|time", r"kill \[-f\]"], []),
    ("devices\r", [r"eth0 +task \d+ \(net\)", r"00:04\.0 +net +modern .* net\r?$", r"00:03\.0 +1af4:1001", r"00:03\.0 +blk +modern +0x[0-9a-f]{16} +MSI-X/queue: \d+ +blk",
                   r"00:04\.0 +net +modern +0x[0-9a-f]{16} +MSI-X/device: \d+ +net",
                   r"vda +task \d+ \(blk\)", r"console +the kernel", r"hello +task \d+ \(hello\)"], []),
    ("tasks\r", [r"\d+ console +1 ", r"\d+ blk +\d+ +\d+ +\d+ +driver", r"\d+ net +\d+ +\d+ +\d+ +driver",
                 r"\d+ hello ",
                 r"thread \d+: running, priority \d+, ran \d+\.\d{3} ms"], []),
    ("time\r", [r"uptime \d+:\d\d:\d\d\.\d{3}", r"UTC +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d"], []),
    ("stats vda\r", [r"32768 records of 512 bytes", r"requests \d+: reads \d+", r"in flight \d+ \(high-water \d+",
                     r"pool: \d+ buffers"], [r"refused|flavor 0x"]),
    ("read vda 1\r", [r"vda records 1-1", r"00000000  01 00 00 00 00 00 00 00", r"000001f0 "], [r"00000200 "]),
    ("read vda 2 2\r", [r"00000000  02 00 00 00", r"00000200  03 00 00 00"], []),
    # bad commands and arguments: one line each, then the prompt
    ("frobnicate\r", [r"^frobnicate: unknown command"], []),
    ("read vda\r", [r"read: usage"], []),
    ("read vda 40000\r", [r"read: record 40000 is out of range: vda has 32768 records"], []),
    ("read vda 0 99\r", [r"read: count must be 1 to 8"], []),
    ("read nosuch 0\r", [r"read: nosuch: no such device"], []),
    ("read hello 0\r", [r"read: hello: "], [r"00000000 "]),
    ("stats\r", [r"stats: usage"], []),
    ("stats nosuch\r", [r"stats: nosuch: no such device"], []),
    ("stats hello\r", [r"stats: hello: no statistics this console knows"], []),
    ("stats console\r", [r"stats: console: no statistics this console knows"], []),
    ("read console 0\r", [r"read: console: not a disk"], []),
    ("read time 0\r", [r"read: time: not a disk"], []),
    ("kill\r", [r"kill: usage"], []),
    ("kill 999\r", [r"kill: no task 999"], []),
    ("kill nosuch\r", [r"kill: no task nosuch"], []),
    ("kill console\r", [r"kill: task \d+ \(console\): invalid argument"], []),
    ("kill blk\r", [r"kill: task \d+ \(blk\) drives a device"], [r"killed"]),
    ("write vda 0 oops\r", [r"write: disabled"], []),
    ("bench\r", [r"bench: usage"], []),
    ("bench disk\r", [r"bench: unknown family disk"], []),
    ("ping\r", [r"ping: usage"], []),
    ("ping 10.0.2.300\r", [r"ping: usage"], []),
    # the network, through the net server's eth0 and QEMU's user network
    ("ping 10.0.2.2 2\r", [r"64 bytes from 10.0.2.2: icmp_seq=1 time=\d+ us",
                          r"2 sent, [12] received, rtt min/avg/max \d+/\d+/\d+ us"], []),
    ("arp\r", [r"this host 10\.0\.2\.15 at 52:54:00:12:34:56", r"^10\.0\.2\.2 at 52:55:0a:00:02:02"], []),
    ("ping 10.0.3.1 1\r", [r"icmp_seq=1 lost|64 bytes from 10\.0\.3\.1", r"1 sent"], []),
    ("stats eth0\r", [r"eth0 \(network device\): link up", r"received \d+ frames", r"drops: no filter \d+",
                      r"MTU \d+", r"errors 0"], [r"refused|flavor 0x"]),
    ("bench net\r", [r"ICMP echo to 10.0.2.2 +\d+ +\d+ +\d+ +\d+"], []),
    # line editing
    ("tmie" + BS * 3 + "ime\r", [r"uptime \d+:"], [r"unknown command"]),
    ("garbage" + CTRL_U + "time\r", [r"uptime \d+:"], [r"unknown command"]),
    ("stats vda\r", [r"requests"], []),
    (UP + "\r", [r"stats vda", r"requests"], []),
    ("something" + CTRL_C, [r"\^C"], [r"unknown command"]),
    # benchmarks, short forms
    ("bench ipc\r", [r"kernel null RPC +2000 +\d+", r"message to self +2000 +\d+"], []),
    ("bench time\r", [r"host_get_uptime64 +2000 +\d+", r"host_get_time64 +2000 +\d+",
                    r"mapped time read +100000 +\d+"], []),
    ("bench blk\r", [r"sequential 64 KiB read +100 +\d+ +\d+", r"random 4 KiB read +500 +\d+ +\d+"], []),
]

WRITE_SESSION = [
    # Booted with vectors=0 on both devices: no MSI-X table, so INTx.
    ("devices\r", [r"00:03\.0 +blk +modern +0x[0-9a-f]{16} +INTx \d+: \d+ +blk",
                   r"00:04\.0 +net +modern +0x[0-9a-f]{16} +INTx \d+: \d+ +net"], [r"MSI-X"]),
    ("write vda 7 hello-from-the-console\r", [r"wrote 512 bytes to vda record 7"], []),
    ("read vda 7\r", [r"00000000  68 65 6c 6c 6f 2d 66 72 6f 6d 2d 74 68 65 2d 63  \|hello-from-the-c\|",
                      r"00000010  6f 6e 73 6f 6c 65 00 00"], []),
    ("read vda 8\r", [r"00000000  08 00 00 00"], []),
    ("write vda 40000 x\r", [r"write: record 40000 is out of range: vda has 32768 records"], []),
    ("write vda 7\r", [r"write: usage"], []),
    ("write nosuch 0 x\r", [r"write: nosuch: no such device"], []),
    ("write hello 0 x\r", [r"write: hello: "], [r"wrote"]),
]


class Guest:
    def __init__(self, argv, log):
        self.log = open(log, "wb")
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        self.seen = b""

    def read_until(self, pattern, timeout):
        """Everything up to and including the first match of pattern (a
        regex on text), or None after timeout seconds."""
        end = time.time() + timeout
        while True:
            text = self.seen.decode("latin-1")
            m = re.search(pattern, text)
            if m:
                self.seen = self.seen[len(text[:m.end()].encode("latin-1")):]
                return text[:m.end()]
            left = end - time.time()
            if left <= 0 or self.proc.poll() is not None:
                return None
            ready, _, _ = select.select([self.proc.stdout], [], [], min(left, 0.5))
            if ready:
                data = os.read(self.proc.stdout.fileno(), 4096)
                self.log.write(data)
                self.log.flush()
                self.seen += data

    def type(self, keys):
        # A person types one key at a time; the UART has a 16-byte FIFO.
        for ch in keys:
            self.proc.stdin.write(ch.encode("latin-1"))
            self.proc.stdin.flush()
            time.sleep(0.002)

    def stop(self):
        self.proc.kill()
        self.proc.wait()
        self.log.close()


def main():
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    qemu, iso, disk, log = sys.argv[1:5]
    timeout = float(sys.argv[5]) if len(sys.argv) > 5 else 60
    write_mode = len(sys.argv) > 6 and sys.argv[6] == "write"
    guest = Guest([qemu, "-m", "256M", "-display", "none", "-no-reboot", "-serial", "stdio", "-monitor", "none",
                   "-cdrom", iso, "-drive", "file=%s,if=none,id=vda,format=raw" % disk,
                   "-device", "virtio-blk-pci,drive=vda" + (",vectors=0" if write_mode else ""),
                   "-netdev", "user,id=net0",
                   "-device", "virtio-net-pci,netdev=net0,vectors=" + ("0" if write_mode else "2")], log)
    passed = failed = 0

    def check(ok, what, detail=""):
        nonlocal passed, failed
        if ok:
            passed += 1
            print("ok: " + what)
        else:
            failed += 1
            print("FAIL: " + what + (("\n" + detail) if detail else ""))

    def command(keys, want, refuse, timeout=timeout):
        guest.type(keys)
        answer = guest.read_until(PROMPT_RE, timeout)
        name = repr(keys)
        if answer is None:
            check(False, name + ": no prompt after %ds" % timeout, guest.seen.decode("latin-1")[-800:])
            return None
        for pattern in want:
            check(re.search(pattern, answer, re.M) is not None, "%s answers /%s/" % (name, pattern), answer[-800:])
        for pattern in refuse:
            check(re.search(pattern, answer, re.M) is None, "%s does not answer /%s/" % (name, pattern), answer[-800:])
        return answer

    try:
        booted = guest.read_until(PROMPT_RE, timeout) is not None
        check(booted, "boots to the prompt")
        if booted and write_mode:
            for keys, want, refuse in WRITE_SESSION:
                command(keys, want, refuse)
        elif booted:
            for keys, want, refuse in SESSION:
                command(keys, want, refuse)
            # Ctrl-C in the middle of a long command: once the first test of
            # bench blk has printed progress, interrupt it.
            guest.type("bench blk\r")
            started = guest.read_until(r"sequential 64 KiB read +\.", timeout)
            check(started is not None, "bench blk shows progress")
            guest.type(CTRL_C)
            answer = guest.read_until(PROMPT_RE, timeout)
            check(answer is not None and "bench: stopped" in answer, "Ctrl-C stops bench blk",
                  (answer or guest.seen.decode("latin-1"))[-400:])
            check(answer is not None and "random 4 KiB read" not in answer, "nothing runs after Ctrl-C")
            # kill: a driver needs -f; hello is no driver and goes.
            tasks = command("tasks\r", [r"hello"], [])
            blk = re.search(r"(\d+) blk ", tasks or "")
            hello = re.search(r"(\d+) hello ", tasks or "")
            if blk and hello:
                command("kill %s\r" % blk.group(1), [r"drives a device: its clients will fail"], [r"killed"])
                command("kill %s\r" % hello.group(1), [r"killed task %s \(hello\)" % hello.group(1)], [])
                command("tasks\r", [r"\d+ blk ", r"\d+ console "], [r" hello "])
                command("read hello 0\r", [r"read: hello: no such device|read: hello: .*(server|destination)"], [])
            # the system is still whole
            command("stats vda\r", [r"requests \d+"], [])
            command("read vda 5\r", [r"00000000  05 00 00 00"], [])
        with open(log, "rb") as f:
            text = f.read().decode("latin-1")
        check("panic:" not in text and "kernel fault" not in text, "no kernel panic or fault in the log")
    finally:
        guest.stop()
    print("console-session: %d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed or not passed else 0)


if __name__ == "__main__":
    main()
