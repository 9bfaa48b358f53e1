package wsfeed_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/coder/websocket"

	"github.com/httpsem/httpsem/asyncjob"
	"github.com/httpsem/httpsem/asyncjob/wsfeed"
)

// ExampleNew mounts the feed on the status URL and follows a job to its end.
func ExampleNew() {
	m, _ := asyncjob.New(asyncjob.Options{Kinds: map[string]asyncjob.Kind{
		"hello": func([]byte) (asyncjob.Func, error) {
			return func(ctx context.Context, p asyncjob.Progress) (asyncjob.Result, error) {
				return asyncjob.Result{URL: "/files/hello.txt"}, nil
			}, nil
		},
	}})
	defer m.Shutdown(context.Background())
	ws, _ := wsfeed.New(m, wsfeed.Options{})
	mux := http.NewServeMux()
	mux.Handle("/jobs/{id}", m.JobHandler(ws))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	j, _ := m.Submit(context.Background(), asyncjob.Spec{Kind: "hello"})
	ctx := context.Background()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/jobs/"+j.ID, nil)
	if err != nil {
		panic(err)
	}
	defer c.CloseNow()
	for {
		_, msg, err := c.Read(ctx)
		if err != nil {
			fmt.Println("closed:", websocket.CloseStatus(err))
			return
		}
		if strings.Contains(string(msg), `"event":"completed"`) {
			fmt.Println("completed")
		}
	}
	// Output:
	// completed
	// closed: StatusNormalClosure
}
