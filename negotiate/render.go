package negotiate

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"

	"github.com/httpsem/httpsem/httperr"
	"github.com/httpsem/httpsem/internal/header"
	"github.com/httpsem/httpsem/internal/response"
)

// MaxPooledBuffer is the largest encoding buffer a [Renderer] keeps for reuse;
// larger ones, from occasional large bodies, are left to the garbage collector
// so one big response does not pin its memory.
const MaxPooledBuffer = 64 << 10

// Encoder is one representation a [Renderer] can produce.
type Encoder struct {
	// MediaType is the type offered in negotiation and sent in Content-Type,
	// with optional parameters ("text/csv", "text/html;charset=utf-8"). When
	// it has no charset parameter and is text/* or an XML type, the Renderer
	// sends "; charset=utf-8" (RFC 9110 §8.3.2; RFC 7303 §3 for XML). JSON
	// gets none: RFC 8259 §11 defines no charset parameter for it. The
	// Content-Type so formed is what Accept ranges are matched against, so
	// "Accept: text/csv;charset=utf-8" selects a "text/csv" encoder.
	MediaType string

	// EncodeFunc writes v to w in this representation. An error makes the
	// Renderer answer 500 instead (nothing has been sent yet).
	EncodeFunc func(w io.Writer, v any) error
}

// JSON returns the built-in application/json encoder (encoding/json, one value
// followed by a newline).
func JSON() Encoder {
	return Encoder{MediaType: "application/json", EncodeFunc: func(w io.Writer, v any) error {
		return json.NewEncoder(w).Encode(v)
	}}
}

// XML returns the built-in application/xml encoder (encoding/xml, preceded by
// the XML declaration). encoding/xml cannot encode maps; render structs.
func XML() Encoder {
	return Encoder{MediaType: "application/xml", EncodeFunc: func(w io.Writer, v any) error {
		if _, err := io.WriteString(w, xml.Header); err != nil {
			return err
		}
		return xml.NewEncoder(w).Encode(v)
	}}
}

// Renderer writes a value in the representation the request's Accept header
// prefers among its encoders. It is immutable after [NewRenderer] and safe for
// concurrent use.
type Renderer struct {
	encoders     []Encoder
	offers       []string // media types, in order
	parsed       []mediaRange
	contentTypes []string // Content-Type values, charset added where it applies
	// ctValues holds each Content-Type as a ready header value. The slices
	// are shared by every response and have capacity 1, so a later
	// Header().Add copies instead of writing into them.
	ctValues     [][]string
	serveDefault bool
	errorWriter  httperr.Writer
	pool         sync.Pool
}

// NewRenderer builds a Renderer from opts.Encoders (JSON then XML when nil),
// opts.ServeDefault and opts.ErrorWriter. It reports an error for an encoder
// without EncodeFunc, a media type that is not a concrete type/subtype, or a
// media type listed twice.
func NewRenderer(opts Options) (*Renderer, error) {
	encs := opts.Encoders
	if encs == nil {
		encs = []Encoder{JSON(), XML()}
	}
	if len(encs) == 0 {
		return nil, errors.New("negotiate: no encoders")
	}
	rn := &Renderer{
		encoders:     append([]Encoder(nil), encs...),
		serveDefault: opts.ServeDefault,
		errorWriter:  opts.ErrorWriter,
	}
	for _, e := range rn.encoders {
		mt := header.TrimOWS(e.MediaType)
		m, ok := parseOffer(mt)
		if !ok {
			return nil, fmt.Errorf("negotiate: invalid encoder media type %q", e.MediaType)
		}
		if e.EncodeFunc == nil {
			return nil, fmt.Errorf("negotiate: encoder for %q has no EncodeFunc", e.MediaType)
		}
		for _, prev := range rn.offers {
			if header.EqualFold(prev, mt) {
				return nil, fmt.Errorf("negotiate: media type %q registered twice", e.MediaType)
			}
		}
		rn.offers = append(rn.offers, mt)
		rn.contentTypes = append(rn.contentTypes, contentType(mt, &m))
	}
	// Negotiate on what is sent: "text/csv" goes out with charset=utf-8, so
	// it must match "Accept: text/csv;charset=utf-8" too.
	rn.parsed = parseOffers(rn.contentTypes)
	for _, ct := range rn.contentTypes {
		rn.ctValues = append(rn.ctValues, []string{ct}) // a literal of one has capacity 1
	}
	rn.pool.New = func() any { return new(bytes.Buffer) }
	return rn, nil
}

// contentType adds charset=utf-8 to types whose charset parameter matters and
// is missing: text/* (RFC 9110 §8.3.2 would otherwise leave the charset to
// guessing) and XML (RFC 7303 §3).
func contentType(mt string, m *mediaRange) string {
	xmlType := header.EqualFold(m.sub, "xml") || hasSuffixFold(m.sub, "+xml")
	if (header.EqualFold(m.typ, "text") || xmlType) && !m.hasParam("charset") {
		return mt + "; charset=utf-8"
	}
	return mt
}

func hasSuffixFold(s, suffix string) bool {
	return len(s) >= len(suffix) && header.EqualFold(s[len(s)-len(suffix):], suffix)
}

// MediaTypes returns the renderer's media types in order of preference.
func (rn *Renderer) MediaTypes() []string { return append([]string(nil), rn.offers...) }

// Render negotiates the representation of v (RFC 9110 §12.5.1), adds "Accept"
// to Vary, encodes v with the chosen encoder and writes it with status,
// Content-Type and Content-Length. v is encoded into a buffer first, so an
// encoder error becomes a clean 500 rather than a truncated body; a HEAD
// response gets the headers a GET would have; statuses that carry no content
// (1xx, 204, 304) are written without encoding.
//
// When no encoder is acceptable Render writes 406 Not Acceptable, listing the
// available types in the envelope's "available" member, and returns
// [ErrNotAcceptable] (with [Options.ServeDefault] it serves the first encoder
// instead). When encoding fails it writes 500 and returns an error matching
// [ErrEncode] and the encoder's error.
func (rn *Renderer) Render(w http.ResponseWriter, r *http.Request, status int, v any) error {
	header.AddVary(w.Header(), "Accept")
	if !response.BodyAllowed(http.MethodGet, status) {
		w.WriteHeader(status)
		return nil
	}
	i := selectParsed(r.Header["Accept"], rn.parsed) // net/http canonicalises request keys
	if i < 0 {
		if !rn.serveDefault {
			notAcceptable(w, r, rn.errorWriter, rn.offers)
			return ErrNotAcceptable
		}
		i = 0
	}
	buf := rn.pool.Get().(*bytes.Buffer)
	defer rn.put(buf)
	buf.Reset()
	if err := rn.encoders[i].EncodeFunc(buf, v); err != nil {
		httperr.Write(w, r, rn.errorWriter, httperr.New(http.StatusInternalServerError,
			httperr.CodeInternal, "the response could not be encoded"))
		return fmt.Errorf("%w as %s: %w", ErrEncode, rn.offers[i], err)
	}
	h := w.Header()
	h["Content-Type"] = rn.ctValues[i]
	h["Content-Length"] = []string{strconv.Itoa(buf.Len())}
	w.WriteHeader(status)
	if r.Method == http.MethodHead {
		return nil
	}
	_, err := w.Write(buf.Bytes())
	return err
}

func (rn *Renderer) put(buf *bytes.Buffer) {
	if buf.Cap() <= MaxPooledBuffer {
		rn.pool.Put(buf)
	}
}
