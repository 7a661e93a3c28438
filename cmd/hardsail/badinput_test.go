package main

import (
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// badInputs are refused before anything runs: every step flag and the SSH and global flags, in
// every form a review found accepted (SSH open to the world, look-alike letters in cron, a mail
// address that is an option of mail(1), values silently rewritten) and the obvious ones. Each is
// exit 3 with this first line on stderr, and a Hint.
var badInputs = []struct {
	name  string
	args  []string
	first string // stderr's first line
}{
	// --ssh-cidr: the whole internet by any name, and sources Lightsail would get changed.
	{"ssh-cidr world v4", []string{"plan", "--ssh-cidr", "0.0.0.0/0"}, `Error: --ssh-cidr "0.0.0.0/0": opens SSH to the whole internet`},
	{"ssh-cidr world v6 on apply", []string{"apply", "--yes", "firewall", "--ssh-cidr", "::/0"}, `Error: --ssh-cidr "::/0": opens SSH to the whole internet`},
	{"ssh-cidr half the internet", []string{"plan", "--ssh-cidr", "0.0.0.0/1,128.0.0.0/1"}, `Error: --ssh-cidr "0.0.0.0/1": opens SSH to a range wider than /8, nearly the whole internet; hardsail takes /8 or narrower`},
	{"ssh-cidr v6 global unicast", []string{"verify", "--ssh-cidr", "2000::/3"}, `Error: --ssh-cidr "2000::/3": opens SSH to a range wider than /16, nearly the whole internet; hardsail takes /16 or narrower`},
	{"ssh-cidr wide in a repeat", []string{"plan", "--ssh-cidr", "198.51.100.4/32", "--ssh-cidr", "10.0.0.0/7"}, `Error: --ssh-cidr "10.0.0.0/7": opens SSH to a range wider than /8, nearly the whole internet; hardsail takes /8 or narrower`},
	{"ssh-cidr /33", []string{"plan", "--ssh-cidr", "198.51.100.4/33"}, `Error: --ssh-cidr "198.51.100.4/33": not an IPv4 or IPv6 address range`},
	{"ssh-cidr /129", []string{"plan", "--ssh-cidr", "2001:db8::1/129"}, `Error: --ssh-cidr "2001:db8::1/129": not an IPv4 or IPv6 address range`},
	{"ssh-cidr host bits", []string{"plan", "--ssh-cidr", "198.51.100.4/24"}, `Error: --ssh-cidr "198.51.100.4/24": host bits are set (did you mean 198.51.100.0/24?)`},
	{"ssh-cidr zone", []string{"plan", "--ssh-cidr", "fe80::1%eth0"}, `Error: --ssh-cidr "fe80::1%eth0": an address with a zone (%…) names a network interface of one machine, not a source on the internet`},
	{"ssh-cidr link-local", []string{"plan", "--ssh-cidr", "fe80::1/128"}, `Error: --ssh-cidr "fe80::1/128": a link-local address is only seen on the local network, never by the instance's firewall`},
	{"ssh-cidr v4-mapped", []string{"plan", "--ssh-cidr", "::ffff:1.2.3.4/128"}, `Error: --ssh-cidr "::ffff:1.2.3.4/128": an IPv4-mapped IPv6 address (did you mean 1.2.3.4/32?)`},
	{"ssh-cidr multicast", []string{"plan", "--ssh-cidr", "224.0.0.1"}, `Error: --ssh-cidr "224.0.0.1": not an address a connection comes from`},
	{"ssh-cidr a name", []string{"plan", "--ssh-cidr", "my-laptop"}, `Error: --ssh-cidr "my-laptop": not an IPv4 or IPv6 address range`},
	{"ssh-cidr none with an address", []string{"plan", "--ssh-cidr", "none,198.51.100.4/32"}, `Error: --ssh-cidr "none" cannot be combined with addresses`},
	{"ssh-cidr terminal escape", []string{"plan", "--ssh-cidr", "198.51.100.4/32\x1b[2J"}, `Error: --ssh-cidr "198.51.100.4/32\x1b[2J": contains the control or invisible character U+001B`},
	// --close-port
	{"close-port too high", []string{"plan", "--close-port", "70000/tcp"}, `Error: --close-port "70000/tcp": "70000" is not a number from 0 to 65535`},
	{"close-port protocol", []string{"plan", "--close-port", "3306/gre"}, `Error: --close-port "3306/gre": protocol "gre" is not one of tcp, udp, all, icmp, icmpv6`},
	{"close-port a name", []string{"apply", "--yes", "--close-port", "mysql"}, `Error: --close-port "mysql": "mysql" is not a number from 0 to 65535`},
	// --domain, --alt-domain, --https-mode
	{"domain empty", []string{"plan", "--domain", ""}, `Error: --domain "": the name is empty`},
	{"domain url", []string{"plan", "--domain", "https://example.com/"}, `Error: --domain "https://example.com/": this is a URL, not a host name`},
	{"domain wildcard", []string{"plan", "--domain", "*.example.com"}, `Error: --domain "*.example.com": wildcard names are not supported by Lightsail load balancer certificates`},
	{"domain space", []string{"plan", "--domain", "exa mple.com"}, `Error: --domain "exa mple.com": a host name has no path, port, user or spaces`},
	{"domain single label", []string{"plan", "--domain", "localhost"}, `Error: --domain "localhost": the name is not fully qualified`},
	{"domain bidi override", []string{"plan", "--domain", "example.com\u202e"}, `Error: --domain "example.com\u202e": contains the control or invisible character U+202E`},
	{"domain huge", []string{"plan", "--domain", strings.Repeat("a", 5000) + ".com"}, `Error: --domain: the value is 5004 bytes long; at most 4096 are accepted`},
	{"alt-domain nul", []string{"plan", "--domain", "example.com", "--alt-domain", "www.example.com,\x00"}, `Error: --alt-domain "www.example.com,\x00": contains the control or invisible character U+0000`},
	{"https-mode typo", []string{"plan", "--https-mode", "loadbalancer"}, `Error: --https-mode "loadbalancer": not a mode`},
	{"https-mode empty", []string{"apply", "--yes", "--https-mode", ""}, `Error: --https-mode "": not a mode`},
	// --mail
	{"mail is an option of mail(1)", []string{"plan", "--mail", "-oQ/tmp/x@b.c"}, `Error: --mail "-oQ/tmp/x@b.c": not an email address (it must start with a letter or digit, and have only letters, digits and ._%+- before the @)`},
	{"mail without domain", []string{"plan", "--mail", "root@localhost"}, `Error: --mail "root@localhost": not an email address (it must start with a letter or digit, and have only letters, digits and ._%+- before the @)`},
	{"mail not ascii", []string{"plan", "--mail", "ops@exämple.com"}, `Error: --mail "ops@exämple.com": contains 'ä' (U+00E4); only ASCII letters, digits and punctuation are accepted`},
	{"mail newline", []string{"plan", "--mail", "ops@example.com\nCc: x@y.z"}, `Error: --mail "ops@example.com\nCc: x@y.z": contains the control or invisible character U+000A`},
	{"mail huge", []string{"plan", "--mail", strings.Repeat("a", 300) + "@example.com"}, `Error: --mail "` + strings.Repeat("a", 300) + `@example.com": longer than 254 characters`},
	// --reboot-time
	{"reboot 25:00", []string{"plan", "--reboot-time", "25:00"}, `Error: --reboot-time "25:00": not a time of day`},
	{"reboot 2:00", []string{"plan", "--reboot-time", "2:00"}, `Error: --reboot-time "2:00": not a time of day`},
	{"reboot empty", []string{"plan", "--reboot-time", ""}, `Error: --reboot-time "": not a time of day`},
	{"reboot noon", []string{"apply", "--yes", "auto-upgrades", "--reboot-time", "noon"}, `Error: --reboot-time "noon": not a time of day`},
	{"reboot full-width digits", []string{"plan", "--reboot-time", "０２:００"}, `Error: --reboot-time "０２:００": not a time of day`},
	{"reboot carriage return", []string{"plan", "--reboot-time", "02:00\r"}, `Error: --reboot-time "02:00\r": contains the control or invisible character U+000D`},
	// --keep-logs: 0 is refused, never turned into the default.
	{"keep-logs 0", []string{"plan", "--keep-logs", "0"}, `Error: --keep-logs "0": out of range`},
	{"keep-logs 0 on apply", []string{"apply", "--yes", "log-cleanup", "--keep-logs", "0"}, `Error: --keep-logs "0": out of range`},
	{"keep-logs negative", []string{"plan", "--keep-logs", "-1"}, `Error: --keep-logs "-1": out of range`},
	{"keep-logs too many", []string{"plan", "--keep-logs", "1001"}, `Error: --keep-logs "1001": out of range`},
	{"keep-logs a word", []string{"plan", "--keep-logs", "three"}, `Error: --keep-logs "three": not a whole number`},
	{"keep-logs empty", []string{"plan", "--keep-logs", ""}, `Error: --keep-logs "": not a whole number`},
	{"keep-logs huge", []string{"plan", "--keep-logs", "99999999999999999999"}, `Error: --keep-logs "99999999999999999999": not a whole number`},
	{"keep-logs plus sign", []string{"plan", "--keep-logs", "+3"}, `Error: --keep-logs "+3": write the number with digits only`},
	// --cron: ASCII only; cron rejects the line otherwise and the clean-up never runs.
	{"cron long s", []string{"plan", "--cron", "0 3 * * ſun"}, `Error: --cron "0 3 * * ſun": contains 'ſ' (U+017F); only ASCII letters, digits and punctuation are accepted`},
	{"cron four fields", []string{"plan", "--cron", "0 3 * *"}, `Error: --cron "0 3 * *": want 5 fields, got 4`},
	{"cron minute 60", []string{"plan", "--cron", "60 3 * * 0"}, `Error: --cron "60 3 * * 0": minute: "60" is not in 0-59`},
	{"cron second line", []string{"apply", "--yes", "log-cleanup", "--cron", "0 3 * * 0\n* * * * * root rm -rf /"}, `Error: --cron "0 3 * * 0\n* * * * * root rm -rf /": contains the control or invisible character U+000A`},
	{"cron empty", []string{"plan", "--cron", ""}, `Error: --cron "": want 5 fields, got 0`},
	{"cron @weekly", []string{"plan", "--cron", "@weekly"}, `Error: --cron "@weekly": want 5 fields, got 1`},
	{"cron step zero", []string{"plan", "--cron", "*/0 3 * * 0"}, `Error: --cron "*/0 3 * * 0": minute: bad step "0"`},
	// --admin-user, --auto-snapshot
	{"admin-user space", []string{"plan", "--admin-user", "site admin"}, `Error: --admin-user "site admin": not a valid IAM user name`},
	{"admin-user empty", []string{"plan", "--admin-user", ""}, `Error: --admin-user "": not a valid IAM user name`},
	{"admin-user too long", []string{"plan", "--admin-user", strings.Repeat("a", 65)}, `Error: --admin-user "` + strings.Repeat("a", 65) + `": not a valid IAM user name`},
	{"admin-user tab", []string{"plan", "--admin-user", "admin\t"}, `Error: --admin-user "admin\t": contains the control or invisible character U+0009`},
	{"auto-snapshot maybe", []string{"plan", "--auto-snapshot=maybe"}, `Error: --auto-snapshot "maybe": is neither on nor off`},
	// Global flags.
	{"instance empty", []string{"verify", "--instance", ""}, `Error: --instance "": the value is empty`},
	{"instance space", []string{"verify", "--instance", "Word Press"}, `Error: --instance "Word Press": not a Lightsail instance name`},
	{"instance dash", []string{"verify", "--instance=-rf"}, `Error: --instance "-rf": not a Lightsail instance name`},
	{"instance escape", []string{"verify", "--instance", "WordPress-1\x1b]0;x\x07"}, `Error: --instance "WordPress-1\x1b]0;x\a": contains the control or invisible character U+001B`},
	{"instance unknown", []string{"verify", "--instance", "nope"}, `Error: no Lightsail instance "nope" in us-east-1`},
	{"region empty", []string{"verify", "--region", ""}, `Error: --region "": the value is empty`},
	{"region made up", []string{"verify", "--region", "us-east-99x"}, `Error: --region "us-east-99x": not an AWS region name`},
	{"region upper case", []string{"plan", "--region", "US-EAST-1"}, `Error: --region "US-EAST-1": not an AWS region name`},
	{"profile empty", []string{"verify", "--profile", ""}, `Error: --profile "": the value is empty`},
	{"profile space", []string{"verify", "--profile", "my profile"}, `Error: --profile "my profile": not an AWS profile name`},
	{"json not a bool", []string{"verify", "--json=maybe"}, `Error: invalid argument "maybe" for "--json" flag: strconv.ParseBool: parsing "maybe": invalid syntax`},
	// SSH flags.
	{"ssh-port 0", []string{"verify", "--ssh-port", "0"}, `Error: --ssh-port 0: not a TCP port (1-65535)`},
	{"ssh-port too high", []string{"apply", "--yes", "--ssh-port", "65536"}, `Error: --ssh-port 65536: not a TCP port (1-65535)`},
	{"ssh-port a word", []string{"verify", "--ssh-port", "ssh"}, `Error: invalid argument "ssh" for "--ssh-port" flag: strconv.ParseInt: parsing "ssh": invalid syntax`},
	{"ssh-user option", []string{"verify", "--ssh-user=-oProxyCommand=x"}, `Error: --ssh-user "-oProxyCommand=x": not a user name on the instance`},
	{"ssh-user empty", []string{"verify", "--ssh-user", ""}, `Error: --ssh-user "": the value is empty`},
	{"ssh-host with port", []string{"verify", "--ssh-host", "example.com:2222"}, `Error: --ssh-host "example.com:2222": not a host name or address`},
	{"ssh-host option", []string{"verify", "--ssh-host=-oProxyCommand=x"}, `Error: --ssh-host "-oProxyCommand=x": not a host name or address`},
	{"ssh-host empty", []string{"verify", "--ssh-host", ""}, `Error: --ssh-host "": the value is empty`},
	{"ssh-key empty", []string{"verify", "--ssh-key", ""}, `Error: --ssh-key "": the value is empty`},
	{"ssh-key missing", []string{"verify", "--ssh-key", "/nonexistent/id_ed25519"}, `Error: --ssh-key "/nonexistent/id_ed25519": cannot read the key file (no such file or directory)`},
	{"ssh-key a directory", []string{"verify", "--ssh-key", "/"}, `Error: --ssh-key "/": not a file`},
	{"accept-host-key garbage", []string{"verify", "--ssh-key", "agent", "--accept-host-key", "garbage"}, `Error: --accept-host-key "garbage": not a SHA256 host key fingerprint`},
	{"accept-host-key padded", []string{"verify", "--ssh-key", "agent", "--accept-host-key", "SHA256:" + fingerprintB64 + "="}, `Error: --accept-host-key "SHA256:` + fingerprintB64 + `=": not a SHA256 host key fingerprint`},
	{"accept-host-key keyless", []string{"apply", "--yes", "--accept-host-key", "SHA256:" + fingerprintB64}, `Error: --accept-host-key has no effect without --ssh-key: hardsail logs in with a temporary Lightsail key and trusts only the host keys Lightsail reports`},
	// --demo never overrides what was asked for.
	{"demo with region", []string{"--demo", "verify", "--region", "eu-west-2"}, `Error: --region cannot be used with --demo: the demo runs against its own emulated account, region and instance`},
	{"demo with profile", []string{"--demo", "--profile", "work"}, `Error: --profile cannot be used with --demo: the demo runs against its own emulated account, region and instance`},
	{"demo with ssh-port", []string{"--demo", "plan", "--ssh-port", "2222"}, `Error: --ssh-port cannot be used with --demo: the demo runs against its own emulated account, region and instance`},
	// Steps and flags that do not exist.
	{"unknown step", []string{"plan", "firewal"}, `Error: unknown step "firewal"`},
	{"empty step", []string{"apply", "--yes", ""}, `Error: unknown step ""`},
	{"unknown flag", []string{"plan", "--frobnicate"}, `Error: unknown flag: --frobnicate`},
	// verify's audit flags: switches, and verify's only.
	{"strict not a bool", []string{"verify", "--strict=maybe"}, `Error: invalid argument "maybe" for "--strict" flag: strconv.ParseBool: parsing "maybe": invalid syntax`},
	{"only-findings not a bool", []string{"verify", "--only-findings=2"}, `Error: invalid argument "2" for "--only-findings" flag: strconv.ParseBool: parsing "2": invalid syntax`},
	{"strict on plan", []string{"plan", "--strict"}, `Error: unknown flag: --strict`},
	{"only-findings on apply", []string{"apply", "--yes", "--only-findings"}, `Error: unknown flag: --only-findings`},
}

// fingerprintB64 is a well-formed SHA256 fingerprint's base64 (32 bytes, unpadded).
const fingerprintB64 = "I6Gd983mbCMUnVXTNCVo1a7xsxZHD/emZNtyzbeI8z8"

// TestBadInputsChangeNothing: each bad input through the CLI, against the emulated account and a
// real host, exits 3 with its message and a Hint on stderr, prints nothing on stdout, and leaves
// no state dir (no journal, no log), no AWS change and the host's files as they were.
func TestBadInputsChangeNothing(t *testing.T) {
	if n := len(badInputs); n < 60 {
		t.Fatalf("%d bad inputs; the table keeps at least 60", n)
	}
	isolate(t)
	em := withEmulator(t, "wordpress-fresh")
	host := bindHost(t, em)
	files := []string{"/etc/apt/apt.conf.d", "/etc/cron.d", "/usr/local/sbin", "/etc/ssh", "/home"}
	before := host.TreeHash(t, files...)
	for _, tc := range badInputs {
		t.Run(tc.name, func(t *testing.T) {
			state := filepath.Join(t.TempDir(), "state")
			t.Setenv("HARDSAIL_STATE_DIR", state)
			mutations := len(em.MutatingCalls())
			r := runCLI(t, false, tc.args...)
			first, rest, _ := strings.Cut(r.stderr, "\n")
			if r.code != exitUsage || first != tc.first {
				t.Fatalf("hardsail %q: exit %d, stderr's first line\n  %q\nwant exit %d and\n  %q\nstderr:\n%s", tc.args, r.code, first, exitUsage, tc.first, r.stderr)
			}
			if !strings.HasPrefix(rest, "Hint: ") || strings.Count(r.stderr, "\n") != 2 {
				t.Errorf("stderr is not the error and one Hint line:\n%s", r.stderr)
			}
			if r.stdout != "" {
				t.Errorf("a refusal printed to stdout: %q", r.stdout)
			}
			if _, err := os.Stat(state); !os.IsNotExist(err) {
				t.Errorf("a refused command wrote to the state dir (%v)", err)
			}
			if calls := em.MutatingCalls()[mutations:]; len(calls) != 0 {
				t.Errorf("a refused command changed the account: %+v", calls)
			}
		})
	}
	if !maps.Equal(host.TreeHash(t, files...), before) {
		t.Error("a refused command changed the host's files")
	}
}
