package update_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"

	"github.com/httpsem/httpsem/client/update"
)

func ExampleUpdater_Do() {
	// A counter whose every write must name the version it replaces.
	var (
		mu      sync.Mutex
		n, rev  = 41, 1
		current = func() string { return `"` + strconv.Itoa(rev) + `"` }
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if r.Method == http.MethodPut {
			if r.Header.Get("If-Match") != current() {
				w.WriteHeader(http.StatusPreconditionFailed)
				return
			}
			b, _ := io.ReadAll(r.Body)
			n, _ = strconv.Atoi(string(b))
			rev++
		}
		w.Header().Set("ETag", current())
		fmt.Fprint(w, n)
	}))
	defer srv.Close()

	u, err := update.New(update.Options{Client: srv.Client(), ContentType: "text/plain"})
	if err != nil {
		panic(err)
	}
	res, err := u.Do(context.Background(), srv.URL, func(body []byte) ([]byte, error) {
		v, err := strconv.Atoi(string(body))
		return []byte(strconv.Itoa(v + 1)), err
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(string(res.Body), res.ETag, "after", res.Attempts, "attempt")
	// Output: 42 "2" after 1 attempt
}
