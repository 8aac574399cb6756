// BootArguments.swift - the module command line GRUB gave the task.

/// The `key=value` words of a boot module's command line (argv; argv[0] is
/// the module's path), as drivers are configured: `device=virtio-blk`
/// (read by the kernel), `inflight=16`, `zerocopy=0`.  Unknown keys are the
/// driver's business: `unknownKeys(known:)` lists them for a log line.
/// Strings are compared as UTF-8 bytes (String comparison would pull in
/// Unicode tables the Embedded stdlib for i686 does not ship).
public struct BootArguments {
    public let words: [String]

    /// From main's argc/argv.
    public init(argc: Int32, argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) {
        var w: [String] = []
        if let argv {
            for i in 1..<max(Int(argc), 1) {
                if let p = argv[i] { w.append(BootArguments.string(p)) }
            }
        }
        words = w
    }

    public init(words: [String]) { self.words = words }

    static func string(_ p: UnsafePointer<CChar>) -> String {
        var bytes: [UInt8] = []
        var i = 0
        while p[i] != 0 {
            bytes.append(UInt8(bitPattern: p[i]))
            i += 1
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The text after `key=` in the last word that has it.
    public func value(_ key: String) -> String? {
        let prefix = Array((key + "=").utf8)
        var found: String?
        for w in words {
            let u = Array(w.utf8)
            if u.count >= prefix.count && Array(u[0..<prefix.count]) == prefix {
                found = String(decoding: u[prefix.count...], as: UTF8.self)
            }
        }
        return found
    }

    /// `key=N` as a number in `range`; `fallback` when absent, and also
    /// (with a log line) when malformed or out of range.
    public func integer(_ key: String, default fallback: Int, range: ClosedRange<Int>) -> Int {
        guard let text = value(key) else { return fallback }
        var v = 0
        var ok = !text.isEmpty
        for c in text.utf8 {
            guard c >= 48 && c <= 57, v < 100_000_000 else { ok = false; break }
            v = v * 10 + Int(c - 48)
        }
        if ok && range.contains(v) { return v }
        print("boot: \(key)=\(text) ignored (want \(range.lowerBound)...\(range.upperBound)); using \(fallback)")
        return fallback
    }

    /// `key=0|1|no|yes|off|on`; `fallback` when absent or malformed.
    public func flag(_ key: String, default fallback: Bool) -> Bool {
        guard let text = value(key) else { return fallback }
        let u = Array(text.utf8)
        for yes in ["1", "yes", "on"] where Array(yes.utf8) == u { return true }
        for no in ["0", "no", "off"] where Array(no.utf8) == u { return false }
        print("boot: \(key)=\(text) ignored (want 0 or 1)")
        return fallback
    }

    /// `queue=N`: the virtqueue size a driver asks for, 0 (its default) or a
    /// power of two up to 32768 (virtio 1.x 2.7); anything else is ignored
    /// with a log line naming `server`, and 0 returned.
    public func queueSize(server: String) -> Int {
        let n = integer("queue", default: 0, range: 0...32768)
        if n != 0 && n & (n - 1) != 0 {
            print("\(server): queue=\(n) is not a power of two; using the default")
            return 0
        }
        return n
    }

    /// A log line naming `server` for each key given that is not in `known`.
    public func warnUnknownKeys(server: String, known: [String]) {
        for w in unknownKeys(known: known) {
            print("\(server): unknown argument \(w) ignored")
        }
    }

    /// Keys given that are not in `known` (words without '=' count too).
    public func unknownKeys(known: [String]) -> [String] {
        var out: [String] = []
        for w in words {
            var key: [UInt8] = []
            for c in w.utf8 {
                if c == 61 { break }
                key.append(c)
            }
            if !known.contains(where: { Array($0.utf8) == key }) { out.append(w) }
        }
        return out
    }
}
