package negotiate

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const browserAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

func TestSelectType(t *testing.T) {
	t.Parallel()
	jsonXML := []string{"application/json", "application/xml"}
	tests := []struct {
		name   string
		accept []string // nil: no Accept field
		offers []string
		want   int
	}{
		// RFC 9110 §12.5.1: no Accept field means any media type is acceptable.
		{"absent", nil, jsonXML, 0},
		{"absent no offers", nil, nil, -1},
		// RFC 9110 §5.6.1 + CONVENTIONS 13: a field with no valid member counts as absent.
		{"empty value", []string{""}, jsonXML, 0},
		{"only commas", []string{" , ,, "}, jsonXML, 0},
		{"all malformed", []string{"json, */json, a/b;q=2, /x"}, jsonXML, 0},
		{"star star", []string{"*/*"}, jsonXML, 0},
		{"exact", []string{"application/xml"}, jsonXML, 1},
		{"exact first offer", []string{"application/json"}, jsonXML, 0},
		{"exact first offer, OWS", []string{" application/json\t"}, jsonXML, 0},
		// An offer with a wildcard is not a representation: never selected,
		// even when the field is the same text.
		{"wildcard offer equal to field", []string{"*/*"}, []string{"*/*", "text/plain"}, 1},
		{"type wildcard offer equal to field", []string{"text/*"}, []string{"text/*", "text/plain"}, 1},
		// A range with parameters goes the general way: the offer must carry them.
		{"exact first offer with params", []string{"text/plain;format=flowed"}, []string{"text/plain;format=flowed", "text/plain"}, 0},
		{"case-insensitive type", []string{"APPLICATION/XML"}, jsonXML, 1},
		{"type wildcard", []string{"application/*"}, jsonXML, 0},
		{"unlisted", []string{"text/html"}, jsonXML, -1},
		// RFC 9110 §12.5.1: weights decide.
		{"higher q wins", []string{"application/json;q=0.5, application/xml"}, jsonXML, 1},
		{"three decimals", []string{"application/json;q=0.501, application/xml;q=0.5"}, jsonXML, 0},
		{"uppercase Q", []string{"application/json;Q=0.1, application/xml;Q=0.2"}, jsonXML, 1},
		// Ties go to the server's order.
		{"tie server order", []string{"application/xml, application/json"}, jsonXML, 0},
		{"tie via wildcard", []string{"application/xml;q=0.5, */*;q=0.5"}, jsonXML, 0},
		// RFC 9110 §12.5.1: q=0 means "not acceptable".
		{"q=0 excludes", []string{"application/json;q=0, */*"}, jsonXML, 1},
		{"q=0.000 excludes", []string{"application/json;q=0.000"}, jsonXML, -1},
		{"all q=0", []string{"*/*;q=0"}, jsonXML, -1},
		// RFC 9110 §12.5.1: the most specific range takes precedence.
		{"specific over wildcard", []string{"*/*;q=1, application/json;q=0.2"}, jsonXML, 1},
		{"specific over type wildcard", []string{"application/*;q=0.9, application/xml;q=0.1"}, jsonXML, 0},
		{"type wildcard over star", []string{"*/*;q=0.1, application/*;q=0"}, []string{"application/json", "text/plain"}, 1},
		{"params most specific", []string{"text/plain;format=flowed;q=0, text/plain;q=1"}, []string{"text/plain;format=flowed", "text/plain"}, 1},
		{"params need match", []string{"text/html;level=1"}, []string{"text/html", "text/html;level=1"}, 1},
		{"params absent on offer", []string{"text/html;level=1"}, []string{"text/html"}, -1},
		{"params value differs", []string{"text/html;level=2"}, []string{"text/html;level=1"}, -1},
		{"params quoted equal", []string{`text/html;level="1"`}, []string{"text/html;level=1"}, 0},
		{"params escaped equal", []string{`text/html;x="a\"b"`}, []string{`text/html;x="a\"b"`}, 0},
		{"params value case-sensitive", []string{"text/html;x=A"}, []string{"text/html;x=a"}, -1},
		{"charset case-insensitive", []string{"text/html;charset=UTF-8"}, []string{"text/html;charset=utf-8"}, 0},
		{"param name case-insensitive", []string{"text/html;Level=1"}, []string{"text/html;LEVEL=1"}, 0},
		{"offer extra params fine", []string{"text/html"}, []string{"text/html;charset=utf-8"}, 0},
		// RFC 9110 §12.5.1 example: text/plain;format=flowed overrides text/plain.
		{"rfc example", []string{"text/*;q=0.3, text/plain;q=0.7, text/plain;format=flowed, text/plain;format=fixed;q=0.4, */*;q=0.5"},
			[]string{"text/plain;format=fixed", "text/html", "image/jpeg", "text/plain", "text/plain;format=flowed"}, 4},
		// Of equally specific ranges the first counts.
		{"duplicate first counts", []string{"application/json;q=0.1, application/json;q=1, application/xml;q=0.5"}, jsonXML, 1},
		// RFC 9110 §5.6.1: malformed members are ignored, valid ones still count.
		{"malformed skipped", []string{"application/json;q=1.5, application/xml;q=0.1"}, jsonXML, 1},
		{"bad param skipped", []string{"application/json;foo, application/xml"}, jsonXML, 1},
		{"space around = skipped", []string{"application/json; q = 1, application/xml;q=0.1"}, jsonXML, 1},
		{"junk after weight", []string{"application/json;q=0 x, application/xml;q=0.1"}, jsonXML, 1},
		{"star subtype invalid", []string{"*/json, application/xml"}, jsonXML, 1},
		{"unterminated quote", []string{`application/json;a="b, application/xml`}, jsonXML, 0},
		// Several field lines form one list (RFC 9110 §5.3).
		{"multiple lines", []string{"application/json;q=0.1", "application/xml"}, jsonXML, 1},
		{"ows everywhere", []string{" application/xml \t; \tq=0.5 ,\tapplication/json ; q=0.4 "}, jsonXML, 1},
		{"empty params", []string{"application/xml;;q=0.5;, application/json;q=0.4"}, jsonXML, 1},
		// RFC 9110 §12.4.2: "q" is the weight wherever it appears, and the
		// parameters after it are media-range parameters (RFC 9110 has no
		// accept-ext), so they must match too.
		{"params after q must match", []string{"application/xml;q=0.5;ext=1, application/json;q=0.4"}, jsonXML, 0},
		{"q before params", []string{"text/html;q=0.5;level=1"}, []string{"text/html", "text/html;level=1"}, 1},
		{"q before params not plain", []string{"text/html;q=0.5;level=1"}, []string{"text/html"}, -1},
		{"q in the middle", []string{"text/html;a=1;q=0.2;b=2, */*;q=0.1"}, []string{"text/plain", "text/html;b=2;a=1"}, 1},
		{"q before params refuses the specific", []string{"text/html;q=0;level=1, text/html"}, []string{"text/html;level=1", "text/html"}, 1},
		{"two weights invalid", []string{"application/json;q=0.1;q=1, application/xml;q=0.5"}, jsonXML, 1},
		{"bad weight before params invalid", []string{"application/json;q=2;a=1, application/xml;q=0.5"}, jsonXML, 1},
		// RFC 8259 §8.1: JSON is UTF-8, so a JSON offer satisfies
		// charset=utf-8 (in any case) without carrying it; no other charset.
		{"json charset utf-8", []string{"application/json; charset=utf-8"}, jsonXML, 0},
		{"json charset case", []string{"application/json;charset=UTF-8"}, jsonXML, 0},
		{"json charset quoted", []string{`application/json;charset="utf-8"`}, jsonXML, 0},
		{"json other charset", []string{"application/json;charset=iso-8859-1"}, jsonXML, -1},
		{"json charset more specific", []string{"application/json;charset=utf-8;q=0.2, application/*;q=0.9"}, jsonXML, 1},
		{"+json charset", []string{"application/problem+json;charset=utf-8"}, []string{"application/problem+json"}, 0},
		{"json offer own charset wins", []string{"application/json;charset=utf-8"}, []string{"application/json;charset=utf-16"}, -1},
		{"json only charset implicit", []string{"application/json;charset=utf-8;v=2"}, jsonXML, -1},
		{"xml not implicit", []string{"application/xml;charset=utf-8"}, jsonXML, -1},
		{"offer with q invalid", []string{"*/*"}, []string{"text/html;q=1", "application/json"}, 1},
		// Invalid offers are never selected.
		{"invalid offer skipped", nil, []string{"nonsense", "application/json"}, 1},
		{"wildcard offer skipped", []string{"*/*"}, []string{"text/*", "application/json"}, 1},
		{"offer bad params", []string{"*/*"}, []string{"text/html;x", "application/json"}, 1},
		{"browser", []string{browserAccept}, []string{"application/json", "text/html"}, 1},
		{"browser json only", []string{browserAccept}, []string{"application/json"}, 0},
		{"browser xml", []string{browserAccept}, []string{"application/json", "application/xml"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, SelectType(tt.accept, tt.offers))
		})
	}
}

// More offers than one pass scores must behave like a single pass.
func TestSelectTypeManyOffers(t *testing.T) {
	t.Parallel()
	offers := make([]string, 0, 3*chunk+5)
	for i := range cap(offers) {
		offers = append(offers, fmt.Sprintf("application/x-%d", i))
	}
	last := offers[len(offers)-1]
	assert.Equal(t, len(offers)-1, SelectType([]string{"application/x-0;q=0.5, " + last}, offers))
	assert.Equal(t, 0, SelectType([]string{"application/*"}, offers))
	assert.Equal(t, chunk+1, SelectType([]string{"application/x-0;q=0, application/x-1;q=0.2, application/x-" + fmt.Sprint(chunk+1) + ";q=0.3"}, offers))
	assert.Equal(t, -1, SelectType([]string{"text/*"}, offers))
	// Absent Accept with the first chunk all invalid selects the first valid offer.
	bad := make([]string, chunk+2)
	for i := range bad {
		bad[i] = "bad"
	}
	bad[chunk+1] = "text/plain"
	assert.Equal(t, chunk+1, SelectType(nil, bad))
	assert.Equal(t, chunk+1, SelectType([]string{"text/plain"}, bad))
}

func TestType(t *testing.T) {
	t.Parallel()
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Accept", "application/xml")
	w := httptest.NewRecorder()
	w.Header().Set("Vary", "Origin")
	got, ok := Type(w, r, "application/json", "application/xml")
	require.True(t, ok)
	assert.Equal(t, "application/xml", got)
	assert.Equal(t, "Origin, Accept", w.Header().Get("Vary"))

	r.Header.Set("Accept", "image/png")
	w = httptest.NewRecorder()
	got, ok = Type(w, r, "application/json")
	assert.False(t, ok)
	assert.Empty(t, got)
	// RFC 9110 §12.5.5: the 406 outcome varies on Accept too.
	assert.Equal(t, "Accept", w.Header().Get("Vary"))
}

func TestSelectTypeNoAllocs(t *testing.T) {
	// Not parallel: AllocsPerRun measures the whole process.
	offers := []string{"application/json", "text/html", "application/xml"}
	for _, accept := range []string{browserAccept, "application/json", `text/html;level="1";q=0.5, */*;q=0.1`} {
		values := []string{accept}
		allocs := testing.AllocsPerRun(100, func() { _ = SelectType(values, offers) })
		assert.Zero(t, allocs, accept)
	}
}

// hostileAccept returns a header of at least n bytes made of members that
// each cost the most per byte to consider.
func hostileAccept(n int) string {
	var b strings.Builder
	for i := 0; b.Len() < n; i++ {
		switch i % 4 {
		case 0:
			b.WriteString("application/json;a=1;b=2;c=3;q=0.5,")
		case 1:
			b.WriteString(`text/html;x="\"\"\"";q=0.1,`)
		case 2:
			b.WriteString("*/*;q=0.001,;,")
		case 3:
			b.WriteString("application/xml;q=9,")
		}
	}
	return b.String()
}

// A 64 KiB header with one huge member of many parameters still matches.
func TestSelectTypeHugeMember(t *testing.T) {
	t.Parallel()
	huge := "application/json" + strings.Repeat(";a=1", 16<<10)
	assert.Equal(t, 0, SelectType([]string{huge}, []string{"application/json;a=1"}))
	assert.Equal(t, -1, SelectType([]string{huge + ";b=2"}, []string{"application/json;a=1"}))
}

// RFC 9110 §12.5.1 example: the weights it lists must order the offers.
func TestSelectTypeRFCExampleOrder(t *testing.T) {
	t.Parallel()
	accept := []string{"text/*;q=0.3, text/plain;q=0.7, text/plain;format=flowed, text/plain;format=fixed;q=0.4, */*;q=0.5"}
	offers := []string{"text/html", "text/plain;format=fixed", "image/jpeg", "text/plain", "text/plain;format=flowed"}
	// Expected weights: flowed 1, text/plain 0.7, image/jpeg 0.5, fixed 0.4, text/html 0.3.
	want := []string{"text/plain;format=flowed", "text/plain", "image/jpeg", "text/plain;format=fixed", "text/html"}
	var got []string
	for len(offers) > 0 {
		i := SelectType(accept, offers)
		require.GreaterOrEqual(t, i, 0)
		got = append(got, offers[i])
		offers = append(offers[:i:i], offers[i+1:]...)
	}
	assert.Equal(t, want, got)
}

// TestSelectTypeSingleRange covers selectOne, the path for an Accept field of
// one parameterless media range (RFC 9110 §12.5.1), against the general
// path: the same answers, invalid offers skipped, and fields it must leave
// to the general path.
func TestSelectTypeSingleRange(t *testing.T) {
	offers := []string{"text/html;level=1", "not a type", "application/*", "TEXT/HTML", "application/json", "image/png"}
	for _, tc := range []struct {
		accept string
		want   int
	}{
		{"text/html", 0},          // a range without parameters covers offers with them
		{"Text/HTML", 0},          // type and subtype compare case-insensitively (§8.3.1)
		{"application/json", 4},   // the wildcard offer is invalid, never selected
		{"application/*", 4},      // type/* covers the first valid application offer
		{"*/*", 0},                // everything: the first valid offer
		{" image/png\t", 5},       // OWS around the value
		{"image/gif", -1},         // nothing covered: not acceptable
		{"*/png", 0},              // invalid range: no valid member, first valid offer
		{"image/png;q=0", -1},     // a weight: general path
		{"image/gif, */*", 0},     // two members: general path
		{"text/html;level=2", -1}, // parameters: general path; no offer carries level=2
	} {
		t.Run(tc.accept, func(t *testing.T) {
			assert.Equal(t, tc.want, SelectType([]string{tc.accept}, offers))
			// The general path, forced by splitting the field into two lines
			// (RFC 9110 §5.3: one list), agrees.
			assert.Equal(t, tc.want, SelectType([]string{tc.accept, ""}, offers))
		})
	}
}
