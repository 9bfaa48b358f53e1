package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/httpsem/httpsem/asyncjob"
	"github.com/httpsem/httpsem/asyncjob/redisstore"
	"github.com/httpsem/httpsem/asyncjob/webhook"
	"github.com/httpsem/httpsem/asyncjob/wsfeed"
	"github.com/httpsem/httpsem/negotiate"
	"github.com/redis/go-redis/v9"
)

// Defaults of the command-line flags.
const (
	defaultReportDuration = 3 * time.Second
	defaultLease          = 10 * time.Second
	defaultRedisPrefix    = "httpsem-example"
)

// maxJSONBody bounds every JSON request body the server reads itself (413
// beyond). Job submissions are bounded by asyncjob.Options.MaxBodyBytes and
// upload parts by maxPartBytes.
const maxJSONBody = 64 << 10

// config is everything newServer needs; main fills it from flags, tests
// directly.
type config struct {
	// ReportDuration is how long a report over 365 days takes; shorter ranges
	// take proportionally less. Zero means defaultReportDuration.
	ReportDuration time.Duration
	// Lease is the job lease on a shared store. Zero means defaultLease.
	Lease time.Duration
	// RedisURL, when set, keeps jobs and reports in Redis, shared by every
	// instance started with the same URL (redisstore.NewClient syntax).
	RedisURL string
	// RedisPrefix names the Redis keys; instances share jobs only with the
	// same prefix. Empty means defaultRedisPrefix.
	RedisPrefix string
	// PostgresURL, when set, keeps jobs and reports in PostgreSQL, shared by
	// every instance started with the same URL and schema (see postgres.go).
	PostgresURL string
	// PostgresSchema holds the tables; empty means defaultPostgresSchema.
	PostgresSchema string
	// WebhookSecret ("whsec_...") signs report webhooks; empty refuses
	// submissions with a callback_url (422).
	WebhookSecret string
	// WebhookAllowLoopback lets webhooks reach 127.0.0.0/8 and ::1.
	WebhookAllowLoopback bool
	// MaxJobs bounds the jobs kept in memory (without -redis); zero means
	// asyncjob.DefaultMaxJobs, negative unbounded.
	MaxJobs int
	// Logger receives server and job errors. Nil means silent.
	Logger *slog.Logger
	// Now is the clock of the stores and the job manager. Nil means time.Now.
	Now func() time.Time

	// Connection limits (timeouts.go). Zero means the default constant,
	// a negative duration no timeout.
	ReadHeaderTimeout time.Duration // default defaultReadHeaderTimeout (10 s)
	ReadTimeout       time.Duration // default defaultReadTimeout (30 s)
	WriteTimeout      time.Duration // default defaultWriteTimeout (2 min)
	IdleTimeout       time.Duration // default defaultIdleTimeout (2 min)
	TransferTimeout   time.Duration // default defaultTransferTimeout (10 min)
	// MaxHeaderBytes bounds request headers (431 beyond); negative is an
	// error. Zero means defaultMaxHeaderBytes (64 KiB).
	MaxHeaderBytes int
	// UploadMemory is the memory budget of all uploads together, in bytes
	// (uploads.go); negative is an error. Zero means defaultUploadMemory
	// (256 MiB).
	UploadMemory int64

	// reports, when set, replaces the report store (tests inject storage
	// failures).
	reports reportStorage
}

// server is the whole service: the domain stores, the job manager and the
// routes. It is an http.Handler; Shutdown stops its background work.
type server struct {
	cfg      config
	handler  http.Handler
	timeouts timeouts

	events  *eventStore
	users   *userStore
	docs    *documentStore
	reports reportStorage
	uploads *uploadStore
	jobs    *asyncjob.Manager
	// With -redis: the client and the job store, closed by Shutdown.
	rdb      redis.UniversalClient
	jobStore *redisstore.Store
	pg       *pgBackend      // with -postgres; closed by Shutdown
	jobFeed  *wsfeed.Handler // the WebSocket feed of a job
	sender   *webhook.Sender // with -webhook-secret; closed by Shutdown
	assets   *assets

	// render negotiates JSON or XML (406 otherwise); renderJSON serves the
	// resources that only exist as JSON, whatever the Accept header (RFC 9110
	// §12.5.1 lets a server ignore it rather than answer 406).
	render     *negotiate.Renderer
	renderJSON *negotiate.Renderer
	// summaryLanguages matches Accept-Language against summaryLanguages.
	summaryLanguages *negotiate.Languages
}

// newServer builds the service with seeded data and starts its job workers.
// Call Shutdown to stop them.
func newServer(cfg config) (*server, error) {
	if cfg.ReportDuration <= 0 {
		cfg.ReportDuration = defaultReportDuration
	}
	if cfg.Lease <= 0 {
		cfg.Lease = defaultLease
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.RedisPrefix == "" {
		cfg.RedisPrefix = defaultRedisPrefix
	}
	switch {
	case cfg.UploadMemory < 0:
		// Unbounded memory is exactly what the budget is for.
		return nil, fmt.Errorf("-upload-memory: must not be negative, got %d", cfg.UploadMemory)
	case cfg.UploadMemory == 0:
		cfg.UploadMemory = defaultUploadMemory
	}

	timeouts, err := newTimeouts(cfg)
	if err != nil {
		return nil, err
	}
	render, err := negotiate.NewRenderer(negotiate.Options{Encoders: []negotiate.Encoder{negotiate.JSON(), negotiate.XML()}})
	if err != nil {
		return nil, err
	}
	renderJSON, err := negotiate.NewRenderer(negotiate.Options{Encoders: []negotiate.Encoder{negotiate.JSON()}, ServeDefault: true})
	if err != nil {
		return nil, err
	}
	assets, err := loadAssets()
	if err != nil {
		return nil, err
	}
	s := &server{
		cfg:        cfg,
		timeouts:   timeouts,
		events:     newEventStore(),
		users:      newUserStore(cfg.Now),
		docs:       newDocumentStore(cfg.Now),
		uploads:    newUploadStore(cfg.Now, cfg.UploadMemory),
		assets:     assets,
		render:     render,
		renderJSON: renderJSON,

		summaryLanguages: negotiate.MustLanguages(summaryLanguages...),
	}
	if err := s.openRedis(); err != nil {
		return nil, err
	}
	s.reports = cfg.reports
	if s.reports == nil {
		s.reports = newReportStore(s.rdb, cfg.RedisPrefix)
	}
	if err := s.openPostgres(); err != nil {
		if s.jobStore != nil {
			_ = s.jobStore.Close()
			_ = s.rdb.Close()
		}
		return nil, err
	}
	if s.jobs, err = s.newJobManager(); err != nil {
		if s.jobStore != nil {
			_ = s.jobStore.Close()
			_ = s.rdb.Close()
		}
		if s.pg != nil {
			_ = s.pg.close()
		}
		return nil, err
	}
	if s.jobFeed, err = wsfeed.New(s.jobs, wsfeed.Options{}); err != nil {
		_ = s.Shutdown(context.Background())
		return nil, err
	}
	s.handler = s.routes()
	return s, nil
}

// ServeHTTP implements http.Handler.
func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }
