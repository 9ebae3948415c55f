import Watch
import Foundation
import M4API
import TextSafety

/// One input: any bytes as a server's answer. Whatever they are, parsing ends in an answer or a
/// typed error (never a trap), nothing unsafe for a terminal survives, and every value formats
/// without trapping, as every kind of metric.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let body = Data(bytes: data, count: size)
    checkUserList(body)
    let answer: QuickStatsAnswer
    do {
        answer = try QuickStatsParser.parse(body)
    } catch {
        precondition(!error.message.unicodeScalars.contains(where: TerminalSafeText.isUnsafe), "unsafe text in an error message")
        return 0
    }
    guard case .stats(let stats) = answer else { return 0 }
    let fields = stats.fields + stats.sections.flatMap(\.fields)
    for field in fields {
        for text in [field.name, field.text] {
            precondition(!text.unicodeScalars.contains(where: TerminalSafeText.isUnsafe), "unsafe text in a value")
        }
        guard let number = field.number else { continue }
        for kind in [MetricKind.count, .duration, .money, .percent, .rate, .text] {
            _ = MetricFormat.value(field, kind: kind)
            _ = MetricFormat.delta(number, kind: kind)
            _ = MetricFormat.delta(-number, kind: kind)
        }
    }
    return 0
}

/// The same bytes as a `users_get` answer: a list or a typed error, every text terminal-safe.
func checkUserList(_ body: Data) {
    let users: [M4User]
    do {
        guard case .users(let list) = try UserListParser.parse(body) else { return }
        users = list
    } catch {
        precondition(!error.message.unicodeScalars.contains(where: TerminalSafeText.isUnsafe), "unsafe text in an error message")
        return
    }
    for user in users {
        for text in [user.username, user.id, user.firstName, user.lastName, user.userType] {
            precondition(!text.unicodeScalars.contains(where: TerminalSafeText.isUnsafe), "unsafe text in a user")
        }
        if let balance = user.balance { _ = MetricFormat.money(balance) }
    }
}

/// libFuzzer's driver, entered from the executable's main (SwiftPM names it `<module>_main`).
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> Int32) -> Int32

@_cdecl("m4top_fuzz_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments, fuzzOneInput)
}
