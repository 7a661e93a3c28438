package firewall_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/hardsail/hardsail/internal/world"
	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/firewall"
)

// TestPort80StaysOpenForLetsEncryptRenewal: on a host whose certbot renewal proves the domain over
// port 80 (HTTP-01), asking to close 80 (alone, or every port) leaves it open to all after apply,
// and the preview says which renewal needs it; without a renewal the note does not claim one.
func TestPort80StaysOpenForLetsEncryptRenewal(t *testing.T) {
	renewal := "mkdir -p /etc/letsencrypt/renewal /etc/systemd/system/timers.target.wants && " +
		"printf 'authenticator = webroot\\n' > /etc/letsencrypt/renewal/example.com.conf && " +
		"ln -s /lib/systemd/system/certbot.timer /etc/systemd/system/timers.target.wants/certbot.timer"
	for _, tc := range []struct {
		name    string
		setup   string
		close   []string
		renewal bool
	}{
		{"certbot timer, --close-port 80", renewal, []string{"80/tcp"}, true},
		{"certbot timer, --close-port 80 and all", renewal, []string{"80", "all"}, true},
		{"no renewal, --close-port 80", "true", []string{"80/tcp"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := world.New(t, world.Options{Host: true, Settings: steps.Settings{SSHCIDRs: []string{"127.0.0.1/32"}, ClosePorts: tc.close}})
			w.Run(t, tc.setup)
			eng := &steps.Engine{Steps: []steps.Step{firewall.New()}, Env: w.Env(t), Journal: journal(t)}
			rs := eng.Verify(t.Context())
			if rs[0].Err != nil {
				t.Fatal(rs[0].Err)
			}
			notes := strings.Join(rs[0].Plan.Notes, "\n")
			said := strings.Contains(notes, "port 80 stays open: the Let's Encrypt renewal on the instance (certbot's systemd timer) proves the domain over it (HTTP-01)")
			if said != tc.renewal {
				t.Errorf("notes:\n%s\nwant the renewal named: %v", notes, tc.renewal)
			}
			if outs := eng.Apply(t.Context(), rs); len(outs) != 1 || outs[0].Status.Bad() {
				t.Fatalf("apply %+v", outs)
			}
			if got := rules(w); !slices.Contains(got, "80/tcp from 0.0.0.0/0, ::/0") {
				t.Errorf("after apply the firewall is %q: port 80 closed", got)
			}
		})
	}
}
