import Foundation
import Screen

/// Reads a theme file: one TOML file with a table per role, e.g.
///
/// ```toml
/// description = "Dark, the default"
/// good   = { fg = "#5fd75f", bold = true }
/// header = { fg = "white", bg = 24, bold = true }
/// ```
///
/// Colours: `default` (the terminal's own), a name (`red`, `bright-blue`...), 0-255, or `#rrggbb`.
/// Attributes: `bold`, `underline`, `reverse`, `dim`. A role the file leaves out falls back to
/// the built-in default; an unknown role or key is a warning (the theme still loads); a bad
/// colour or value is an error naming the file and line.
package enum ThemeLoader {
    package struct Loaded: Sendable {
        package let theme: Theme
        package let description: String?
        package let warnings: [String]

        package init(theme: Theme, description: String?, warnings: [String]) {
            self.theme = theme
            self.description = description
            self.warnings = warnings
        }
    }

    package struct LoadError: Error, Sendable, CustomStringConvertible {
        package let description: String
    }

    package static let colorNames: [String: Int] = [
        "black": 0, "red": 1, "green": 2, "yellow": 3, "blue": 4, "magenta": 5, "cyan": 6, "white": 7,
        "bright-black": 8, "gray": 8, "grey": 8, "bright-red": 9, "bright-green": 10, "bright-yellow": 11,
        "bright-blue": 12, "bright-magenta": 13, "bright-cyan": 14, "bright-white": 15,
    ]

    package static func load(path: String) throws(LoadError) -> Loaded {
        let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LoadError(description: "\(path): cannot read the theme file")
        }
        return try parse(String(decoding: data, as: UTF8.self), name: name, path: path)
    }

    package static func parse(_ text: String, name: String, path: String) throws(LoadError) -> Loaded {
        let document: TOMLDocument
        do {
            document = try TOMLDocument(path: path, text: text)
        } catch {
            throw LoadError(description: "\(error.path):\(error.line): invalid TOML: \(error.reason)")
        }
        var styles: [Role: TextStyle] = [:]
        var warnings: [String] = []
        var description: String?
        for (key, value) in document.root {
            if key == "description" || key == "name" {
                if key == "description", case .string(let text) = value { description = text }
                continue
            }
            guard let role = Role(rawValue: key) else {
                warnings.append("\(document.location(ofKey: key)): unknown role '\(key)' ignored (roles: \(Role.allCases.map(\.rawValue).joined(separator: ", ")))")
                continue
            }
            guard let entries = value.tableEntries else {
                throw LoadError(description: "\(document.location(ofKey: key)): role '\(key)' must be a table like { fg = \"red\", bold = true }")
            }
            // A role the file names starts from plain text, not from the default's colours.
            var style = TextStyle()
            for (attribute, setting) in entries {
                let location = document.location(ofKey: key)
                switch attribute {
                case "fg", "bg":
                    let color = try color(setting, at: location, role: key, attribute: attribute)
                    if attribute == "fg" { style.foreground = color } else { style.background = color }
                case "bold", "underline", "reverse", "dim":
                    guard case .boolean(let on) = setting else {
                        throw LoadError(description: "\(location): \(key).\(attribute) must be true or false")
                    }
                    switch attribute {
                    case "bold": style.bold = on
                    case "underline": style.underline = on
                    case "reverse": style.reverse = on
                    default: style.dim = on
                    }
                default:
                    warnings.append("\(location): unknown attribute '\(key).\(attribute)' ignored (fg, bg, bold, underline, reverse, dim)")
                }
            }
            styles[role] = style
        }
        var merged = Theme.builtinDefault.styles
        for (role, style) in styles { merged[role] = style }
        return Loaded(theme: Theme(name: name, styles: merged), description: description, warnings: warnings)
    }

    static func color(_ value: TOMLDocument.Value, at location: String, role: String, attribute: String) throws(LoadError) -> ThemeColor {
        switch value {
        case .integer(let index):
            guard (0...255).contains(index) else {
                throw LoadError(description: "\(location): \(role).\(attribute) = \(index): a colour index is 0-255")
            }
            return .indexed(index)
        case .string(let text):
            let lower = text.lowercased()
            if lower == "default" { return .terminalDefault }
            if let index = colorNames[lower] { return .indexed(index) }
            if lower.hasPrefix("#"), lower.count == 7, let rgb = UInt32(lower.dropFirst(), radix: 16) {
                return .rgb(UInt8(rgb >> 16), UInt8((rgb >> 8) & 0xFF), UInt8(rgb & 0xFF))
            }
            throw LoadError(description: "\(location): \(role).\(attribute) = \"\(text)\": not a colour (use default, a name like bright-red, 0-255, or #rrggbb)")
        default:
            throw LoadError(description: "\(location): \(role).\(attribute) must be a colour name, 0-255 or \"#rrggbb\", not \(value.typeName)")
        }
    }
}
