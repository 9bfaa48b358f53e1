// Command server is the httpsem reference service: a small API around business
// entities (public events, private user profiles, documents edited with
// optimistic concurrency, long-running reports and resumable uploads) that wires
// every httpsem package together. Copy from it.
//
//	go run ./examples/server                       # 127.0.0.1:8080, in-memory state
//	go run ./examples/server -addr 127.0.0.1:0     # a free port
//	go run ./examples/server -redis redis://127.0.0.1:6379/0   # jobs shared by instances
//	go run ./examples/server -postgres postgres://postgres@127.0.0.1/app   # jobs durable in PostgreSQL
//
// Routes (openapi.json describes each with every status it answers):
//
//	GET  /events, /events/{id}          public, cacheable, JSON or XML    (cache, etag, negotiate)
//	GET  /events/{id}/summary           in the language of Accept-Language (negotiate)
//	GET  /status                        live state: Cache-Control: no-store (cache)
//	GET  /users/{id}, PATCH             private; merge patch / JSON Patch (conditional, patch)
//	POST /documents; GET/PUT/PATCH/DELETE /documents/{id}
//	                                     optimistic concurrency: 412, 428 (conditional)
//	POST /reports; GET/DELETE /jobs/{id}; GET /reports/{rid}
//	                                     202 → 303, SSE, WebSocket, webhooks (asyncjob)
//	POST /uploads; PUT /uploads/{id}/parts/{n}; POST /uploads/{id}/complete; GET /files/{id}
//	GET  /, /static/{name}, /openapi.json
//
// With -redis, jobs and finished reports live in Redis and any instance
// answers for any job. With -postgres they live in PostgreSQL (tables in
// -postgres-schema, created at start), durably, and a report request and its
// job are written in one transaction. Upload parts stay in the memory of the instance that
// received them (a real service would put them in object storage), so an
// upload must be sent to one instance.
//
// The first line on stdout is "listening on http://HOST:PORT"; the process
// shuts down gracefully on SIGINT and SIGTERM: it stops accepting connections
// first, then shuts the job manager down: submissions answer 503, every SSE
// stream and WebSocket feed gets a final "shutdown" event (clients reconnect
// with Last-Event-ID), and running jobs get -job-grace to finish before they
// are handed back (with -redis another instance takes them over at once;
// in memory they are recorded as failed with the retryable code SHUTDOWN).
// Requests in flight get -drain-timeout. Handing jobs back is the designed
// end of a grace period: the process exits 0.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/httpsem/httpsem/asyncjob"
)

// Defaults of the shutdown budgets: requests in flight and running jobs each
// get their own.
const (
	defaultDrainTimeout = 10 * time.Second
	defaultJobGrace     = 10 * time.Second
)

func main() {
	if code := exitCode(run(os.Args[1:], os.Stdout, os.Stderr), os.Stderr); code != 0 {
		os.Exit(code)
	}
}

// exitCode reports run's error on stderr and turns it into the process's
// exit status: 0 for -h and -help, whose usage the flag set has printed
// already (asking for help is not a failure), 1 for any other error.
func exitCode(err error, stderr io.Writer) int {
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	}
	fmt.Fprintln(stderr, "server:", err)
	return 1
}

// run parses args, serves until SIGINT or SIGTERM and shuts down. It is main
// without os.Exit, so that errors reach one place.
func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		addr     = fs.String("addr", "127.0.0.1:8080", "listen address (host:port; port 0 picks a free port)")
		drain    = fs.Duration("drain-timeout", defaultDrainTimeout, "at shutdown, how long requests in flight get to finish")
		jobGrace = fs.Duration("job-grace", defaultJobGrace, "at shutdown, how long running jobs get to finish before they are handed back")
		cfg      config
	)
	fs.StringVar(&cfg.RedisURL, "redis", "", "Redis URL (redis://host:port/db or unix:///path/to/sock) to share jobs between instances")
	fs.StringVar(&cfg.RedisPrefix, "redis-prefix", defaultRedisPrefix, "prefix of the Redis keys; instances share jobs only with the same prefix")
	fs.StringVar(&cfg.PostgresURL, "postgres", "", "PostgreSQL URL (postgres://user@host:port/db) to keep jobs and reports in PostgreSQL, shared between instances")
	fs.StringVar(&cfg.PostgresSchema, "postgres-schema", defaultPostgresSchema, "PostgreSQL schema of the tables (created when missing)")
	fs.DurationVar(&cfg.ReportDuration, "report-duration", defaultReportDuration, "how long a report over one year (365 days) takes")
	fs.DurationVar(&cfg.Lease, "lease", defaultLease, "job lease when jobs live in Redis")
	fs.StringVar(&cfg.WebhookSecret, "webhook-secret", "", "secret (whsec_...) that signs report webhooks; without it callback_url is refused")
	fs.BoolVar(&cfg.WebhookAllowLoopback, "webhook-allow-loopback", false, "let webhooks reach loopback addresses (development only)")
	fs.DurationVar(&cfg.ReadHeaderTimeout, "read-header-timeout", defaultReadHeaderTimeout, "time to read a request's headers (negative: none)")
	fs.DurationVar(&cfg.ReadTimeout, "read-timeout", defaultReadTimeout, "time to read a whole request, headers and body; a stalled body is cut off after it (negative: none)")
	fs.DurationVar(&cfg.WriteTimeout, "write-timeout", defaultWriteTimeout, "time from the end of a request's headers to the end of its response; SSE, WebSocket and file downloads extend it; at least -read-timeout + 60s (negative: none)")
	fs.DurationVar(&cfg.IdleTimeout, "idle-timeout", defaultIdleTimeout, "how long a keep-alive connection waits for its next request (negative: none)")
	fs.DurationVar(&cfg.TransferTimeout, "transfer-timeout", defaultTransferTimeout, "replaces -read-timeout for an upload part's body and extends -write-timeout for a file download (plus 1s per 64 KiB of the file) (negative: none)")
	fs.Int64Var(&cfg.UploadMemory, "upload-memory", defaultUploadMemory, "memory for all uploads together, in bytes (default 256 MiB): stored parts, parts being received and assembled files (a part that does not fit: 503 with Retry-After)")
	fs.IntVar(&cfg.MaxHeaderBytes, "max-header-bytes", defaultMaxHeaderBytes, "largest request line and headers, in bytes (431 beyond)")
	fs.IntVar(&cfg.MaxJobs, "max-jobs", asyncjob.DefaultMaxJobs, "jobs kept in memory without -redis; the oldest finished ones are forgotten first (negative: unbounded)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	cfg.Logger = slog.New(slog.NewTextHandler(stderr, nil))

	srv, err := newServer(cfg)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		_ = srv.Shutdown(context.Background())
		return err
	}
	hs := &http.Server{
		Handler:  srv,
		ErrorLog: slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelWarn),
	}
	srv.timeouts.configure(hs)
	// The bound address, not the flag: with port 0 only the listener knows it.
	fmt.Fprintf(stdout, "listening on http://%s\n", ln.Addr())

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	serveErr := make(chan error, 1)
	go func() { serveErr <- hs.Serve(ln) }()

	serving := true
	select {
	case err = <-serveErr:
		// Serve only returns early on a listener failure.
		serving = false
	case <-ctx.Done():
		cfg.Logger.Info("shutting down")
	}
	stop() // a second signal now kills the process the default way

	// 1. Stop accepting connections: Shutdown closes the listeners before
	// it runs the OnShutdown hooks, so the hook says they are closed. It
	// then waits for requests in flight, within their own budget.
	closed := make(chan struct{})
	hs.RegisterOnShutdown(func() { close(closed) })
	hctx, hcancel := context.WithTimeout(context.Background(), *drain)
	defer hcancel()
	herrc := make(chan error, 1)
	go func() { herrc <- hs.Shutdown(hctx) }()
	<-closed
	// 2. Shut the jobs down, within theirs. This also ends the SSE streams
	// (with their final event), which the HTTP drain above waits for.
	jctx, jcancel := context.WithTimeout(context.Background(), *jobGrace)
	defer jcancel()
	jerr := srv.Shutdown(jctx)
	herr := <-herrc
	if serving {
		// After Shutdown, Serve returns ErrServerClosed: the normal end.
		err = <-serveErr
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return errors.Join(err, jerr, herr)
}
