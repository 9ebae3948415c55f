@testable import App
import Curses
import Foundation
import Screen
import Testing

@Suite("Theme discovery and colour policy")
struct ThemeCatalogTests {
    let dir = TempDir()
    /// A fake executable inside a tree with a `themes/` folder, as a build in place has.
    var installed: (executable: String, folder: String) {
        let folder = dir.path + "/tree/themes"
        dir.write("tree/themes/default.toml", "border = { fg = \"blue\" }\n")
        dir.write("tree/themes/light.toml", "description = \"installed light\"\ntext = { fg = 16 }\n")
        dir.write("tree/.build/debug/m4top", "")
        return (dir.path + "/tree/.build/debug/m4top", folder)
    }

    @Test("User themes come first, then installed ones, then the built-in default")
    func discovery() throws {
        let (executable, folder) = installed
        dir.write("config/m4top/themes/light.toml", "description = \"my light\"\ntext = { fg = 17 }\n")
        dir.write("config/m4top/themes/mine.toml", "good = { fg = \"#00ff00\" }\n")
        let catalog = ThemeCatalog(environment: ["XDG_CONFIG_HOME": dir.path + "/config"], executable: executable)
        #expect(catalog.entries.map(\.name) == ["light", "mine", "default"])
        #expect(catalog.entries.first { $0.name == "light" }?.path == dir.path + "/config/m4top/themes/light.toml")
        #expect(catalog.entries.first { $0.name == "default" }?.path == folder + "/default.toml")
        #expect(try catalog.load("light").description == "my light")
        #expect(try catalog.load("mine").theme.style(.good).foreground == .rgb(0, 255, 0))
        let light = BackgroundDetector.detect(environment: ["COLORFGBG": "0;15"])  // no terminal here: COLORFGBG decides
        #expect(catalog.listing(background: light).contains("mine"))
        #expect(catalog.listing(background: light).hasPrefix("background: light (COLORFGBG=0;15); --theme auto picks light"))
        dir.write("config/m4top/themes/broken.toml", "good = { fg = \"nope\" }\nsparkles = { }\n")
        dir.write("config/m4top/themes/odd.toml", "sparkles = { fg = \"red\" }\n")
        let listing = ThemeCatalog(environment: ["XDG_CONFIG_HOME": dir.path + "/config"], executable: executable).listing(background: light)
        #expect(listing.contains("error: ") && listing.contains("not a colour"))
        #expect(listing.contains("warning: ") && listing.contains("unknown role 'sparkles'"))
    }

    @Test("auto (or no theme) picks light on a light terminal, default on a dark one; a named theme wins")
    func autoTheme() {
        #expect(ThemeCatalog.choose(nil, for: .light) == "light")
        #expect(ThemeCatalog.choose("auto", for: .light) == "light")
        #expect(ThemeCatalog.choose(nil, for: .dark) == nil)
        #expect(ThemeCatalog.choose("production", for: .light) == "production")
    }

    @Test("The background: an OSC 11 answer, else COLORFGBG, else dark")
    func background() {
        #expect(BackgroundDetector.parseOSC11("\u{1B}]11;rgb:ffff/ffff/ffff\u{1B}\\\u{1B}[?62;c")?.0 == .light)
        #expect(BackgroundDetector.parseOSC11("\u{1B}]11;rgb:0000/0000/0000\u{07}")?.0 == .dark)
        #expect(BackgroundDetector.parseOSC11("\u{1B}]11;rgb:fd/f6/e3\u{07}")?.0 == .light, "two hex digits (solarized light)")
        #expect(BackgroundDetector.parseOSC11("\u{1B}]11;rgb:00/2b/36\u{07}")?.0 == .dark)
        #expect(BackgroundDetector.parseOSC11("\u{1B}[?62;c") == nil, "only DA1: no answer to OSC 11")
        #expect(BackgroundDetector.fromCOLORFGBG("0;15") == .light)
        #expect(BackgroundDetector.fromCOLORFGBG("15;default;0") == .dark)
        #expect(BackgroundDetector.fromCOLORFGBG("garbage") == nil)
        let finding = BackgroundDetector.detect(environment: ["COLORFGBG": "0;15"])
        #expect(finding.background == .light, "tests have no terminal: COLORFGBG decides")
        #expect(BackgroundDetector.detect(environment: [:]).reason.hasPrefix("assumed"))
    }

    @Test("Without any theme files the built-in default still works")
    func builtIn() throws {
        let catalog = ThemeCatalog(environment: ["XDG_CONFIG_HOME": dir.path + "/none"], executable: dir.path + "/bin/m4top")
        #expect(catalog.entries == [ThemeCatalog.Entry(name: "default", path: nil)])
        #expect(try catalog.load("default").theme == Theme.builtinDefault)
        #expect(try catalog.cycle(startingWith: nil).themes == [Theme.builtinDefault])
    }

    @Test("A path loads directly; an unknown name lists the known ones")
    func pathsAndUnknown() throws {
        let (executable, _) = installed
        let catalog = ThemeCatalog(environment: ["XDG_CONFIG_HOME": dir.path + "/none"], executable: executable)
        let path = dir.write("elsewhere/red.toml", "border = { fg = \"red\" }\n")
        #expect(try catalog.load(path).theme.style(.border).foreground == .indexed(1))
        do {
            _ = try catalog.load("nope")
            Issue.record("expected an error")
        } catch {
            #expect(error.message == "--theme: no theme 'nope' (known: default, light)")
        }
    }

    @Test("t cycles from the chosen theme through the others")
    func cycle() throws {
        let (executable, _) = installed
        let catalog = ThemeCatalog(environment: ["XDG_CONFIG_HOME": dir.path + "/none"], executable: executable)
        #expect(try catalog.cycle(startingWith: "light").themes.map(\.name) == ["light", "default"])
    }

    @Test("NO_COLOR (any value, even empty) turns colour off under auto; --color overrides")
    func noColor() {
        #expect(ColorPolicy.enabled(.auto, environment: [:]))
        #expect(!ColorPolicy.enabled(.auto, environment: ["NO_COLOR": ""]))
        #expect(!ColorPolicy.enabled(.auto, environment: ["NO_COLOR": "1"]))
        #expect(ColorPolicy.enabled(.always, environment: ["NO_COLOR": "1"]))
        #expect(!ColorPolicy.enabled(.never, environment: [:]))
    }
}
