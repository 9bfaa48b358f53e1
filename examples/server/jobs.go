package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/httpsem/httpsem/asyncjob"
	"github.com/httpsem/httpsem/asyncjob/redisstore"
	"github.com/httpsem/httpsem/asyncjob/webhook"
)

// Job kinds run by the manager.
const (
	kindReport   = "sales_report"
	kindAssemble = "assemble_upload"
)

// newJobManager builds the asyncjob manager that runs reports and upload
// assembly, with webhooks signed by -webhook-secret when it is set.
func (s *server) newJobManager() (*asyncjob.Manager, error) {
	opts := asyncjob.Options{
		Kinds: map[string]asyncjob.Kind{
			kindReport:   s.reportKind,
			kindAssemble: s.assembleKind,
		},
		Lease:  s.cfg.Lease,
		Logger: s.cfg.Logger,
		Now:    s.cfg.Now,
	}
	switch {
	case s.jobStore != nil:
		opts.Store = s.jobStore
	case s.pg != nil:
		opts.Store = s.pg.store
	default:
		// A MemStore of our own, bounded by -max-jobs: when it is full the
		// oldest finished jobs are forgotten (their status URLs answer 404),
		// and when every job is live, submissions get 503.
		opts.Store = asyncjob.NewMemStore(asyncjob.MemStoreOptions{Now: s.cfg.Now, MaxJobs: s.cfg.MaxJobs})
	}
	if s.cfg.WebhookSecret != "" {
		secret, err := webhook.ParseSecret(s.cfg.WebhookSecret)
		if err != nil {
			return nil, fmt.Errorf("-webhook-secret: %w", err)
		}
		// Without a secret, submissions with a callback_url are refused (422):
		// an unsigned webhook could be forged by anyone.
		sender, err := webhook.NewSender(webhook.Options{Secret: secret, AllowLoopback: s.cfg.WebhookAllowLoopback, Logger: s.cfg.Logger, Now: s.cfg.Now})
		if err != nil {
			return nil, fmt.Errorf("-webhook-secret: %w", err)
		}
		s.sender = sender
		opts.Notifier = sender
	}
	return asyncjob.New(opts)
}

// openRedis connects the job store (and the report store) to Redis when
// -redis is set. New does not contact Redis: the server starts while Redis
// is down and answers 503 with Retry-After until it is back.
func (s *server) openRedis() error {
	if s.cfg.RedisURL == "" {
		return nil
	}
	client, err := redisstore.NewClient(s.cfg.RedisURL)
	if err != nil {
		return fmt.Errorf("-redis: %w", err)
	}
	store, err := redisstore.New(client, redisstore.Options{Prefix: s.cfg.RedisPrefix, Logger: s.cfg.Logger, Now: s.cfg.Now})
	if err != nil {
		_ = client.Close()
		return fmt.Errorf("-redis: %w", err)
	}
	s.rdb, s.jobStore = client, store
	return nil
}

// Shutdown stops taking jobs, ends event streams with their final event and
// waits for running jobs until ctx ends; then it hands the unfinished ones
// back (with Redis: releases their leases, so another instance takes them
// over at once; in memory: records them as failed with the retryable code
// SHUTDOWN) and closes Redis. Handing jobs back is not an error.
func (s *server) Shutdown(ctx context.Context) error {
	var err error
	if s.jobs != nil {
		err = s.jobs.Shutdown(ctx)
	}
	if s.sender != nil {
		s.sender.Close()
	}
	if s.jobStore != nil {
		err = errors.Join(err, s.jobStore.Close(), s.rdb.Close())
	}
	if s.pg != nil {
		err = errors.Join(err, s.pg.close())
	}
	return err
}
