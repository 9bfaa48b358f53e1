// Package wsfeed serves a job's change feed (asyncjob.Manager.Feed, through
// the narrow [Source] interface) over a WebSocket (RFC 6455), for clients
// that already hold one; it is the same feed the SSE endpoint streams. It lives apart from asyncjob so that only
// applications that use it depend on github.com/coder/websocket.
//
// Each change is one text message:
//
//	{"id":"3","event":"processing","data":{...the status document...}}
//
// The first message is the current state; after the terminal state the
// server closes with 1000 (normal closure). When the Manager shuts down it
// sends a last message without an id,
//
//	{"event":"shutdown","data":{"status":"unavailable","message":"…","retry_after":5}}
//
// and closes with 1001 (going away). A client resumes with the last id it saw, in the
// Last-Event-ID header or, since browsers cannot set headers on a
// WebSocket, the last_event_id query parameter. Messages from the client
// are ignored.
//
// Cross-site WebSocket hijacking is refused by default: a request whose
// Origin names another host than the request's gets 403, unless the origin
// matches Options.OriginPatterns. Requests without Origin (non-browser
// clients) carry no ambient browser credentials and are allowed. Ownership
// is the Manager's: a job another owner may see is 404 before the upgrade.
//
// Options follow asyncjob's rule: zero is the default, negative means
// "none" where a field says so (PingInterval: no pings) and is rejected by
// [New] elsewhere.
//
// Mount it through the Manager's JobHandler so the status URL also answers
// WebSocket upgrades:
//
//	ws, err := wsfeed.New(m, wsfeed.Options{})
//	mux.Handle("/jobs/{id}", m.JobHandler(ws))
package wsfeed
