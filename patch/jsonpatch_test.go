package patch

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	jsonpatch "github.com/evanphx/json-patch/v5"
	"github.com/httpsem/httpsem/httperr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestJSONPatchRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		doc   string
		patch string
		want  string // expected document, when err is nil
		err   error
	}{
		// RFC 6902 §4.1: "-" appends to an array.
		{"add dash appends", `{"a":[1,2]}`, `[{"op":"add","path":"/a/-","value":3}]`, `{"a":[1,2,3]}`, nil},
		{"add at length appends", `[1]`, `[{"op":"add","path":"/1","value":2}]`, `[1,2]`, nil},
		{"add inserts", `[1,3]`, `[{"op":"add","path":"/1","value":2}]`, `[1,2,3]`, nil},
		{"add past length", `[1]`, `[{"op":"add","path":"/2","value":2}]`, ``, ErrConflict},
		// RFC 6901 §4: array-index has no leading zeros and no sign.
		{"leading zero index", `{"a":[1,2]}`, `[{"op":"replace","path":"/a/01","value":9}]`, ``, ErrConflict},
		{"leading zero add", `[1,2]`, `[{"op":"add","path":"/00","value":9}]`, ``, ErrConflict},
		{"leading zero remove", `[1,2]`, `[{"op":"remove","path":"/01"}]`, ``, ErrConflict},
		{"leading zero intermediate", `{"a":[{"b":1},{"b":2}]}`, `[{"op":"replace","path":"/a/01/b","value":9}]`, ``, ErrConflict},
		{"plus sign index", `[1,2]`, `[{"op":"remove","path":"/+1"}]`, ``, ErrConflict},
		{"minus zero index", `[1,2]`, `[{"op":"remove","path":"/-0"}]`, ``, ErrConflict},
		{"negative index", `[1,2]`, `[{"op":"remove","path":"/-1"}]`, ``, ErrConflict},
		{"negative index add", `[1,2]`, `[{"op":"add","path":"/-1","value":0}]`, ``, ErrConflict},
		{"negative index replace", `{"a":[1,2]}`, `[{"op":"replace","path":"/a/-1","value":0}]`, ``, ErrConflict},
		{"huge index", `[1]`, `[{"op":"replace","path":"/99999999999999999999","value":0}]`, ``, ErrConflict},
		{"leading zero object key is a name", `{"01":1}`, `[{"op":"replace","path":"/01","value":2}]`, `{"01":2}`, nil},
		{"negative object key is a name", `{"-1":1}`, `[{"op":"remove","path":"/-1"}]`, `{}`, nil},
		// RFC 6901 §4: ~1 is "/", ~0 is "~", decoded in that order.
		{"escapes", `{"a/b":1,"m~n":2,"~1":3}`, `[{"op":"remove","path":"/a~1b"},{"op":"remove","path":"/m~0n"},{"op":"replace","path":"/~01","value":4}]`, `{"~1":4}`, nil},
		{"bad escape", `{"a":1}`, `[{"op":"remove","path":"/a~2"}]`, ``, ErrMalformed},
		{"trailing tilde", `{"a~":1}`, `[{"op":"remove","path":"/a~"}]`, ``, ErrMalformed},
		// RFC 6901 §3: "/" is the member named "".
		{"empty key replace missing", `{}`, `[{"op":"replace","path":"/","value":1}]`, ``, ErrConflict},
		{"empty key replace", `{"":1}`, `[{"op":"replace","path":"/","value":2}]`, `{"":2}`, nil},
		{"empty key nested", `{"":{"x":1},"x":0}`, `[{"op":"replace","path":"//x","value":2}]`, `{"":{"x":2},"x":0}`, nil},
		{"empty key copy", `{"":1,"a":{}}`, `[{"op":"copy","from":"/","path":"/a/b"}]`, `{"":1,"a":{"b":1}}`, nil},
		// RFC 6902 §4.4: a location cannot be moved into one of its children.
		{"move into own child", `{"a":{"b":{}}}`, `[{"op":"move","from":"/a","path":"/a/b/c"}]`, ``, ErrMalformed},
		{"move root into child", `{"a":1}`, `[{"op":"move","from":"","path":"/b"}]`, ``, ErrMalformed},
		{"move onto itself", `{"a":1,"b":2}`, `[{"op":"move","from":"/a","path":"/a"}]`, `{"a":1,"b":2}`, nil},
		{"move to sibling prefix name", `{"a":1}`, `[{"op":"move","from":"/a","path":"/ab"}]`, `{"ab":1}`, nil},
		{"move in array", `[1,2,3]`, `[{"op":"move","from":"/0","path":"/2"}]`, `[2,3,1]`, nil},
		{"move missing from", `{"a":1}`, `[{"op":"move","from":"/x","path":"/b"}]`, ``, ErrConflict},
		// RFC 6902 §4.6: "value" is required; a missing target fails.
		{"test without value", `{"a":null}`, `[{"op":"test","path":"/a"}]`, ``, ErrMalformed},
		{"test missing path with null", `{}`, `[{"op":"test","path":"/a","value":null}]`, ``, ErrConflict},
		{"test null member", `{"a":null}`, `[{"op":"test","path":"/a","value":null}]`, `{"a":null}`, nil},
		// RFC 6902 §4.6: numbers are equal when their values are.
		{"test 1 equals 1.0", `{"a":1}`, `[{"op":"test","path":"/a","value":1.0}]`, `{"a":1}`, nil},
		{"test 1.0 equals 1e0", `{"a":1.0}`, `[{"op":"test","path":"/a","value":1e0}]`, `{"a":1.0}`, nil},
		{"test 100 equals 1E2", `{"a":100}`, `[{"op":"test","path":"/a","value":1E+2}]`, `{"a":100}`, nil},
		{"test 0.5 equals 5e-1", `[0.5]`, `[{"op":"test","path":"/0","value":5e-1}]`, `[0.5]`, nil},
		{"test -0 equals 0", `[0]`, `[{"op":"test","path":"/0","value":-0.0}]`, `[0]`, nil},
		{"test big ints differ", `{"a":12345678901234567890}`, `[{"op":"test","path":"/a","value":12345678901234567891}]`, ``, ErrConflict},
		{"test big ints equal", `{"a":12345678901234567890}`, `[{"op":"test","path":"/a","value":12345678901234567890.0}]`, `{"a":12345678901234567890}`, nil},
		{"test huge exponents differ", `[1e400]`, `[{"op":"test","path":"/0","value":1e401}]`, ``, ErrConflict},
		{"test 1 vs -1", `[1]`, `[{"op":"test","path":"/0","value":-1}]`, ``, ErrConflict},
		{"test number vs string", `[1]`, `[{"op":"test","path":"/0","value":"1"}]`, ``, ErrConflict},
		{"test string escapes", `["A"]`, `[{"op":"test","path":"/0","value":"\u0041"}]`, `["A"]`, nil},
		// RFC 6902 §4.6: objects compare regardless of member order.
		{"test object order", `{"o":{"a":1,"b":[1,{"c":2,"d":3}]}}`, `[{"op":"test","path":"/o","value":{"b":[1.0,{"d":3,"c":2}],"a":1}}]`, `{"o":{"a":1,"b":[1,{"c":2,"d":3}]}}`, nil},
		{"test object extra member", `{"o":{"a":1}}`, `[{"op":"test","path":"/o","value":{"a":1,"b":2}}]`, ``, ErrConflict},
		{"test array order matters", `[[1,2]]`, `[{"op":"test","path":"/0","value":[2,1]}]`, ``, ErrConflict},
		// evanphx/json-patch v5 panics on these; they must simply work.
		{"test array holding null", `{"a":[null]}`, `[{"op":"test","path":"/a","value":[null]}]`, `{"a":[null]}`, nil},
		{"test array holding null differs", `{"a":[null]}`, `[{"op":"test","path":"/a","value":[0]}]`, ``, ErrConflict},
		{"test nested null", `{"a":[null,{"b":[null]}]}`, `[{"op":"test","path":"","value":{"a":[null,{"b":[null]}]}}]`, `{"a":[null,{"b":[null]}]}`, nil},
		{"test after change sees change", `{"a":1}`, `[{"op":"replace","path":"/a","value":2},{"op":"test","path":"/a","value":2}]`, `{"a":2}`, nil},
		{"test after change fails", `{"a":1}`, `[{"op":"replace","path":"/a","value":2},{"op":"test","path":"/a","value":1}]`, ``, ErrConflict},
		// RFC 6902 §4 and §5: the document root.
		{"replace root with scalar", `{"a":1}`, `[{"op":"replace","path":"","value":3}]`, `3`, nil},
		{"add root", `[1]`, `[{"op":"add","path":"","value":{"b":null}}]`, `{"b":null}`, nil},
		{"remove root", `{"a":1}`, `[{"op":"remove","path":""}]`, ``, ErrConflict},
		{"scalar document", `"x"`, `[{"op":"add","path":"/a","value":1}]`, ``, ErrConflict},
		{"null document", `null`, `[{"op":"replace","path":"","value":{}}]`, `{}`, nil},
		{"copy root after change", `{"a":1}`, `[{"op":"add","path":"/b","value":2},{"op":"copy","from":"","path":"/c"}]`, `{"a":1,"b":2,"c":{"a":1,"b":2}}`, nil},
		// RFC 6902 §5: the patch is atomic.
		{"atomic", `{"a":1}`, `[{"op":"add","path":"/b","value":2},{"op":"remove","path":"/nope"}]`, ``, ErrConflict},
		// RFC 6902 §3 and §4: structure of the patch document.
		{"not an array", `{}`, `{"op":"add","path":"/a","value":1}`, ``, ErrMalformed},
		{"not JSON", `{}`, `[{"op":`, ``, ErrMalformed},
		{"operation not object", `{}`, `[1]`, ``, ErrMalformed},
		{"unknown op", `{}`, `[{"op":"merge","path":"/a"}]`, ``, ErrMalformed},
		{"op not string", `{}`, `[{"op":1,"path":"/a"}]`, ``, ErrMalformed},
		{"missing op", `{}`, `[{"path":"/a","value":1}]`, ``, ErrMalformed},
		{"duplicate op", `{"a":1}`, `[{"op":"remove","op":"add","path":"/a","value":1}]`, ``, ErrMalformed},
		{"duplicate path", `{"a":1}`, `[{"op":"remove","path":"/a","path":"/b"}]`, ``, ErrMalformed},
		{"escaped duplicate op", `{"a":1}`, `[{"op":"remove","\u006fp":"add","path":"/a","value":1}]`, ``, ErrMalformed},
		{"repeated name in value", `{}`, `[{"op":"add","path":"/a","value":{"k":1,"k":2}}]`, ``, ErrMalformed},
		{"repeated name in big value", `{}`, `[{"op":"add","path":"/a","value":{"k0":0,"k1":0,"k2":0,"k3":0,"k4":0,"k5":0,"k6":0,"k7":0,"k8":0,"k9":0,"ka":0,"kb":0,"kc":0,"kd":0,"ke":0,"kf":0,"kg":0,"k\u0030":1}}]`, ``, ErrMalformed},
		{"many unique names", `{}`, `[{"op":"add","path":"/a","value":{"k0":0,"k1":0,"k2":0,"k3":0,"k4":0,"k5":0,"k6":0,"k7":0,"k8":0,"k9":0,"ka":0,"kb":0,"kc":0,"kd":0,"ke":0,"kf":0,"kg":[{"x":{}},[]]}}]`, `{"a":{"k0":0,"k1":0,"k2":0,"k3":0,"k4":0,"k5":0,"k6":0,"k7":0,"k8":0,"k9":0,"ka":0,"kb":0,"kc":0,"kd":0,"ke":0,"kf":0,"kg":[{"x":{}},[]]}}`, nil},
		{"pointer without slash", `{}`, `[{"op":"add","path":"a","value":1}]`, ``, ErrMalformed},
		{"from not string", `{}`, `[{"op":"copy","from":1,"path":"/a"}]`, ``, ErrMalformed},
		{"unknown members ignored", `{}`, `[{"op":"add","path":"/a","value":1,"extra":{"x":[]}}]`, `{"a":1}`, nil},
		{"empty patch", `{"a": 1.0}`, `[]`, `{"a":1.0}`, nil},
		// Untouched values keep their bytes (no float64 round trip, no HTML escaping).
		{"numbers survive", `{"big":12345678901234567890,"f":1.0,"e":1E400,"s":"<&>","x":1}`, `[{"op":"replace","path":"/x","value":2}]`, `{"big":12345678901234567890,"f":1.0,"e":1E400,"s":"<&>","x":2}`, nil},
		{"numbers survive slow path", `{"big":12345678901234567890,"f":1.0,"a":[0]}`, `[{"op":"replace","path":"/a/0","value":1},{"op":"test","path":"/f","value":1}]`, `{"big":12345678901234567890,"f":1.0,"a":[1]}`, nil},
		{"value numbers kept", `{}`, `[{"op":"add","path":"/n","value":1.50}]`, `{"n":1.50}`, nil},
		{"whitespace compacted", "{ \"a\" : [ 1 , 2 ] }", `[{"op":"remove","path":"/a/0"}]`, `{"a":[2]}`, nil},
		{"escaped pointer", `{"a/b":1,"c":[1]}`, `[{"op":"remove","path":"\/a~1b"},{"op":"add","path":"\u002fc\/0","value":0}]`, `{"c":[0,1]}`, nil},
		{"escaped move into child", `{"a":{}}`, `[{"op":"move","from":"\u002fa","path":"/a/b"}]`, ``, ErrMalformed},
		{"escaped loose index", `[1,2]`, `[{"op":"remove","path":"\/01"}]`, ``, ErrConflict},
		{"control characters in new key", `{"":{}}`, `[{"op":"add","path":"//\u0001\u2028\t","value":1}]`, `{"":{"\u0001\u2028\t":1}}`, nil},
		{"new key escaped", `{}`, `[{"op":"add","path":"/a\"b\\c\n","value":1}]`, `{"a\"b\\c\n":1}`, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			doc := []byte(tc.doc)
			got, err := Apply(JSONPatchType, doc, []byte(tc.patch))
			assert.Equal(t, tc.doc, string(doc), "document modified")
			if tc.err != nil {
				require.ErrorIs(t, err, tc.err)
				assert.Nil(t, got)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, string(got))
		})
	}
}

func TestOpErrorNamesOperation(t *testing.T) {
	t.Parallel()
	_, err := Apply(JSONPatchType, []byte(`{"a":1}`), []byte(`[{"op":"test","path":"/a","value":1},{"op":"replace","path":"/b","value":2}]`))
	var oe *OpError
	require.ErrorAs(t, err, &oe)
	assert.Equal(t, 1, oe.Index)
	assert.Equal(t, "replace", oe.Op)
	assert.Equal(t, "/b", oe.Path)
	assert.Equal(t, `patch: operation 1 (replace "/b"): path does not exist`, err.Error())
	he := HTTPError(err)
	assert.Equal(t, 409, he.Status)
	assert.Equal(t, 1, he.Extra["operation"])
}

// TestHTTPError: the envelope names the failed operation only when the
// error is about one JSON Patch operation; an error about the whole patch
// (RFC 5789 §2.2 malformed patch document) has no "operation" member.
func TestHTTPError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		media   string
		patch   string
		status  int
		code    string
		message string
		extra   map[string]any // nil: no extra member at all
	}{
		// RFC 7396 §2: a merge patch is one JSON value; no operations.
		{"malformed merge patch", MergePatchType, `{"a":`, 400, httperr.CodeBadRequest,
			"malformed patch document: the patch is not valid JSON", nil},
		// RFC 8259 §4: names should be unique; a repeat is ambiguous.
		{"merge patch repeats a member", MergePatchType, `{"a":1,"a":2}`, 400, httperr.CodeBadRequest,
			"malformed patch document: an object in the patch repeats a member name", nil},
		// RFC 6902 §3: the document is an array; no operation to name.
		{"json patch not an array", JSONPatchType, `{"op":"add"}`, 400, httperr.CodeBadRequest,
			"malformed patch document: a JSON Patch must be an array of operations", nil},
		{"json patch not json", JSONPatchType, `[`, 400, httperr.CodeBadRequest,
			"malformed patch document: the patch is not valid JSON", nil},
		// RFC 6902 §4.1: "add" needs "value"; operation 1 is at fault.
		{"json patch operation malformed", JSONPatchType, `[{"op":"add","path":"/b","value":1},{"op":"add","path":"/c"}]`, 400, httperr.CodeBadRequest,
			`malformed patch document: missing "value"`, map[string]any{"operation": 1}},
		// RFC 6902 §4.6: a failed test is operation 0's conflict.
		{"json patch test failed", JSONPatchType, `[{"op":"test","path":"/a","value":2}]`, 409, httperr.CodeConflict,
			"the patch does not apply to the current document: test failed: the value differs", map[string]any{"operation": 0}},
		{"limit", JSONPatchType, `[{"op":"remove","path":"/a"},{"op":"remove","path":"/a"},{"op":"remove","path":"/a"}]`, 422, httperr.CodeUnprocessable,
			"patch exceeds a limit", map[string]any{"limit": "operations", "max": int64(2)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := NewPatcher(Options{MaxOperations: 2}).Apply(tc.media, []byte(`{"a":1}`), []byte(tc.patch))
			require.Error(t, err)
			he := HTTPError(err)
			assert.Equal(t, tc.status, he.Status)
			assert.Equal(t, tc.code, he.Code)
			assert.Equal(t, tc.message, he.Message)
			assert.Equal(t, tc.extra, he.Extra)

			rec := httptest.NewRecorder()
			httperr.Write(rec, httptest.NewRequest(http.MethodPatch, "/", nil), nil, he)
			var env struct {
				Error map[string]any `json:"error"`
			}
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &env), rec.Body.String())
			op, has := env.Error["operation"]
			if want, ok := tc.extra["operation"]; ok {
				assert.EqualValues(t, want, op)
			} else {
				assert.False(t, has, "no operation member: %s", rec.Body.String())
			}
		})
	}
}

func TestLimits(t *testing.T) {
	t.Parallel()
	deep := strings.Repeat("[", 10) + strings.Repeat("]", 10)
	tests := []struct {
		name   string
		opts   Options
		media  string
		doc    string
		patch  string
		limit  Limit
		status int
	}{
		{"patch bytes", Options{MaxPatchBytes: 10}, JSONPatchType, `{}`, `[{"op":"add","path":"/a","value":1}]`, LimitPatchBytes, 413},
		{"merge patch bytes", Options{MaxPatchBytes: 5}, MergePatchType, `{}`, `{"a":1234}`, LimitPatchBytes, 413},
		{"operations", Options{MaxOperations: 1}, JSONPatchType, `{}`, `[{"op":"add","path":"/a","value":1},{"op":"add","path":"/b","value":1}]`, LimitOperations, 422},
		{"value depth", Options{MaxDepth: 5}, JSONPatchType, `{}`, `[{"op":"add","path":"/a","value":` + deep + `}]`, LimitDepth, 422},
		{"document depth", Options{MaxDepth: 5}, JSONPatchType, deep, `[]`, LimitDepth, 422},
		{"result depth", Options{MaxDepth: 5}, JSONPatchType, `{"a":{"b":{"c":{}}}}`, `[{"op":"add","path":"/a/b/c/d","value":[[1]]}]`, LimitDepth, 422},
		{"result depth by copy", Options{MaxDepth: 4}, JSONPatchType, `{"a":{"b":{"c":{}}},"x":{"y":{}}}`, `[{"op":"copy","from":"/a","path":"/x/y/z"}]`, LimitDepth, 422},
		{"merge document depth", Options{MaxDepth: 5}, MergePatchType, deep, `{}`, LimitDepth, 422},
		{"merge depth", Options{MaxDepth: 5}, MergePatchType, `{}`, `{"a":` + deep + `}`, LimitDepth, 422},
		{"merge result depth", Options{MaxDepth: 3}, MergePatchType, `{"a":{"b":{}}}`, `{"a":{"b":{"c":{}}}}`, LimitDepth, 422},
		{"copy bytes", Options{MaxCopyBytes: 40}, JSONPatchType, `{"a":"0123456789012345678901234567890123456789"}`, `[{"op":"copy","from":"/a","path":"/b"}]`, LimitCopyBytes, 422},
		{"copy amplification", Options{}, JSONPatchType, `{"a":"` + strings.Repeat("x", 1000) + `","b":[]}`,
			`[` + strings.Repeat(`{"op":"copy","from":"","path":"/b/-"},`, 40) + `{"op":"test","path":"/a","value":1}]`, LimitCopyBytes, 422},
		{"copy amplification fast", Options{}, JSONPatchType, `{"a":{"s":"` + strings.Repeat("x", 1000) + `"}}`,
			`[` + copyOps(20) + `{"op":"add","path":"/z","value":1}]`, LimitCopyBytes, 422},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := NewPatcher(tc.opts).Apply(tc.media, []byte(tc.doc), []byte(tc.patch))
			require.ErrorIs(t, err, ErrLimit)
			assert.Nil(t, got)
			var le *LimitError
			require.ErrorAs(t, err, &le)
			assert.Equal(t, tc.limit, le.Limit)
			assert.Equal(t, tc.status, Status(err))
			assert.Equal(t, "patch: "+string(tc.limit)+" limit of "+fmt.Sprint(le.Max)+" exceeded", err.Error())
		})
	}

	// Negative limits disable the check.
	_, err := NewPatcher(Options{MaxOperations: -1, MaxDepth: -1}).Apply(JSONPatchType, []byte(`{}`),
		[]byte(`[`+strings.Repeat(`{"op":"add","path":"/a","value":`+deep+`},`, 1500)+`{"op":"remove","path":"/a"}]`))
	assert.NoError(t, err)
}

func TestMediaTypes(t *testing.T) {
	t.Parallel()
	doc := []byte(`{"a":1}`)
	for _, mt := range []string{
		MergePatchType, "application/merge-patch+json; charset=utf-8", "Application/Merge-Patch+JSON",
		"application/merge-patch+json;", // a stray separator does not hide the type
	} {
		got, err := Apply(mt, doc, []byte(`{"a":2}`))
		require.NoError(t, err, mt)
		assert.Equal(t, `{"a":2}`, string(got))
	}
	got, err := Apply("application/json-patch+json;charset=UTF-8", doc, []byte(`[{"op":"remove","path":"/a"}]`))
	require.NoError(t, err)
	assert.Equal(t, `{}`, string(got))
	// RFC 5789 erratum 3169: a generic type carries no patch semantics.
	for _, mt := range []string{"application/json", "", "text/plain", "application/json-patch", "application/merge-patch+json+x"} {
		_, err := Apply(mt, doc, []byte(`{}`))
		require.ErrorIs(t, err, ErrUnsupportedType, mt)
		assert.Equal(t, 415, Status(err))
	}
	pt := NewPatcher(Options{Types: []string{JSONPatchType}})
	assert.Equal(t, JSONPatchType, pt.AcceptPatch())
	_, err = pt.Apply(MergePatchType, doc, []byte(`{}`))
	assert.ErrorIs(t, err, ErrUnsupportedType)
	assert.Equal(t, "application/merge-patch+json, application/json-patch+json", NewPatcher(Options{}).AcceptPatch())
}

func TestInvalidDocument(t *testing.T) {
	t.Parallel()
	for _, doc := range []string{``, `{`, `{"a":}`, `[1,]`} {
		for _, p := range []struct{ mt, p string }{
			{JSONPatchType, `[{"op":"add","path":"/a","value":1}]`},
			{JSONPatchType, `[{"op":"test","path":"/a","value":1}]`},
			{JSONPatchType, `[]`},
			{MergePatchType, `{"a":1}`},
		} {
			_, err := Apply(p.mt, []byte(doc), []byte(p.p))
			require.ErrorIs(t, err, ErrInvalidDocument, "%s %s", doc, p.p)
			assert.Equal(t, 500, Status(err))
		}
	}
}

// TestEvanphxPanics keeps the inputs evanphx/json-patch panics on as
// regression inputs: the library still panics, the package's evaluator
// answers them.
func TestEvanphxPanics(t *testing.T) {
	t.Parallel()
	assert.Panics(t, func() { jsonpatch.Equal([]byte(`[null]`), []byte(`[null]`)) })
	assert.Panics(t, func() {
		p, err := jsonpatch.DecodePatch([]byte(`[{"op":"test","path":"/a","value":[null]}]`))
		if err == nil {
			_, _ = p.Apply([]byte(`{"a":[null]}`))
		}
	})

	for _, p := range []string{
		`[{"op":"test","path":"/a","value":[null]}]`,
		`[{"op":"add","path":"/b","value":1},{"op":"test","path":"/a","value":[null]}]`,
		`[{"op":"test","path":"","value":{"a":[null]}}]`,
	} {
		got, err := Apply(JSONPatchType, []byte(`{"a":[null]}`), []byte(p))
		require.NoError(t, err, p)
		assert.Contains(t, string(got), `"a":[null]`)
	}
}

// copyOps returns n copies of /a into a new member of itself, each doubling
// the document.
func copyOps(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, `{"op":"copy","from":"/a","path":"/a/k%d"},`, i)
	}
	return b.String()
}

// TestNegativeLimitsDisable: the Options rule (doc.go): zero is the
// default, negative is no limit, for every limit.
func TestNegativeLimitsDisable(t *testing.T) {
	t.Parallel()
	big := `{"op":"add","path":"/s","value":"` + strings.Repeat("x", DefaultMaxPatchBytes) + `"}`
	tests := []struct {
		name  string
		opts  Options
		patch string
		limit Limit
	}{
		{"patch bytes", Options{MaxPatchBytes: -1}, `[` + big + `]`, LimitPatchBytes},
		{"operations", Options{MaxOperations: -1}, `[` + strings.Repeat(`{"op":"test","path":"","value":{}},`, DefaultMaxOperations) + `{"op":"add","path":"/a","value":1}]`, LimitOperations},
		{"depth", Options{MaxDepth: -1}, `[{"op":"add","path":"/a","value":` + strings.Repeat("[", DefaultMaxDepth+1) + strings.Repeat("]", DefaultMaxDepth+1) + `}]`, LimitDepth},
		{"copy bytes", Options{MaxCopyBytes: -1}, `[` + big + `,{"op":"copy","from":"/s","path":"/t"},{"op":"copy","from":"/s","path":"/u"}]`, LimitCopyBytes},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			// The zero value refuses the patch with the default limit...
			_, err := NewPatcher(Options{MaxPatchBytes: -1}).Apply(JSONPatchType, []byte(`{}`), []byte(tc.patch))
			if tc.limit == LimitPatchBytes {
				_, err = NewPatcher(Options{}).Apply(JSONPatchType, []byte(`{}`), []byte(tc.patch))
			}
			var le *LimitError
			require.ErrorAs(t, err, &le)
			assert.Equal(t, tc.limit, le.Limit)
			// ...and a negative value lets it through.
			opts := tc.opts
			opts.MaxPatchBytes = -1
			_, err = NewPatcher(opts).Apply(JSONPatchType, []byte(`{}`), []byte(tc.patch))
			assert.NoError(t, err)
		})
	}
}
