package https

import "github.com/hardsail/hardsail/steps/blueprint"

// wpConfigOf is the wp-config.php of layout f, as the step reads it from steps/blueprint.
func wpConfigOf(f blueprint.Flavour) string {
	l, ok := blueprint.Of(f)
	if !ok {
		panic("no layout " + f)
	}
	return l.WPConfig
}

// bitnamiWPConfig is where the default test host (the Bitnami layout) keeps wp-config.php.
var bitnamiWPConfig = wpConfigOf(blueprint.Bitnami)
