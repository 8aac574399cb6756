// NetFilter.swift - the packet filters of GNU Mach's network device
// interface (device_set_filter): checked once when a client sets one, run
// for every frame received (NETF_IN) or written by a client (NETF_OUT).  Pure Swift, no kernel calls: the host test
// (servers/sdk/Mach/Tests) runs it on a 32-bit Linux host.
//
// Two languages arrive as the same array of 16-bit words (filter_t,
// include/device/net_status.h), told apart by the type bits of word 0:
//
//  - NETF, the CMU stack language: word 0 holds the direction flags
//    (NETF_IN, NETF_OUT); every later word is a push (low 10 bits) and an
//    operator (high 6 bits) on a stack of NET_FILTER_STACK_DEPTH (32)
//    words.  Pushes read 16-bit words of the frame as they lie in memory
//    (network order: a client compares with htons() constants).  The frame
//    is accepted when the program ends with an empty stack or a non-zero
//    top, or when a short-circuit operator says so.
//  - NETF_BPF: word 0 is NETF_BPF | direction, words 1-3 fill the rest of
//    a header instruction; then classic BPF instructions of 4 words each
//    (code, jt|jf<<8 as two bytes, k as two words, little-endian as a C
//    struct bpf_insn lies in memory).  Absolute and indexed loads address
//    the whole Ethernet frame, its 14-byte header first, so pfinet's
//    "load half-word at 12" reads the EtherType.  A non-zero return
//    value accepts the frame.
//
// Checks (any failure: the caller answers D_INVALID_OPERATION): at most
// NET_MAX_FILTER words; NETF: known operators and pushes, a literal after
// every PUSHLIT, no stack underflow or overflow along the (jump-free)
// program; BPF: whole instructions, known opcodes, jumps inside the
// program, a return as last instruction, scratch memory indices below 16,
// no division by a constant zero.  At run time every load outside the
// frame rejects it.

/// The constants of include/device/net_status.h and device/bpf.h this
/// engine needs (the ABI's numbers; kept here so the host test needs no C).
public enum NetFilterConstants {
    public static let maxWords = 128                  // NET_MAX_FILTER
    public static let stackDepth = 32                 // NET_FILTER_STACK_DEPTH
    public static let typeMask: UInt16 = 0x3f << 10   // NETF_TYPE_MASK
    public static let typeBPF: UInt16 = 1 << 10       // NETF_BPF
    public static let directionIn: UInt16 = 1         // NETF_IN
    public static let directionOut: UInt16 = 2        // NETF_OUT
    public static let highPriority = 100              // NET_HI_PRI
    public static let bpfMemoryWords = 16             // BPF_MEMWORDS
    public static let ethernetHeaderBytes = 14
}

/// Why a filter was refused, for the server's log line.
public struct FilterRejection: Error {
    public let why: String
    public init(_ why: String) { self.why = why }
}

/// One classic BPF instruction, decoded.
@frozen
public struct BPFInstruction {
    public let code: UInt16
    public let jumpTrue: UInt8
    public let jumpFalse: UInt8
    public let k: UInt32
}

/// A checked filter program, ready to run on frames.  A class: every
/// frame runs it, and a struct holding three arrays would be copied (each
/// array retained and released) on the way to each run.
public final class NetFilter {
    public enum Language { case netf, bpf }
    public let language: Language
    /// NETF_IN / NETF_OUT as the client gave them.
    public let direction: UInt16
    /// NETF: the words after word 0.  BPF: empty.
    let words: [UInt16]
    /// BPF: the instructions after the header one.  NETF: empty.
    let program: [BPFInstruction]
    /// The words as the client sent them, to tell a replaced filter apart.
    public let source: [UInt16]

    /// Whether the filter wants received frames (NETF_IN).
    public var wantsIncoming: Bool { direction & NetFilterConstants.directionIn != 0 }
    /// Whether the filter wants the frames clients write (NETF_OUT).
    public var wantsOutgoing: Bool { direction & NetFilterConstants.directionOut != 0 }

    init(language: Language, direction: UInt16, words: [UInt16], program: [BPFInstruction], source: [UInt16]) {
        self.language = language
        self.direction = direction
        self.words = words
        self.program = program
        self.source = source
    }

    /// Checks `filter` and builds the program; throws why it is refused.
    public static func compile(_ filter: UnsafeBufferPointer<UInt16>) throws(FilterRejection) -> NetFilter {
        let n = filter.count
        guard n > 0 else { throw FilterRejection("empty filter") }
        guard n <= NetFilterConstants.maxWords else {
            throw FilterRejection("\(n) words (at most \(NetFilterConstants.maxWords))")
        }
        let first = filter[0]
        guard first & ~(NetFilterConstants.typeMask | NetFilterConstants.directionIn |
                        NetFilterConstants.directionOut) == 0 else {
            throw FilterRejection("unknown flags in word 0 (\(first))")
        }
        let direction = first & (NetFilterConstants.directionIn | NetFilterConstants.directionOut)
        switch first & NetFilterConstants.typeMask {
        case 0:
            let words = Array(filter[1...])
            try checkNETF(words)
            return NetFilter(language: .netf, direction: direction, words: words, program: [], source: Array(filter))
        case NetFilterConstants.typeBPF:
            guard n % 4 == 0, n >= 8 else {
                throw FilterRejection("BPF filter of \(n) words: a header and whole instructions (4 words each) needed")
            }
            var insns: [BPFInstruction] = []
            var i = 4
            while i < n {
                let jumps = filter[i + 1]
                insns.append(BPFInstruction(code: filter[i], jumpTrue: UInt8(truncatingIfNeeded: jumps),
                                            jumpFalse: UInt8(truncatingIfNeeded: jumps >> 8),
                                            k: UInt32(filter[i + 2]) | UInt32(filter[i + 3]) << 16))
                i += 4
            }
            try checkBPF(insns)
            return NetFilter(language: .bpf, direction: direction, words: [], program: insns, source: Array(filter))
        default:
            throw FilterRejection("unknown filter type \(first >> 10)")
        }
    }

    /// Runs the filter on one frame: `header` its 14-byte Ethernet header,
    /// `payload` the rest; `outgoing` for a frame a client wrote.  A frame
    /// of the direction word 0 did not ask for is refused unseen.
    public func accepts(header: UnsafeRawBufferPointer, payload: UnsafeRawBufferPointer,
                        outgoing: Bool = false) -> Bool {
        guard outgoing ? wantsOutgoing : wantsIncoming else { return false }
        switch language {
        case .netf: return runNETF(header: header, payload: payload)
        case .bpf: return runBPF(Frame(header: header, payload: payload)) != 0
        }
    }
}

// MARK: - NETF

/// NETF push arguments (low 10 bits) and operators (high 6 bits).
enum NETF {
    static let noPush: UInt16 = 0, pushLiteral: UInt16 = 1, pushZero: UInt16 = 2
    static let pushIndirect: UInt16 = 14, pushHeaderIndirect: UInt16 = 15
    static let pushWord: UInt16 = 16, pushHeader: UInt16 = 960, pushStack: UInt16 = 992
    static let nop = 0, eq = 1, lt = 2, le = 3, gt = 4, ge = 5, and = 6, or = 7, xor = 8
    static let cor = 9, cand = 10, cnor = 11, cnand = 12, neq = 13, lsh = 14, rsh = 15
    static let add = 16, sub = 17
    static let lastOperator = 17
}

extension NetFilter {
    /// Walks the program once: the stack depth is the same on every run
    /// (NETF has no jumps), so underflow and overflow are caught here.
    static func checkNETF(_ words: [UInt16]) throws(FilterRejection) {
        var depth = 0
        var i = 0
        while i < words.count {
            let w = words[i]
            let arg = w & 0x3ff, op = Int(w >> 10)
            switch arg {
            case NETF.noPush: break
            case NETF.pushLiteral:
                guard i + 1 < words.count else { throw FilterRejection("PUSHLIT without a literal at word \(i + 1)") }
                i += 1
                depth += 1
            case NETF.pushZero, NETF.pushWord..<1024: depth += 1
            case NETF.pushIndirect, NETF.pushHeaderIndirect:
                guard depth >= 1 else { throw FilterRejection("indirect push on an empty stack at word \(i + 1)") }
            default:
                throw FilterRejection("unknown push \(arg) at word \(i + 1)")
            }
            if arg >= NETF.pushStack && Int(arg - NETF.pushStack) >= depth - 1 {
                throw FilterRejection("stack word \(arg - NETF.pushStack) below the bottom at word \(i + 1)")
            }
            guard depth <= NetFilterConstants.stackDepth else {
                throw FilterRejection("stack deeper than \(NetFilterConstants.stackDepth) at word \(i + 1)")
            }
            guard op <= NETF.lastOperator else { throw FilterRejection("unknown operator \(op) at word \(i + 1)") }
            if op != NETF.nop {
                guard depth >= 2 else { throw FilterRejection("operator \(op) with \(depth) operands at word \(i + 1)") }
                // Short-circuit operators pop both and push nothing when
                // they go on; the others leave their result.
                depth -= (op >= NETF.cor && op <= NETF.cnand) ? 2 : 1
            }
            i += 1
        }
    }

    func runNETF(header: UnsafeRawBufferPointer, payload: UnsafeRawBufferPointer) -> Bool {
        // The program was checked (checkNETF): every PUSHLIT has its
        // literal and the stack stays within its depth, so the words and
        // the stack are read without further bounds checks.
        words.withUnsafeBufferPointer { words in
            withUnsafeTemporaryAllocation(of: UInt16.self, capacity: NetFilterConstants.stackDepth) { stack in
                runNETF(words, stack.baseAddress!, header: header, payload: payload)
            }
        }
    }

    private func runNETF(_ words: UnsafeBufferPointer<UInt16>, _ stack: UnsafeMutablePointer<UInt16>,
                         header: UnsafeRawBufferPointer, payload: UnsafeRawBufferPointer) -> Bool {
        var sp = 0
        func word(_ b: UnsafeRawBufferPointer, _ n: Int) -> UInt16? {
            guard n >= 0, 2 * n + 2 <= b.count else { return nil }
            return b.loadUnaligned(fromByteOffset: 2 * n, as: UInt16.self)
        }
        var i = 0
        while i < words.count {
            let w = words[i]
            let arg = w & 0x3ff, op = Int(w >> 10)
            switch arg {
            case NETF.noPush: break
            case NETF.pushLiteral:
                i += 1
                stack[sp] = words[i]; sp += 1
            case NETF.pushZero:
                stack[sp] = 0; sp += 1
            case NETF.pushIndirect:
                guard let v = word(payload, Int(stack[sp - 1])) else { return false }
                stack[sp - 1] = v
            case NETF.pushHeaderIndirect:
                guard let v = word(header, Int(stack[sp - 1])) else { return false }
                stack[sp - 1] = v
            case NETF.pushStack...:
                stack[sp] = stack[sp - 1 - Int(arg - NETF.pushStack)]; sp += 1
            case NETF.pushHeader...:
                guard let v = word(header, Int(arg - NETF.pushHeader)) else { return false }
                stack[sp] = v; sp += 1
            default:                                    // PUSHWORD + n
                guard let v = word(payload, Int(arg - NETF.pushWord)) else { return false }
                stack[sp] = v; sp += 1
            }
            if op != NETF.nop {
                let top = stack[sp - 1], next = stack[sp - 2]
                var result: UInt16 = 0
                switch op {
                case NETF.cor: if top == next { return true }
                case NETF.cand: if top != next { return false }
                case NETF.cnor: if top == next { return false }
                case NETF.cnand: if top != next { return true }
                case NETF.eq: result = next == top ? 1 : 0
                case NETF.neq: result = next != top ? 1 : 0
                case NETF.lt: result = next < top ? 1 : 0
                case NETF.le: result = next <= top ? 1 : 0
                case NETF.gt: result = next > top ? 1 : 0
                case NETF.ge: result = next >= top ? 1 : 0
                case NETF.and: result = next & top
                case NETF.or: result = next | top
                case NETF.xor: result = next ^ top
                case NETF.lsh: result = top >= 16 ? 0 : next << top
                case NETF.rsh: result = top >= 16 ? 0 : next >> top
                case NETF.add: result = next &+ top
                default: result = next &- top              // NETF.sub
                }
                if op >= NETF.cor && op <= NETF.cnand {
                    sp -= 2
                } else {
                    sp -= 1
                    stack[sp - 1] = result
                }
            }
            i += 1
        }
        return sp == 0 || stack[sp - 1] != 0
    }
}

// MARK: - BPF

/// A received frame as BPF sees it: the Ethernet header, then the payload.
struct Frame {
    let header: UnsafeRawBufferPointer
    let payload: UnsafeRawBufferPointer
    let length: Int
    /// The whole frame when the payload follows the header in memory (a
    /// received frame always does): loads then read it in place.
    let contiguous: UnsafeRawPointer?

    init(header: UnsafeRawBufferPointer, payload: UnsafeRawBufferPointer) {
        self.header = header
        self.payload = payload
        length = header.count + payload.count
        if let h = header.baseAddress, payload.count == 0 || h + header.count == payload.baseAddress {
            contiguous = h
        } else {
            contiguous = nil
        }
    }

    func byte(_ at: Int) -> UInt8 {
        at < header.count ? header[at] : payload[at - header.count]
    }

    /// `bytes` (1, 2 or 4) big-endian at `offset`, or nil outside the frame.
    func load(_ offset: UInt32, _ bytes: Int) -> UInt32? {
        guard offset <= UInt32(Int32.max), Int(offset) <= length - bytes else { return nil }
        let o = Int(offset)
        if let c = contiguous {
            switch bytes {
            case 1: return UInt32(c.load(fromByteOffset: o, as: UInt8.self))
            case 2: return UInt32(UInt16(bigEndian: c.loadUnaligned(fromByteOffset: o, as: UInt16.self)))
            default: return UInt32(bigEndian: c.loadUnaligned(fromByteOffset: o, as: UInt32.self))
            }
        }
        var v: UInt32 = 0
        for i in 0..<bytes { v = v << 8 | UInt32(byte(o + i)) }
        return v
    }
}

/// Classic BPF opcode fields (device/bpf.h).
enum BPF {
    static let ld: UInt16 = 0, ldx: UInt16 = 1, st: UInt16 = 2, stx: UInt16 = 3
    static let alu: UInt16 = 4, jmp: UInt16 = 5, ret: UInt16 = 6, misc: UInt16 = 7
    static let w: UInt16 = 0x00, h: UInt16 = 0x08, b: UInt16 = 0x10
    static let imm: UInt16 = 0x00, abs: UInt16 = 0x20, ind: UInt16 = 0x40, mem: UInt16 = 0x60
    static let len: UInt16 = 0x80, msh: UInt16 = 0xa0
    static let x: UInt16 = 0x08
    static let a: UInt16 = 0x10
    static let tax: UInt16 = 0x00, txa: UInt16 = 0x80

    static func sizeBytes(_ code: UInt16) -> Int? {
        switch code & 0x18 { case w: return 4; case h: return 2; case b: return 1; default: return nil }
    }
}

extension NetFilter {
    static func checkBPF(_ insns: [BPFInstruction]) throws(FilterRejection) {
        guard let last = insns.last, last.code & 7 == BPF.ret else {
            throw FilterRejection("BPF program does not end with a return")
        }
        for (pc, insn) in insns.enumerated() {
            let code = insn.code
            let bad = FilterRejection("BPF opcode \(hexWord(code)) at instruction \(pc + 1) not supported")
            guard code & 0xff00 == 0 else { throw bad }
            let mode = code & 0xe0
            switch code & 7 {
            case BPF.ld, BPF.ldx:
                let isX = code & 7 == BPF.ldx
                switch mode {
                case BPF.imm, BPF.len:
                    guard code & 0x18 == BPF.w else { throw bad }
                case BPF.abs, BPF.ind:
                    guard !isX, BPF.sizeBytes(code) != nil else { throw bad }
                case BPF.mem:
                    guard code & 0x18 == BPF.w else { throw bad }
                    guard insn.k < UInt32(NetFilterConstants.bpfMemoryWords) else {
                        throw FilterRejection("BPF scratch word \(insn.k) at instruction \(pc + 1)")
                    }
                case BPF.msh:
                    guard isX, code & 0x18 == BPF.b else { throw bad }
                default: throw bad
                }
            case BPF.st, BPF.stx:
                guard code & 0xf8 == 0 else { throw bad }
                guard insn.k < UInt32(NetFilterConstants.bpfMemoryWords) else {
                    throw FilterRejection("BPF scratch word \(insn.k) at instruction \(pc + 1)")
                }
            case BPF.alu:
                let op = code & 0xf0
                guard op <= 0x80, code & 0x07 == BPF.alu, code & ~0xf8 == BPF.alu else { throw bad }
                if op == 0x80 && code & BPF.x != 0 { throw bad }
                if op == 0x30 && code & BPF.x == 0 && insn.k == 0 {
                    throw FilterRejection("BPF division by zero at instruction \(pc + 1)")
                }
            case BPF.jmp:
                let op = code & 0xf0
                guard op <= 0x40 else { throw bad }
                let rest = insns.count - pc - 1
                if op == 0 {
                    guard code & BPF.x == 0 else { throw bad }
                    guard insn.k < UInt32(rest) else {
                        throw FilterRejection("BPF jump past the end at instruction \(pc + 1)")
                    }
                } else {
                    guard Int(insn.jumpTrue) < rest, Int(insn.jumpFalse) < rest else {
                        throw FilterRejection("BPF jump past the end at instruction \(pc + 1)")
                    }
                }
            case BPF.ret:
                let r = code & 0x18
                guard r == 0 || r == BPF.a, code & ~0x18 == BPF.ret else { throw bad }
            default:                                        // BPF.misc
                guard code == BPF.misc | BPF.tax || code == BPF.misc | BPF.txa else { throw bad }
            }
        }
    }

    /// Runs a checked program (jumps stay inside, the last one returns).
    func runBPF(_ f: Frame) -> UInt32 {
        // Checked (checkBPF): jumps stay inside, so no bounds checks.
        program.withUnsafeBufferPointer { runBPF(f, $0) }
    }

    private func runBPF(_ f: Frame, _ program: UnsafeBufferPointer<BPFInstruction>) -> UInt32 {
        var a: UInt32 = 0, x: UInt32 = 0
        var mem = (UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0),
                   UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0))
        return withUnsafeMutableBytes(of: &mem) { raw -> UInt32 in
            let m = raw.bindMemory(to: UInt32.self)
            var pc = 0
            while pc < program.count {
                let insn = program[pc]
                let code = insn.code, k = insn.k
                pc += 1
                switch code & 7 {
                case BPF.ld, BPF.ldx:
                    var v: UInt32
                    switch code & 0xe0 {
                    case BPF.imm: v = k
                    case BPF.len: v = UInt32(f.length)
                    case BPF.mem: v = m[Int(k)]
                    case BPF.abs:
                        guard let got = f.load(k, BPF.sizeBytes(code)!) else { return 0 }
                        v = got
                    case BPF.ind:
                        let (at, overflow) = x.addingReportingOverflow(k)
                        guard !overflow, let got = f.load(at, BPF.sizeBytes(code)!) else { return 0 }
                        v = got
                    default:                                // BPF.msh: 4 * (byte & 0xf)
                        guard let got = f.load(k, 1) else { return 0 }
                        v = (got & 0xf) << 2
                    }
                    if code & 7 == BPF.ld { a = v } else { x = v }
                case BPF.st: m[Int(k)] = a
                case BPF.stx: m[Int(k)] = x
                case BPF.alu:
                    let operand = code & BPF.x != 0 ? x : k
                    switch code & 0xf0 {
                    case 0x00: a = a &+ operand
                    case 0x10: a = a &- operand
                    case 0x20: a = a &* operand
                    case 0x30:
                        guard operand != 0 else { return 0 }
                        a = a / operand
                    case 0x40: a |= operand
                    case 0x50: a &= operand
                    case 0x60: a = operand >= 32 ? 0 : a << operand
                    case 0x70: a = operand >= 32 ? 0 : a >> operand
                    default: a = 0 &- a                     // NEG
                    }
                case BPF.jmp:
                    let operand = code & BPF.x != 0 ? x : k
                    let taken: Bool
                    switch code & 0xf0 {
                    case 0x00:
                        pc += Int(k)
                        continue
                    case 0x10: taken = a == operand
                    case 0x20: taken = a > operand
                    case 0x30: taken = a >= operand
                    default: taken = a & operand != 0       // JSET
                    }
                    pc += Int(taken ? insn.jumpTrue : insn.jumpFalse)
                case BPF.ret:
                    return code & 0x18 == BPF.a ? a : k
                default:
                    if code & 0xf8 == BPF.txa { a = x } else { x = a }
                }
            }
            return 0
        }
    }
}

/// "0x28", for log lines (no Foundation, no Unicode tables).
func hexWord(_ v: UInt16) -> String {
    var digits: [UInt8] = []
    var bits = v
    repeat {
        let d = UInt8(truncatingIfNeeded: bits & 0xf)
        digits.append(d < 10 ? 48 + d : 87 + d)
        bits >>= 4
    } while bits != 0
    return "0x" + String(decoding: digits.reversed(), as: UTF8.self)
}
