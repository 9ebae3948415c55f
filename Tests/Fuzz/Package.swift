// swift-tools-version: 6.0
// The fuzz target for the answer parser and the number formatter (scripts/fuzz). A package of
// its own: its sources are links to the real ones in ../Sources, built with libFuzzer
// (-sanitize=fuzzer), which the main package's normal build must not be.
import PackageDescription

let fuzz: [SwiftSetting] = [.unsafeFlags(["-sanitize=fuzzer"])]

let package = Package(
    name: "m4top-fuzz",
    targets: [
        .systemLibrary(name: "CLibXML2", pkgConfig: "libxml-2.0"),
        .target(name: "TextSafety", swiftSettings: fuzz),
        .target(name: "M4API", dependencies: ["TextSafety", "CLibXML2"], swiftSettings: fuzz),
        .target(name: "Watch", dependencies: ["M4API"], swiftSettings: fuzz),
        .executableTarget(name: "m4top-fuzz", dependencies: ["M4API", "Watch", "TextSafety"],
                          swiftSettings: fuzz + [.unsafeFlags(["-parse-as-library"])],
                          linkerSettings: [.unsafeFlags(["-sanitize=fuzzer"])]),
    ]
)
