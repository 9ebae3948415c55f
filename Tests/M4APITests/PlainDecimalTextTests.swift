import Foundation
import M4API
import Testing

@Suite("Decimals written back as Foundation writes them")
struct PlainDecimalTextTests {
    /// Foundation's own text of the value, both ways the code used before.
    func expectSameText(_ value: Decimal, _ note: String = "") {
        let fast = PlainDecimal.text(value)
        #expect(fast == value.description, "\(note) \(value.description)")
        #expect(fast == NSDecimalNumber(decimal: value).stringValue, "\(note) \(value.description)")
    }

    @Test("Texts a server sends, parsed and written back, are Foundation's texts")
    func serverTexts() {
        #expect(PlainDecimal.layoutKnown, "the fast path is taken here (else these tests compare Foundation with itself)")
        for text in ["0", "-0", "7", "0.1", "-12.50", "123456789012345678", "00012.300", ".5", "5.", "0.005", "-0.0001",
                     "1200", "99999999999999999999", "18446744073709551615", "18446744073709551616", "1e5", "-2.5e-3",
                     "1234.5678", "0.000000000000000001", "3.14159265358979323846"] {
            expectSameText(Decimal(string: text)!, text)
        }
    }

    @Test("Every sign, significand size and exponent: the same text as Foundation's")
    func manyValues() {
        var generator = SystemRandomNumberGenerator()
        let significands: [UInt64] = [0, 1, 9, 10, 100, 12345, 1 << 16, 1 << 32 + 7, UInt64.max / 3, UInt64.max]
        for significand in significands {
            for exponent in -25...25 {
                for sign in [FloatingPointSign.plus, .minus] {
                    expectSameText(Decimal(sign: sign, exponent: exponent, significand: Decimal(significand)), "\(significand)e\(exponent)")
                }
            }
        }
        for _ in 0..<2_000 {
            let significand = UInt64.random(in: 0...UInt64.max, using: &generator) >> UInt64.random(in: 0...63, using: &generator)
            let exponent = Int.random(in: -20...20, using: &generator)
            expectSameText(Decimal(sign: Bool.random(using: &generator) ? .minus : .plus, exponent: exponent, significand: Decimal(significand)))
        }
        // Larger than 64 bits, huge exponents and NaN take Foundation's path: the same text.
        expectSameText(Decimal(string: "123456789012345678901234567890")!)
        expectSameText(Decimal(sign: .plus, exponent: 100, significand: 7))
        expectSameText(Decimal.nan)
    }
}
