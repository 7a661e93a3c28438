package hostfile

import (
	"bytes"
	"fmt"
	"strings"
)

// Block is a marked block hardsail owns inside a file it does not (wp-config.php): re-running
// replaces the block in place, and nothing outside it changes.
type Block struct {
	Begin, End string // the marker lines, newline included
	Text       string // the block as written, its first and last lines the markers
	// Anchors: the block goes on its own lines before the first of these found (tried in order).
	Anchors []string
}

// Find returns the byte range of the block in body (markers included), or ok false.
func (b Block) Find(body []byte) (start, end int, ok bool) {
	start = lineIndex(body, []byte(b.Begin))
	if start < 0 {
		return 0, 0, false
	}
	rel := bytes.Index(body[start:], []byte(b.End))
	if rel < 0 {
		return 0, 0, false
	}
	return start, start + rel + len(b.End), true
}

// Insert returns body with the block on its own lines before the first anchor line; a block
// already there is replaced in place.
func (b Block) Insert(body []byte) ([]byte, error) {
	if s, e, ok := b.Find(body); ok {
		return concat(body[:s], []byte(b.Text), body[e:]), nil
	}
	for _, a := range b.Anchors {
		i := bytes.Index(body, []byte(a))
		if i < 0 {
			continue
		}
		ls := bytes.LastIndexByte(body[:i], '\n') + 1
		return concat(body[:ls], []byte(b.Text), body[ls:]), nil
	}
	return nil, b.NoAnchor()
}

// NoAnchor is the error of a file with none of the anchors.
func (b Block) NoAnchor() error {
	q := make([]string, len(b.Anchors))
	for i, a := range b.Anchors {
		q[i] = a
		if i == 0 {
			q[i] = fmt.Sprintf("%q line", a)
		}
	}
	return fmt.Errorf("found neither the %s", strings.Join(q, " nor "))
}

// lineIndex is the offset of the first line that starts with prefix, or -1.
func lineIndex(body, prefix []byte) int {
	for off := 0; off < len(body); {
		if bytes.HasPrefix(body[off:], prefix) {
			return off
		}
		nl := bytes.IndexByte(body[off:], '\n')
		if nl < 0 {
			return -1
		}
		off += nl + 1
	}
	return -1
}

func concat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}
