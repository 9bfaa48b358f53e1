package patch

import (
	"fmt"
	"strings"
	"testing"
	"time"

	jsonpatch "github.com/evanphx/json-patch/v5"
)

// benchDoc is a 2 KiB JSON document shaped like a typical API resource.
func benchDoc() []byte {
	var b strings.Builder
	b.WriteString(`{"id":"c0a8012e-7b1d-4e8a-9f3c-2d6e1b5a9f00","version":12,"name":"Ada Lovelace","email":"ada@example.com",`)
	b.WriteString(`"balance":12345678901234567890,"ratio":1.0,"active":true,"tags":["admin","math","poet"],"address":{"street":"12 St James's Square","city":"London","zip":"SW1Y 4JH"},"items":[`)
	for i := 0; b.Len() < 2000; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"sku":"SKU-%04d","qty":%d,"price":%d.50}`, i, i%7, 10+i)
	}
	b.WriteString(`]}`)
	return []byte(b.String())
}

var (
	benchJSONPatch       = []byte(`[{"op":"test","path":"/version","value":12},{"op":"replace","path":"/name","value":"Ada King"},{"op":"add","path":"/tags/-","value":"countess"}]`)
	benchJSONPatchNoTest = []byte(`[{"op":"replace","path":"/version","value":13},{"op":"replace","path":"/name","value":"Ada King"},{"op":"add","path":"/tags/-","value":"countess"}]`)
	benchMergePatch      = []byte(`{"version":13,"name":"Ada King","address":{"zip":null,"country":"UK"}}`)
)

func BenchmarkJSONPatch(b *testing.B) {
	doc := benchDoc()
	for _, bc := range []struct {
		name  string
		patch []byte
	}{{"2KiB/3ops-test", benchJSONPatch}, {"2KiB/3ops", benchJSONPatchNoTest}} {
		b.Run(bc.name+"/evanphx", func(b *testing.B) {
			opts := jsonpatch.NewApplyOptions()
			opts.SupportNegativeIndices = false
			opts.EscapeHTML = false
			b.ReportAllocs()
			b.SetBytes(int64(len(doc)))
			for b.Loop() {
				p, err := jsonpatch.DecodePatch(bc.patch)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := p.ApplyWithOptions(doc, opts); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(bc.name+"/patcher", func(b *testing.B) {
			pt := NewPatcher(Options{})
			b.ReportAllocs()
			b.SetBytes(int64(len(doc)))
			for b.Loop() {
				if _, err := pt.Apply(JSONPatchType, doc, bc.patch); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(bc.name+"/textengine", func(b *testing.B) {
			pt := NewPatcher(Options{})
			b.ReportAllocs()
			b.SetBytes(int64(len(doc)))
			for b.Loop() {
				ops, err := parseOps(bc.patch, pt.maxOps, nil)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := applyOps(doc, ops, pt.maxCopy); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkMergePatch(b *testing.B) {
	doc := benchDoc()
	b.Run("2KiB/3members/evanphx", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(doc)))
		for b.Loop() {
			if _, err := jsonpatch.MergePatch(doc, benchMergePatch); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("2KiB/3members/patcher", func(b *testing.B) {
		pt := NewPatcher(Options{})
		b.ReportAllocs()
		b.SetBytes(int64(len(doc)))
		for b.Loop() {
			if _, err := pt.Apply(MergePatchType, doc, benchMergePatch); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkApplyAdversarial shows linear cost on hostile input: a patch of
// many operations and a deeply nested document at the limits.
func BenchmarkApplyAdversarial(b *testing.B) {
	doc := benchDoc()
	var p strings.Builder
	p.WriteString("[")
	for i := range DefaultMaxOperations {
		if i > 0 {
			p.WriteByte(',')
		}
		p.WriteString(`{"op":"test","path":"/items/3/qty","value":3}`)
	}
	p.WriteString("]")
	b.Run("1000tests", func(b *testing.B) {
		pt := NewPatcher(Options{})
		b.ReportAllocs()
		for b.Loop() {
			if _, err := pt.Apply(JSONPatchType, doc, []byte(p.String())); err != nil {
				b.Fatal(err)
			}
		}
	})
	// A merge patch that sets every member of a wide object: the text merge
	// compared every patch member with every target member.
	var wide, widePatch strings.Builder
	for i := range 5000 {
		sep := ","
		if i == 0 {
			sep = "{"
		}
		fmt.Fprintf(&wide, `%s"member%d":%d`, sep, i, i)
		fmt.Fprintf(&widePatch, `%s"member%d":%d`, sep, 4999-i, -i)
	}
	wide.WriteString("}")
	widePatch.WriteString("}")
	wideDoc, wideP := []byte(wide.String()), []byte(widePatch.String())
	b.Run("merge-5000-members/patcher", func(b *testing.B) {
		pt := NewPatcher(Options{})
		b.ReportAllocs()
		for b.Loop() {
			if _, err := pt.Apply(MergePatchType, wideDoc, wideP); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("merge-5000-members/textmerge", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			mergeValue(nil, wideDoc, wideP)
		}
	})
	deep := []byte(strings.Repeat(`{"a":`, DefaultMaxDepth-1) + `1` + strings.Repeat(`}`, DefaultMaxDepth-1))
	b.Run("depth64-merge", func(b *testing.B) {
		pt := NewPatcher(Options{})
		b.ReportAllocs()
		for b.Loop() {
			if _, err := pt.Apply(MergePatchType, deep, deep); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkOverhead measures the wrapper against evanphx/json-patch with
// the two calls interleaved, so that the load of a shared machine affects
// both alike; it reports each side's ns/op and the overhead in percent.
func BenchmarkOverhead(b *testing.B) {
	doc := benchDoc()
	opts := jsonpatch.NewApplyOptions()
	opts.SupportNegativeIndices = false
	opts.EscapeHTML = false
	pt := NewPatcher(Options{})
	for _, bc := range []struct {
		name    string
		library func() error
		wrapper func() error
	}{
		{"JSONPatch/2KiB/3ops", func() error {
			p, err := jsonpatch.DecodePatch(benchJSONPatchNoTest)
			if err == nil {
				_, err = p.ApplyWithOptions(doc, opts)
			}
			return err
		}, func() error {
			_, err := pt.Apply(JSONPatchType, doc, benchJSONPatchNoTest)
			return err
		}},
		{"JSONPatch/2KiB/3ops-test", func() error {
			p, err := jsonpatch.DecodePatch(benchJSONPatch)
			if err == nil {
				_, err = p.ApplyWithOptions(doc, opts)
			}
			return err
		}, func() error {
			_, err := pt.Apply(JSONPatchType, doc, benchJSONPatch)
			return err
		}},
		{"MergePatch/2KiB/3members", func() error {
			_, err := jsonpatch.MergePatch(doc, benchMergePatch)
			return err
		}, func() error {
			_, err := pt.Apply(MergePatchType, doc, benchMergePatch)
			return err
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var lib, wrap time.Duration
			for b.Loop() {
				t0 := time.Now()
				if err := bc.library(); err != nil {
					b.Fatal(err)
				}
				t1 := time.Now()
				if err := bc.wrapper(); err != nil {
					b.Fatal(err)
				}
				lib += t1.Sub(t0)
				wrap += time.Since(t1)
			}
			n := float64(b.N)
			b.ReportMetric(float64(lib.Nanoseconds())/n, "evanphx-ns/op")
			b.ReportMetric(float64(wrap.Nanoseconds())/n, "wrapper-ns/op")
			b.ReportMetric(100*(float64(wrap)-float64(lib))/float64(lib), "overhead-%")
		})
	}
}

// BenchmarkHostile is the patch of issue 12 (12 root copies, then 985
// moves of one member) against a benign patch of the same length, each
// with evanphx/json-patch as the yardstick.
func BenchmarkHostile(b *testing.B) {
	doc := hostileDoc()
	for _, bc := range []struct {
		name  string
		patch []byte
	}{{"hostile", hostilePatch()}, {"benign", benignPatch()}} {
		b.Run(bc.name+"/patcher", func(b *testing.B) {
			pt := NewPatcher(Options{})
			b.ReportAllocs()
			b.SetBytes(int64(len(bc.patch)))
			for b.Loop() {
				if _, err := pt.Apply(JSONPatchType, doc, bc.patch); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(bc.name+"/evanphx", func(b *testing.B) {
			opts := jsonpatch.NewApplyOptions()
			opts.SupportNegativeIndices = false
			opts.EscapeHTML = false
			opts.AccumulatedCopySizeLimit = DefaultMaxCopyBytes
			b.ReportAllocs()
			b.SetBytes(int64(len(bc.patch)))
			for b.Loop() {
				p, err := jsonpatch.DecodePatch(bc.patch)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := p.ApplyWithOptions(doc, opts); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
