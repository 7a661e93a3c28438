package upgrades_test

import (
	"testing"

	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/upgrades"
)

// The reboot time is on the instance's clock: Check reads the instance's time zone (from
// /etc/timezone, else from where /etc/localtime links), and the reboot question says it.
func TestRebootQuestionKnowsTheInstanceTimeZone(t *testing.T) {
	cases := []struct{ name, setup, want string }{
		{"as installed", "", "Etc/UTC"},
		{"/etc/timezone", "echo Asia/Tokyo > /etc/timezone", "Asia/Tokyo"},
		{"only /etc/localtime", "rm -f /etc/timezone && ln -sf /usr/share/zoneinfo/Europe/Paris /etc/localtime", "Europe/Paris"},
		{"neither", "rm -f /etc/timezone /etc/localtime", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := hostWorld(t, steps.Settings{})
			if tc.setup != "" {
				w.Run(t, tc.setup)
			}
			eng := &steps.Engine{Steps: []steps.Step{upgrades.New()}, Env: w.Env(t)}
			rs := eng.Verify(t.Context())
			if rs[0].Status.Bad() {
				t.Fatalf("verify: %s %s", rs[0].Status, rs[0].Detail)
			}
			for _, o := range upgrades.New().Options() {
				if o.Flag != "reboot-time" {
					continue
				}
				if o.Zone == nil {
					t.Fatal("the reboot time is not declared as a time on the instance's clock")
				}
				if got := o.Zone(rs[0].State); got != tc.want {
					t.Errorf("zone %q, want %q", got, tc.want)
				}
				return
			}
			t.Fatal("no reboot-time option")
		})
	}
}
