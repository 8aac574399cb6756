// Check.swift - the assertion helpers every Swift host test shares
// (tests/host.mk compiles this file into each one): a failed check prints
// its line and what went wrong; the test's main prints the counts last as
// "N passed, M failed", as every host test does.

nonisolated(unsafe) var passed = 0
nonisolated(unsafe) var failed = 0

func check(_ ok: Bool, _ what: @autoclosure () -> String, line: Int = #line) {
    if ok {
        passed += 1
    } else {
        failed += 1
        print("FAIL line \(line): \(what())")
    }
}

func checkEqual<T: Equatable>(_ a: T, _ b: T, _ what: String, line: Int = #line) {
    check(a == b, "\(what)", line: line)
}
