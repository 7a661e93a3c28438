package upgrades

import (
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/hardsail/hardsail/assets"
	"github.com/hardsail/hardsail/remote/sshhost"
	"github.com/hardsail/hardsail/steps"
)

func testdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// hostFacts is what the gathering command returns for a host with these files and packages.
func hostFacts(osRelease map[string]string, installed bool, u50, a20 []byte, mailx string) *sshhost.Facts {
	file := func(p string, b []byte) sshhost.File {
		if b == nil {
			return sshhost.File{Path: p}
		}
		return sshhost.File{Path: p, Exists: true, Body: b, Mode: 0o644, Owner: "root", Group: "root"}
	}
	return &sshhost.Facts{
		OS:       osRelease,
		Files:    map[string]sshhost.File{UnattendedPath: file(UnattendedPath, u50), PeriodicPath: file(PeriodicPath, a20)},
		Packages: map[string]sshhost.Package{Package: {Installed: installed, Version: "2.9.1"}},
		Commands: map[string]string{"mailx": mailx},
	}
}

func osRelease(id, version, codename, pretty string) map[string]string {
	return map[string]string{"ID": id, "VERSION_ID": version, "VERSION_CODENAME": codename, "PRETTY_NAME": pretty}
}

var twoPeriodic = []byte("APT::Periodic::Update-Package-Lists \"1\";\nAPT::Periodic::Unattended-Upgrade \"1\";\n")

func addresses(p steps.Plan) []string {
	var out []string
	for _, c := range p.Changes {
		out = append(out, string(c.Action)+" "+c.Address)
	}
	return out
}

func change(p steps.Plan, addr string) steps.Change {
	for _, c := range p.Changes {
		if c.Address == addr {
			return c
		}
	}
	return steps.Change{}
}

func TestCheckAndPlanByDistribution(t *testing.T) {
	debian := testdata(t, "debian12-50unattended-upgrades")
	ubuntu := testdata(t, "ubuntu2404-50unattended-upgrades")
	bothFiles := []string{"~ host:" + UnattendedPath, "~ host:" + PeriodicPath}
	tests := []struct {
		name   string
		facts  *sshhost.Facts
		skip   string // part of the skip reason; "" when the step applies
		want   []string
		origin string // the line that must be active in the new 50unattended-upgrades
	}{
		{name: "Debian 11", facts: hostFacts(osRelease("debian", "11", "bullseye", "Debian GNU/Linux 11 (bullseye)"), true, debian, twoPeriodic, ""),
			want: bothFiles, origin: `        "origin=Debian,codename=${distro_codename}-updates";`},
		{name: "Debian 12", facts: hostFacts(osRelease("debian", "12", "bookworm", "Debian GNU/Linux 12 (bookworm)"), true, debian, testdata(t, "debian12-20auto-upgrades"), ""),
			want: bothFiles, origin: `        "origin=Debian,codename=${distro_codename}-updates";`},
		{name: "Debian 13", facts: hostFacts(osRelease("debian", "13", "trixie", "Debian GNU/Linux 13 (trixie)"), true, debian, nil, ""),
			want: []string{"~ host:" + UnattendedPath, "+ host:" + PeriodicPath}, origin: `        "origin=Debian,codename=${distro_codename}-updates";`},
		{name: "Ubuntu 22.04", facts: hostFacts(osRelease("ubuntu", "22.04", "jammy", "Ubuntu 22.04.4 LTS"), true, ubuntu, twoPeriodic, ""),
			want: bothFiles, origin: "\t\"${distro_id}:${distro_codename}-updates\";"},
		{name: "Ubuntu 24.04", facts: hostFacts(osRelease("ubuntu", "24.04", "noble", "Ubuntu 24.04.1 LTS"), true, ubuntu, twoPeriodic, ""),
			want: bothFiles, origin: "\t\"${distro_id}:${distro_codename}-updates\";"},
		{name: "Debian 12 without the package", facts: hostFacts(osRelease("debian", "12", "bookworm", ""), false, nil, nil, ""),
			want:   []string{"+ host:package/" + Package, "+ host:" + UnattendedPath, "+ host:" + PeriodicPath},
			origin: `        "origin=Debian,codename=${distro_codename}-updates";`},
		{name: "Amazon Linux", facts: hostFacts(osRelease("amzn", "2023", "", "Amazon Linux 2023.6.20241010"), false, nil, nil, ""),
			skip: "Amazon Linux 2023.6.20241010 is not Debian or Ubuntu"},
		{name: "Debian 10", facts: hostFacts(osRelease("debian", "10", "buster", "Debian GNU/Linux 10 (buster)"), true, debian, nil, ""),
			skip: "Debian GNU/Linux 10 (buster) is not a Debian release hardsail configures"},
		{name: "Ubuntu 18.04", facts: hostFacts(osRelease("ubuntu", "18.04", "bionic", "Ubuntu 18.04.6 LTS"), true, ubuntu, nil, ""),
			skip: "older than the Ubuntu releases hardsail configures"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := stateFrom(tt.facts)
			p, err := New().Plan(st, steps.Settings{})
			if err != nil {
				t.Fatalf("plan: %v", err)
			}
			if tt.skip != "" {
				if !strings.Contains(st.Skip, tt.skip) || !p.Empty() {
					t.Fatalf("skip %q with %d changes, want skipped for %q and no change", st.Skip, len(p.Changes), tt.skip)
				}
				return
			}
			if st.Skip != "" {
				t.Fatalf("skipped: %s", st.Skip)
			}
			if got := addresses(p); !slices.Equal(got, tt.want) {
				t.Fatalf("changes %q, want %q", got, tt.want)
			}
			u := change(p, "host:"+UnattendedPath)
			if !u.File || !strings.Contains(u.After, "\n"+tt.origin+"\n") {
				t.Errorf("new 50unattended-upgrades lacks the active line %q", tt.origin)
			}
			if !strings.Contains(u.After, "\nUnattended-Upgrade::Automatic-Reboot-Time \"02:00\";\n") {
				t.Errorf("new 50unattended-upgrades lacks the reboot time")
			}
			if got := change(p, "host:"+PeriodicPath).After; got != string(assets.AutoUpgrades) {
				t.Errorf("new 20auto-upgrades:\n%s\nwant:\n%s", got, assets.AutoUpgrades)
			}
			// Applied, the same host is compliant.
			done := hostFacts(tt.facts.OS, true, []byte(u.After), assets.AutoUpgrades, "")
			if p2, _ := New().Plan(stateFrom(done), steps.Settings{}); !p2.Empty() {
				t.Errorf("plan after the change is applied: %q", addresses(p2))
			}
		})
	}
}

func TestPlanWhy(t *testing.T) {
	debian := testdata(t, "debian12-50unattended-upgrades")
	at04 := []byte(strings.Replace(string(debian), `//Unattended-Upgrade::Automatic-Reboot-Time "02:00";`, `Unattended-Upgrade::Automatic-Reboot-Time "04:00";`, 1))
	bookworm := osRelease("debian", "12", "bookworm", "Debian GNU/Linux 12 (bookworm)")
	tests := []struct {
		name  string
		facts *sshhost.Facts
		set   steps.Settings
		addr  string
		why   []string
	}{
		{name: "reboot time drift", facts: hostFacts(bookworm, true, at04, assets.AutoUpgrades, ""), set: steps.Settings{},
			addr: "host:" + UnattendedPath, why: []string{"Automatic-Reboot-Time is 04:00, want 02:00", "Automatic-Reboot is unset, want true",
				"the ${distro_codename}-updates origin is not enabled"}},
		{name: "periodic settings missing", facts: hostFacts(bookworm, true, debian, twoPeriodic, ""), set: steps.Settings{},
			addr: "host:" + PeriodicPath, why: []string{"Download-Upgradeable-Packages is unset, want 1", "AutocleanInterval is unset, want 7"}},
		{name: "mail without mailx", facts: hostFacts(bookworm, true, debian, assets.AutoUpgrades, ""), set: steps.Settings{Mail: "ops@example.com"},
			addr: "host:package/" + MailPackage, why: []string{"mail reports to ops@example.com need mailx"}},
		{name: "mail set in the file", facts: hostFacts(bookworm, true, debian, assets.AutoUpgrades, "/usr/bin/mailx"), set: steps.Settings{Mail: "ops@example.com"},
			addr: "host:" + UnattendedPath, why: []string{"Mail is unset, want ops@example.com", "MailReport is unset, want on-change"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := New().Plan(stateFrom(tt.facts), tt.set)
			if err != nil {
				t.Fatal(err)
			}
			c := change(p, tt.addr)
			for _, w := range tt.why {
				if !strings.Contains(c.Why, w) {
					t.Errorf("Why of %s is %q; want it to say %q", tt.addr, c.Why, w)
				}
			}
		})
	}
}

func TestPlanRefusesUnwritableMail(t *testing.T) {
	f := hostFacts(osRelease("debian", "12", "bookworm", ""), true, testdata(t, "debian12-50unattended-upgrades"), nil, "/usr/bin/mailx")
	_, err := New().Plan(stateFrom(f), steps.Settings{Mail: `a"b@example.com`})
	var ue *steps.UsageError
	if err == nil || !errors.As(err, &ue) {
		t.Fatalf("plan with a quote in the address: %v; want a usage error", err)
	}
}

func TestPlanRefusesUnreadableFile(t *testing.T) {
	f := hostFacts(osRelease("debian", "12", "bookworm", ""), true, []byte("/* bug #1 */\n"), nil, "")
	_, err := New().Plan(stateFrom(f), steps.Settings{})
	if err == nil || steps.HintOf(err) == "" || !strings.Contains(err.Error(), UnattendedPath+": line 1") {
		t.Fatalf("plan of a file the editor cannot read: %v; want an error naming the file and line, with a hint", err)
	}
}

func TestFindingForOverride(t *testing.T) {
	hardened, _, err := edit(testdata(t, "debian12-50unattended-upgrades"), unattendedSettings(familyDebian, "", "02:00"))
	if err != nil {
		t.Fatal(err)
	}
	f := hostFacts(osRelease("debian", "12", "bookworm", ""), true, hardened, assets.AutoUpgrades, "")
	f.AptConfig = []sshhost.AptValue{{Key: "Unattended-Upgrade::Automatic-Reboot", Value: "true"}, {Key: "Unattended-Upgrade::Automatic-Reboot", Value: "false"}}
	st := stateFrom(f)
	if len(st.Findings) != 1 || !strings.Contains(st.Findings[0].Message, `apt reads Automatic-Reboot as "false", not "true"`) {
		t.Fatalf("findings %+v, want one about the override", st.Findings)
	}
}
