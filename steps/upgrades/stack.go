package upgrades

import (
	"strings"

	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/blueprint"
)

// stackFindings say what automatic updates cover on this WordPress layout: on Bitnami the web stack
// lives outside apt and is never patched by it (bitnami/vms#1785), so "automatic updates: ok" must
// not read as "the site is patched"; on the Lightsail-packaged layout apt covers it. A host whose
// layout is not clear, or whose Lightsail blueprint disagrees with it, is reported too.
func stackFindings(h blueprint.Hint, d blueprint.Detection) []steps.Finding {
	out := blueprint.Findings(ID, h, d)
	l, ok := d.Layout()
	switch {
	case !ok:
		return out
	case l.AptPatchesStack:
		return append(out, steps.Finding{ID: ID + ".stack_patched_by_apt", Severity: "info",
			Message: "On " + l.Name + " Apache, PHP and the database are Debian packages: these automatic updates patch them too."})
	}
	versions := "its versions are not listed on this host"
	if len(d.Stack) > 0 {
		versions = strings.Join(d.Stack, ", ")
	}
	return append(out, steps.Finding{ID: ID + ".stack_not_patched", Severity: "warning",
		Message: "apt does not patch the web stack of " + l.Name + " under " + l.Marker + " (" + versions +
			"): automatic updates cover the operating system only",
		Fix: "Bitnami publishes no new WordPress blueprint versions on Lightsail: to get a patched stack, move the site to a new instance of WordPress packaged by Lightsail (its stack comes from Debian and is patched by apt)."})
}
