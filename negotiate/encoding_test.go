package negotiate

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSelectEncoding(t *testing.T) {
	t.Parallel()
	pre := []string{"br", "gzip", "identity"}
	tests := []struct {
		name   string
		ae     []string // nil: no Accept-Encoding field
		offers []string
		want   int
	}{
		// RFC 9110 §12.5.3: no field, any coding acceptable; identity preferred (documented choice).
		{"absent prefers identity", nil, pre, 2},
		{"absent no identity offered", nil, []string{"br", "gzip"}, 0},
		{"absent no offers", nil, nil, -1},
		{"absent skips invalid", nil, []string{"*", "gzip"}, 1},
		// RFC 9110 §12.5.3: an empty field value means no coding is wanted.
		{"empty means identity", []string{""}, pre, 2},
		{"empty without identity", []string{""}, []string{"br", "gzip"}, -1},
		// RFC 9110 §5.6.1: malformed members are ignored; none left counts as empty.
		{"all malformed", []string{"gzip;q=2, br;level=1, ;q=1"}, pre, 2},
		{"browser", []string{"gzip, deflate, br, zstd"}, pre, 0},
		{"gzip only", []string{"gzip"}, pre, 1},
		{"case-insensitive", []string{"GZIP"}, pre, 1},
		// RFC 9110 §8.4.1.3: x-gzip is gzip.
		{"x-gzip alias", []string{"x-gzip"}, pre, 1},
		{"x-gzip offer", []string{"gzip"}, []string{"x-gzip"}, 0},
		{"x-compress alias", []string{"x-compress"}, []string{"gzip", "compress"}, 1},
		{"weights", []string{"br;q=0.5, gzip;q=0.8"}, pre, 1},
		{"tie server order", []string{"gzip, br"}, pre, 0},
		// RFC 9110 §12.5.3: q=0 means not acceptable.
		{"q=0 refuses", []string{"br;q=0, gzip"}, pre, 1},
		{"first member counts", []string{"br;q=0, br"}, pre, 2},
		// "*" matches codings not explicitly listed.
		{"star", []string{"*"}, pre, 0},
		{"star lower than listed", []string{"gzip, *;q=0.5"}, pre, 1},
		{"star q=0 listed survives", []string{"gzip;q=0.3, *;q=0"}, pre, 1},
		// identity is acceptable unless refused by identity;q=0 or *;q=0.
		{"identity implicit last", []string{"br;q=0.001"}, []string{"identity", "br"}, 1},
		{"identity implicit fallback", []string{"br;q=0, gzip;q=0"}, pre, 2},
		{"identity refused", []string{"br;q=0, identity;q=0"}, pre, -1},
		{"star refuses identity", []string{"*;q=0"}, pre, -1},
		{"star q=0 but identity listed", []string{"*;q=0, identity"}, pre, 2},
		{"identity explicit wins", []string{"identity, gzip;q=0.5"}, pre, 2},
		{"star gives identity weight", []string{"*;q=0.5, br;q=0.4"}, []string{"br", "identity"}, 1},
		{"multiple lines", []string{"br;q=0.1", "gzip;q=0.2"}, pre, 1},
		{"ows", []string{" gzip ; q=0.2 ,\tbr ;q=0.1 "}, pre, 1},
		{"invalid offer skipped", []string{"*"}, []string{"", "gzip"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, SelectEncoding(tt.ae, tt.offers))
		})
	}
}

func TestSelectEncodingManyOffers(t *testing.T) {
	t.Parallel()
	offers := make([]string, 0, chunk+3)
	for range chunk + 2 {
		offers = append(offers, "x")
	}
	offers = append(offers, "gzip")
	assert.Equal(t, chunk+2, SelectEncoding([]string{"gzip"}, offers))
	assert.Equal(t, 0, SelectEncoding([]string{"*"}, offers))
}

func TestParseCoding(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in     string
		coding string
		q      int
		ok     bool
	}{
		{"gzip", "gzip", 1000, true},
		{"gzip;q=0.5", "gzip", 500, true},
		{"gzip ; Q=0", "gzip", 0, true},
		{"*;q=0.1", "*", 100, true},
		{"gzip;q=0.5;q=0.6", "", 0, false}, // one weight only
		{"gzip;level=1", "", 0, false},     // no parameters in §12.5.3
		{"gzip q=1", "", 0, false},
		{`gzip;q="1"`, "", 0, false},
		{";q=1", "", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			coding, q, ok := parseCoding(tt.in)
			assert.Equal(t, tt.ok, ok)
			if tt.ok {
				assert.Equal(t, tt.coding, coding)
				assert.Equal(t, tt.q, q)
			}
		})
	}
}

func TestEncoding(t *testing.T) {
	t.Parallel()
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Accept-Encoding", "gzip, br;q=0.9")
	w := httptest.NewRecorder()
	got, ok := Encoding(w, r, "br", "gzip", Identity)
	require.True(t, ok)
	assert.Equal(t, "gzip", got)
	assert.Equal(t, "Accept-Encoding", w.Header().Get("Vary"))

	r.Header.Set("Accept-Encoding", "identity;q=0")
	got, ok = Encoding(w, r, Identity)
	assert.False(t, ok)
	assert.Empty(t, got)
}

func TestSelectEncodingNoAllocs(t *testing.T) {
	// Not parallel: AllocsPerRun measures the whole process.
	values := []string{"gzip, deflate, br, zstd"}
	offers := []string{"zstd", "br", "gzip", Identity}
	assert.Zero(t, testing.AllocsPerRun(100, func() { _ = SelectEncoding(values, offers) }))
}
