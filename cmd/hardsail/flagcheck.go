package main

import (
	"cmp"
	"encoding/base64"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/spf13/pflag"

	"github.com/hardsail/hardsail/steps"
)

// flagCheck is one global or SSH flag's rule: what it accepts, and the hint that fixes a bad value.
type flagCheck struct {
	flag string
	arg  string                // the placeholder in the error's example
	re   func() *regexp.Regexp // when set, the value must match (compiled on first use: start-up)
	why  string                // why a value that does not match is refused
	hint string
	more func(g *globals, v string) error // further checks, when any
}

var (
	instanceRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$`) })
	regionRE   = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$`) })
	profileRE  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.@+/:-]{0,127}$`) })
	sshUserRE  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.-]{0,31}$`) })
	hostnameRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.?$`)
	})
)

// globalChecks are the rules for the global and SSH flags that take text; each applies to a flag
// given on the command line, however it was given (an empty value included).
var globalChecks = []flagCheck{
	{flag: "instance", arg: "WordPress-1", re: instanceRE, why: "not a Lightsail instance name",
		hint: "Give the instance's name as the Lightsail console shows it (letters, digits, . _ -), e.g. --instance WordPress-1, or leave the flag out."},
	{flag: "region", arg: "us-east-1", re: regionRE, why: "not an AWS region name",
		hint: "Give a region like --region eu-west-2, or leave the flag out to use the profile's region."},
	{flag: "profile", arg: "default", re: profileRE, why: "not an AWS profile name",
		hint: "Give a profile from ~/.aws/config (`aws configure list-profiles`), or leave the flag out."},
	{flag: "ssh-user", arg: "bitnami", re: sshUserRE, why: "not a user name on the instance",
		hint: "Give the login user, e.g. --ssh-user bitnami, or leave the flag out to use the instance's own."},
	{flag: "ssh-host", arg: "203.0.113.10", why: "not a host name or address", more: checkSSHHost,
		hint: "Give a host name or address without a port or user, e.g. --ssh-host 203.0.113.10 (the port goes in --ssh-port)."},
	{flag: "ssh-key", arg: "~/.ssh/id_ed25519", more: checkSSHKey,
		hint: "Give your private key file, e.g. --ssh-key ~/.ssh/id_ed25519, or --ssh-key agent for ssh-agent."},
	{flag: "accept-host-key", arg: "SHA256:…", more: checkHostKeyFlag,
		hint: "Copy the fingerprint as `ssh-keygen -lf` prints it: SHA256: then 43 characters, no trailing =."},
}

// demoOverrides are the flags --demo would have to override; with --demo they are refused.
var demoOverrides = []string{"region", "profile", "ssh-host", "ssh-port"}

// checkGlobalFlags refuses a bad global or SSH flag before anything runs (exit 3): no value is
// rewritten or ignored behind the user's back.
func (o *Factory) checkGlobalFlags(fs *pflag.FlagSet, instancePatterns bool) error {
	for _, c := range globalChecks {
		if c.flag == "instance" && instancePatterns {
			continue // names or globs: fleet.ParsePatterns checks them
		}
		if f := fs.Lookup(c.flag); f != nil && f.Changed {
			if err := c.check(&o.globals, f.Value.String()); err != nil {
				return err
			}
		}
	}
	if p := fs.Lookup("ssh-port"); p != nil && p.Changed && (o.sshPort < 1 || o.sshPort > 65535) {
		return &steps.UsageError{Msg: fmt.Sprintf("--ssh-port %d: not a TCP port (1-65535)", o.sshPort),
			Hint: "Give the port sshd listens on, e.g. --ssh-port 22, or leave the flag out."}
	}
	return o.checkDemoFlags(fs)
}

func (c flagCheck) check(o *globals, v string) error {
	opt := steps.Option{Flag: c.flag, Arg: c.arg}
	if err := opt.CheckText(v); err != nil {
		return err
	}
	if v == "" {
		return opt.Bad(v, "the value is empty", c.hint)
	}
	if c.re != nil && !c.re().MatchString(v) {
		return opt.Bad(v, c.why, c.hint)
	}
	if c.more != nil {
		var ue *steps.UsageError
		if err := c.more(o, v); errors.As(err, &ue) {
			return err
		} else if err != nil {
			return opt.Bad(v, err.Error(), c.hint)
		}
	}
	return nil
}

func checkSSHHost(_ *globals, v string) error {
	if a, err := netip.ParseAddr(v); err == nil && a.Zone() == "" {
		return nil
	}
	if len(v) > 253 || !hostnameRE().MatchString(v) {
		return errors.New("not a host name or address")
	}
	return nil
}

func checkSSHKey(_ *globals, v string) error {
	if v == "agent" {
		return nil
	}
	st, err := os.Stat(v)
	switch {
	case err != nil:
		return fmt.Errorf("cannot read the key file (%v)", cmp.Or(errors.Unwrap(err), err))
	case !st.Mode().IsRegular():
		return fmt.Errorf("not a file")
	}
	return nil
}

// checkHostKeyFlag: the fingerprint as ssh-keygen prints it, and only where it is used (the user's
// own key; in keyless mode the host keys are the ones Lightsail reports, and it would be ignored).
func checkHostKeyFlag(o *globals, v string) error {
	b64, ok := strings.CutPrefix(v, "SHA256:")
	if b, err := base64.RawStdEncoding.DecodeString(b64); !ok || err != nil || len(b) != 32 {
		return fmt.Errorf("not a SHA256 host key fingerprint")
	}
	if o.sshKey == "" {
		return &steps.UsageError{Msg: "--accept-host-key has no effect without --ssh-key: hardsail logs in with a temporary Lightsail key and trusts only the host keys Lightsail reports",
			Hint: "Leave --accept-host-key out, or log in with your own key: --ssh-key FILE (or --ssh-key agent)."}
	}
	return nil
}

// checkDemoFlags refuses the flags --demo replaces (its account, region and host are the
// emulator's), and says that HARDSAIL_STATE_DIR is not used.
func (o *Factory) checkDemoFlags(fs *pflag.FlagSet) error {
	if o.demoReset && o.demo == "" {
		o.demo = demoDefault
	}
	if o.demo == "" {
		return nil
	}
	if _, ok := demoBlueprints[o.demo]; !ok {
		return &steps.UsageError{Msg: fmt.Sprintf("--demo=%s: no such demo instance", strconv.Quote(o.demo)),
			Hint: "Use --demo (WordPress packaged by Lightsail) or --demo=bitnami (WordPress packaged by Bitnami)."}
	}
	for _, name := range demoOverrides {
		if f := fs.Lookup(name); f != nil && f.Changed {
			return &steps.UsageError{Msg: fmt.Sprintf("--%s cannot be used with --demo: the demo runs against its own emulated account, region and instance", name),
				Hint: fmt.Sprintf("Leave --%s out to try the demo, or leave --demo out to use your AWS account.", name)}
		}
	}
	return nil
}
