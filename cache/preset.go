package cache

// Presets for common kinds of resources. Each returns a fresh [Control] that
// the caller may adjust; the table in the package documentation lists them
// with their wire form.

// StaticAsset is "public, max-age=31536000, immutable": for files whose URL
// changes when their content does (fingerprinted names such as
// app.3f9a2c.js). A year is the customary "forever"; immutable (RFC 8246)
// keeps browsers from revalidating on reload.
func StaticAsset() Control {
	return Control{Public: true, MaxAge: Seconds(31536000), Immutable: true}
}

// UserSpecific is "private, max-age=300": data about the signed-in user that
// the user's own browser may reuse for five minutes but that no shared cache
// may store (RFC 9111 §5.2.2.7).
func UserSpecific() Control {
	return Control{Private: true, MaxAge: Seconds(300)}
}

// RealTime is "no-store": data that is stale the moment it is sent (prices,
// live status), which no cache should keep (RFC 9111 §5.2.2.5).
func RealTime() Control {
	return Control{NoStore: true}
}

// PublicListing is "public, max-age=60": lists and pages that are the same for
// everyone and may lag a minute behind.
func PublicListing() Control {
	return Control{Public: true, MaxAge: Seconds(60)}
}

// Credentials is "no-store": responses carrying tokens, passwords or keys,
// which must never be written to any cache's storage (RFC 6749 §5.1 requires
// it of OAuth token responses; RFC 9111 §5.2.2.5).
func Credentials() Control {
	return Control{NoStore: true}
}
