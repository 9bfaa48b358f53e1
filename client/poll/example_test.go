package poll_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"time"

	"github.com/httpsem/httpsem/client/poll"
)

func ExamplePoller_Submit() {
	// A job server in the asyncjob format: accepted, then processing,
	// then done with a result URL.
	var polls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodPost:
			w.Header().Set("Location", "/jobs/7")
			w.Header().Set("Retry-After", "1")
			status(w, 202, `{"job_id":"7","status":"accepted","progress":0}`)
		case polls.Add(1) < 3:
			w.Header().Set("Retry-After", "1")
			status(w, 200, `{"job_id":"7","status":"processing","progress":50}`)
		default:
			w.Header().Set("Location", "/reports/7")
			status(w, 303, `{"job_id":"7","status":"completed","progress":100}`)
		}
	}))
	defer srv.Close()

	p, err := poll.New(poll.Options{
		Client:      srv.Client(),
		MaxInterval: 10 * time.Millisecond, // the ceiling over Retry-After
		ProgressFunc: func(s poll.Status) {
			fmt.Println(s.State, s.Progress)
		},
	})
	if err != nil {
		panic(err)
	}
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/reports", strings.NewReader(`{}`))
	res, err := p.Submit(context.Background(), req)
	if err != nil {
		panic(err)
	}
	fmt.Println(strings.TrimPrefix(res.URL, srv.URL))
	// Output:
	// accepted 0
	// processing 50
	// processing 50
	// completed 100
	// /reports/7
}
