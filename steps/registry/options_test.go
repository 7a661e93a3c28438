package registry_test

import (
	"errors"
	"testing"

	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/registry"
)

// Every option of every step refuses a bad value with a usage error that names the fix.
func TestOptionsValidateSettings(t *testing.T) {
	cases := []struct {
		name string
		s    steps.Settings
		ok   bool
	}{
		{"defaults", steps.WithDefaults(steps.Settings{}, steps.OptionsOf(registry.All())), true},
		{"ipv4 and ipv6 sources", steps.Settings{SSHCIDRs: []string{"198.51.100.4/32", "2001:db8::1"}}, true},
		{"none", steps.Settings{SSHCIDRs: []string{"none"}}, true},
		{"none with an address", steps.Settings{SSHCIDRs: []string{"none", "198.51.100.4/32"}}, false},
		{"host bits set", steps.Settings{SSHCIDRs: []string{"198.51.100.4/24"}}, false},
		{"not an address", steps.Settings{SSHCIDRs: []string{"my-laptop"}}, false},
		{"https mode typo", steps.Settings{HTTPSMode: "loadbalancer"}, false},
		{"mail without domain", steps.Settings{Mail: "root@localhost"}, false},
		{"reboot 24:00", steps.Settings{RebootTime: "24:00"}, false},
		{"reboot 2am", steps.Settings{RebootTime: "2:00"}, false},
		{"keep logs negative", steps.Settings{KeepLogs: -1}, false},
		{"cron with names and steps", steps.Settings{Cron: "*/15 3 * jan-mar sun,wed"}, true},
		{"cron day of week 7", steps.Settings{Cron: "0 3 * * 7"}, true},
		{"cron minute 60", steps.Settings{Cron: "60 3 * * 0"}, false},
		{"cron backwards range", steps.Settings{Cron: "0 5-3 * * *"}, false},
		{"cron six fields", steps.Settings{Cron: "0 0 3 * * 0"}, false},
		{"admin user with space", steps.Settings{AdminUser: "site admin"}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := steps.ValidateSettings(tc.s, steps.OptionsOf(registry.All()))
			if (err == nil) != tc.ok {
				t.Fatalf("Validate() = %v, want ok=%v", err, tc.ok)
			}
			var ue *steps.UsageError
			if err != nil && (!errors.As(err, &ue) || ue.Hint == "") {
				t.Fatalf("error %v is not a UsageError with a hint", err)
			}
		})
	}
}
