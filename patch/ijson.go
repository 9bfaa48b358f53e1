package patch

import (
	"encoding/json"
	"unicode/utf8"
)

// CheckJSON reports whether b is one I-JSON text (RFC 7493): valid JSON
// (RFC 8259), encoded as UTF-8 with no invalid byte sequence (§2.1), no
// escaped lone surrogate such as "\ud800" (§2.1), and no object that
// repeats a member name, compared after unescaping (§2.3). It returns nil,
// or an [*OpError] with Index -1 that wraps [ErrMalformed] (400) and whose
// Reason, safe to show to a client, says which rule failed.
//
// These are the rules every patch document must follow; a server that
// decodes its other JSON writes (POST, PUT) with encoding/json should check
// them first, because encoding/json silently turns invalid UTF-8 and lone
// surrogates into U+FFFD and keeps the last of repeated names, so a PUT
// would store what a PATCH refuses. The work is one pass over b, and
// nothing is allocated for objects of up to 16 members.
func CheckJSON(b []byte) error {
	if err := checkText(b, "the document"); err != nil {
		return err
	}
	return checkNames(b, "the document")
}

// checkText checks the I-JSON rules on the text b; what names b in the
// error.
func checkText(b []byte, what string) error {
	// json.Valid checks neither raw UTF-8 nor escaped surrogates.
	switch {
	case !utf8.Valid(b):
		return &OpError{Index: -1, Reason: what + " is not valid UTF-8", Err: ErrMalformed}
	case !json.Valid(b):
		return &OpError{Index: -1, Reason: what + " is not valid JSON", Err: ErrMalformed}
	case !pairedSurrogates(b):
		return &OpError{Index: -1, Reason: what + " holds an unpaired surrogate escape", Err: ErrMalformed}
	}
	return nil
}

// checkNames checks the I-JSON rule on member names in the valid JSON b.
func checkNames(b []byte, what string) error {
	if !uniqueNames(b) {
		return &OpError{Index: -1, Reason: "an object in " + what + " repeats a member name", Err: ErrMalformed}
	}
	return nil
}

// pairedSurrogates reports whether every \uD800–\uDFFF escape in the valid
// JSON text b is half of a high-low pair (RFC 8259 §7, RFC 7493 §2.1).
func pairedSurrogates(b []byte) bool {
	for i := 0; i < len(b); i++ {
		if b[i] != '"' {
			continue
		}
		for i++; i < len(b) && b[i] != '"'; i++ {
			if b[i] != '\\' {
				continue
			}
			i++
			if i >= len(b) || b[i] != 'u' {
				continue
			}
			c := hex4(b, i+1)
			i += 4
			switch {
			case c >= 0xDC00 && c <= 0xDFFF:
				return false // a low surrogate with no high one before it
			case c >= 0xD800 && c <= 0xDBFF:
				if i+2 >= len(b) || b[i+1] != '\\' || b[i+2] != 'u' {
					return false
				}
				if lo := hex4(b, i+3); lo < 0xDC00 || lo > 0xDFFF {
					return false
				}
				i += 6
			}
		}
	}
	return true
}

// hex4 reads the four hex digits at b[i:], which json.Valid checked; -1
// past the end.
func hex4(b []byte, i int) int {
	if i+4 > len(b) {
		return -1
	}
	v := 0
	for _, c := range b[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		}
		v = v<<4 | int(c)
	}
	return v
}
