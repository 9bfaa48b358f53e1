package pgstore

import (
	"context"
	_ "embed"
	"hash/fnv"
	"strings"

	"github.com/jackc/pgx/v5"
)

//go:embed schema.sql
var schemaSQL string

// Schema returns the SQL that creates the store's schema, table and
// indexes under the given schema name ("" means [DefaultSchema]), for
// teams that apply migrations with their own tool. Every statement is
// idempotent (IF NOT EXISTS). The file schema.sql in this package is the
// same SQL for the default schema.
func Schema(schema string) string {
	if schema == "" {
		schema = DefaultSchema
	}
	return strings.ReplaceAll(schemaSQL, `"asyncjob"`, pgx.Identifier{schema}.Sanitize())
}

// Migrate creates the store's schema, table and indexes when they do not
// exist. It is idempotent and safe to run from several instances at once:
// a transaction-scoped advisory lock serialises concurrent runs (CREATE …
// IF NOT EXISTS alone races on the catalog).
func (s *Store) Migrate(ctx context.Context) error {
	h := fnv.New64a()
	h.Write([]byte("httpsem/asyncjob/pgstore\x00" + s.schema))
	lock := int64(h.Sum64())
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", lock); err != nil {
			return err
		}
		// The simple protocol runs the whole script in one round trip.
		_, err := tx.Conn().PgConn().Exec(ctx, Schema(s.schema)).ReadAll()
		return err
	})
	if err != nil {
		return s.fail(ctx, "migrate", err)
	}
	return nil
}
