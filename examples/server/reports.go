package main

import (
	"context"
	"encoding/json"
	"errors"
	"hash/fnv"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/httpsem/httpsem/asyncjob"
	"github.com/httpsem/httpsem/httperr"
	"github.com/redis/go-redis/v9"
)

// Report limits and shape.
const (
	reportTypeSales = "sales_summary"
	// maxReportDays is the longest date range a report covers (a leap year);
	// longer ranges fail with DATA_TOO_LARGE.
	maxReportDays = 366
	// reportSteps is how many progress reports a report job makes.
	reportSteps = 20
	// maxReports bounds the finished reports kept in memory; the oldest is
	// dropped first (its job's 303 then leads to a 404).
	maxReports = 1000
	dateLayout = "2006-01-02"
	// A report that could not be stored is retried within its job, with
	// exponential backoff and full jitter: reportStoreAttempts tries in all,
	// waits of up to reportStoreBackoff, doubling to reportStoreMaxBackoff
	// (at most 3 s of waiting over the five tries). A Redis failover or restart
	// usually fits; a longer outage fails the job with the retryable
	// STORAGE_UNAVAILABLE.
	reportStoreAttempts   = 5
	reportStoreBackoff    = 200 * time.Millisecond
	reportStoreMaxBackoff = 2 * time.Second
)

// reportRequest is the body of POST /reports.
type reportRequest struct {
	Type      *string `json:"type"`
	DateRange *struct {
		From *string `json:"from"`
		To   *string `json:"to"`
	} `json:"date_range"`
	CallbackURL *string `json:"callback_url"`
}

// reportPayload is the job's stored input. ReportID is chosen at submission so
// that the job, which may run on any instance, knows where its result goes.
type reportPayload struct {
	ReportID string `json:"report_id"`
	Type     string `json:"type"`
	From     string `json:"from"`
	To       string `json:"to"`
}

func (p *reportPayload) days() int {
	from, _ := time.Parse(dateLayout, p.From)
	to, _ := time.Parse(dateLayout, p.To)
	return int(to.Sub(from)/(24*time.Hour)) + 1
}

// report is a finished sales summary.
type report struct {
	ID          string        `json:"id"`
	Type        string        `json:"type"`
	DateRange   dateRange     `json:"date_range"`
	GeneratedAt time.Time     `json:"generated_at"`
	Currency    string        `json:"currency"`
	TotalSales  int64         `json:"total_sales_cents"`
	Orders      int64         `json:"orders"`
	Months      []monthTotals `json:"months"`
}

type dateRange struct {
	From string `json:"from"`
	To   string `json:"to"`
}

type monthTotals struct {
	Month      string `json:"month"`
	SalesCents int64  `json:"sales_cents"`
	Orders     int64  `json:"orders"`
}

// decodeReport validates a submission before any job exists: malformed JSON is
// 400; a missing or invalid field, an unknown type or from after to is 422.
func (s *server) decodeReport(r *http.Request, body []byte) (asyncjob.Spec, error) {
	var req reportRequest
	if e := unmarshalStrict(body, &req); e != nil {
		return asyncjob.Spec{}, e
	}
	switch {
	case req.Type == nil:
		return asyncjob.Spec{}, unprocessable(`Field "type" is required.`)
	case *req.Type != reportTypeSales:
		return asyncjob.Spec{}, unprocessable(`Field "type" must be "sales_summary".`)
	case req.DateRange == nil || req.DateRange.From == nil || req.DateRange.To == nil:
		return asyncjob.Spec{}, unprocessable(`Fields "date_range.from" and "date_range.to" are required.`)
	}
	from, err1 := time.Parse(dateLayout, *req.DateRange.From)
	to, err2 := time.Parse(dateLayout, *req.DateRange.To)
	if err1 != nil || err2 != nil {
		return asyncjob.Spec{}, unprocessable(`Dates must be written YYYY-MM-DD.`)
	}
	if from.After(to) {
		return asyncjob.Spec{}, unprocessable(`"date_range.from" must not be after "date_range.to".`)
	}
	p := reportPayload{ReportID: asyncjob.NewID(), Type: *req.Type, From: *req.DateRange.From, To: *req.DateRange.To}
	payload, err := json.Marshal(p)
	if err != nil {
		return asyncjob.Spec{}, err
	}
	spec := asyncjob.Spec{Payload: payload, Estimate: s.reportDuration(p.days())}
	if req.CallbackURL != nil {
		spec.CallbackURL = *req.CallbackURL // validated (SSRF) by the manager: 422
	}
	return spec, nil
}

// reportDuration is how long a report over days takes: -report-duration per
// 365 days.
func (s *server) reportDuration(days int) time.Duration {
	return s.cfg.ReportDuration * time.Duration(days) / 365
}

// reportKind builds the job of a report from its payload. It depends on the
// payload only, because any instance sharing the job store may run it.
func (s *server) reportKind(payload []byte) (asyncjob.Func, error) {
	var p reportPayload
	err := json.Unmarshal(payload, &p)
	if err == nil {
		_, err = time.Parse(dateLayout, p.From)
	}
	if err == nil {
		_, err = time.Parse(dateLayout, p.To)
	}
	if err != nil || p.ReportID == "" {
		return nil, httperr.New(http.StatusUnprocessableEntity, httperr.CodeUnprocessable, "Invalid report payload.")
	}
	return func(ctx context.Context, progress asyncjob.Progress) (asyncjob.Result, error) {
		days := p.days()
		if days > maxReportDays {
			return asyncjob.Result{}, &asyncjob.Error{Code: "DATA_TOO_LARGE",
				Message: "Report exceeds maximum size. Try narrowing the date range.", Retryable: true}
		}
		step := s.reportDuration(days) / reportSteps
		t := time.NewTimer(step)
		defer t.Stop()
		for i := 1; i <= reportSteps; i++ {
			select {
			case <-ctx.Done():
				return asyncjob.Result{}, ctx.Err() // canceled, timed out or shutting down
			case <-t.C:
				t.Reset(step)
			}
			progress.Report(i*100/reportSteps, "aggregating orders")
		}
		if err := s.storeReport(ctx, buildReport(p, s.cfg.Now())); err != nil {
			if ctx.Err() != nil {
				return asyncjob.Result{}, ctx.Err()
			}
			s.cfg.Logger.Error("storing a report", "report", p.ReportID, "err", err)
			return asyncjob.Result{}, &asyncjob.Error{Code: "STORAGE_UNAVAILABLE", Message: "The report could not be stored; retry later.", Retryable: true}
		}
		return asyncjob.Result{URL: "/reports/" + p.ReportID}, nil
	}, nil
}

// storeReport stores rep, retrying a failure (a storage error is taken as
// transient: the put is idempotent) up to reportStoreAttempts times until
// ctx ends. The job keeps its worker meanwhile; that is the point: the
// computed report is not thrown away for a blip.
func (s *server) storeReport(ctx context.Context, rep *report) error {
	backoff := reportStoreBackoff
	var err error
	for attempt := 1; ; attempt++ {
		if err = s.reports.put(ctx, rep); err == nil || attempt == reportStoreAttempts {
			return err
		}
		s.cfg.Logger.Warn("storing a report failed; retrying", "report", rep.ID, "attempt", attempt, "err", err)
		// Full jitter, so that jobs failing together do not retry together.
		t := time.NewTimer(rand.N(backoff) + 1)
		select {
		case <-ctx.Done():
			t.Stop()
			return errors.Join(err, ctx.Err())
		case <-t.C:
		}
		backoff = min(2*backoff, reportStoreMaxBackoff)
	}
}

// buildReport computes the summary. The figures are derived from the month
// names so that the example needs no database and is reproducible.
func buildReport(p reportPayload, now time.Time) *report {
	from, _ := time.Parse(dateLayout, p.From)
	to, _ := time.Parse(dateLayout, p.To)
	rep := &report{ID: p.ReportID, Type: p.Type, DateRange: dateRange{p.From, p.To}, GeneratedAt: now.UTC().Truncate(time.Second), Currency: "EUR", Months: []monthTotals{}}
	for m := time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, time.UTC); !m.After(to); m = m.AddDate(0, 1, 0) {
		h := fnv.New64a()
		h.Write([]byte(m.Format("2006-01")))
		v := h.Sum64()
		mt := monthTotals{Month: m.Format("2006-01"), Orders: int64(200 + v%800), SalesCents: int64(1_000_000 + v%9_000_000)}
		rep.Months = append(rep.Months, mt)
		rep.Orders += mt.Orders
		rep.TotalSales += mt.SalesCents
	}
	return rep
}

// reportStorage keeps finished reports: reportStore, or a test's double.
type reportStorage interface {
	// put stores r; storing the same report again keeps the first.
	put(ctx context.Context, r *report) error
	// get returns the report, errReportNotFound when there is none.
	get(ctx context.Context, id string) (*report, error)
}

// errReportNotFound is returned by reportStore.get for an unknown or expired
// report.
var errReportNotFound = errors.New("report not found")

// reportStore keeps finished reports; a finished report never changes. With
// -redis the reports live in Redis beside the jobs, so that whichever instance
// ran a job, every instance serves its report; otherwise they live in memory.
// With -postgres, pgBackend keeps them instead.
type reportStore struct {
	rdb    redis.UniversalClient // nil: in memory
	prefix string

	mu    sync.Mutex
	byID  map[string]*report
	order []string
}

func newReportStore(rdb redis.UniversalClient, prefix string) *reportStore {
	return &reportStore{rdb: rdb, prefix: prefix + ":report:", byID: map[string]*report{}}
}

func (s *reportStore) put(ctx context.Context, r *report) error {
	if s.rdb != nil {
		b, err := json.Marshal(r)
		if err != nil {
			return err
		}
		// NX: a job taken over after a crash may finish twice; the first
		// report stays, as a finished report never changes.
		return s.rdb.SetNX(ctx, s.prefix+r.ID, b, asyncjob.DefaultRetention).Err()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.byID[r.ID]; ok {
		return nil
	}
	if len(s.order) >= maxReports {
		delete(s.byID, s.order[0])
		s.order = s.order[1:]
	}
	s.byID[r.ID] = r
	s.order = append(s.order, r.ID)
	return nil
}

func (s *reportStore) get(ctx context.Context, id string) (*report, error) {
	if s.rdb != nil {
		b, err := s.rdb.Get(ctx, s.prefix+id).Bytes()
		if errors.Is(err, redis.Nil) {
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
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.byID[id]
	if !ok {
		return nil, errReportNotFound
	}
	return r, nil
}

// getReport serves GET/HEAD /reports/{rid}: JSON, a strong ETag from the bytes
// and Cache-Control: private, max-age=31536000, immutable (route middleware).
func (s *server) getReport(w http.ResponseWriter, r *http.Request) {
	rep, err := s.reports.get(r.Context(), r.PathValue("rid"))
	if errors.Is(err, errReportNotFound) {
		fail(w, r, notFound("Report"))
		return
	}
	if err != nil {
		s.cfg.Logger.Error("reading a report", "err", err)
		w.Header().Set("Retry-After", "5")
		fail(w, r, httperr.New(http.StatusServiceUnavailable, httperr.CodeUnavailable, "Reports are unavailable; retry later."))
		return
	}
	_ = s.renderJSON.Render(w, r, http.StatusOK, rep)
}
