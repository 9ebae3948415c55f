// swift-tools-version: 6.0
import PackageDescription

/// The commit and date a release is stamped with (scripts/package sets them); only characters
/// that cannot break out of a C string literal are kept.
func buildStamp(_ name: String) -> String {
    let allowed = Set("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.:+-_")
    return String((Context.environment[name] ?? "").filter { allowed.contains($0) }.prefix(64))
}

let package = Package(
    name: "m4top",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "m4top", targets: ["m4top"]),
        .executable(name: "m4top-bench", targets: ["m4top-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.0.0"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.27.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.0.0"),
        // The exporter's --web.config.file: the Prometheus exporter-toolkit's YAML, bcrypt passwords.
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.0.0"),
    ],
    targets: [
        // ncursesw as a system library; the shim exposes macros Swift cannot import.
        .systemLibrary(name: "CNcursesw", providers: [.apt(["libncursesw5-dev"])]),
        // libxml2 itself (the answers' XML): a document tree, no leak on malformed input.
        .systemLibrary(name: "CLibXML2", pkgConfig: "libxml-2.0", providers: [.apt(["libxml2-dev"])]),
        // What may reach a terminal: control characters replaced, URLs without credentials.
        .target(name: "TextSafety"),
        // `m4top --version`: the commit and build date, set for this one C file only.
        .target(name: "CBuildInfo", cSettings: [
            .define("M4TOP_BUILD_COMMIT", to: "\"\(buildStamp("M4TOP_BUILD_COMMIT"))\""),
            .define("M4TOP_BUILD_DATE", to: "\"\(buildStamp("M4TOP_BUILD_DATE"))\""),
        ]),
        // Screen vocabulary shared by the view and the terminal: canvas, keys, roles, themes, colours.
        .target(name: "Screen", dependencies: ["TextSafety"]),
        // Restores the terminal on a crash and hands the signal on (C: a signal handler with state).
        .target(name: "CCrashGuard", dependencies: ["CNcursesw"]),
        // The only module that calls ncurses.
        .target(name: "Curses", dependencies: ["CNcursesw", "CCrashGuard", "Screen"]),
        // quickstats_get: signing, request, transport, XML -> model, errors. No terminal code.
        .target(name: "M4API", dependencies: [
            "TextSafety", "CLibXML2",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The watching core, no terminal: servers and users, the scheduler, the metric table,
        // snapshot history and diffs, alerts, the fleet state and its update, sinks.
        .target(name: "Watch", dependencies: [
            "M4API",
            .product(name: "DequeModule", package: "swift-collections"),
        ]),
        // The terminal UI, pure: the screen state around the core's, screens, panels, keys, themes.
        .target(name: "Dashboard", dependencies: [
            "M4API", "Screen", "Watch",
            .product(name: "DequeModule", package: "swift-collections"),
            .product(name: "TOMLKit", package: "TOMLKit"),
        ]),
        // Every snapshot in SQLite (GRDB, the system's libsqlite3): the store, retention, reading back.
        .target(name: "History", dependencies: [
            "M4API", "Watch",
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        // The embedded M4 server.
        .target(name: "Simulator", dependencies: [
            "M4API", "TextSafety",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "HummingbirdTLS", package: "hummingbird"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        // Prometheus: every watched user's latest numbers as gauges, /probe, the HTTP face.
        .target(name: "Exporter", dependencies: [
            "M4API", "Watch", "TextSafety",
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "Yams", package: "Yams"),
            .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "HummingbirdTLS", package: "hummingbird"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // `m4top check`, a Nagios/Icinga plugin: conditions, the status line, performance data.
        .target(name: "PluginCheck", dependencies: ["M4API", "Watch", "TextSafety"]),
        // CLI, configuration, one-shot output and the live wiring (timer, stdin, signals, curses).
        .target(name: "App", dependencies: [
            "M4API", "TextSafety", "Watch", "Dashboard", "Simulator", "Curses", "Screen", "History", "Exporter", "PluginCheck", "CBuildInfo",
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "TOMLKit", package: "TOMLKit"),
        ]),
        .executableTarget(name: "m4top", dependencies: ["App"]),
        // Speed and memory figures (scripts/bench): printed, never asserted.
        .executableTarget(name: "m4top-bench", dependencies: ["M4API", "Watch", "Dashboard", "Screen", "Simulator", "History", "Exporter", "App"]),

        // Helpers shared by test targets (never linked into the product).
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "M4APITests", dependencies: ["M4API", "Simulator", "TestSupport", "TextSafety"]),
        .testTarget(name: "WatchTests", dependencies: ["Watch", "M4API", "TestSupport"]),
        .testTarget(name: "DashboardTests", dependencies: ["Dashboard", "Watch", "M4API", "Screen", "TestSupport"]),
        .testTarget(name: "SimulatorTests", dependencies: ["Simulator", "M4API", "TestSupport", "TextSafety"]),
        .testTarget(name: "HistoryTests", dependencies: ["History", "Watch", "M4API", "TestSupport", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "ExporterTests", dependencies: [
            "Exporter", "PluginCheck", "Watch", "M4API", "Simulator", "TestSupport", "TextSafety",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
        ]),
        .testTarget(name: "AppTests", dependencies: [
            "App", "Curses", "Watch", "Dashboard", "Exporter", "History", "M4API", "PluginCheck", "Screen", "Simulator", "TestSupport", "TextSafety",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        .testTarget(name: "EndToEndTests", dependencies: [
            "m4top", "Simulator", "M4API", "TestSupport",
            // Insecure.MD5: Prometheus's hashmod, to check the sharded config's split.
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
    ]
)
