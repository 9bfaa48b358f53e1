package asyncjob_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/httpsem/httpsem/asyncjob"
	"github.com/httpsem/httpsem/asyncjob/webhook"
)

// ExampleManager_SubmitHandler submits a job, waits for it with Prefer:
// wait, and follows the 303 to the result.
func ExampleManager_SubmitHandler() {
	m, err := asyncjob.New(asyncjob.Options{
		Kinds: map[string]asyncjob.Kind{
			"report": func(payload []byte) (asyncjob.Func, error) {
				var in struct{ Year int }
				if err := json.Unmarshal(payload, &in); err != nil || in.Year == 0 {
					return nil, fmt.Errorf("a year is required")
				}
				return func(ctx context.Context, p asyncjob.Progress) (asyncjob.Result, error) {
					p.Report(50, "tallying")
					return asyncjob.Result{URL: fmt.Sprintf("/files/report-%d.pdf", in.Year)}, nil
				}, nil
			},
		},
	})
	if err != nil {
		panic(err)
	}
	defer m.Shutdown(context.Background())
	mux := http.NewServeMux()
	mux.Handle("POST /reports", m.SubmitHandler("report", nil))
	mux.Handle("/jobs/{id}", m.JobHandler(nil))

	req := httptest.NewRequest("POST", "/reports", strings.NewReader(`{"Year":2025}`))
	req.Header.Set("Prefer", "wait=10")
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	fmt.Println(rec.Code, rec.Header().Get("Location"), rec.Header().Get("Preference-Applied"))

	req = httptest.NewRequest("POST", "/reports", strings.NewReader(`{}`))
	rec = httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	fmt.Println(rec.Code)
	// Output:
	// 303 /files/report-2025.pdf wait=10
	// 422
}

// ExampleManager_JobHandler polls a job's status, then polls again with
// If-None-Match and gets 304 Not Modified because nothing changed. (This
// Manager runs no workers, so the job stays accepted.)
func ExampleManager_JobHandler() {
	m, _ := asyncjob.New(asyncjob.Options{
		Workers: -1,
		Kinds: map[string]asyncjob.Kind{
			"noop": func([]byte) (asyncjob.Func, error) {
				return func(context.Context, asyncjob.Progress) (asyncjob.Result, error) {
					return asyncjob.Result{}, nil
				}, nil
			},
		},
	})
	defer m.Shutdown(context.Background())
	h := m.JobHandler(nil)

	j, _ := m.Submit(context.Background(), asyncjob.Spec{Kind: "noop"})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/jobs/"+j.ID, nil))
	fmt.Println(rec.Code, rec.Header().Get("Cache-Control"), rec.Header().Get("Retry-After"))

	req := httptest.NewRequest("GET", "/jobs/"+j.ID, nil)
	req.Header.Set("If-None-Match", rec.Header().Get("ETag"))
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	fmt.Println(rec.Code, rec.Body.Len())
	// Output:
	// 200 no-cache 1
	// 304 0
}

// ExampleOpenAPI produces the fragment an application merges into its
// OpenAPI document.
func ExampleOpenAPI() {
	b, err := asyncjob.OpenAPI("/reports", "/jobs/{id}")
	if err != nil {
		panic(err)
	}
	var doc struct {
		OpenAPI string
		Paths   map[string]map[string]any
	}
	_ = json.Unmarshal(b, &doc)
	fmt.Println(doc.OpenAPI, len(doc.Paths["/jobs/{id}"]), len(doc.Paths["/reports"]))
	// Output: 3.1.0 3 1
}

// ExampleNotifier sends a job's terminal status as a signed webhook through
// the durable outbox: *webhook.Sender is the Notifier, the Manager keeps the
// retry schedule in its store, and the webhook-id is the job ID.
func ExampleNotifier() {
	secret := webhook.NewSecret()
	got := make(chan string, 1)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if webhook.Verify(secret, r.Header, body, webhook.VerifyOptions{}) != nil {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var doc struct {
			JobID  string `json:"job_id"`
			Status string `json:"status"`
		}
		_ = json.Unmarshal(body, &doc)
		got <- fmt.Sprintf("same id: %v, %s", r.Header.Get("webhook-id") == doc.JobID, doc.Status)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer recv.Close()
	sender, err := webhook.NewSender(webhook.Options{Secret: secret, AllowLoopback: true})
	if err != nil {
		panic(err)
	}
	defer sender.Close()
	m, err := asyncjob.New(asyncjob.Options{
		Kinds: map[string]asyncjob.Kind{
			"noop": func([]byte) (asyncjob.Func, error) {
				return func(context.Context, asyncjob.Progress) (asyncjob.Result, error) {
					return asyncjob.Result{Value: json.RawMessage(`{"ok":true}`)}, nil
				}, nil
			},
		},
		Notifier: sender,
	})
	if err != nil {
		panic(err)
	}
	defer m.Shutdown(context.Background())

	if _, err := m.Submit(context.Background(), asyncjob.Spec{Kind: "noop", CallbackURL: recv.URL + "/hook"}); err != nil {
		panic(err)
	}
	fmt.Println(<-got)
	// Output: same id: true, completed
}

// ExampleManager_SubmitBatch submits three jobs as one store step, then a
// batch one of whose keys is already held: nothing of that batch is stored,
// and the error names the spec and the holder.
func ExampleManager_SubmitBatch() {
	m, _ := asyncjob.New(asyncjob.Options{
		Workers: -1, // this example only submits
		Kinds: map[string]asyncjob.Kind{"mail": func([]byte) (asyncjob.Func, error) {
			return func(context.Context, asyncjob.Progress) (asyncjob.Result, error) { return asyncjob.Result{}, nil }, nil
		}},
	})
	defer m.Shutdown(context.Background())
	ctx := context.Background()
	jobs, err := m.SubmitBatch(ctx, []asyncjob.Spec{
		{Kind: "mail", Payload: []byte(`{"to":"ann"}`), IdempotencyKey: "ann-welcome"},
		{Kind: "mail", Payload: []byte(`{"to":"bob"}`), IdempotencyKey: "bob-welcome"},
		{Kind: "mail", Payload: []byte(`{"to":"cy"}`), IdempotencyKey: "cy-welcome"},
	})
	fmt.Println(len(jobs), err)

	_, err = m.SubmitBatch(ctx, []asyncjob.Spec{
		{Kind: "mail", Payload: []byte(`{"to":"dee"}`), IdempotencyKey: "dee-welcome"},
		{Kind: "mail", Payload: []byte(`{"to":"bob"}`), IdempotencyKey: "bob-welcome"},
	})
	var dup *asyncjob.DuplicateError
	if errors.As(err, &dup) {
		fmt.Printf("refused: spec %d, key %s is held by the first batch's job: %v\n", dup.Index, dup.Job.IdempotencyKey, dup.Job.ID == jobs[1].ID)
	}
	fmt.Println(errors.Is(err, asyncjob.ErrDuplicate))
	// Output:
	// 3 <nil>
	// refused: spec 1, key bob-welcome is held by the first batch's job: true
	// true
}
