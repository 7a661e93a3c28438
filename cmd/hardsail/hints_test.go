package main

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/hardsail/hardsail/internal/layout"
	"github.com/hardsail/hardsail/tui/iostreams"
)

// TestTextsNameRealFlags: every --flag that product code writes into a string (hints, help,
// questions, command lines to run) is a flag of some hardsail command, unless it belongs to the
// other program the text has the user run (apt, wp-cli, certbot…). A hint that names a flag
// hardsail does not have sends the user to a dead end.
func TestTextsNameRealFlags(t *testing.T) {
	io, _, _ := iostreams.Test("")
	root := newRootCmd(newFactory(io), nil)
	flags := map[string]bool{"help": true, "version": true}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		add := func(f *pflag.Flag) { flags[f.Name] = true }
		c.Flags().VisitAll(add)
		c.PersistentFlags().VisitAll(add)
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)

	flagRE := regexp.MustCompile(`(?:^|[\s(\x60"'\[])--([a-z][a-z0-9-]*[a-z0-9])`)
	lits, err := layout.Literals("../../steps", "../../tui", ".")
	if err != nil {
		t.Fatal(err)
	}
	var unknown []string
	for _, lit := range lits {
		if strings.Contains(lit.Dir, "steptest") {
			continue
		}
		for _, m := range flagRE.FindAllStringSubmatch(lit.Value, -1) {
			if !flags[m[1]] && !slices.Contains(strings.Fields(foreignFlags[lit.Dir]), m[1]) {
				unknown = append(unknown, lit.Pos.String()+": --"+m[1])
			}
		}
	}
	slices.Sort(unknown)
	for _, u := range unknown {
		t.Errorf("%s is not a flag of any hardsail command", u)
	}
}

// foreignFlags are the other programs' flags that hardsail's texts and scripts quote, by the
// folder that quotes them.
var foreignFlags = map[string]string{
	"../../steps/blueprint":  "dns",                                                           // certbot's renewal configuration
	"../../steps/certs":      "dry-run now",                                                   // certbot renew, systemctl enable
	"../../steps/fleet":      "instance-name",                                                 // aws lightsail start-instance
	"../../steps/hostfile":   "remove-destination ignore-fail-on-non-empty",                   // cp, rmdir
	"../../steps/logcleanup": "dry-run",                                                       // hardsail's log-cleanup script
	"../../steps/patches":    "clear-groups regid reuid",                                      // setpriv
	"../../steps/sshd":       "on-active quiet timer-property unit",                           // systemd-run, systemctl
	"../../steps/upgrades":   "debug dry-run no-install-recommends",                           // unattended-upgrade, apt-get
	"../../steps/wordpress":  "fields format path skip-plugins skip-themes skip-update-check", // wp-cli
	".":                      "policy-document policy-name user-name",                         // aws iam put-user-policy
}
