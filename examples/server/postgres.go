package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/httpsem/httpsem/asyncjob"
	"github.com/httpsem/httpsem/asyncjob/pgstore"
	"github.com/httpsem/httpsem/httperr"
)

// With -postgres, jobs (with their idempotency keys and webhook outbox) and
// reports live in PostgreSQL: jobs in asyncjob/pgstore's table, reports in a
// table of their own beside it, in the schema -postgres-schema. A report
// request and its job are written in one transaction, so there is never a
// job without its request row or a request without its job.

// defaultPostgresSchema is the schema of the example's tables.
const defaultPostgresSchema = "httpsem_example"

// postgresSetupTimeout bounds connecting and creating the tables at start.
const postgresSetupTimeout = 15 * time.Second

// maxReportSweep bounds the expired reports one report write deletes.
const maxReportSweep = 100

// pgBackend is the -postgres state, closed by Shutdown.
type pgBackend struct {
	pool    *pgxpool.Pool
	store   *pgstore.Store
	reports string // quoted name of the reports table
	now     func() time.Time
}

// openPostgres connects to -postgres, creates the tables when they are
// missing and keeps the reports there. Unlike -redis it needs the database
// at start, to create the tables; later outages answer 503 with
// Retry-After until the database is back.
func (s *server) openPostgres() error {
	if s.cfg.PostgresURL == "" {
		return nil
	}
	if s.cfg.RedisURL != "" {
		return errors.New("-postgres and -redis cannot be combined")
	}
	schema := s.cfg.PostgresSchema
	if schema == "" {
		schema = defaultPostgresSchema
	}
	ctx, cancel := context.WithTimeout(context.Background(), postgresSetupTimeout)
	defer cancel()
	pool, err := pgxpool.New(ctx, s.cfg.PostgresURL)
	if err != nil {
		return fmt.Errorf("-postgres: %w", err)
	}
	store, err := pgstore.New(pool, pgstore.Options{Schema: schema, Logger: s.cfg.Logger, Now: s.cfg.Now})
	if err != nil {
		pool.Close()
		return fmt.Errorf("-postgres: %w", err)
	}
	p := &pgBackend{pool: pool, store: store, reports: pgx.Identifier{schema, "reports"}.Sanitize(), now: s.cfg.Now}
	if err := p.migrate(ctx); err != nil {
		_ = p.close()
		return fmt.Errorf("-postgres: %w", err)
	}
	s.pg = p
	if s.cfg.reports == nil {
		s.reports = p // reports live beside their jobs
	}
	return nil
}

func (p *pgBackend) migrate(ctx context.Context) error {
	if err := p.store.Migrate(ctx); err != nil {
		return err
	}
	// request is the job's payload (report ID, type, date range); report
	// is NULL until the job has stored the finished report.
	_, err := p.pool.Exec(ctx, `CREATE TABLE IF NOT EXISTS `+p.reports+` (
    id         text        PRIMARY KEY,
    job_id     text        NOT NULL,
    owner      text        NOT NULL DEFAULT '',
    request    json        NOT NULL,
    created_at timestamptz NOT NULL,
    report     json,
    expires_at timestamptz
)`)
	if err == nil {
		_, err = p.pool.Exec(ctx, `CREATE INDEX IF NOT EXISTS reports_expiry ON `+p.reports+` (expires_at) WHERE expires_at IS NOT NULL`)
	}
	return err
}

func (p *pgBackend) close() error {
	err := p.store.Close()
	p.pool.Close()
	return err
}

// put stores a finished report. The first report stays, as in Redis: a job
// taken over after a crash may finish twice, and a finished report never
// changes. Expired reports are deleted a bounded batch at a time.
func (p *pgBackend) put(ctx context.Context, r *report) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	now := p.now()
	_, err = p.pool.Exec(ctx, `INSERT INTO `+p.reports+` (id, job_id, request, created_at, report, expires_at)
VALUES ($1, '', '{}', $2, $3, $4)
ON CONFLICT (id) DO UPDATE SET report = excluded.report, expires_at = excluded.expires_at WHERE `+p.reports+`.report IS NULL`,
		r.ID, now, b, now.Add(asyncjob.DefaultRetention))
	if err != nil {
		return err
	}
	_, err = p.pool.Exec(ctx, `DELETE FROM `+p.reports+` WHERE id IN (SELECT id FROM `+p.reports+` WHERE expires_at <= $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`, now, maxReportSweep)
	return err
}

func (p *pgBackend) get(ctx context.Context, id string) (*report, error) {
	var b []byte
	err := p.pool.QueryRow(ctx, `SELECT report FROM `+p.reports+` WHERE id = $1 AND report IS NOT NULL AND (expires_at IS NULL OR expires_at > $2)`, id, p.now()).Scan(&b)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errReportNotFound
	}
	if err != nil {
		return nil, err
	}
	var r report
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// submitReports is the handler of POST /reports: the job manager's submit
// handler, and with -postgres that handler inside a transaction which also
// writes the report request.
func (s *server) submitReports() http.Handler {
	h := s.jobs.SubmitHandler(kindReport, s.decodeReport)
	if s.pg == nil {
		return h
	}
	return s.pg.transactional(h)
}

// transactional runs next (a submit handler) with a transaction in the
// request context, so that the job is created in it (pgstore.WithTx), and
// holds next's answer until the outcome is known. On a 202 for a new job
// it writes the report request row and commits, so that the job and its
// request appear together; on anything else (an error, or a 202 replaying
// the job of an earlier request with the same Idempotency-Key) it rolls
// back. A failed commit answers 503 with Retry-After instead of the 202,
// so a client never holds a status URL of a job that does not exist.
//
// Prefer: wait is removed from the request: the job becomes visible to
// workers at the commit, after the handler has answered.
func (p *pgBackend) transactional(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The body is read before the transaction begins, so that a slow
		// client cannot hold a transaction (and a pooled connection) open.
		// One byte over the limit lets the submit handler answer 413.
		body, err := io.ReadAll(io.LimitReader(r.Body, asyncjob.DefaultMaxBodyBytes+1))
		if err != nil {
			fail(w, r, httperr.New(http.StatusBadRequest, httperr.CodeBadRequest, "The request body could not be read."))
			return
		}
		ctx := r.Context()
		tx, err := p.pool.Begin(ctx)
		if err != nil {
			unavailable(w, r)
			return
		}
		defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }() // after Commit, a no-op
		r2 := r.WithContext(pgstore.WithTx(ctx, tx))
		r2.Body = io.NopCloser(bytes.NewReader(body))
		if prefs := asyncjob.ParsePrefer(r.Header); prefs.HasWait {
			r2.Header = r.Header.Clone()
			if prefs.RespondAsync {
				r2.Header.Set("Prefer", "respond-async")
			} else {
				r2.Header.Del("Prefer")
			}
		}
		held := &heldResponse{header: http.Header{}}
		next.ServeHTTP(held, r2)
		if held.status == http.StatusAccepted {
			created, err := p.recordRequest(r2.Context(), held.header.Get("Location"))
			if err == nil && created {
				err = tx.Commit(ctx)
			}
			if err != nil {
				unavailable(w, r)
				return
			}
		}
		held.replay(w)
	})
}

// recordRequest writes the report request row of the job at statusURL,
// in the transaction of ctx, and reports whether it is new: a job created
// by this request has no row yet; a job replayed for an Idempotency-Key
// has had one since its own transaction committed.
func (p *pgBackend) recordRequest(ctx context.Context, statusURL string) (bool, error) {
	id := strings.TrimPrefix(statusURL, asyncjob.DefaultStatusPrefix)
	j, err := p.store.Get(ctx, id)
	if err != nil {
		return false, err
	}
	var pl reportPayload
	if err := json.Unmarshal(j.Payload, &pl); err != nil || pl.ReportID == "" {
		return false, fmt.Errorf("job %s: not a report: %w", id, err)
	}
	tag, err := pgstore.TxFrom(ctx).Exec(ctx, `INSERT INTO `+p.reports+` (id, job_id, owner, request, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING`,
		pl.ReportID, j.ID, j.Owner, j.Payload, p.now())
	if err != nil {
		return false, err
	}
	return tag.RowsAffected() == 1, nil
}

// unavailable answers 503 with Retry-After, as the job manager does when
// its store is down.
func unavailable(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Retry-After", "5")
	fail(w, r, httperr.New(http.StatusServiceUnavailable, httperr.CodeUnavailable, "The service is temporarily unavailable; retry later."))
}

// heldResponse keeps a handler's answer until it may be sent.
type heldResponse struct {
	header http.Header
	status int
	body   []byte
}

func (h *heldResponse) Header() http.Header { return h.header }

func (h *heldResponse) WriteHeader(code int) {
	if h.status == 0 {
		h.status = code
	}
}

func (h *heldResponse) Write(b []byte) (int, error) {
	if h.status == 0 {
		h.status = http.StatusOK
	}
	h.body = append(h.body, b...)
	return len(b), nil
}

func (h *heldResponse) replay(w http.ResponseWriter) {
	for k, v := range h.header {
		w.Header()[k] = v
	}
	if h.status == 0 {
		h.status = http.StatusOK
	}
	w.WriteHeader(h.status)
	_, _ = w.Write(h.body)
}
