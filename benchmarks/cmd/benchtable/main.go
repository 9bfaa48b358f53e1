// Command benchtable turns the output of the benchmarks in this module into
// the Markdown tables of README.md: per row, the median of every metric over
// the runs, and the ratios of ns/op to the fastest peer, to the physical
// limit, to a plain copy of the body and to the bare handler where a row has
// them.
//
//	go run ./cmd/benchtable results/micro.txt results/e2e.txt > results/tables.md
//
// Sub-benchmark names must be key=value pairs with an "impl" key
// (".../header=browser/impl=gddo"); the other keys name the row. benchstat
// (go tool benchstat) gives the confidence intervals; this command only
// lays the medians out side by side.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/perf/benchfmt"
)

// referenceColumns are the implementations that are references, not peers
// (ratios to a peer are taken to the fastest implementation that is neither
// one of these nor httpsem), and the columns of ratios to them, in order. A
// reference row is divided only by itself, and by the references named in
// alsoFor: the limit in units of a copy is the floor under a middleware's
// ratio to a copy, which is how issue 16 states the ETag targets.
var referenceColumns = []referenceColumn{{"limit", ""}, {"copy", "limit"}, {"bare", ""}}

type referenceColumn struct {
	impl    string
	alsoFor string // a reference row this column divides too
}

// isReference reports whether impl is one of referenceColumns.
func isReference(impl string) bool {
	return slices.ContainsFunc(referenceColumns, func(rc referenceColumn) bool { return rc.impl == impl })
}

// unitOrder is the column order; units not listed follow in the order met.
var unitOrder = []string{"ns/op", "MB/s", "B/op", "allocs/op", "req/s", "p50-µs", "p99-µs", "srv-µs/op", "srv-usr-µs/op"}

type cell struct {
	impl   string
	values map[string][]float64 // unit -> one value per run
}

type row struct {
	name  string
	cells []*cell
}

type family struct {
	name  string
	rows  []*row
	units []string
}

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		os.Exit(1)
	}
}

func run(files []string, out io.Writer) error {
	if len(files) == 0 {
		return errors.New("usage: benchtable file [file]")
	}
	var fams []*family
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		fams, err = read(benchfmt.NewReader(f, name), fams)
		_ = f.Close()
		if err != nil {
			return err
		}
	}
	for _, fam := range fams {
		write(out, fam)
	}
	return nil
}

func read(r *benchfmt.Reader, fams []*family) ([]*family, error) {
	for r.Scan() {
		res, ok := r.Result().(*benchfmt.Result)
		if !ok {
			if e, isErr := r.Result().(*benchfmt.SyntaxError); isErr {
				return nil, e
			}
			continue
		}
		base, parts := res.Name.Parts()
		var rowKeys []string
		impl := ""
		for _, p := range parts {
			s := strings.TrimPrefix(string(p), "/")
			if strings.HasPrefix(string(p), "-") {
				continue // GOMAXPROCS suffix
			}
			if v, ok := strings.CutPrefix(s, "impl="); ok {
				impl = v
				continue
			}
			rowKeys = append(rowKeys, s)
		}
		if impl == "" {
			impl = "-"
		}
		fam := find(&fams, string(base))
		rw := fam.row(strings.Join(rowKeys, " "))
		c := rw.cell(impl)
		for _, v := range res.Values {
			unit, value := v.OrigUnit, v.OrigValue
			if unit == "" {
				unit, value = v.Unit, v.Value
			}
			if !slices.Contains(fam.units, unit) {
				fam.units = append(fam.units, unit)
			}
			c.values[unit] = append(c.values[unit], value)
		}
	}
	return fams, r.Err()
}

func find(fams *[]*family, name string) *family {
	for _, f := range *fams {
		if f.name == name {
			return f
		}
	}
	f := &family{name: name}
	*fams = append(*fams, f)
	return f
}

func (f *family) row(name string) *row {
	for _, r := range f.rows {
		if r.name == name {
			return r
		}
	}
	r := &row{name: name}
	f.rows = append(f.rows, r)
	return r
}

func (r *row) cell(impl string) *cell {
	for _, c := range r.cells {
		if c.impl == impl {
			return c
		}
	}
	c := &cell{impl: impl, values: map[string][]float64{}}
	r.cells = append(r.cells, c)
	return c
}

func median(v []float64) (float64, bool) {
	if len(v) == 0 {
		return 0, false
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2], true
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2, true
}

func (c *cell) median(unit string) (float64, bool) { return median(c.values[unit]) }

func isPeer(impl string) bool {
	return !isReference(impl) && !strings.HasPrefix(impl, "httpsem") && impl != "-"
}

func write(out io.Writer, fam *family) {
	units := slices.Clone(fam.units)
	slices.SortStableFunc(units, func(a, b string) int { return rank(a) - rank(b) })
	hasPeers := false
	has := make([]bool, len(referenceColumns))
	runs := 0
	for _, r := range fam.rows {
		for _, c := range r.cells {
			hasPeers = hasPeers || isPeer(c.impl)
			for i, rc := range referenceColumns {
				has[i] = has[i] || c.impl == rc.impl
			}
			runs = max(runs, len(c.values["ns/op"]))
		}
	}
	fmt.Fprintf(out, "### %s\n\n", fam.name)
	head := []string{"row", "impl"}
	head = append(head, units...)
	if hasPeers {
		head = append(head, "× fastest peer")
	}
	for i, rc := range referenceColumns {
		if has[i] {
			head = append(head, "× "+rc.impl)
		}
	}
	fmt.Fprintf(out, "| %s |\n|%s\n", strings.Join(head, " | "), strings.Repeat("---|", len(head)))
	refs := make([]float64, len(referenceColumns))
	for _, r := range fam.rows {
		peer := r.reference(isPeer)
		for i, rc := range referenceColumns {
			refs[i] = r.reference(func(s string) bool { return s == rc.impl })
		}
		for _, c := range r.cells {
			impl := c.impl
			if strings.HasPrefix(impl, "httpsem") {
				impl = "**" + impl + "**"
			}
			cols := []string{r.name, impl}
			for _, u := range units {
				v, ok := c.median(u)
				cols = append(cols, format(u, v, ok))
			}
			// A reference row (bare, limit, copy) is compared only with
			// itself and where referenceColumns says: its ratio to a peer
			// would say nothing.
			ns, _ := c.median("ns/op")
			ref := isReference(c.impl)
			if hasPeers {
				cols = append(cols, ratio(ns, peer, !ref))
			}
			for i, rc := range referenceColumns {
				if has[i] {
					show := !ref || c.impl == rc.impl || c.impl == rc.alsoFor
					cols = append(cols, ratio(ns, refs[i], show))
				}
			}
			fmt.Fprintf(out, "| %s |\n", strings.Join(cols, " | "))
		}
	}
	fmt.Fprintf(out, "\nMedians of %d runs. Ratios are of ns/op: below 1 is faster.\n\n", runs)
}

// reference returns the smallest median ns/op among the row's cells whose
// implementation matches, or 0.
func (r *row) reference(match func(string) bool) float64 {
	best := 0.0
	for _, c := range r.cells {
		if !match(c.impl) {
			continue
		}
		if v, ok := c.median("ns/op"); ok && (best == 0 || v < best) {
			best = v
		}
	}
	return best
}

func rank(unit string) int {
	if i := slices.Index(unitOrder, unit); i >= 0 {
		return i
	}
	return len(unitOrder)
}

func ratio(v, ref float64, show bool) string {
	if !show || ref == 0 || v == 0 {
		return ""
	}
	return strconv.FormatFloat(v/ref, 'f', 2, 64)
}

// format prints three significant digits, whole numbers for counts.
func format(unit string, v float64, ok bool) string {
	if !ok {
		return ""
	}
	switch unit {
	case "B/op", "allocs/op":
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	switch {
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}
