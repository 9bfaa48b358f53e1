// Package header holds the RFC 9110 §5.6 building blocks shared by every httpsem
// parser: list iteration that is aware of quoted strings, token characters and
// the Vary merge helper, delta-seconds and HTTP-date (RFC 9110 §5.6.7).
// Nothing here allocates on the success path.
package header
