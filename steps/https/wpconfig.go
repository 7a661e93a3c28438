package https

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"

	"github.com/hardsail/hardsail/assets"
	"github.com/hardsail/hardsail/steps/blueprint"
)

const (
	blockBegin = "// BEGIN hardsail https\n"
	blockEnd   = "// END hardsail https\n"
)

// wpBlock is the block as shipped; its first and last lines are the markers.
var wpBlock = assets.WPConfigHTTPSBlock

// Where the block goes: before WordPress's "stop editing" line, else before wp-settings is loaded
// (anything after that line runs too late to change how WordPress sees the request).
var wpAnchors = [][]byte{
	[]byte("That's all, stop editing"),
	[]byte("require_once ABSPATH . 'wp-settings.php'"),
}

var errNoAnchor = errors.New(`found neither the "That's all, stop editing" line nor require_once ABSPATH . 'wp-settings.php'`)

// findBlock returns the byte range of the marked block (markers included), or ok false.
func findBlock(body []byte) (start, end int, ok bool) {
	start = lineIndex(body, []byte(blockBegin))
	if start < 0 {
		return 0, 0, false
	}
	rel := bytes.Index(body[start:], []byte(blockEnd))
	if rel < 0 {
		return 0, 0, false
	}
	return start, start + rel + len(blockEnd), true
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

// insertBlock returns body with the block on its own lines before the first anchor line. A block
// already there is replaced in place.
func insertBlock(body []byte) ([]byte, error) {
	if s, e, ok := findBlock(body); ok {
		return concat(body[:s], []byte(wpBlock), body[e:]), nil
	}
	for _, a := range wpAnchors {
		i := bytes.Index(body, a)
		if i < 0 {
			continue
		}
		ls := bytes.LastIndexByte(body[:i], '\n') + 1
		return concat(body[:ls], []byte(wpBlock), body[ls:]), nil
	}
	return nil, errNoAnchor
}

func concat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// WPConfigPath is the Bitnami layout's wp-config.php, kept for callers written before the layouts
// moved to steps/blueprint (the demo host's tests); new code reads blueprint.Of(flavour).WPConfig.
// The step itself edits the detected layout's file.
var WPConfigPath = func() string {
	l, _ := blueprint.Of(blueprint.Bitnami)
	return l.WPConfig
}()
