package negotiate

import (
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/httpsem/httpsem/httperr"
	"github.com/httpsem/httpsem/internal/header"
)

type user struct {
	Name string `json:"name" xml:"name"`
}

func csvEncoder() Encoder {
	return Encoder{MediaType: "text/csv", EncodeFunc: func(w io.Writer, v any) error {
		u, ok := v.(user)
		if !ok {
			return fmt.Errorf("csv: cannot encode %T: %w", v, ErrUnsupportedValue)
		}
		cw := csv.NewWriter(w)
		_ = cw.Write([]string{"name"})
		_ = cw.Write([]string{u.Name})
		cw.Flush()
		return cw.Error()
	}}
}

func TestRender(t *testing.T) {
	t.Parallel()
	def, err := NewRenderer(Options{})
	require.NoError(t, err)
	withCSV, err := NewRenderer(Options{Encoders: []Encoder{JSON(), csvEncoder(), {
		MediaType: "text/html;charset=utf-8", EncodeFunc: func(w io.Writer, v any) error {
			_, err := fmt.Fprintf(w, "<p>%s</p>", v.(user).Name)
			return err
		}}}})
	require.NoError(t, err)
	lenient, err := NewRenderer(Options{ServeDefault: true})
	require.NoError(t, err)

	tests := []struct {
		name   string
		rn     *Renderer
		accept string
		status int
		ctype  string
		body   string
	}{
		// RFC 9110 §12.5.1: no Accept, the first encoder.
		{"default json", def, "", 200, "application/json", "{\"name\":\"Ann\"}\n"},
		// RFC 7303 §3: XML gets its charset.
		{"xml", def, "application/xml", 200, "application/xml; charset=utf-8", "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<user><name>Ann</name></user>"},
		{"browser gets xml", def, browserAccept, 200, "application/xml; charset=utf-8", ""},
		// RFC 9110 §15.5.7: nothing acceptable, 406.
		{"406", def, "image/png", 406, "application/json", `{"error":{"code":"NOT_ACCEPTABLE","message":"none of the available media types is acceptable","available":["application/json","application/xml"]}}` + "\n"},
		{"serve default", lenient, "image/png", 200, "application/json", "{\"name\":\"Ann\"}\n"},
		// RFC 9110 §8.3.2: text types get a charset.
		{"csv", withCSV, "text/csv", 200, "text/csv; charset=utf-8", "name\nAnn\n"},
		{"html charset kept", withCSV, "text/html", 200, "text/html;charset=utf-8", "<p>Ann</p>"},
		// The added charset takes part in negotiation (RFC 9110 §12.5.1 parameters).
		{"csv charset accepted", withCSV, "text/csv;charset=UTF-8", 200, "text/csv; charset=utf-8", "name\nAnn\n"},
		{"csv other charset", withCSV, "text/csv;charset=latin1", 406, "application/json", ""},
		{"204 no body", def, "", 204, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			if tt.accept != "" {
				r.Header.Set("Accept", tt.accept)
			}
			w := httptest.NewRecorder()
			w.Header().Set("ETag", `"x"`)
			status := http.StatusOK
			if tt.status == 204 {
				status = 204
			}
			err := tt.rn.Render(w, r, status, user{Name: "Ann"})
			if tt.status == 406 {
				assert.ErrorIs(t, err, ErrNotAcceptable)
				assert.Empty(t, w.Header().Get("ETag"), "error drops the success validator")
			} else {
				assert.NoError(t, err)
			}
			assert.Equal(t, tt.status, w.Code)
			assert.Equal(t, tt.ctype, w.Header().Get("Content-Type"))
			if tt.body != "" || tt.status == 204 {
				assert.Equal(t, tt.body, w.Body.String())
			}
			if tt.status == 200 {
				assert.Equal(t, fmt.Sprint(w.Body.Len()), w.Header().Get("Content-Length"))
			}
			// RFC 9110 §12.5.5: the response varies on Accept, whatever the outcome.
			assert.Equal(t, "Accept", w.Header().Get("Vary"))
		})
	}
}

func TestRenderEncodeError(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	rn, err := NewRenderer(Options{
		Encoders:    []Encoder{{MediaType: "application/json", EncodeFunc: func(w io.Writer, v any) error { _, _ = io.WriteString(w, `{"half`); return boom }}},
		ErrorWriter: httperr.Problem{},
	})
	require.NoError(t, err)
	w := httptest.NewRecorder()
	err = rn.Render(w, httptest.NewRequest(http.MethodGet, "/", nil), http.StatusOK, 1)
	assert.ErrorIs(t, err, ErrEncode)
	assert.ErrorIs(t, err, boom)
	assert.Equal(t, http.StatusInternalServerError, w.Code)
	assert.Equal(t, "application/problem+json", w.Header().Get("Content-Type"))
	assert.NotContains(t, w.Body.String(), "half", "no partial body")
	assert.NotContains(t, w.Body.String(), "boom", "no internal error text")

}

// An encoder declines a value it cannot represent; the Renderer then serves
// the next acceptable representation or answers 406, never 500.
func TestRenderDecline(t *testing.T) {
	t.Parallel()
	def, err := NewRenderer(Options{})
	require.NoError(t, err)
	lenient, err := NewRenderer(Options{ServeDefault: true})
	require.NoError(t, err)
	m := map[string]any{"a": 1}
	tests := []struct {
		name      string
		rn        *Renderer
		accept    string
		v         any
		status    int
		ctype     string
		available []string
	}{
		// RFC 9110 §15.5.7: only XML acceptable, XML cannot carry a map: 406
		// listing what can.
		{"map as xml only", def, "application/xml", m, 406, "application/json", []string{"application/json"}},
		{"map falls to next acceptable", def, "application/xml, application/json;q=0.5", m, 200, "application/json", nil},
		{"map with browser accept", def, browserAccept, m, 200, "application/json", nil},
		{"map served by default", lenient, "application/xml", m, 200, "application/json", nil},
		{"map no accept", def, "", m, 200, "application/json", nil},
		{"channel by nobody", def, "*/*", make(chan int), 406, "application/json", []string{}},
		{"channel by nobody, lenient", lenient, "image/png", make(chan int), 406, "application/json", []string{}},
		{"NaN not json", def, "application/json, application/xml;q=0.1", math.NaN(), 200, "application/xml; charset=utf-8", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			if tt.accept != "" {
				r.Header.Set("Accept", tt.accept)
			}
			w := httptest.NewRecorder()
			err := tt.rn.Render(w, r, http.StatusOK, tt.v)
			assert.Equal(t, tt.status, w.Code)
			assert.Equal(t, tt.ctype, w.Header().Get("Content-Type"))
			assert.Equal(t, "Accept", w.Header().Get("Vary"))
			if tt.status == 200 {
				assert.NoError(t, err)
				if tt.ctype == "application/json" {
					assert.True(t, json.Valid(w.Body.Bytes()), "no trace of the declined encoding: %q", w.Body.String())
				} else {
					assert.Equal(t, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<float64>NaN</float64>", w.Body.String())
				}
				return
			}
			assert.ErrorIs(t, err, ErrNotAcceptable)
			assert.ErrorIs(t, err, ErrUnsupportedValue)
			assert.NotErrorIs(t, err, ErrEncode)
			var body struct {
				Error struct {
					Code      string   `json:"code"`
					Available []string `json:"available"`
				} `json:"error"`
			}
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &body))
			assert.Equal(t, "NOT_ACCEPTABLE", body.Error.Code)
			assert.ElementsMatch(t, tt.available, body.Error.Available)
		})
	}
}

// The built-in encoders decline exactly the values their format cannot
// represent, and fail otherwise as before.
func TestBuiltinEncodersDecline(t *testing.T) {
	t.Parallel()
	assert.ErrorIs(t, XML().EncodeFunc(io.Discard, map[string]int{}), ErrUnsupportedValue)
	assert.ErrorIs(t, XML().EncodeFunc(io.Discard, struct{ M map[string]int }{}), ErrUnsupportedValue)
	assert.NoError(t, XML().EncodeFunc(io.Discard, user{Name: "Ann"}))
	assert.ErrorIs(t, JSON().EncodeFunc(io.Discard, make(chan int)), ErrUnsupportedValue)
	assert.ErrorIs(t, JSON().EncodeFunc(io.Discard, math.Inf(1)), ErrUnsupportedValue)
	assert.NoError(t, JSON().EncodeFunc(io.Discard, map[string]int{"a": 1}))
	// A failing MarshalJSON is the application's error, not a decline.
	err := JSON().EncodeFunc(io.Discard, failingMarshaler{})
	assert.Error(t, err)
	assert.NotErrorIs(t, err, ErrUnsupportedValue)
}

type failingMarshaler struct{}

func (failingMarshaler) MarshalJSON() ([]byte, error) { return nil, errors.New("boom") }

// A custom encoder declines by wrapping ErrUnsupportedValue.
func TestRenderCustomDecline(t *testing.T) {
	t.Parallel()
	rn, err := NewRenderer(Options{Encoders: []Encoder{csvEncoder(), JSON()}})
	require.NoError(t, err)
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Accept", "text/csv, */*;q=0.1")
	w := httptest.NewRecorder()
	require.NoError(t, rn.Render(w, r, http.StatusOK, user{Name: "Ann"}))
	assert.Equal(t, "text/csv; charset=utf-8", w.Header().Get("Content-Type"))
	w = httptest.NewRecorder()
	require.NoError(t, rn.Render(w, r, http.StatusOK, []int{1}))
	assert.Equal(t, "application/json", w.Header().Get("Content-Type"))
	assert.Equal(t, "[1]\n", w.Body.String())
}

// RFC 8259 §8.1 and Encoder.Implicit: parameters satisfied without being sent.
func TestRenderImplicitParams(t *testing.T) {
	t.Parallel()
	def, err := NewRenderer(Options{})
	require.NoError(t, err)
	csvHeader, err := NewRenderer(Options{Encoders: []Encoder{
		{MediaType: "text/csv", Implicit: "header=present", EncodeFunc: csvEncoder().EncodeFunc},
		{MediaType: "application/vnd.acme+json", EncodeFunc: JSON().EncodeFunc},
		{MediaType: "application/x-ndjson", Implicit: " charset=utf-8 ", EncodeFunc: JSON().EncodeFunc},
	}})
	require.NoError(t, err)
	tests := []struct {
		name   string
		rn     *Renderer
		accept string
		status int
		ctype  string
	}{
		{"json charset utf-8", def, "application/json; charset=utf-8", 200, "application/json"},
		{"json charset upper", def, "application/json;charset=UTF-8", 200, "application/json"},
		{"json other charset", def, "application/json;charset=iso-8859-1", 406, "application/json"},
		{"xml charset sent", def, "application/xml; charset=utf-8", 200, "application/xml; charset=utf-8"},
		{"declared implicit", csvHeader, "text/csv;header=present", 200, "text/csv; charset=utf-8"},
		{"declared implicit and sent charset", csvHeader, "text/csv;header=present;charset=utf-8", 200, "text/csv; charset=utf-8"},
		{"declared implicit other value", csvHeader, "text/csv;header=absent", 406, "application/json"},
		{"+json implicit without declaring", csvHeader, "application/vnd.acme+json;charset=utf-8", 200, "application/vnd.acme+json"},
		{"declared on a non-JSON type", csvHeader, "application/x-ndjson;charset=utf-8", 200, "application/x-ndjson"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.Header.Set("Accept", tt.accept)
			w := httptest.NewRecorder()
			_ = tt.rn.Render(w, r, http.StatusOK, user{Name: "Ann"})
			assert.Equal(t, tt.status, w.Code)
			assert.Equal(t, tt.ctype, w.Header().Get("Content-Type"))
		})
	}
}

// HEAD gets the headers of GET and no body; checked on the wire because the
// recorder does not strip bodies.
func TestRenderHeadOnTheWire(t *testing.T) {
	t.Parallel()
	rn, err := NewRenderer(Options{})
	require.NoError(t, err)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = rn.Render(w, r, http.StatusOK, user{Name: "Ann"})
	}))
	t.Cleanup(srv.Close)
	for _, method := range []string{http.MethodGet, http.MethodHead} {
		req, err := http.NewRequest(method, srv.URL, nil)
		require.NoError(t, err)
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		assert.Equal(t, http.StatusOK, resp.StatusCode, method)
		assert.Equal(t, "15", resp.Header.Get("Content-Length"), method)
		assert.Equal(t, "application/json", resp.Header.Get("Content-Type"), method)
		if method == http.MethodHead {
			assert.Empty(t, body)
		} else {
			assert.Equal(t, "{\"name\":\"Ann\"}\n", string(body))
		}
	}
}

func TestNewRendererErrors(t *testing.T) {
	t.Parallel()
	enc := func(w io.Writer, v any) error { return nil }
	tests := []struct {
		name string
		encs []Encoder
	}{
		{"empty", []Encoder{}},
		{"wildcard", []Encoder{{MediaType: "text/*", EncodeFunc: enc}}},
		{"malformed", []Encoder{{MediaType: "json", EncodeFunc: enc}}},
		{"no func", []Encoder{{MediaType: "text/csv"}}},
		{"duplicate", []Encoder{JSON(), {MediaType: "Application/JSON", EncodeFunc: enc}}},
		{"weight in media type", []Encoder{{MediaType: "text/csv;q=1", EncodeFunc: enc}}},
		{"implicit not params", []Encoder{{MediaType: "text/csv", Implicit: "header", EncodeFunc: enc}}},
		{"implicit weight", []Encoder{{MediaType: "text/csv", Implicit: "q=0.5", EncodeFunc: enc}}},
		{"implicit empty params", []Encoder{{MediaType: "text/csv", Implicit: ";", EncodeFunc: enc}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rn, err := NewRenderer(Options{Encoders: tt.encs})
			require.Error(t, err)
			assert.True(t, strings.HasPrefix(err.Error(), "negotiate: Options.Encoders"), err.Error())
			assert.Nil(t, rn)
		})
	}
}

func TestRendererMediaTypesAndPool(t *testing.T) {
	t.Parallel()
	rn, err := NewRenderer(Options{Encoders: []Encoder{JSON(), {MediaType: "application/atom+xml", EncodeFunc: XML().EncodeFunc}}})
	require.NoError(t, err)
	mts := rn.MediaTypes()
	assert.Equal(t, []string{"application/json", "application/atom+xml"}, mts)
	mts[0] = "changed"
	assert.Equal(t, "application/json", rn.MediaTypes()[0], "a copy")

	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Accept", "application/atom+xml")
	w := httptest.NewRecorder()
	require.NoError(t, rn.Render(w, r, http.StatusOK, user{Name: "Ann"}))
	// RFC 7303 §3 and §9.2: +xml types get a charset too.
	assert.Equal(t, "application/atom+xml; charset=utf-8", w.Header().Get("Content-Type"))

	// A body larger than MaxPooledBuffer is written fully and its buffer dropped.
	big := strings.Repeat("x", MaxPooledBuffer+1)
	w = httptest.NewRecorder()
	require.NoError(t, rn.Render(w, httptest.NewRequest(http.MethodGet, "/", nil), http.StatusOK, big))
	assert.Equal(t, len(big)+3, w.Body.Len())
}

// TestRenderSharedContentTypeIsSafe checks that the Content-Type value the
// renderer shares between responses cannot be changed through one of them:
// an Add after Render copies instead of appending into it.
func TestRenderSharedContentTypeIsSafe(t *testing.T) {
	rn, err := NewRenderer(Options{})
	require.NoError(t, err)
	first := httptest.NewRecorder()
	require.NoError(t, rn.Render(first, httptest.NewRequest("GET", "/", nil), http.StatusOK, 1))
	first.Header().Add("Content-Type", "text/plain")
	second := httptest.NewRecorder()
	require.NoError(t, rn.Render(second, httptest.NewRequest("GET", "/", nil), http.StatusOK, 1))
	assert.Equal(t, []string{"application/json"}, second.Header()["Content-Type"])
	assert.Equal(t, []string{"application/json", "text/plain"}, first.Header()["Content-Type"])
}

// TestRenderSharedVaryIsSafe checks that the Vary value the renderer shares
// between responses survives a handler adding to the first response's Vary,
// by Header.Add or by cache.AddVary's merge.
func TestRenderSharedVaryIsSafe(t *testing.T) {
	rn, err := NewRenderer(Options{})
	require.NoError(t, err)
	render := func() *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		require.NoError(t, rn.Render(w, httptest.NewRequest("GET", "/", nil), http.StatusOK, 1))
		return w
	}
	first := render()
	first.Header().Add("Vary", "Origin")
	second := render()
	header.AddVary(second.Header(), "Accept-Language")
	third := render()
	assert.Equal(t, []string{"Accept", "Origin"}, first.Header()["Vary"])
	assert.Equal(t, []string{"Accept, Accept-Language"}, second.Header()["Vary"])
	assert.Equal(t, []string{"Accept"}, third.Header()["Vary"])
	// A handler's own Vary is merged into, not replaced.
	w := httptest.NewRecorder()
	w.Header().Set("Vary", "Origin")
	require.NoError(t, rn.Render(w, httptest.NewRequest("GET", "/", nil), http.StatusOK, 1))
	assert.Equal(t, []string{"Origin, Accept"}, w.Header()["Vary"])
}

// TestRenderAllocations holds a rendering with the built-in encoders to no
// allocation in steady state: the json.Encoder and xml.Encoder are kept
// with the pooled buffer, and the Content-Length value comes from the
// Renderer's cache. The built-in encoders once paid two more on every
// success, for the errors.As targets of their decline check, and until
// issue 16's fourth pass (on a second Intel VM) one for the json.Encoder (an xml.Encoder
// and its 4 KiB bufio.Writer for XML) and one for the Content-Length.
func TestRenderAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("allocations are not counted under -race (sync.Pool drops buffers)")
	}
	rn, err := NewRenderer(Options{})
	require.NoError(t, err)
	v := &user{Name: "Ann"} // a pointer: boxing a struct in any is the caller's allocation
	w := discard{h: http.Header{}}
	for _, accept := range []string{"application/json", "application/xml"} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Accept", accept)
		// Not parallel: AllocsPerRun measures the whole process.
		allocs := testing.AllocsPerRun(100, func() { _ = rn.Render(w, r, http.StatusOK, v) })
		assert.Zero(t, allocs, accept)
	}
	assert.Equal(t, 1.0, testing.AllocsPerRun(100, func() { _ = JSON().EncodeFunc(io.Discard, 1) }),
		"JSON's encoder outside a Renderer: its json.Encoder only")
}

// xmlPanicker starts an element and panics, as a broken MarshalXML would.
type xmlPanicker struct{}

func (xmlPanicker) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	_ = e.EncodeToken(start)
	panic("broken MarshalXML")
}

// TestRenderReusesEncoders checks that the encoders kept with a pooled
// buffer give each rendering exactly the bytes a fresh encoder gives, also
// after a value they failed or panicked on: XML's is kept only after a
// successful Encode, since it may hold part of an element otherwise, and
// JSON's marshals into a buffer of its own before it writes, so a failure
// leaves nothing behind.
func TestRenderReusesEncoders(t *testing.T) {
	rn, err := NewRenderer(Options{})
	require.NoError(t, err)
	fresh := func(enc string, v any) string {
		var b strings.Builder
		switch enc {
		case "application/json":
			require.NoError(t, json.NewEncoder(&b).Encode(v))
		default:
			b.WriteString(xml.Header)
			require.NoError(t, xml.NewEncoder(&b).Encode(v))
		}
		return b.String()
	}
	type nested struct {
		XMLName xml.Name `xml:"outer"`
		User    user     `xml:"user"`
		Bad     any      `json:"bad,omitempty" xml:"bad,omitempty"`
	}
	for _, accept := range []string{"application/json", "application/xml"} {
		t.Run(accept, func(t *testing.T) {
			render := func(v any) (*httptest.ResponseRecorder, error) {
				w := httptest.NewRecorder()
				r := httptest.NewRequest(http.MethodGet, "/", nil)
				r.Header.Set("Accept", accept)
				return w, rn.Render(w, r, http.StatusOK, v)
			}
			for i := range 3 {
				good := &nested{User: user{Name: "Ann" + strconv.Itoa(i)}}
				w, err := render(good)
				require.NoError(t, err)
				assert.Equal(t, fresh(accept, good), w.Body.String())
				assert.Equal(t, strconv.Itoa(w.Body.Len()), w.Header().Get("Content-Length"))
				// A value the encoder fails on part-way: a channel inside
				// an element that has already been started.
				_, err = render(&nested{User: user{Name: "Bob"}, Bad: make(chan int)})
				require.Error(t, err)
				if accept == "application/xml" {
					assert.Panics(t, func() { _, _ = render(&nested{User: user{Name: "Eve"}, Bad: xmlPanicker{}}) })
				}
			}
		})
	}
}
