package negotiate

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/language"
)

func TestLanguage(t *testing.T) {
	t.Parallel()
	four := MustLanguages(language.English, language.German, language.MustParse("pt-BR"), language.French)
	enFr := MustLanguages(language.English, language.French)
	nlPt := MustLanguages(language.Dutch, language.Portuguese)
	gbEn := MustLanguages(language.BritishEnglish, language.English, language.French)
	tests := []struct {
		name  string
		l     *Languages
		al    []string // nil: no field
		index int
		ok    bool
	}{
		// RFC 9110 §12.5.4: no field, the server's default.
		{"absent", four, nil, 0, true},
		{"only malformed", four, []string{"!!, ;q=1"}, 0, true},
		{"exact", four, []string{"de"}, 1, true},
		{"region falls back to language", four, []string{"de-AT"}, 1, true},
		{"weights order", four, []string{"fr;q=0.5, de;q=0.9"}, 1, true},
		{"order kept on ties", four, []string{"fr, de"}, 3, true},
		{"portuguese", four, []string{"pt"}, 2, true},
		// RFC 9110 §12.4.2: q=0 means "not acceptable".
		{"q=0 dropped", four, []string{"de;q=0, fr;q=0.1"}, 3, true},
		{"refused and star", enFr, []string{"en;q=0, *"}, 1, true},
		{"refused, nothing else listed", enFr, []string{"de, en;q=0"}, 1, false},
		{"refused only", enFr, []string{"en;q=0"}, 1, false},
		{"refuse everything", enFr, []string{"*;q=0"}, 0, false},
		{"refuse everything but fr", enFr, []string{"*;q=0, fr"}, 1, true},
		{"refused prefix", gbEn, []string{"en;q=0, fr;q=0.1"}, 2, true},
		{"more specific range beats refusal", gbEn, []string{"en;q=0, en-GB"}, 0, true},
		{"range longer than tag does not refuse it", enFr, []string{"en-US;q=0, en;q=0.5"}, 0, true},
		// RFC 9110 §12.5.4 with RFC 4647 §2.1: "*" matches every tag not
		// otherwise named, at its own weight.
		{"star beats a lower named range", nlPt, []string{"nl;q=0.5, *"}, 1, true},
		{"named range beats a lower star", nlPt, []string{"nl, *;q=0.5"}, 0, true},
		{"star ties lose to named", nlPt, []string{"nl, *"}, 0, true},
		{"star alone", four, []string{"*"}, 0, true},
		{"star covers the unlisted only", enFr, []string{"en;q=0.2, fr;q=0.1, *"}, 0, true},
		{"star with lower weight than a match", enFr, []string{"fr;q=0.5, *;q=0.8"}, 0, true},
		{"star when nothing matches", four, []string{"ja, *;q=0.1"}, 0, true},
		{"star q=0 and no match", four, []string{"ja, *;q=0"}, 0, false},
		{"first star counts", enFr, []string{"en;q=0.5, *;q=0.9, *;q=0.1"}, 1, true},
		{"no match gives default", four, []string{"ja"}, 0, false},
		// RFC 9110 §5.6.1: a malformed member is ignored, not the whole field
		// (x/text's ParseAcceptLanguage would drop the whole line).
		{"malformed member skipped", four, []string{"de;q=2, !!, fr;q=0.5, x_y"}, 3, true},
		{"invalid tag skipped", four, []string{"abcdefghi, fr"}, 3, true},
		// OWS is SP and HTAB only (RFC 9110 §5.6.3): a line feed before a
		// range makes the member malformed, so it refuses nothing.
		{"line feed is not whitespace", enFr, []string{"\nen;q=0"}, 0, true},
		{"line feed member beside a refusal", enFr, []string{"\nfr, en;q=0"}, 1, false},
		{"uppercase Q", four, []string{"de;Q=0.1, fr;Q=0.2"}, 3, true},
		{"multiple lines", four, []string{"ja", "fr"}, 3, true},
		{"case-insensitive refusal", enFr, []string{"EN;q=0, *"}, 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			for _, v := range tt.al {
				r.Header.Add("Accept-Language", v)
			}
			w := httptest.NewRecorder()
			tag, index, ok := Language(w, r, tt.l)
			assert.Equal(t, tt.index, index)
			assert.Equal(t, tt.ok, ok)
			base, _ := tag.Base()
			wantBase, _ := tt.l.Tags()[tt.index].Base()
			assert.Equal(t, wantBase, base)
			assert.Equal(t, "Accept-Language", w.Header().Get("Vary"))
			si, sok := tt.l.Select(r.Header.Values("Accept-Language"))
			assert.Equal(t, tt.index, si, "Select agrees")
			assert.Equal(t, tt.ok, sok, "Select agrees")
		})
	}
}

func TestNewLanguages(t *testing.T) {
	t.Parallel()
	_, err := NewLanguages()
	assert.Error(t, err)
	assert.Panics(t, func() { MustLanguages() })
	tags := []language.Tag{language.English}
	l, err := NewLanguages(tags...)
	require.NoError(t, err)
	tags[0] = language.French
	assert.Equal(t, []language.Tag{language.English}, l.Tags(), "the list is copied")
}

// Only MaxLanguageRanges members are considered, so a hostile header costs a
// bounded amount of BCP 47 work.
func TestLanguageHostile(t *testing.T) {
	t.Parallel()
	l := MustLanguages(language.English, language.German)
	hostile := strings.Repeat("ja-JP-x-abcdefgh;q=0.9, ", 3000) + "de"
	index, ok := l.Select([]string{hostile})
	assert.Equal(t, 0, index, "de beyond the limit is not considered")
	assert.False(t, ok)

	index, ok = l.Select([]string{strings.Repeat("ja, ", MaxLanguageRanges-1) + "de"})
	assert.Equal(t, 1, index, "the last range within the limit counts")
	assert.True(t, ok)
	index, ok = l.Select([]string{strings.Repeat("ja;q=0, ", MaxLanguageRanges) + "de"})
	assert.Equal(t, 0, index, "refusals count towards the limit too")
	assert.False(t, ok)
}
