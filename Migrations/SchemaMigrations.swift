// Module SchemaMigrations: the index schema as numbered SQL files (0001_initial.sql, …), the single source of
// truth. The EmbedMigrations build-tool plugin compiles them into `EmbeddedMigrations.all` in this module, so
// the `siamese` binary carries its schema wherever it is copied. Add a migration as the next numbered file;
// never edit one that has shipped.
