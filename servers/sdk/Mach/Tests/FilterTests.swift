// FilterTests.swift - the host test of the SDK's packet filter engine
// (servers/sdk/Mach/NetFilter.swift), built by tests/host.mk as a 32-bit
// Linux program from that file and the shared checks: what a filter passes or fails
// at device_set_filter, and what each program accepts.  Prints
// "N passed, M failed" last, as every host test does (check() is
// tests/host/swift/Check.swift).

/// An Ethernet frame: destination, source, type, then `payload`.
func frame(type: UInt16, _ payload: [UInt8]) -> [UInt8] {
    [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x52, 0x54, 0, 0x12, 0x34, 0x56,
     UInt8(type >> 8), UInt8(type & 0xff)] + payload
}

/// An IPv4 header (20 bytes) of protocol `proto`, then 8 bytes.
func ipv4(_ proto: UInt8) -> [UInt8] {
    [0x45, 0, 0, 28, 0, 1, 0x40, 0, 64, proto, 0, 0, 10, 0, 2, 15, 10, 0, 2, 2] + [UInt8](repeating: 7, count: 8)
}

func compile(_ words: [UInt16]) -> NetFilter? {
    words.withUnsafeBufferPointer { try? NetFilter.compile($0) }
}

func accepts(_ f: NetFilter, _ bytes: [UInt8], outgoing: Bool = false) -> Bool {
    bytes.withUnsafeBytes { raw in
        f.accepts(header: UnsafeRawBufferPointer(rebasing: raw[0..<14]),
                  payload: UnsafeRawBufferPointer(rebasing: raw[14...]), outgoing: outgoing)
    }
}

/// One BPF instruction as 4 filter words (struct bpf_insn in memory).
func insn(_ code: UInt16, _ jt: UInt8 = 0, _ jf: UInt8 = 0, _ k: UInt32 = 0) -> [UInt16] {
    [code, UInt16(jt) | UInt16(jf) << 8, UInt16(k & 0xffff), UInt16(k >> 16)]
}

let netfIn: UInt16 = 1, bpfHeader: UInt16 = 1 | 1 << 10
let pushLit: UInt16 = 1, pushZero: UInt16 = 2, pushWord: UInt16 = 16, pushHeader: UInt16 = 960
func op(_ n: UInt16) -> UInt16 { n << 10 }
let eq = op(1), and = op(6), cor = op(9), cand = op(10), lt = op(2), neq = op(13)

let arp = frame(type: 0x0806, [UInt8](repeating: 0, count: 28))
let icmp = frame(type: 0x0800, ipv4(1))
let udp = frame(type: 0x0800, ipv4(17))
let ipv6 = frame(type: 0x86dd, [UInt8](repeating: 0, count: 40))
let other = frame(type: 0x88cc, [UInt8](repeating: 0, count: 30))
let runt = frame(type: 0x0800, [0x45])

func netfPrograms() {
    let all = compile([netfIn, pushLit | op(0), 1])
    check(all != nil && all!.language == .netf, "pfinet's accept-all compiles")
    if let all { check([arp, icmp, udp, ipv6, other, runt].allSatisfy { accepts(all, $0) }, "accept-all takes all") }
    check(compile([netfIn]).map { accepts($0, other) } == true, "an empty program accepts (empty stack)")
    check(compile([2, pushLit, 1]).map { accepts($0, other) } == false, "NETF_OUT only: no received frame")
    check(compile([2, pushLit, 1]).map { accepts($0, other, outgoing: true) } == true, "NETF_OUT: written frames")
    check(compile([netfIn, pushLit, 1]).map { accepts($0, other, outgoing: true) } == false,
          "NETF_IN only: no written frame")
    check(compile([netfIn | 2, pushZero]).map { accepts($0, other, outgoing: true) || accepts($0, other) } == false,
          "both directions, still the program decides")
    // IPv4 UDP: EtherType word (memory order) CAND, then protocol byte.
    let udpOnly = compile([netfIn, pushHeader + 6, pushLit | cand, 0x0008,
                           pushWord + 4, pushLit | and, 0xff00, pushLit | eq, 0x1100])
    check(udpOnly != nil, "UDP filter compiles")
    if let f = udpOnly {
        check(accepts(f, udp) && !accepts(f, icmp) && !accepts(f, arp), "UDP filter takes UDP alone")
        check(!accepts(f, runt), "a load past the frame rejects it")
    }
    // COR: ARP or IPv4 accepted at once, else the last comparison decides.
    let arpOrIP = compile([netfIn, pushHeader + 6, pushLit | cor, 0x0608,
                           pushHeader + 6, pushLit | cor, 0x0008, pushZero])
    if let f = arpOrIP {
        check(accepts(f, arp) && accepts(f, icmp) && !accepts(f, ipv6), "COR chain")
    } else { check(false, "COR program compiles") }
    let stackCopy = compile([netfIn, pushLit, 5, 992 | op(0), pushLit | neq, 5])   // push 5, dup, 5 != 5 -> 0 on top
    if let f = stackCopy { check(!accepts(f, other), "PUSHSTK copies a stack word") } else { check(false, "PUSHSTK compiles") }
    check(compile([netfIn, pushLit | lt]) == nil, "PUSHLIT at the end has no literal")
    check(compile([netfIn, pushLit | eq, 1]) == nil, "an operator on one word underflows")
    check(compile([netfIn, 3]) == nil, "push 3 is unknown")
    check(compile([netfIn, pushLit | op(18), 1]) == nil, "operator 18 is unknown")
    check(compile([netfIn, 992 | op(0)]) == nil, "PUSHSTK below the bottom")
    check(compile([netfIn] + [UInt16](repeating: pushZero, count: 33)) == nil, "33 pushes overflow the stack")
    check(compile([netfIn] + [UInt16](repeating: pushZero, count: 32)) != nil, "32 pushes fit")
    check(compile([netfIn] + [UInt16](repeating: 0, count: 128)) == nil, "129 words is too many")
    check(compile([]) == nil, "an empty filter")
    check(compile([netfIn | 0x40]) == nil, "unknown flags in word 0")
    check(compile([op(5) | netfIn]) == nil, "unknown filter type")
}

func bpfPrograms() {
    // pfinet's: ARP, IPv4, IPv6 accepted, the rest refused.
    let pfinet = compile([bpfHeader, 0, 0, 0] + insn(0x28, 0, 0, 12) + insn(0x15, 2, 0, 0x0806) +
                         insn(0x15, 1, 0, 0x0800) + insn(0x15, 0, 1, 0x86dd) + insn(0x06, 0, 0, 1500) + insn(0x06))
    check(pfinet != nil && pfinet!.language == .bpf, "pfinet's BPF filter compiles")
    if let f = pfinet {
        check(accepts(f, arp) && accepts(f, icmp) && accepts(f, ipv6) && !accepts(f, other), "pfinet's filter")
    }
    // IP header length through MSH, then the UDP destination port (IND).
    let dport = compile([bpfHeader, 0, 0, 0] + insn(0xb1, 0, 0, 14) + insn(0x48, 0, 0, 16) +
                        insn(0x15, 0, 1, 0x0707) + insn(0x06, 0, 0, 1) + insn(0x06))
    if let f = dport { check(accepts(f, udp) && !accepts(f, runt), "MSH + IND load") } else { check(false, "MSH compiles") }
    // ALU, scratch memory, TAX/TXA, JSET, RET A, LEN.
    let alu = compile([bpfHeader, 0, 0, 0] + insn(0x80) + insn(0x02, 0, 0, 3) + insn(0x61, 0, 0, 3) +
                      insn(0x87) + insn(0x14, 0, 0, 14) + insn(0x45, 0, 1, 0x10) + insn(0x16) + insn(0x06))
    // len 42 - 14 = 28 (0x1c): bit 0x10 set, so A (28) is returned
    if let f = alu { check(accepts(f, udp), "ALU, ST/LDX MEM, TXA, JSET, RET A") } else { check(false, "ALU compiles") }
    let divX = compile([bpfHeader, 0, 0, 0] + insn(0x01, 0, 0, 0) + insn(0x00, 0, 0, 9) + insn(0x3c) + insn(0x16))
    if let f = divX { check(!accepts(f, udp), "division by X = 0 rejects") } else { check(false, "DIV X compiles") }
    check(compile([bpfHeader, 0, 0, 0] + insn(0x34, 0, 0, 0) + insn(0x06)) == nil, "division by constant 0")
    check(compile([bpfHeader, 0, 0, 0] + insn(0x15, 2, 0, 1) + insn(0x06)) == nil, "jump past the end")
    check(compile([bpfHeader, 0, 0, 0] + insn(0x05, 0, 0, 1) + insn(0x06)) == nil, "JA past the end")
    check(compile([bpfHeader, 0, 0, 0] + insn(0x60, 0, 0, 16) + insn(0x06)) == nil, "scratch word 16")
    check(compile([bpfHeader, 0, 0, 0] + insn(0x55, 0, 0, 0) + insn(0x06)) == nil, "JMP op 0x50 is unknown")
    check(compile([bpfHeader, 0, 0, 0] + insn(0x28)) == nil, "no return at the end")
    check(compile([bpfHeader, 0, 0, 0]) == nil, "no instructions")
    check(compile([bpfHeader, 0, 0, 0, 6, 0]) == nil, "half an instruction")
    check(compile([bpfHeader, 0, 0, 0] + insn(0x1f) + insn(0x06)) == nil, "misc op 0x18 is unknown")
    check(compile([bpfHeader, 0, 0, 0] + insn(0x06 | 0x18)) == nil, "RET MATCH_IMM refused")
    var long: [UInt16] = [bpfHeader, 0, 0, 0]
    for _ in 0..<31 { long += insn(0x06) }
    check(compile(long) != nil, "31 instructions (128 words) fit")
    check(compile(long + insn(0x06)) == nil, "32 instructions do not")
    // A load past the frame returns 0 (rejects).
    let far = compile([bpfHeader, 0, 0, 0] + insn(0x20, 0, 0, 2000) + insn(0x06, 0, 0, 1))
    if let f = far { check(!accepts(f, udp), "load past the frame rejects") } else { check(false, "far load compiles") }
}

@_cdecl("main")
func hostMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    netfPrograms()
    bpfPrograms()
    print("test_net_filter: \(passed) passed, \(failed) failed")
    print("\(passed) passed, \(failed) failed")
    return failed == 0 ? 0 : 1
}
