// Package response holds the one http.ResponseWriter wrapper every httpsem
// middleware uses. It records the final status, defers the header until the
// middleware has decided the outcome (OnCommit), optionally buffers the body up
// to a limit, never sends a body where HTTP forbids one (HEAD, 1xx, 204, 304),
// keeps Content-Length right, and keeps Flush, Hijack and
// http.ResponseController working through Unwrap.
package response
