// swift-tools-version: 6.2
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
            ],
            // The numeric kernels (SIMD cell code, loops over raw buffers) run ~50x slower unoptimized:
            // optimize this target in debug builds too, so `swift test` and `swift run` train at full speed.
            // Tools version 6.2: SwiftPM 6.2+ accepts unsafe flags in a versioned dependency (checked with a
            // consumer package depending on a tag of this one; with 6.1 it refuses "contains unsafe build flags").
            swiftSettings: [.unsafeFlags(["-O"], .when(configuration: .debug))]
        ),
        // The scan's inner loops in C: AVX2 per function behind a run-time CPU check, with a portable fallback
        // (Swift's default x86-64 target has only SSE2). No flags: the target attributes select the instructions.
        .target(
            name: "ScanKernels",
            linkerSettings: [.linkedLibrary("m", .when(platforms: [.linux]))]
        ),
        .target(
            name: "QuestionIndex",
            dependencies: [
                "SiameseNet",
                "ScanKernels",
                .product(name: "GRDB", package: "GRDB.swift"),
                // The sqlite3 C API, for the bulk vector reads done on GRDB's connection.
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "HeapModule", package: "swift-collections"),
                .product(name: "CSV", package: "CSV.swift"),
                "SchemaMigrations",
            ]
        ),
        // The schema: Migrations/*.sql, compiled into Swift by the EmbedMigrations plugin so the binary carries
        // it. A target of its own so that SwiftPM watches the folder: adding or removing a .sql file re-plans.
        .target(name: "SchemaMigrations", path: "Migrations", plugins: ["EmbedMigrations"]),
        .plugin(name: "EmbedMigrations", capability: .buildTool(), dependencies: ["embed-migrations-tool"]),
        .executableTarget(name: "embed-migrations-tool", path: "Plugins/EmbedMigrationsTool"),
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
        .testTarget(
            name: "QuestionIndexTests",
            // GRDB directly, so tests can tamper with a database the way a bug or another program would.
            dependencies: ["QuestionIndex", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .testTarget(name: "SiameseCLITests", dependencies: ["siamese"]),
    ]
)
