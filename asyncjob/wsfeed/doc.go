// Package wsfeed serves a job's change feed (asyncjob.Manager.Watch) over a
// WebSocket (RFC 6455), for clients that already hold one; it is the same
// feed the SSE endpoint streams. It lives apart from asyncjob so that only
// applications that use it depend on github.com/coder/websocket.
//
// Each change is one text message:
//
//	{"id":"3","event":"processing","data":{...the status document...}}
//
// The first message is the current state; after the terminal state the
// server closes with 1000 (normal closure), and with 1001 (going away) when
// the Manager shuts down. A client resumes with the last id it saw, in the
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
// Mount it through the Manager's JobHandler so the status URL also answers
// WebSocket upgrades:
//
//	ws, err := wsfeed.New(m, wsfeed.Options{})
//	mux.Handle("/jobs/{id}", m.JobHandler(ws))
package wsfeed
