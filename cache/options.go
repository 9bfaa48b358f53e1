package cache

// DefaultServerError is the Cache-Control the [Middleware] puts on 5xx
// responses when [Options.ServerError] is zero: "no-store", so that no cache
// keeps a failure and serves it after the origin has recovered.
func DefaultServerError() Control { return Control{NoStore: true} }

// Options configure [Middleware]. The zero Options sets nothing on successful
// responses and "no-store" on every 5xx response.
type Options struct {
	// Control is the policy set on 2xx and 304 responses whose handler set
	// neither Cache-Control nor Expires (a handler's own choice always wins).
	// Presets such as [StaticAsset] or [UserSpecific] fit here. A handler
	// that sets its own Cache-Control on a 200 must set it on the 304 for the
	// same resource too, or the 304 gets this policy. When the
	// request carries Authorization, a policy that would let a shared cache
	// store the response is turned private; see AllowAuthorizedPublic.
	// Default: zero, nothing is set.
	Control Control

	// AllowAuthorizedPublic lets Control reach the wire unchanged on requests
	// that carry Authorization. By default such a response is made private
	// instead: RFC 9111 §3.5 lets a shared cache store a response to an
	// authorized request when it says public, s-maxage or must-revalidate,
	// which would hand one user's response to the next. Only credentials in
	// Authorization are detected; routes authenticated by cookie should use a
	// private policy such as [UserSpecific]. Default: false.
	AllowAuthorizedPublic bool

	// ServerError is set on 5xx responses, replacing any Cache-Control the
	// handler set (a handler that sets its caching headers first and then
	// fails must not make the failure cacheable). Default: zero, which means
	// [DefaultServerError] ("no-store").
	ServerError Control

	// HonorServerErrorControl keeps a Cache-Control the handler set itself on
	// a 5xx response (for example a short max-age on a 503 to shield a
	// recovering origin); ServerError then applies only when it set none.
	// Default: false.
	HonorServerErrorControl bool

	// Vary lists request fields added to Vary on every 2xx and 304 response,
	// merged without duplicates via [AddVary] ("*" replaces the list).
	// The slice is copied by Middleware. Default: none.
	Vary []string
}
