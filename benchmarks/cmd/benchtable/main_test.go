package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Two runs of an ETag row in the format go test -bench prints: the medians
// of 100/300 (copy), 150/250 (limit) and 400/400 (httpsem) ns/op are 200,
// 200 and 400.
const etagRuns = `goos: linux
BenchmarkETag/size=64KiB/path=200/impl=bare-2 	 1000	 10 ns/op	 0 B/op	 0 allocs/op
BenchmarkETag/size=64KiB/path=200/impl=copy-2 	 1000	 100 ns/op	 0 B/op	 0 allocs/op
BenchmarkETag/size=64KiB/path=200/impl=limit-2 	 1000	 150 ns/op	 0 B/op	 0 allocs/op
BenchmarkETag/size=64KiB/path=200/impl=httpsem-2 	 1000	 400 ns/op	 0 B/op	 0 allocs/op
BenchmarkETag/size=64KiB/path=200/impl=go-http-utils-2 	 1000	 8000 ns/op	 99 B/op	 9 allocs/op
BenchmarkETag/size=64KiB/path=200/impl=bare-2 	 1000	 10 ns/op	 0 B/op	 0 allocs/op
BenchmarkETag/size=64KiB/path=200/impl=copy-2 	 1000	 300 ns/op	 0 B/op	 0 allocs/op
BenchmarkETag/size=64KiB/path=200/impl=limit-2 	 1000	 250 ns/op	 0 B/op	 0 allocs/op
BenchmarkETag/size=64KiB/path=200/impl=httpsem-2 	 1000	 400 ns/op	 0 B/op	 0 allocs/op
BenchmarkETag/size=64KiB/path=200/impl=go-http-utils-2 	 1000	 8000 ns/op	 99 B/op	 9 allocs/op
`

// TestReferenceColumns checks the ratio columns of a row with every kind of
// reference: httpsem is divided by the fastest peer, the limit, the copy and
// bare; the limit by itself and by the copy (the floor under httpsem's ratio
// to a copy); the copy and bare only by themselves.
func TestReferenceColumns(t *testing.T) {
	file := filepath.Join(t.TempDir(), "micro.txt")
	require.NoError(t, os.WriteFile(file, []byte(etagRuns), 0o600))
	var out strings.Builder
	require.NoError(t, run([]string{file}, &out))
	lines := strings.Split(out.String(), "\n")
	require.Greater(t, len(lines), 8, out.String())
	assert.Equal(t, "### ETag", lines[0])
	assert.Equal(t, "| row | impl | ns/op | B/op | allocs/op | × fastest peer | × limit | × copy | × bare |", lines[2])
	want := []string{
		"| size=64KiB path=200 | bare | 10.0 | 0 | 0 |  |  |  | 1.00 |",
		"| size=64KiB path=200 | copy | 200 | 0 | 0 |  |  | 1.00 |  |",
		"| size=64KiB path=200 | limit | 200 | 0 | 0 |  | 1.00 | 1.00 |  |",
		"| size=64KiB path=200 | **httpsem** | 400 | 0 | 0 | 0.05 | 2.00 | 2.00 | 40.00 |",
		"| size=64KiB path=200 | go-http-utils | 8000 | 99 | 9 | 1.00 | 40.00 | 40.00 | 800.00 |",
	}
	assert.Equal(t, want, lines[4:9])
}

// TestNoReferenceColumns checks that a family without references gets no
// ratio columns but the peer's.
func TestNoReferenceColumns(t *testing.T) {
	file := filepath.Join(t.TempDir(), "micro.txt")
	require.NoError(t, os.WriteFile(file, []byte(`BenchmarkAccept/header=api/impl=httpsem-2 	 1000	 30 ns/op
BenchmarkAccept/header=api/impl=gddo-2 	 1000	 120 ns/op
`), 0o600))
	var out strings.Builder
	require.NoError(t, run([]string{file}, &out))
	assert.Contains(t, out.String(), "| row | impl | ns/op | × fastest peer |\n")
	assert.Contains(t, out.String(), "| header=api | **httpsem** | 30.0 | 0.25 |\n")
}
