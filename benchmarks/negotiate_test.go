package benchmarks

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/elnormous/contenttype"
	"github.com/golang/gddo/httputil"
	"github.com/munnerz/goautoneg"
	"github.com/stretchr/testify/assert"

	"github.com/httpsem/httpsem/negotiate"
)

// acceptOffers are the representations a JSON API with an XML fallback
// offers, in the server's order of preference.
var acceptOffers = []string{"application/json", "application/xml"}

// acceptCase is one Accept field value and the offer RFC 9110 §12.5.1
// selects from acceptOffers.
type acceptCase struct {
	name, accept, want string
	// typical marks the rows that must not allocate.
	typical bool
}

// acceptCases are the rows of BenchmarkAccept: what browsers and API
// clients send, and hostile fields of growing length that show the cost is
// linear in the length.
func acceptCases() []acceptCase {
	return []acceptCase{
		// Chrome's navigation header: application/xml at q=0.9 beats
		// application/json, which only */*;q=0.8 covers.
		{
			name:    "browser",
			accept:  "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7",
			want:    "application/xml",
			typical: true,
		},
		{name: "api", accept: "application/json", want: "application/json", typical: true},
		{name: "hostile-4KiB", accept: hostileAccept(4 << 10), want: "application/json"},
		{name: "hostile-16KiB", accept: hostileAccept(16 << 10), want: "application/json"},
		{name: "hostile-64KiB", accept: hostileAccept(64 << 10), want: "application/json"},
	}
}

// hostileAccept returns an Accept field of about n bytes: valid media ranges
// that match nothing offered, each with a weight, so that every parser must
// read and weigh them all, followed by the one range that matches.
func hostileAccept(n int) string {
	var b strings.Builder
	for i := 0; b.Len() < n-len("application/json"); i++ {
		b.WriteString("application/x-bench-")
		b.WriteString(strconv.Itoa(i))
		b.WriteString(";q=0.5,")
	}
	b.WriteString("application/json")
	return b.String()
}

// acceptImpl is one implementation under test, prepared outside the timed
// loop with the input in the form its API takes.
type acceptImpl struct {
	name    string
	prepare func(accept string) func() string
}

func acceptImpls() []acceptImpl {
	return []acceptImpl{
		{"httpsem", func(accept string) func() string {
			values := []string{accept}
			return func() string {
				if i := negotiate.SelectType(values, acceptOffers); i >= 0 {
					return acceptOffers[i]
				}
				return ""
			}
		}},
		{"goautoneg", func(accept string) func() string {
			return func() string { return goautoneg.Negotiate(accept, acceptOffers) }
		}},
		{"gddo", func(accept string) func() string {
			r := &http.Request{Header: http.Header{"Accept": {accept}}}
			return func() string { return httputil.NegotiateContentType(r, acceptOffers, "") }
		}},
		{"contenttype", func(accept string) func() string {
			offers := make([]contenttype.MediaType, len(acceptOffers))
			for i, o := range acceptOffers {
				offers[i] = contenttype.NewMediaType(o)
			}
			return func() string {
				mt, _, err := contenttype.GetAcceptableMediaTypeFromHeader(accept, offers)
				if err != nil {
					return ""
				}
				return mt.String()
			}
		}},
	}
}

// TestAcceptAgreement checks that every implementation selects the RFC 9110
// §12.5.1 answer on every benchmarked input, so BenchmarkAccept compares
// equal work.
func TestAcceptAgreement(t *testing.T) {
	for _, c := range acceptCases() {
		for _, impl := range acceptImpls() {
			t.Run(c.name+"/"+impl.name, func(t *testing.T) {
				assert.Equal(t, c.want, impl.prepare(c.accept)())
			})
		}
	}
}

// TestAcceptZeroAlloc pins the target of the typical rows: no allocation.
func TestAcceptZeroAlloc(t *testing.T) {
	for _, c := range acceptCases() {
		if !c.typical {
			continue
		}
		sel := acceptImpls()[0].prepare(c.accept)
		assert.Zero(t, testing.AllocsPerRun(100, func() { _ = sel() }), c.name)
	}
}

func BenchmarkAccept(b *testing.B) {
	for _, c := range acceptCases() {
		for _, impl := range acceptImpls() {
			b.Run("header="+c.name+"/impl="+impl.name, func(b *testing.B) {
				sel := impl.prepare(c.accept)
				b.ReportAllocs()
				b.SetBytes(int64(len(c.accept)))
				var got string
				for b.Loop() {
					got = sel()
				}
				if got != c.want {
					b.Fatalf("selected %q, want %q", got, c.want)
				}
			})
		}
	}
}

// acceptDeviations are Accept fields, outside the benchmarked rows, on which
// peers select something other than what RFC 9110 asks for. theirs records
// what each peer selects ("" is "nothing acceptable"); the README's
// correctness table is this table.
var acceptDeviations = []struct {
	rule, accept, want string
	theirs             map[string]string
}{
	{
		// §12.5.1: the most specific range gives an offer its weight, and
		// q=0 means "not acceptable".
		rule: "§12.5.1 specific q=0 beats */*", accept: "application/json;q=0, */*", want: "application/xml",
		theirs: map[string]string{"goautoneg": "application/json", "gddo": "application/json", "contenttype": "application/xml"},
	},
	{
		rule: "§12.5.1 specific q=0 beats */* (reversed)", accept: "*/*;q=0.5, application/json;q=0", want: "application/xml",
		theirs: map[string]string{"goautoneg": "application/json", "gddo": "application/json", "contenttype": "application/xml"},
	},
	{
		// §12.5.1: application/json takes q=0.5 from application/*, which
		// beats the q=0.1 of application/xml.
		rule: "§12.5.1 weight of the most specific range", accept: "application/*;q=0.5, application/xml;q=0.1", want: "application/json",
		theirs: map[string]string{"goautoneg": "application/xml", "gddo": "application/json", "contenttype": "application/json"},
	},
	{
		// §12.5.1: */*;q=0 refuses everything not listed.
		rule: "§12.5.1 */*;q=0 refuses the rest", accept: "text/html, */*;q=0", want: "",
		theirs: map[string]string{"goautoneg": "application/json", "gddo": "", "contenttype": ""},
	},
	{
		// §8.3.1: type and subtype are case-insensitive.
		rule: "§8.3.1 case-insensitive types", accept: "Application/JSON", want: "application/json",
		theirs: map[string]string{"goautoneg": "", "gddo": "", "contenttype": "application/json"},
	},
}

func TestAcceptPeerDeviations(t *testing.T) {
	for _, d := range acceptDeviations {
		t.Run(d.rule, func(t *testing.T) {
			for _, impl := range acceptImpls() {
				want := d.want
				if impl.name != "httpsem" {
					want = d.theirs[impl.name]
				}
				assert.Equal(t, want, impl.prepare(d.accept)(), impl.name)
			}
		})
	}
}
