package demohost

import (
	"bufio"
	"bytes"
	"fmt"
	"path"
	"regexp"
	"strings"
	"sync"

	"github.com/hardsail/hardsail/steps/sshd"
)

// The sshd the demo host emulates: `sshd -T` reads sshd_config and its drop-ins as sshd does
// (first value wins, the Include read where it stands), `sshd -t` accepts, a reload does nothing
// (no daemon runs), and the confirmation timer is armed and disarmed but never fires: the demo's
// logins are certificates, which no drop-in hardsail writes refuses.

const sshdConfigPath = "/etc/ssh/sshd_config"

var (
	sshdArm = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^: > '/run/hardsail/sshd-confirm\.([0-9a-f]{16})' \|\| exit 1\n`)
	})
	sshdDisarm = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^rm '/run/hardsail/sshd-confirm\.([0-9a-f]{16})' 2>/dev/null \|\|`)
	})
)

// sshd runs script (already out of `sudo -n sh -c`) if it is one of the sshd step's.
func (h *Host) sshd(script string, s *cmdIO) (int, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case script == "sshd -T":
		fmt.Fprint(s.stdout, h.sshdEffective())
		return 0, true
	case script == "sshd -t" || script == sshd.ReloadScript():
		return 0, true
	}
	if m := sshdArm().FindStringSubmatch(script); m != nil {
		h.armed[m[1]] = true
		return 0, true
	}
	if m := sshdDisarm().FindStringSubmatch(script); m != nil {
		if !h.armed[m[1]] {
			fmt.Fprintln(s.stderr, "the timer already put the previous configuration back")
			return 3, true
		}
		delete(h.armed, m[1])
		return 0, true
	}
	return 0, false
}

// sshdEffective is what `sshd -T` prints for the settings a step reads.
func (h *Host) sshdEffective() string {
	got := map[string]string{}
	var read func(p string)
	read = func(p string) {
		f, ok := h.files[p]
		if !ok {
			return
		}
		sc := bufio.NewScanner(bytes.NewReader(f.Body))
		for sc.Scan() {
			fields := strings.Fields(strings.Replace(strings.TrimSpace(sc.Text()), "=", " ", 1))
			if len(fields) < 2 || strings.HasPrefix(fields[0], "#") {
				continue
			}
			k := strings.ToLower(fields[0])
			switch {
			case k == "match":
				return
			case k == "include" && p == sshdConfigPath && fields[1] == sshd.DropInDir+"/*.conf":
				for _, d := range listing(h.files, sshd.DropInDir) {
					if strings.HasSuffix(path.Base(d), ".conf") {
						read(d)
					}
				}
			case got[k] == "":
				got[k] = fields[1]
			}
		}
	}
	read(sshdConfigPath)
	var b strings.Builder
	for _, kv := range [][2]string{{"passwordauthentication", "yes"}, {"kbdinteractiveauthentication", "yes"},
		{"permitrootlogin", "without-password"}, {"trustedusercakeys", "none"}, {"pidfile", "/run/sshd.pid"}} {
		v := got[kv[0]]
		switch {
		case v == "":
			v = kv[1]
		case kv[0] == "permitrootlogin" && strings.EqualFold(v, "prohibit-password"):
			v = "without-password"
		case kv[0] != "trustedusercakeys" && kv[0] != "pidfile":
			v = strings.ToLower(v)
		}
		fmt.Fprintf(&b, "%s %s\n", kv[0], v)
	}
	return b.String()
}
