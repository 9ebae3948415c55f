/// A number too wide for its cell is shown scaled (`1.23e22`), never cut with `…`: a cut number
/// reads as a smaller one. Text that is not a plain number is cut as before.
enum NumberFit {
    /// `text` as it is when it fits in `room` columns; else, for a number such as
    /// `-12,345,678,901,234,567,890.50` or `42.5%`, the most digits of `-1.2345e22` that fit;
    /// nil when neither fits (the caller cuts it).
    static func scaled(_ text: String, toFit room: Int) -> String? {
        if text.count <= room { return text }
        var body = Substring(text)
        var sign = ""
        if body.first == "-" || body.first == "+" { sign = body.first == "-" ? "-" : ""; body = body.dropFirst() }
        var suffix = ""
        if body.last == "%" { suffix = "%"; body = body.dropLast() }
        let plain = body.filter { $0 != "," }
        let parts = plain.split(separator: ".", omittingEmptySubsequences: false)
        guard !plain.isEmpty, parts.count <= 2, parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
              let whole = parts.first else { return nil }
        let digits = whole.drop { $0 == "0" } + (parts.count == 2 ? parts[1] : "")
        // The exponent of the first significant digit.
        let leadingZerosOfFraction = parts.count == 2 && whole.allSatisfy({ $0 == "0" }) ? parts[1].prefix { $0 == "0" }.count : 0
        let significant = String(digits.drop { $0 == "0" })
        guard let first = significant.first else { return nil }
        let exponent = whole.allSatisfy({ $0 == "0" }) ? -(leadingZerosOfFraction + 1) : whole.drop { $0 == "0" }.count - 1
        let tail = "e\(exponent)" + suffix
        let fixed = sign.count + 1 + tail.count  // sign, the first digit, e and exponent
        guard fixed <= room else { return nil }
        // Room for ".ddd" after the first digit, if any.
        let decimals = min(significant.count - 1, room - fixed - 1)
        let mantissa = decimals > 0 ? "\(first)." + significant.dropFirst().prefix(decimals) : "\(first)"
        return sign + mantissa + tail
    }
}
