// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "SiameseIndex",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "SiameseNet", targets: ["SiameseNet"]),
        .library(name: "QuestionIndex", targets: ["QuestionIndex"]),
        .executable(name: "siamese", targets: ["siamese"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/yaslab/CSV.swift", from: "2.5.2"),
    ],
    targets: [
        // OpenBLAS on Linux; Accelerate provides the same CBLAS symbols on Apple platforms.
        .systemLibrary(
            name: "CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .target(
            name: "SiameseNet",
            dependencies: [
                .target(name: "CBLAS", condition: .when(platforms: [.linux])),
            ]
        ),
        .target(
            name: "QuestionIndex",
            dependencies: [
                "SiameseNet",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "HeapModule", package: "swift-collections"),
                .product(name: "CSV", package: "CSV.swift"),
            ]
        ),
        .executableTarget(
            name: "siamese",
            dependencies: [
                "QuestionIndex",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "siamese-bench",
            dependencies: ["SiameseNet", "QuestionIndex"],
            path: "Benchmarks/Sources/siamese-bench"
        ),
        .testTarget(name: "SiameseNetTests", dependencies: ["SiameseNet"]),
        .testTarget(name: "QuestionIndexTests", dependencies: ["QuestionIndex"]),
        .testTarget(name: "SiameseCLITests", dependencies: ["siamese"]),
    ]
)
