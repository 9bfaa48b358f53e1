package negotiate

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"golang.org/x/text/language"
)

func TestLanguage(t *testing.T) {
	t.Parallel()
	supported := []language.Tag{language.English, language.German, language.MustParse("pt-BR"), language.French}
	m := language.NewMatcher(supported)
	tests := []struct {
		name  string
		al    []string
		index int
	}{
		// RFC 9110 §12.5.4: no field, the server's default.
		{"absent", nil, 0},
		{"exact", []string{"de"}, 1},
		{"region falls back to language", []string{"de-AT"}, 1},
		{"weights order", []string{"fr;q=0.5, de;q=0.9"}, 1},
		{"order kept on ties", []string{"fr, de"}, 3},
		{"portuguese", []string{"pt"}, 2},
		// q=0 ranges are dropped, never matched.
		{"q=0 dropped", []string{"de;q=0, fr;q=0.1"}, 3},
		// "*" is dropped: it matches the default anyway.
		{"star", []string{"*"}, 0},
		{"no match gives default", []string{"ja"}, 0},
		// RFC 9110 §5.6.1: a malformed member is ignored, not the whole field
		// (x/text's ParseAcceptLanguage would drop the whole line).
		{"malformed member skipped", []string{"de;q=2, !!, fr;q=0.5, x_y"}, 3},
		{"invalid tag skipped", []string{"abcdefghi, fr"}, 3},
		{"uppercase Q", []string{"de;Q=0.1, fr;Q=0.2"}, 3},
		{"multiple lines", []string{"ja", "fr"}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			for _, v := range tt.al {
				r.Header.Add("Accept-Language", v)
			}
			w := httptest.NewRecorder()
			tag, index := Language(w, r, m)
			assert.Equal(t, tt.index, index)
			base, _ := tag.Base()
			wantBase, _ := supported[tt.index].Base()
			assert.Equal(t, wantBase, base)
			assert.Equal(t, "Accept-Language", w.Header().Get("Vary"))
		})
	}
}

// Only MaxLanguageRanges members are considered, so a hostile header costs a
// bounded amount of BCP 47 work.
func TestLanguageHostile(t *testing.T) {
	t.Parallel()
	m := language.NewMatcher([]language.Tag{language.English, language.German})
	hostile := strings.Repeat("ja-JP-x-abcdefgh;q=0.9, ", 3000) + "de"
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Accept-Language", hostile)
	_, index := Language(httptest.NewRecorder(), r, m)
	assert.Equal(t, 0, index, "de beyond the limit is not considered")

	r.Header.Set("Accept-Language", strings.Repeat("ja, ", MaxLanguageRanges-1)+"de")
	_, index = Language(httptest.NewRecorder(), r, m)
	assert.Equal(t, 1, index, "the last range within the limit counts")
}
