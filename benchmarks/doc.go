// Package benchmarks measures httpsem side by side with the libraries a user
// would pick instead, and against the physical limit of the work, in one
// process and one run. It is a separate module, so that the peers measured
// here never enter the go.mod of github.com/httpsem/httpsem.
//
// Nothing here is meant to be imported. The comparisons live in _test.go
// files; run.sh runs them in interleaved rounds and cmd/benchtable turns the
// output into the tables of README.md:
//
//   - negotiate_test.go: Accept negotiation against munnerz/goautoneg,
//     golang/gddo/httputil and elnormous/contenttype;
//   - cachecontrol_test.go: Cache-Control parsing against
//     pquerna/cachecontrol;
//   - etag_test.go: the ETag middleware against go-http-utils/etag, the bare
//     handler and the raw hash+copy limit;
//   - conditional_test.go: conditional GET against http.ServeContent;
//   - e2e_test.go: the example's /events/{id} stack over loopback against a
//     bare handler serving the same bytes.
//
// Each comparison has a test that checks the implementations agree on the
// inputs measured (or records where a peer is wrong), so that no row compares
// a right answer with a wrong one unannounced. Sub-benchmarks are named
// key=value (".../impl=httpsem"), so that benchstat can compare
// implementations as columns. README.md holds the results and run.sh
// reproduces them.
package benchmarks
