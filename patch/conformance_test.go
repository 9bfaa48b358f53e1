package patch

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// jsonPatchRecord is one record of json-patch-tests (testdata/SOURCES.md).
// The patch stays raw: two records repeat "op" inside an operation, and
// decoding into a map would silently keep only one of them.
type jsonPatchRecord struct {
	Comment  string          `json:"comment"`
	Doc      json.RawMessage `json:"doc"`
	Patch    json.RawMessage `json:"patch"`
	Expected json.RawMessage `json:"expected"`
	Error    string          `json:"error"`
	Disabled bool            `json:"disabled"`
}

// TestJSONPatchConformance runs every record of both files, disabled ones
// included: the three disabled records are correct per RFC 6902 (a scalar
// root replaced, a whole-document test, an operation repeating "op", which
// RFC 6902 Appendix A.13 calls an error) and must pass too.
func TestJSONPatchConformance(t *testing.T) {
	t.Parallel()
	total := 0
	for _, file := range []string{"tests.json", "spec_tests.json"} {
		raw, err := os.ReadFile(filepath.Join("testdata", "jsonpatch", file))
		require.NoError(t, err)
		var recs []jsonPatchRecord
		require.NoError(t, json.Unmarshal(raw, &recs))
		for i, rec := range recs {
			if rec.Doc == nil && rec.Patch == nil {
				continue // a comment-only record
			}
			total++
			name := fmt.Sprintf("%s/%d/%s", file, i, rec.Comment)
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				doc := append([]byte(nil), rec.Doc...)
				got, err := Apply(JSONPatchType, doc, rec.Patch)
				assert.Equal(t, string(rec.Doc), string(doc), "the target document must never be modified")
				if rec.Error != "" {
					require.Error(t, err, rec.Error)
					assert.Nil(t, got)
					assert.True(t, isMalformedOrConflict(err), "error %v must be ErrMalformed or ErrConflict", err)
					_, refErr := reference(t, rec.Doc, rec.Patch)
					assert.Equal(t, Status(err), Status(refErr), "reference evaluator: %v", refErr)
					return
				}
				require.NoError(t, err)
				// The reference evaluator must agree byte for byte with the
				// evanphx/json-patch path on every record.
				ref, refErr := reference(t, rec.Doc, rec.Patch)
				require.NoError(t, refErr)
				assert.Equal(t, string(got), string(ref))
				want := rec.Expected
				if want == nil {
					want = rec.Doc // a test-only record: the document is unchanged
				}
				assert.True(t, equal(want, got), "want %s, got %s", want, got)
				assert.JSONEq(t, string(want), string(got))
			})
		}
	}
	assert.Equal(t, 112, total, "SOURCES.md counts 112 records")
}

func isMalformedOrConflict(err error) bool {
	return Status(err) == 400 || Status(err) == 409
}

type mergeRow struct {
	Original, Patch, Result json.RawMessage
}

func TestMergePatchRFC7396AppendixA(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(filepath.Join("testdata", "mergepatch", "rfc7396.json"))
	require.NoError(t, err)
	var rows []mergeRow
	require.NoError(t, json.Unmarshal(raw, &rows))
	require.Len(t, rows, 15)
	for i, row := range rows {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			got, err := Apply(MergePatchType, row.Original, row.Patch)
			require.NoError(t, err)
			assert.JSONEq(t, string(row.Result), string(got))
		})
	}
}

type leadponyGroup struct {
	Source json.RawMessage `json:"source"`
	Tests  []struct {
		Description string          `json:"description"`
		Patch       json.RawMessage `json:"patch"`
		Target      json.RawMessage `json:"target"`
	} `json:"tests"`
}

func TestMergePatchLeadpony(t *testing.T) {
	t.Parallel()
	total := 0
	for _, file := range []string{"leadpony-json-merge-patch.json", "leadpony-rfc7396-examples.json"} {
		raw, err := os.ReadFile(filepath.Join("testdata", "mergepatch", file))
		require.NoError(t, err)
		var groups []leadponyGroup
		require.NoError(t, json.Unmarshal(raw, &groups))
		for g, grp := range groups {
			for i, tc := range grp.Tests {
				total++
				t.Run(fmt.Sprintf("%s/%d/%d/%s", file, g, i, tc.Description), func(t *testing.T) {
					t.Parallel()
					got, err := Apply(MergePatchType, grp.Source, tc.Patch)
					require.NoError(t, err)
					assert.JSONEq(t, string(tc.Target), string(got))
				})
			}
		}
	}
	assert.Equal(t, 28, total, "SOURCES.md counts 26 cases + 2 RFC examples")
}

// reference applies p with the package's own RFC 6902 evaluator only,
// bypassing evanphx/json-patch, as an oracle for the fast path.
func reference(t *testing.T, doc, p []byte) ([]byte, error) {
	t.Helper()
	pt := NewPatcher(Options{})
	if err := pt.checkPatch(p, 2, pt.maxOps); err != nil {
		return nil, err
	}
	return pt.reference(doc, p)
}
