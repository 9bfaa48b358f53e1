package cache

import "net/http"

// PrivateIfAuthorized returns c as it may be sent in response to r: when r
// carries Authorization and c would let a shared cache store the response
// (public, s-maxage or must-revalidate, RFC 9111 §3.5), the result is private
// instead, without public, s-maxage and proxy-revalidate; otherwise c is
// returned unchanged. [Middleware] applies the same rule to its policy; call
// this from a handler that sets Cache-Control itself.
func PrivateIfAuthorized(r *http.Request, c Control) Control {
	if _, auth := r.Header["Authorization"]; !auth {
		return c
	}
	return privateForAuthorization(c)
}

// privateForAuthorization returns c made safe for a response to a request
// with Authorization. RFC 9111 §3.5 lets a shared cache store such a response
// when it carries public, s-maxage or must-revalidate; private forbids it
// (§5.2.2.7). The shared-cache-only directives go too, as they would be
// meaningless beside private.
func privateForAuthorization(c Control) Control {
	// A field-qualified private leaves the rest of the response storable by
	// shared caches, so only the unqualified form counts as already safe.
	unqualifiedPrivate := c.Private && len(c.PrivateFields) == 0
	if unqualifiedPrivate || c.NoStore || !(c.Public || c.SMaxAge.set || c.MustRevalidate) {
		return c
	}
	c.Public = false
	c.Private = true
	c.PrivateFields = nil
	c.SMaxAge = Delta{}
	c.ProxyRevalidate = false
	return c
}
