import Foundation
import Screen

/// The themes `t` cycles through (theme files arrive with the themes issue).
enum ThemeCatalog {
    static func themes(for chosen: String?, environment: [String: String]) -> [Theme] {
        [Theme.builtinDefault]
    }
}
