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

// xmlEncoder returns the xml.Encoder bound to the buffer. It flushes at the
// end of every successful Encode, so its bufio.Writer is empty between
// renderings; after a failed Encode the caller drops it (dropXML), since
// it may hold a partial element and unflushed bytes.
func (b *renderBuffer) xmlEncoder() *xml.Encoder {
	if b.xml == nil {
		b.xml = xml.NewEncoder(&b.Buffer)
	}
	return b.xml
}

func (b *renderBuffer) dropXML() { b.xml = nil }
