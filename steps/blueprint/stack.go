package blueprint

import (
	"encoding/json"

	"github.com/hardsail/hardsail/remote/sshhost"
)

// stackComponents are the components whose versions the user is told about, in order, with the
// names the component list uses.
var stackComponents = []struct{ key, name string }{
	{"apache", "Apache"}, {"php", "PHP"}, {"mariadb", "MariaDB"}, {"mysql", "MySQL"},
}

// stackVersions reads the layout's component list (Bitnami's .bitnami_components.json:
// {"apache": {"version": "2.4.62-3", …}, …}); nil when the layout has none, or it is missing or
// unreadable: the versions are a courtesy, never a reason to fail.
func stackVersions(f *sshhost.Facts, l Layout) []string {
	if l.Components == "" {
		return nil
	}
	file := f.Files[l.Components]
	if !file.Exists {
		return nil
	}
	var comps map[string]struct {
		Version string `json:"version"`
	}
	if json.Unmarshal(file.Body, &comps) != nil {
		return nil
	}
	var out []string
	for _, c := range stackComponents {
		if v := comps[c.key].Version; v != "" && safeVersion(v) {
			out = append(out, c.name+" "+v)
		}
	}
	return out
}

// safeVersion keeps a version that is plain text (it is shown in a terminal).
func safeVersion(v string) bool {
	if len(v) > 40 {
		return false
	}
	for _, r := range v {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '.' || r == '-' || r == '+' || r == '~' || r == '_') {
			return false
		}
	}
	return true
}
