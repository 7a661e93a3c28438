package patches_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/hardsail/hardsail/internal/world"
	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/blueprint"
	"github.com/hardsail/hardsail/steps/patches"
)

// freshLists is apt's lists just refreshed, as after `apt-get update` (the test rootfs keeps the
// lists of the day it was built).
const freshLists = "touch " + patches.ListsDir + " " + patches.ListsDir + "/partial; "

// fillLogs mounts a 4 MiB filesystem on the layout's first log folder and fills 3.5 MiB of it with
// a log: an attached disk for the logs, nearly full (the test host's / is an overlay whose size is
// the machine's memory, which a test cannot fill).
func fillLogs(dir string) string {
	return "mkdir -p " + dir + " && mount -t tmpfs -o size=4m hardsail-test-logs " + dir +
		" && head -c 3670016 /dev/zero > " + dir + "/access.log.1; "
}

// securityUpdate publishes, in apt's local list of the -security suite, sudo at a version above
// the installed one (a copy of sudo's record from the main suite's list with the version raised):
// what apt sees after an update that brought a security fix for sudo. No network is needed: apt
// reads its lists from disk.
const securityUpdate = `L=` + patches.ListsDir + `
main=$(ls $L/*_dists_bookworm_main_binary-*_Packages | head -n 1)
sec=$(ls $L/*-security_main_binary-*_Packages | head -n 1)
v=$(dpkg-query -W -f='${Version}' sudo)
awk -v RS= -v ORS='\n\n' '$1 == "Package:" && $2 == "sudo"' "$main" | sed "s/^Version: .*/Version: ${v}+hardsail1/" >> "$sec"
grep -q "^Version: ${v}+hardsail1" "$sec"; `

// rebootPending is the flag and package list that Debian's update-notifier hooks leave after a new
// kernel and libc, 77 hours and 10 minutes ago (the list repeats a name, as the hooks append).
const rebootPending = "printf '*** System restart required ***\\n' > " + patches.RebootFlag +
	" && printf 'linux-image-6.1.0-28-amd64\\nlibc6\\nlinux-image-6.1.0-28-amd64\\n' > " + patches.RebootPackages +
	" && touch -d '4630 minutes ago' " + patches.RebootFlag + "; "

// TestOnTheHost is each check's passing and failing host, on both blueprint flavours, read from
// real Debian hosts set up at test time.
func TestOnTheHost(t *testing.T) {
	cases := []struct {
		name  string
		setup func(logDir string) string
		want  []string // "severity id: text in the message"
	}{
		{name: "all well", setup: func(string) string { return freshLists }},
		{name: "log disk 88% full", setup: func(d string) string { return freshLists + fillLogs(d) },
			want: []string{"warning disk-patches.disk_full: is 88% full: 512 KB free of 4.0 MB. Biggest logs on it: "}},
		{name: "reboot pending", setup: func(string) string { return freshLists + rebootPending },
			want: []string{"warning disk-patches.reboot_required: waits for a reboot since 3 days 5 hours (/var/run/reboot-required is from",
				"warning disk-patches.reboot_required: Packages that asked for it: linux-image-6.1.0-28-amd64, libc6."}},
		{name: "security update waiting", setup: func(string) string { return securityUpdate + freshLists },
			want: []string{"warning disk-patches.security_updates: 1 security update is waiting to be installed: sudo (apt's package lists were refreshed less than an hour ago, on "}},
		{name: "lists a month old", setup: func(string) string {
			return "rm -f " + patches.UpdateStamp + "; touch -d '30 days ago' " + patches.ListsDir + " " + patches.ListsDir + "/partial; "
		}, want: []string{"warning disk-patches.package_lists_stale: last refreshed 30 days ago, on "}},
		{name: "no lists", setup: func(string) string { return "rm -f " + patches.ListsDir + "/*_Packages; " + freshLists },
			want: []string{"warning disk-patches.package_lists_stale: apt has no package lists"}},
	}
	for _, flavour := range []string{world.Bitnami, world.Lightsail} {
		l, _ := blueprint.Of(blueprint.Flavour(flavour))
		logDir := l.Logs[0].Dirs[0]
		for _, tc := range cases {
			t.Run(flavour+"/"+tc.name, func(t *testing.T) {
				w := world.New(t, world.Options{Blueprint: flavour, Host: true, OpenSSH: true})
				w.Run(t, tc.setup(logDir))
				env := w.Env(t)
				m := w.Mutations(t)
				st, err := patches.New().Check(t.Context(), env)
				if err != nil {
					t.Fatal(err)
				}
				if w.Mutations(t) != m {
					t.Error("Check changed something on the host or in AWS")
				}
				if p, _ := patches.New().Plan(st, env.Settings); !p.Empty() {
					t.Errorf("the audit planned changes: %+v", p.Changes)
				}
				want := slices.Clone(tc.want)
				if !l.AptPatchesStack {
					want = append(want, "info disk-patches.stack_outside_apt: Apache, PHP and the database under /opt/bitnami")
				}
				if tc.name == "log disk 88% full" {
					want[0] += logDir + " (3.5 MB)."
				}
				assertFindings(t, st.Findings, want)
			})
		}
	}
}

// assertFindings holds the findings to want, each "severity id: part of the message"; two wants
// may name one finding.
func assertFindings(t *testing.T, got []steps.Finding, want []string) {
	t.Helper()
	var lines, ids []string
	for _, f := range got {
		lines = append(lines, f.Severity+" "+f.ID+": "+f.Message)
		if err := steps.CheckFindingID(patches.ID, f.ID); err != nil {
			t.Error(err)
		}
		if f.Severity == "warning" && f.Fix == "" {
			t.Errorf("warning %s has no fix", f.ID)
		}
	}
	var heads []string
	for _, w := range want {
		head, text, _ := strings.Cut(w, ": ")
		if !slices.Contains(heads, head) {
			heads = append(heads, head)
		}
		if !slices.ContainsFunc(lines, func(l string) bool { return strings.HasPrefix(l, head+": ") && strings.Contains(l, text) }) {
			t.Errorf("no finding %q in\n%s", w, strings.Join(lines, "\n"))
		}
	}
	for _, f := range got {
		ids = append(ids, f.Severity+" "+f.ID)
	}
	if len(ids) != len(heads) {
		t.Errorf("findings\n%s\nwant %d: %s", strings.Join(lines, "\n"), len(heads), strings.Join(heads, ", "))
	}
}
