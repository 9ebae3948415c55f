import Dashboard
import Watch
import Curses
import Foundation
import Screen

/// Finds themes by name: the user's `$XDG_CONFIG_HOME/m4top/themes/`, then the themes installed
/// with the program, then the built-in default, so the binary always works alone.
struct ThemeCatalog {
    struct Entry: Equatable {
        let name: String
        /// nil for the built-in default.
        let path: String?
    }

    let entries: [Entry]

    /// Folders searched, first wins: the user's, `M4TOP_THEMES`, and those installed with the
    /// binary (`../share/m4top/themes`, or the source tree's `themes/` for a build in place).
    static func searchFolders(environment: [String: String], executable: String = CommandLine.arguments[0]) -> [String] {
        var folders = [ConfigFile.configDirectory(environment: environment) + "/themes"]
        if let extra = environment["M4TOP_THEMES"], !extra.isEmpty { folders.append(extra) }
        var dir = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        folders.append(dir.deletingLastPathComponent().appendingPathComponent("share/m4top/themes").path)
        for _ in 0..<5 {
            let candidate = dir.appendingPathComponent("themes")
            if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("default.toml").path) {
                folders.append(candidate.path)
                break
            }
            dir = dir.deletingLastPathComponent()
        }
        return folders
    }

    init(environment: [String: String], executable: String = CommandLine.arguments[0]) {
        var entries: [Entry] = []
        for folder in Self.searchFolders(environment: environment, executable: executable) {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            for file in files.sorted() where file.hasSuffix(".toml") {
                let name = String(file.dropLast(5))
                if !entries.contains(where: { $0.name == name }) { entries.append(Entry(name: name, path: folder + "/" + file)) }
            }
        }
        if !entries.contains(where: { $0.name == "default" }) { entries.insert(Entry(name: "default", path: nil), at: 0) }
        self.entries = entries
    }

    /// The theme for a name or a path; errors name what is wrong and what exists.
    func load(_ nameOrPath: String, origin: String = "--theme") throws(ConfigError) -> ThemeLoader.Loaded {
        if nameOrPath.contains("/") || nameOrPath.hasSuffix(".toml") {
            do { return try ThemeLoader.load(path: nameOrPath) } catch { throw ConfigError("\(origin): \(error.description)") }
        }
        guard let entry = entries.first(where: { $0.name == nameOrPath }) else {
            throw ConfigError("\(origin): no theme '\(nameOrPath)' (known: \(entries.map(\.name).joined(separator: ", ")))")
        }
        guard let path = entry.path else {
            return ThemeLoader.Loaded(theme: .builtinDefault, description: "built in", warnings: [])
        }
        do { return try ThemeLoader.load(path: path) } catch { throw ConfigError(error.description) }
    }

    /// The theme to start with: the one asked for, or with none (or `auto`) the one for the
    /// terminal's background.
    static func choose(_ asked: String?, for background: TerminalBackground) -> String? {
        guard asked == nil || asked == "auto" else { return asked }
        return background == .light ? "light" : nil
    }

    /// The themes `t` cycles through: the chosen one first, then every other that loads.
    func cycle(startingWith chosen: String?, origin: String = "--theme") throws(ConfigError) -> (themes: [Theme], warnings: [String]) {
        let first = try load(chosen ?? "default", origin: origin)
        var themes = [first.theme]
        var warnings = first.warnings
        for entry in entries where entry.name != first.theme.name {
            guard let loaded = try? load(entry.path ?? entry.name) else { continue }
            themes.append(loaded.theme)
            warnings += loaded.warnings
        }
        return (themes, warnings)
    }

    /// `m4top --list-themes`: the background found and the theme `auto` picks for it; then each
    /// theme: name, where, what for, and what is wrong with it, if anything.
    func listing(background: BackgroundDetector.Finding) -> String {
        let width = entries.map(\.name.count).max() ?? 0
        let auto = Self.choose(nil, for: background.background) ?? "default"
        let head = "background: \(background.background.rawValue) (\(background.reason)); --theme auto picks \(auto)\n"
        return head + entries.map { entry in
            var line = entry.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + (entry.path ?? "built in")
            do throws(ConfigError) {
                let loaded = try load(entry.path ?? entry.name)
                line += "  " + (loaded.description ?? "")
                for warning in loaded.warnings { line += "\n    warning: " + warning }
            } catch {
                line += "\n    error: " + error.message
            }
            return line
        }.joined(separator: "\n")
    }
}

/// Whether to use colour: `--color`, then `NO_COLOR` (any value, even empty) under auto.
enum ColorPolicy {
    static func enabled(_ choice: ColorChoice, environment: [String: String]) -> Bool {
        switch choice {
        case .always: return true
        case .never: return false
        case .auto: return environment["NO_COLOR"] == nil
        }
    }
}
