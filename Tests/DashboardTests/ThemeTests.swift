import Dashboard
import Watch
import Foundation
import Screen
import Testing

@Suite("Themes: files, fallback, errors, colour down-conversion")
struct ThemeTests {
    static let themesFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("themes").path

    static var shipped: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: themesFolder)) ?? []).filter { $0.hasSuffix(".toml") }.sorted()
    }

    @Test("The shipped themes are all there")
    func shippedSet() {
        for name in ["default", "light", "high-contrast", "monochrome", "solarized-dark", "colorblind"] {
            #expect(Self.shipped.contains(name + ".toml"), "\(name)")
        }
    }

    @Test("Every shipped theme loads without warnings and names every role", arguments: shipped)
    func loadsCleanly(file: String) throws {
        let path = Self.themesFolder + "/" + file
        let loaded = try ThemeLoader.load(path: path)
        #expect(loaded.warnings.isEmpty, "\(loaded.warnings)")
        #expect(loaded.description?.isEmpty == false)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        for role in Role.allCases where role != .background {
            #expect(text.contains("\n\(role.rawValue) "), "\(file) sets \(role.rawValue)")
        }
    }

    @Test("Legible on dark and light terminals at 8, 16, 256 and true colour: WCAG contrast 4.5 for text, 3.0 for muted, stale, borders",
          arguments: shipped)
    func legibleEverywhere(file: String) throws {
        let theme = try ThemeLoader.load(path: Self.themesFolder + "/" + file).theme
        for background in TerminalBackground.allCases {
            for depth in [ColorDepth.eight, .sixteen, .indexed256, .trueColor] {
                for role in Role.allCases where role != .background {
                    let resolved = ColorMapping.resolve(theme.style(role), role: role, depth: depth, background: background)
                    let (text, ground) = ColorMapping.shown(resolved, depth: depth, background: background)
                    let ratio = Contrast.ratio(text, ground)
                    #expect(ratio >= Contrast.required(for: role),
                            "\(file) \(role) at \(depth) on a \(background) terminal: contrast \(String(format: "%.2f", ratio)) (\(text) on \(ground))")
                }
                let good = ColorMapping.resolve(theme.style(.good), role: .good, depth: depth, background: background)
                let bad = ColorMapping.resolve(theme.style(.bad), role: .bad, depth: depth, background: background)
                #expect(good != bad, "\(file): good and bad look the same at \(depth) on \(background)")
            }
        }
    }

    @Test("8 colours: bright colours are their base colour in bold; bright-black is the default colour dimmed, never colour 0")
    func eightColours() {
        let muted = ColorMapping.resolve(TextStyle(.indexed(8)), role: .muted, depth: .eight, background: .dark)
        #expect(muted.foreground == -1 && muted.dim)
        let good = ColorMapping.resolve(TextStyle(.indexed(10)), role: .good, depth: .eight, background: .dark)
        #expect(good.foreground == 2 && good.bold)
        // The unguarded mapping drew bright-black as colour 0: black on a black terminal.
        #expect(ColorMapping.terminalColor(.indexed(8), depth: .eight) == 0)
        #expect(Contrast.ratio(ColorMapping.rgb(ofIndex: 0), TerminalBackground.dark.defaultBackground) < 1.1)
    }

    @Test("WCAG contrast: black on white is 21, equal colours 1")
    func contrastRatio() {
        #expect(abs(Contrast.ratio((0, 0, 0), (255, 255, 255)) - 21) < 0.01)
        #expect(abs(Contrast.ratio((119, 119, 119), (119, 119, 119)) - 1) < 0.001)
        #expect(abs(Contrast.ratio((255, 255, 0), (255, 255, 255)) - 1.07) < 0.01, "bright yellow on white")
    }

    @Test("themes/default.toml is the built-in default")
    func defaultMirrorsBuiltIn() throws {
        let loaded = try ThemeLoader.load(path: Self.themesFolder + "/default.toml")
        for role in Role.allCases {
            #expect(loaded.theme.style(role) == Theme.builtinDefault.style(role), "\(role)")
        }
    }

    @Test("The colour-blind theme never tells good from bad by red against green")
    func colorblindSafe() throws {
        let theme = try ThemeLoader.load(path: Self.themesFolder + "/colorblind.toml").theme
        for depth in [ColorDepth.sixteen, .indexed256, .trueColor] {
            let good = ColorMapping.terminalColor(theme.style(.good).foreground, depth: depth)
            let bad = ColorMapping.terminalColor(theme.style(.bad).foreground, depth: depth)
            #expect(good != bad, "\(depth)")
            let greens: Set<Int> = [2, 10, 28, 34, 40, 46, 70, 76, 82]
            #expect(!greens.contains(good), "good is not green at \(depth)")
        }
        #expect(theme.style(.good).underline != theme.style(.bad).underline, "an attribute tells them apart too")
    }

    @Test("Colours: names, indexes, #rrggbb, default; missing roles fall back to the default theme")
    func parsing() throws {
        let loaded = try ThemeLoader.parse("""
        good = { fg = "bright-green", bold = true }
        bad = { fg = 196, bg = "#102030", underline = true }
        text = { fg = "default" }
        """, name: "mine", path: "mine.toml")
        #expect(loaded.theme.name == "mine")
        #expect(loaded.theme.style(.good) == TextStyle(.indexed(10), bold: true))
        #expect(loaded.theme.style(.bad) == TextStyle(.indexed(196), on: .rgb(0x10, 0x20, 0x30), underline: true))
        #expect(loaded.theme.style(.header) == Theme.builtinDefault.style(.header))
        #expect(loaded.warnings.isEmpty)
    }

    @Test("Unknown roles and attributes warn with the line; the theme still loads")
    func warnings() throws {
        let loaded = try ThemeLoader.parse("good = { fg = \"red\" }\nsparkles = { fg = \"red\" }\nbad = { fg = \"red\", blink = true }\n",
                                           name: "w", path: "w.toml")
        #expect(loaded.warnings.count == 2)
        #expect(loaded.warnings[0].hasPrefix("w.toml:2: unknown role 'sparkles'") || loaded.warnings[1].hasPrefix("w.toml:2: unknown role 'sparkles'"))
        #expect(loaded.warnings.contains { $0.hasPrefix("w.toml:3: unknown attribute 'bad.blink'") })
        #expect(loaded.theme.style(.good).foreground == .indexed(1))
    }

    @Test("Bad colours and values are errors naming the file and line", arguments: [
        ("good = { fg = \"purpleish\" }\n", "t.toml:1: good.fg = \"purpleish\": not a colour"),
        ("\nbad = { fg = 300 }\n", "t.toml:2: bad.fg = 300: a colour index is 0-255"),
        ("good = { bold = \"yes\" }\n", "t.toml:1: good.bold must be true or false"),
        ("good = \"red\"\n", "t.toml:1: role 'good' must be a table"),
        ("good = { fg = \n", "t.toml:1: invalid TOML"),
        ("good = { fg = \"#12345\" }\n", "not a colour"),
    ])
    func errors(text: String, expected: String) {
        do {
            _ = try ThemeLoader.parse(text, name: "t", path: "t.toml")
            Issue.record("expected an error for \(text)")
        } catch {
            #expect(error.description.contains(expected), "\(error.description)")
        }
    }

    @Test("Down-conversion: true colour, then the nearest of 256, 16 and 8; none in monochrome")
    func downConversion() {
        let orange = ThemeColor.rgb(0xd5, 0x5e, 0x00)
        #expect(ColorMapping.terminalColor(orange, depth: .trueColor) == 0xd55e00)
        #expect(ColorMapping.terminalColor(orange, depth: .indexed256) == 166)
        #expect(ColorMapping.terminalColor(.rgb(255, 0, 0), depth: .indexed256) == 196)
        #expect(ColorMapping.terminalColor(.rgb(255, 0, 0), depth: .sixteen) == 9)
        #expect(ColorMapping.terminalColor(.rgb(255, 0, 0), depth: .eight) == 1)
        #expect(ColorMapping.terminalColor(.rgb(0x00, 0x2b, 0x36), depth: .sixteen) == 0)
        #expect(ColorMapping.terminalColor(.indexed(196), depth: .sixteen) == 9)
        #expect(ColorMapping.terminalColor(.indexed(12), depth: .eight) == 4)
        #expect(ColorMapping.terminalColor(.indexed(244), depth: .indexed256) == 244)
        #expect(ColorMapping.terminalColor(.rgb(128, 128, 128), depth: .indexed256) == 244)
        #expect(ColorMapping.terminalColor(.indexed(10), depth: .monochrome) == -1)
        #expect(ColorMapping.terminalColor(.terminalDefault, depth: .trueColor) == -1)
        #expect(ColorDepth(colors: 256, trueColor: false) == .indexed256)
        #expect(ColorDepth(colors: 1 << 24, trueColor: true) == .trueColor)
        #expect(ColorDepth(colors: 1 << 24, trueColor: false) == .indexed256)
        #expect(ColorDepth(colors: 8, trueColor: false) == .eight)
        #expect(ColorDepth(colors: 2, trueColor: false) == .monochrome)
    }
}
