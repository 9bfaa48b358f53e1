package conditional

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/httpsem/httpsem/etag"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// counterServer is a resource holding one integer. PUT replaces it and must
// carry If-Match (RequirePrecondition); the check and the write happen under
// one mutex, which is what makes optimistic concurrency control correct.
type counterServer struct {
	mu      sync.Mutex
	value   int
	version uint64
	puts    int // successful writes
	fails   int // 412 answers
}

func (s *counterServer) validators() Validators {
	return Validators{ETag: etag.Tag{Opaque: "v" + strconv.FormatUint(s.version, 10)}, Exists: true}
}

func (s *counterServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.validators()
	switch r.Method {
	case http.MethodGet:
		if !Check(w, r, v, Options{}) {
			return
		}
		w.Header().Set("Etag", v.ETag.String())
		_, _ = io.WriteString(w, strconv.Itoa(s.value))
	case http.MethodPut:
		// Check and write under the same lock: nobody can change the
		// counter between the comparison and the assignment.
		if !Check(w, r, v, Options{RequirePrecondition: true}) {
			s.fails++
			return
		}
		body, err := io.ReadAll(r.Body)
		n, convErr := strconv.Atoi(string(body))
		if err != nil || convErr != nil {
			http.Error(w, "bad number", http.StatusBadRequest)
			return
		}
		s.value = n
		s.version++
		s.puts++
		w.Header().Set("Etag", s.validators().ETag.String())
		w.WriteHeader(http.StatusNoContent)
	default:
		w.WriteHeader(http.StatusMethodNotAllowed)
	}
}

// increment does one read-modify-write, retrying on 412 until it succeeds.
func increment(client *http.Client, url string) error {
	for attempt := 0; attempt < 10000; attempt++ {
		resp, err := client.Get(url)
		if err != nil {
			return err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET: status %d", resp.StatusCode)
		}
		n, err := strconv.Atoi(string(body))
		if err != nil {
			return err
		}
		req, err := http.NewRequest(http.MethodPut, url, strings.NewReader(strconv.Itoa(n+1)))
		if err != nil {
			return err
		}
		req.Header.Set("If-Match", resp.Header.Get("Etag"))
		resp, err = client.Do(req)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		switch resp.StatusCode {
		case http.StatusNoContent:
			return nil
		case http.StatusPreconditionFailed:
			continue // another writer won: re-read and retry
		default:
			return fmt.Errorf("PUT: status %d", resp.StatusCode)
		}
	}
	return errors.New("too many retries")
}

func TestLostUpdate(t *testing.T) {
	t.Parallel()
	t.Run("a read-modify-write loop of 8 concurrent writers × 25 increments must end with zero lost updates", func(t *testing.T) {
		t.Parallel()
		const writers, increments = 8, 25
		s := &counterServer{}
		srv := httptest.NewServer(s)
		t.Cleanup(srv.Close)
		client := srv.Client()

		var wg sync.WaitGroup
		errs := make(chan error, writers*increments)
		for range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range increments {
					if err := increment(client, srv.URL); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}

		s.mu.Lock()
		defer s.mu.Unlock()
		assert.Equal(t, writers*increments, s.value, "lost updates")
		assert.Equal(t, writers*increments, s.puts)
		t.Logf("%d writes, %d retried after 412", s.puts, s.fails)
	})

	// The same race, forced deterministically: two clients read the same
	// version; the second write must be refused, not silently applied.
	t.Run("stale write is refused", func(t *testing.T) {
		t.Parallel()
		s := &counterServer{}
		srv := httptest.NewServer(s)
		t.Cleanup(srv.Close)
		tag := s.validators().ETag.String()

		put := func(val string, ifMatch string) wireResponse {
			h := http.Header{}
			if ifMatch != "" {
				h.Set("If-Match", ifMatch)
			}
			return do(t, srv, http.MethodPut, h, strings.NewReader(val))
		}
		assert.Equal(t, http.StatusNoContent, put("1", tag).Status)
		second := put("1", tag)
		assert.Equal(t, http.StatusPreconditionFailed, second.Status)
		assert.Contains(t, second.Body, `"current_etag":"\"v1\""`)
		assert.Equal(t, http.StatusPreconditionRequired, put("5", "").Status)

		s.mu.Lock()
		defer s.mu.Unlock()
		assert.Equal(t, 1, s.value)
	})
}
