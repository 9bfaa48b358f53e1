package negotiate

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/httpsem/httpsem/httperr"
	"github.com/httpsem/httpsem/internal/header"
	"github.com/httpsem/httpsem/internal/response"
)

// MaxPooledBuffer is the largest encoding buffer a [Renderer] keeps for reuse;
// larger ones, from occasional large bodies, are left to the garbage collector
// so one big response does not pin its memory. A pooled buffer keeps with it
// the encoding/json and encoding/xml encoders of the built-in [JSON] and
// [XML] encoders once they have used it (the XML one holds a 4 KiB
// bufio.Writer), so that a rendering allocates neither.
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

	// Implicit lists the parameters the representation satisfies without
	// sending them, in media-type parameter syntax ("charset=utf-8",
	// "charset=utf-8; profile=x"): an Accept range that names them still
	// matches (RFC 9110 §12.5.1), though Content-Type does not carry them.
	// Use it for formats that fix a parameter by definition. A JSON type
	// (application/json, any +json) implicitly satisfies charset=utf-8
	// whether or not it is listed (RFC 8259 §8.1: JSON is always UTF-8), so
	// "Accept: application/json; charset=utf-8" selects it and
	// "charset=iso-8859-1" does not. Do not repeat a parameter of MediaType
	// here; "q" is not allowed. Default: "" (only the JSON rule).
	Implicit string

	// EncodeFunc writes v to w in this representation. To decline a value it
	// cannot represent (a map for XML, a channel for JSON), it returns an
	// error matching [ErrUnsupportedValue]; the Renderer then tries the next
	// acceptable encoder and answers 406 when none is left. Any other error
	// makes the Renderer answer 500 (nothing has been sent yet).
	EncodeFunc func(w io.Writer, v any) error
}

// JSON returns the built-in application/json encoder (encoding/json, one value
// followed by a newline). It declares charset=utf-8 implicit (RFC 8259 §8.1)
// and declines, with [ErrUnsupportedValue], values encoding/json cannot
// represent: channels, functions, complex numbers, NaN and infinities, cycles.
func JSON() Encoder {
	return Encoder{MediaType: "application/json", Implicit: "charset=utf-8", EncodeFunc: func(w io.Writer, v any) error {
		var enc *json.Encoder
		if b, ok := w.(*renderBuffer); ok {
			enc = b.jsonEncoder()
		} else {
			enc = json.NewEncoder(w)
		}
		err := enc.Encode(v)
		if err != nil && declinedJSON(err) {
			return fmt.Errorf("%w: %w", ErrUnsupportedValue, err)
		}
		return err
	}}
}

// XML returns the built-in application/xml encoder (encoding/xml, preceded by
// the XML declaration). encoding/xml cannot encode maps (nor channels and
// functions); XML declines such values with [ErrUnsupportedValue], so a
// [Renderer] serves them in another acceptable representation or answers
// 406, never 500.
func XML() Encoder {
	return Encoder{MediaType: "application/xml", EncodeFunc: func(w io.Writer, v any) error {
		if _, err := io.WriteString(w, xml.Header); err != nil {
			return err
		}
		b, pooled := w.(*renderBuffer)
		var enc *xml.Encoder
		if pooled {
			enc = b.takeXML()
		} else {
			enc = xml.NewEncoder(w)
		}
		err := enc.Encode(v)
		if err == nil && pooled {
			b.keepXML(enc)
		}
		if err != nil && declinedXML(err) {
			return fmt.Errorf("%w: %w", ErrUnsupportedValue, err)
		}
		return err
	}}
}

// declinedJSON reports whether err is encoding/json refusing the value
// itself rather than failing to write it. It is a function of its own, and
// only called with an error, because the targets errors.As needs escape to
// the heap: inline in the encoder they cost every successful rendering two
// allocations.
func declinedJSON(err error) bool {
	var typeErr *json.UnsupportedTypeError
	var valueErr *json.UnsupportedValueError
	return errors.As(err, &typeErr) || errors.As(err, &valueErr)
}

// declinedXML is declinedJSON for encoding/xml.
func declinedXML(err error) bool {
	var typeErr *xml.UnsupportedTypeError
	return errors.As(err, &typeErr)
}

// Renderer writes a value in the representation the request's Accept header
// prefers among its encoders. It is immutable after [NewRenderer] and safe for
// concurrent use.
type Renderer struct {
	encoders     []Encoder
	offers       []string // media types, in order
	parsed       []offer
	contentTypes []string // Content-Type values, charset added where it applies
	// ctValues holds each Content-Type as a ready header value. The slices
	// are shared by every response and have capacity 1, so a later
	// Header().Add copies instead of writing into them.
	ctValues [][]string
	// varyAccept is the Vary value of a response whose handler set none,
	// shared the same way.
	varyAccept []string
	// first is the first media type when it has no parameters (else ""):
	// an Accept field of exactly that range selects it (see pick).
	first        string
	serveDefault bool
	errorWriter  httperr.Writer
	pool         sync.Pool // of *renderBuffer
	// lengths holds the Content-Length values of recent renderings, shared
	// the same way.
	lengths response.LengthCache
}

// NewRenderer builds a Renderer from opts.Encoders (JSON then XML when nil),
// opts.ServeDefault and opts.ErrorWriter; it reads no other field. It reports
// an error, "negotiate: Options.Encoders: ...", for an empty non-nil list, an
// encoder without EncodeFunc, a media type that is not a concrete
// type/subtype, a media type listed twice, or an Implicit that is not a
// parameter list.
func NewRenderer(opts Options) (*Renderer, error) {
	encs := opts.Encoders
	if encs == nil {
		encs = []Encoder{JSON(), XML()}
	}
	if len(encs) == 0 {
		return nil, errors.New("negotiate: Options.Encoders: empty list")
	}
	rn := &Renderer{
		encoders:     slices.Clone(encs),
		serveDefault: opts.ServeDefault,
		errorWriter:  opts.ErrorWriter,
		varyAccept:   []string{"Accept"},
	}
	for i, e := range rn.encoders {
		mt := header.TrimOWS(e.MediaType)
		o, ok := parseOffer(mt)
		if !ok {
			return nil, fmt.Errorf("negotiate: Options.Encoders[%d]: invalid media type %q", i, e.MediaType)
		}
		if e.EncodeFunc == nil {
			return nil, fmt.Errorf("negotiate: Options.Encoders[%d]: %q has no EncodeFunc", i, e.MediaType)
		}
		if slices.ContainsFunc(rn.offers, func(prev string) bool { return header.EqualFold(prev, mt) }) {
			return nil, fmt.Errorf("negotiate: Options.Encoders[%d]: media type %q listed twice", i, e.MediaType)
		}
		ct := contentType(mt, &o)
		// Negotiate on what is sent: "text/csv" goes out with charset=utf-8,
		// so it must match "Accept: text/csv;charset=utf-8" too.
		sent, _ := parseOffer(ct)
		if sent.implicit, ok = implicitParams(e.Implicit, sent); !ok {
			return nil, fmt.Errorf("negotiate: Options.Encoders[%d]: invalid Implicit %q", i, e.Implicit)
		}
		rn.offers = append(rn.offers, mt)
		rn.contentTypes = append(rn.contentTypes, ct)
		rn.parsed = append(rn.parsed, sent)
		rn.ctValues = append(rn.ctValues, []string{ct}) // a literal of one has capacity 1
	}
	if !strings.Contains(rn.offers[0], ";") {
		rn.first = rn.offers[0]
	}
	rn.pool.New = func() any { return new(renderBuffer) }
	return rn, nil
}

// pick returns the index of the encoder the Accept field lines select, or
// -1 when none is acceptable. A lone line that is exactly the first media
// type ("Accept: application/json" to a JSON-first renderer, the commonest
// API request) selects it without scoring: the range covers the first offer
// with the highest weight, and ties go to the server's order. Anything else
// is scored in full (FuzzRendererPick holds the two to the same answers).
func (rn *Renderer) pick(accept []string) int {
	if len(accept) == 1 && rn.first != "" && header.TrimOWS(accept[0]) == rn.first {
		return 0
	}
	i, _ := selectParsed(accept, rn.parsed)
	return i
}

// implicitParams turns an Encoder's Implicit into parameter text (";a=b"),
// keeping the JSON rule parseOffer applied unless it names a charset itself.
func implicitParams(declared string, o offer) (string, bool) {
	declared = header.TrimOWS(declared)
	if declared == "" {
		return o.implicit, true
	}
	if declared[0] != ';' {
		declared = ";" + declared
	}
	if _, n, ok := parseTail(declared); !ok || n == 0 || hasParam(declared, "q") {
		return "", false
	}
	if o.implicit != "" && !hasParam(declared, "charset") {
		declared += o.implicit
	}
	return declared, true
}

// contentType adds charset=utf-8 to types whose charset parameter matters and
// is missing: text/* (RFC 9110 §8.3.2 would otherwise leave the charset to
// guessing) and XML (RFC 7303 §3).
func contentType(mt string, o *offer) string {
	xmlType := header.EqualFold(o.sub, "xml") || hasSuffixFold(o.sub, "+xml")
	if (header.EqualFold(o.typ, "text") || xmlType) && !hasParam(o.params, "charset") {
		return mt + "; charset=utf-8"
	}
	return mt
}

// MediaTypes returns the renderer's media types in order of preference.
func (rn *Renderer) MediaTypes() []string { return append([]string(nil), rn.offers...) }

// Render negotiates the representation of v (RFC 9110 §12.5.1), adds "Accept"
// to Vary, encodes v with the chosen encoder and writes it with status,
// Content-Type and Content-Length. v is encoded into a buffer first, so an
// encoder error becomes a clean error response rather than a truncated body;
// a HEAD response gets the headers a GET would have; statuses that carry no
// content (1xx, 204, 304) are written without encoding.
//
// When no encoder is acceptable Render writes 406 Not Acceptable, listing the
// available types in the envelope's "available" member, and returns
// [ErrNotAcceptable] (with [Options.ServeDefault] it serves the first encoder
// instead). An encoder that declines v ([ErrUnsupportedValue]) hands it to
// the next acceptable encoder in the client's order of preference; when every
// acceptable one declines, Render answers 406 listing the types that did not
// decline (or, with ServeDefault, serves the first of them) and returns an
// error matching both ErrNotAcceptable and ErrUnsupportedValue: a value the
// client's formats cannot carry is never a 500. Any other encoder error
// writes 500 and returns an error matching [ErrEncode] and the encoder's
// error.
//
// The Content-Type and Content-Length values, and the Vary value of a
// response that had none, are shared by every response of the Renderer (of
// that type, length; the values of the last 64 lengths are kept, direct-mapped
// by length), so that rendering allocates none of them: like any
// header value, replace or add to them (Header.Set, Header.Add), never
// modify them in place. The built-in JSON and XML encoders keep their
// encoding/json and encoding/xml encoders with the pooled buffer, so that
// a rendering does not allocate them either.
func (rn *Renderer) Render(w http.ResponseWriter, r *http.Request, status int, v any) error {
	header.AddVaryShared(w.Header(), rn.varyAccept)
	if !response.BodyAllowed(http.MethodGet, status) {
		w.WriteHeader(status)
		return nil
	}
	accept := r.Header["Accept"] // net/http canonicalises request keys
	i := rn.pick(accept)
	if i < 0 {
		if !rn.serveDefault {
			notAcceptable(w, r, rn.errorWriter, rn.offers)
			return ErrNotAcceptable
		}
		i = 0
	}
	buf := rn.pool.Get().(*renderBuffer)
	defer rn.put(buf)
	buf.Reset()
	err := rn.encoders[i].EncodeFunc(buf, v)
	if err != nil && errors.Is(err, ErrUnsupportedValue) {
		return rn.renderDeclined(w, r, status, v, buf, accept, i, err)
	}
	if err != nil {
		return rn.encodeFailed(w, r, i, err)
	}
	return rn.write(w, r, status, i, buf)
}

// renderDeclined is the slow path of Render after encoder first declined v:
// the remaining encoders are negotiated again without the ones that
// declined, until one encodes v or none is acceptable.
func (rn *Renderer) renderDeclined(w http.ResponseWriter, r *http.Request, status int, v any,
	buf *renderBuffer, accept []string, first int, declineErr error) error {
	remaining := slices.Clone(rn.parsed)
	remaining[first] = offer{} // an empty type is never selected
	for {
		i, _ := selectParsed(accept, remaining)
		if i < 0 && rn.serveDefault {
			i = slices.IndexFunc(remaining, func(o offer) bool { return o.typ != "" })
		}
		if i < 0 {
			var available []string
			for j, o := range remaining {
				if o.typ != "" {
					available = append(available, rn.offers[j])
				}
			}
			notAcceptable(w, r, rn.errorWriter, available)
			return fmt.Errorf("%w: %w", ErrNotAcceptable, declineErr)
		}
		buf.Reset()
		err := rn.encoders[i].EncodeFunc(buf, v)
		switch {
		case err == nil:
			return rn.write(w, r, status, i, buf)
		case !errors.Is(err, ErrUnsupportedValue):
			return rn.encodeFailed(w, r, i, err)
		}
		remaining[i], declineErr = offer{}, err
	}
}

func (rn *Renderer) encodeFailed(w http.ResponseWriter, r *http.Request, i int, err error) error {
	httperr.Write(w, r, rn.errorWriter, httperr.New(http.StatusInternalServerError,
		httperr.CodeInternal, "the response could not be encoded"))
	return fmt.Errorf("%w as %s: %w", ErrEncode, rn.offers[i], err)
}

func (rn *Renderer) write(w http.ResponseWriter, r *http.Request, status, i int, buf *renderBuffer) error {
	h := w.Header()
	h["Content-Type"] = rn.ctValues[i]
	h["Content-Length"] = rn.lengths.Value(buf.Len())
	w.WriteHeader(status)
	if r.Method == http.MethodHead {
		return nil
	}
	_, err := w.Write(buf.Bytes())
	return err
}

func (rn *Renderer) put(buf *renderBuffer) {
	if buf.Cap() <= MaxPooledBuffer {
		rn.pool.Put(buf)
	}
}
