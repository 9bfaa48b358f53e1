package patch

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func seedJSONPatch(f *testing.F) {
	for _, file := range []string{"tests.json", "spec_tests.json"} {
		raw, err := os.ReadFile(filepath.Join("testdata", "jsonpatch", file))
		require.NoError(f, err)
		var recs []jsonPatchRecord
		require.NoError(f, json.Unmarshal(raw, &recs))
		for _, r := range recs {
			f.Add([]byte(r.Doc), []byte(r.Patch))
		}
	}
	f.Add([]byte(`{"a":[null]}`), []byte(`[{"op":"test","path":"/a","value":[null]}]`))
	f.Add([]byte(`{"":{"01":[1,2]}}`), []byte(`[{"op":"move","from":"//01/1","path":"/-"},{"op":"copy","from":"","path":"//x"}]`))
	f.Add([]byte(`[1.0,12345678901234567890]`), []byte(`[{"op":"test","path":"/0","value":1},{"op":"add","path":"/-","value":1e400}]`))
}

// FuzzJSONPatch applies arbitrary patches to arbitrary documents: no panic,
// the input is never modified, a result is valid JSON, every error is one
// of the sentinels, and the tree evaluator agrees byte for byte with the
// former text evaluator (textengine_test.go).
func FuzzJSONPatch(f *testing.F) {
	seedJSONPatch(f)
	pt := NewPatcher(Options{MaxCopyBytes: 1 << 16})
	f.Fuzz(func(t *testing.T, doc, p []byte) {
		orig := bytes.Clone(doc)
		got, err := pt.JSONPatch(doc, p)
		require.Equal(t, orig, doc, "document modified")
		if err != nil {
			require.Falsef(t, !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrConflict) && !errors.Is(err, ErrLimit) && !errors.Is(err, ErrInvalidDocument), "unexpected error class: %v", err)
			require.Nil(t, got, "result returned with an error")
		} else {
			require.Truef(t, json.Valid(got), "invalid result %q", got)
		}

		cd, ok := compact(doc)
		if pt.checkPatch(p, 2, pt.maxOps) != nil || !ok || pt.depthError(depth(cd)) != nil || !uniqueNames(cd) {
			return // repeated names: the result is unspecified (doc.go)
		}
		ref, rerr := pt.reference(doc, p)
		if rerr == nil && pt.depthError(depth(ref)) != nil {
			ref, rerr = nil, pt.depthError(depth(ref))
		}
		require.Falsef(t, (err == nil) != (rerr == nil) || Status(err) != Status(rerr), "engines disagree: %v vs reference %v", err, rerr)
		require.Falsef(t, err == nil && !bytes.Equal(got, ref), "engines disagree:\n got %s\n ref %s", got, ref)
		// RFC 6902 §4.6 on the edited tree: the patch followed by a test of
		// its own result passes.
		if err == nil && len(p) > 2 && depth(got) < DefaultMaxDepth && countOps(p) > 0 && countOps(p) < DefaultMaxOperations {
			cp, _ := compact(p)
			again := append(append(append(cp[:len(cp)-1:len(cp)-1], `,{"op":"test","path":"","value":`...), got...), "}]"...)
			_, err := pt.JSONPatch(doc, again)
			require.NoErrorf(t, err, "result not equal to itself after the patch: %v (%s)", err, again)
		}

		// RFC 6902 §4.6: every document tests equal to itself.
		self := append(append([]byte(`[{"op":"test","path":"","value":`), cd...), "}]"...)
		if depth(cd) < DefaultMaxDepth {
			_, err := pt.JSONPatch(doc, self)
			require.NoErrorf(t, err, "document not equal to itself: %v", err)
		}
	})
}

// FuzzMergePatch checks that merging never panics, yields valid JSON, and
// is idempotent (RFC 7396 §2: applying the same merge patch twice gives
// the same document as applying it once).
func FuzzMergePatch(f *testing.F) {
	for _, file := range []string{"rfc7396.json"} {
		raw, err := os.ReadFile(filepath.Join("testdata", "mergepatch", file))
		require.NoError(f, err)
		var rows []mergeRow
		require.NoError(f, json.Unmarshal(raw, &rows))
		for _, r := range rows {
			f.Add([]byte(r.Original), []byte(r.Patch))
		}
	}
	f.Add([]byte(`{"a":{"b":1}}`), []byte(`{"a":{"b":null,"c":[null,{"d":null}]},"\u0061":{"e":1}}`))
	pt := NewPatcher(Options{})
	f.Fuzz(func(t *testing.T, doc, p []byte) {
		orig := bytes.Clone(doc)
		got, err := pt.MergePatch(doc, p)
		require.Equal(t, orig, doc, "document modified")
		if err != nil {
			require.Falsef(t, !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrLimit) && !errors.Is(err, ErrInvalidDocument), "unexpected error class: %v", err)
			return
		}
		require.Truef(t, json.Valid(got), "invalid result %q", got)
		again, err := pt.MergePatch(got, p)
		require.NoErrorf(t, err, "second application failed: %v", err)
		require.Truef(t, equal(got, again), "not idempotent:\n once  %s\n twice %s", got, again)
		// The tree merge gives the bytes of the former text merge.
		cd, _ := compact(doc)
		cp, _ := compact(p)
		want := mergeValue(nil, cd, cp)
		require.Falsef(t, uniqueNames(cd) && !bytes.Equal(got, want), "tree and text merge disagree:\n tree %s\n text %s", got, want)
	})
}

// FuzzJSONPatchOps builds well-formed two-operation patches from fuzzed
// parts, so the fuzzer spends its time on pointers and values rather than
// on JSON syntax; the checks are those of FuzzJSONPatch.
func FuzzJSONPatchOps(f *testing.F) {
	f.Add([]byte(`{"a":[1,{"b":null}],"":{"01":[]}}`), uint8(0), "/a/1/b", "/a/0", []byte(`[null]`), uint8(5), "/a/01")
	f.Add([]byte(`[[0],[1.0]]`), uint8(3), "/0/-", "/1/0", []byte(`1`), uint8(4), "")
	f.Add([]byte(`{"x":{"y":{}}}`), uint8(2), "/x/y/z", "/x", []byte(`{}`), uint8(5), "/x/y")
	kinds := []string{"add", "remove", "replace", "move", "copy", "test"}
	pt := NewPatcher(Options{MaxCopyBytes: 1 << 16})
	f.Fuzz(func(t *testing.T, doc []byte, k1 uint8, path, from string, value []byte, k2 uint8, path2 string) {
		if !json.Valid(value) {
			value = []byte(`null`)
		}
		type op struct {
			Op    string          `json:"op"`
			Path  string          `json:"path"`
			From  string          `json:"from"`
			Value json.RawMessage `json:"value"`
		}
		p, err := json.Marshal([]op{
			{kinds[int(k1)%len(kinds)], path, from, value},
			{kinds[int(k2)%len(kinds)], path2, path, value},
		})
		if err != nil {
			return
		}
		orig := bytes.Clone(doc)
		got, err := pt.JSONPatch(doc, p)
		require.Equal(t, orig, doc, "document modified")
		cd, ok := compact(doc)
		if !ok {
			require.Falsef(t, !errors.Is(err, ErrInvalidDocument) && !errors.Is(err, ErrLimit) && !errors.Is(err, ErrMalformed), "invalid document accepted: %v", err)
			return
		}
		if pt.depthError(depth(cd)) != nil || !uniqueNames(cd) {
			return // repeated names: the result is unspecified (doc.go)
		}
		ref, rerr := pt.reference(doc, p)
		if rerr == nil && pt.depthError(depth(ref)) != nil {
			ref, rerr = nil, pt.depthError(depth(ref))
		}
		require.Falsef(t, (err == nil) != (rerr == nil) || Status(err) != Status(rerr), "engines disagree: %v vs reference %v (patch %s)", err, rerr, p)
		require.Falsef(t, err == nil && !bytes.Equal(got, ref), "engines disagree:\n got %s\n ref %s\n patch %s", got, ref, p)
	})
}
