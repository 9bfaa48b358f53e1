package negotiate

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
)

// renderBuffer is the buffer a [Renderer] encodes into, pooled with the
// encoders of the built-in JSON and XML encoders bound to it: a
// json.Encoder per rendering is an allocation, and an xml.Encoder one plus
// its 4 KiB bufio.Writer. It is what every EncodeFunc is given as its
// io.Writer; through the embedded Buffer it has all of bytes.Buffer's
// writing methods.
type renderBuffer struct {
	bytes.Buffer
	json *json.Encoder // writes to Buffer; nil until the first JSON rendering
	xml  *xml.Encoder  // writes to Buffer; nil until the first XML rendering
}

// jsonEncoder returns the json.Encoder bound to the buffer. A write to a
// bytes.Buffer never fails, so the Encoder never holds a write error.
func (b *renderBuffer) jsonEncoder() *json.Encoder {
	if b.json == nil {
		b.json = json.NewEncoder(&b.Buffer)
	}
	return b.json
}

// takeXML returns the xml.Encoder bound to the buffer and unbinds it, so
// that only an Encode that returns without error binds it again (keepXML):
// after a failure or a panic it may hold a partial element and unflushed
// bytes. A successful Encode flushes, so a kept encoder's bufio.Writer is
// empty between renderings.
func (b *renderBuffer) takeXML() *xml.Encoder {
	enc := b.xml
	if enc == nil {
		return xml.NewEncoder(&b.Buffer)
	}
	b.xml = nil
	return enc
}

func (b *renderBuffer) keepXML(enc *xml.Encoder) { b.xml = enc }
