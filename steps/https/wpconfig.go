package https

import (
	"crypto/sha256"
	"encoding/hex"

	"github.com/hardsail/hardsail/assets"
	"github.com/hardsail/hardsail/steps/blueprint"
	"github.com/hardsail/hardsail/steps/hostfile"
)

const (
	blockBegin = "// BEGIN hardsail https\n"
	blockEnd   = "// END hardsail https\n"
)

// wpBlock is the block as shipped; its first and last lines are the markers. It goes before
// WordPress's "stop editing" line, else before wp-settings is loaded (anything after that line runs
// too late to change how WordPress sees the request).
var wpConfigBlock = hostfile.Block{Begin: blockBegin, End: blockEnd, Text: assets.WPConfigHTTPSBlock,
	Anchors: []string{"That's all, stop editing", "require_once ABSPATH . 'wp-settings.php'"}}

var wpBlock = wpConfigBlock.Text

var errNoAnchor = wpConfigBlock.NoAnchor()

// findBlock returns the byte range of the marked block (markers included), or ok false.
func findBlock(body []byte) (start, end int, ok bool) { return wpConfigBlock.Find(body) }

// insertBlock returns body with the block before the first anchor line, or replaced in place.
func insertBlock(body []byte) ([]byte, error) { return wpConfigBlock.Insert(body) }

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
