// Package response holds the one http.ResponseWriter wrapper every httpsem
// middleware uses. It records the final status, defers the header until the
// middleware has decided the outcome (OnCommit), optionally buffers the body up
// to a limit, never sends a body where HTTP forbids one (HEAD, 1xx, 204, 304),
// keeps Content-Length right, and keeps http.ResponseController working
// through Unwrap. The handler gets [Writer.ResponseWriter], whose optional
// interfaces (http.Flusher, http.Hijacker, io.ReaderFrom, http.Pusher) are
// exactly those of the inner writer; ReadFrom hands a streamed body to the
// inner writer's, so that a file still goes out with sendfile.
package response
