import Foundation
import PackagePlugin

/// Build-tool plugin: turns the `.sql` files of the target it is applied to (`SchemaMigrations`, whose folder is
/// the top-level `Migrations/`) into one Swift file declaring `EmbeddedMigrations.all`, so the schema is compiled
/// into the binary: no resource bundle has to travel next to the `siamese` executable.
///
/// Each `.sql` file is an input of the build command, so editing one regenerates the Swift file. Adding or
/// removing one changes the target's folder, which SwiftPM watches, so the build is re-planned with the new list.
@main
struct EmbedMigrations: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let inputs = (target.sourceModule?.sourceFiles(withSuffix: "sql").map(\.url) ?? [])
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedMigrations.swift")
        return [
            .buildCommand(
                displayName: "Embedding migrations into \(target.name)",
                executable: try context.tool(named: "embed-migrations-tool").url,
                arguments: [output.path(percentEncoded: false)] + inputs.map { $0.path(percentEncoded: false) },
                inputFiles: inputs,
                outputFiles: [output]
            )
        ]
    }
}
