package patches

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"
)

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func disk(p, line string) string { return "D " + b64(p) + " " + b64(line+"\n") + "\n" }

func logLine(kb, p string) string { return "L " + kb + " " + b64(p) + "\n" }

const clock = "T 1796300000\n"

// TestParse reads what the script prints, df's lines included however the filesystem and mount
// point are spelt, and refuses output that stopped early or that names a wrong mount point.
func TestParse(t *testing.T) {
	out := clock +
		disk("/", "/dev/nvme0n1p1 41152736 37000000 2252736 95% /") +
		disk("/var/log", "/dev/nvme0n1p1 41152736 37000000 2252736 95% /") +
		disk("/opt/bitnami/apache/logs", "my disk (attached) 1000 10 990 2% /mnt/a b") + // not under it: refused below
		""
	if _, err := Parse([]byte(out + "C 0 0 0\n")); err == nil || !strings.Contains(err.Error(), "mount point") {
		t.Errorf("a mount point that does not hold the path: %v, want an error", err)
	}
	out = clock +
		disk("/", "/dev/nvme0n1p1 41152736 37000000 2252736 95% /") +
		disk("/var/log", "/dev/nvme0n1p1 41152736 37000000 2252736 95% /") +
		disk("/srv/my site", "my disk (attached) 1000 10 990 2% /srv/my site") +
		disk("/proc", "proc 0 0 0 - /proc") + // no capacity: left out
		logLine("2000000", "/var/log/journal") + logLine("", "/var/log/broken") + logLine("900", "/srv/my site/logs") +
		"R 1796000000\n" + "P " + b64("libc6") + "\nP " + b64("libc6") + "\nP " + b64("linux-image-amd64") + "\n" +
		"U 1795000000\nU 1796200000\nN 3\nS libc6\nS openssl\nE ignored: apt succeeded\nC 5 2 0\nunknown line\n"
	f, err := Parse([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Disks) != 2 || f.Disks[0].Mount != "/" || len(f.Disks[0].Paths) != 2 || f.Disks[0].Percent != 95 ||
		f.Disks[1].Mount != "/srv/my site" || f.Disks[1].AvailKB != 990 {
		t.Errorf("disks %+v", f.Disks)
	}
	if len(f.Logs) != 2 || f.Logs[0].KB != 2000000 {
		t.Errorf("logs %+v", f.Logs)
	}
	if strings.Join(f.Packages, ",") != "libc6,linux-image-amd64" || f.Reboot.Unix() != 1796000000 {
		t.Errorf("reboot %v %v", f.Reboot, f.Packages)
	}
	if f.ListsUpdated.Unix() != 1796200000 || f.Lists != 3 || f.Upgradable != 5 || f.Security != 2 || f.AptErrors != nil {
		t.Errorf("apt %+v", f)
	}
	for _, cut := range []string{clock, clock + "N 3\n"} {
		if _, err := Parse([]byte(cut)); err == nil {
			t.Errorf("output stopped before apt's summary: %q parsed", cut)
		}
	}
}

// TestFindings: the root filesystem nearly full names the biggest logs on it (not those on
// another disk, at most three); apt's failure is reported instead of a count; remote text is
// escaped.
func TestFindings(t *testing.T) {
	now := time.Unix(1796300000, 0).UTC()
	f := Facts{HostTime: now, Lists: 3, ListsUpdated: now.Add(-2 * time.Hour),
		Disks: []Disk{{Mount: "/", Paths: []string{"/"}, SizeKB: 40 << 20, AvailKB: 3 << 20, Percent: 93},
			{Mount: "/mnt/logs", Paths: []string{"/mnt/logs"}, SizeKB: 1 << 20, AvailKB: 1 << 19, Percent: 50}},
		Logs: []LogUse{{"/var/log/journal", 3 << 20}, {"/mnt/logs/x", 2 << 20}, {"/var/log/\x1b[31mevil", 1 << 20},
			{"/var/log/syslog.1", 1 << 10}, {"/var/log/apt", 12}},
		AptErrors: []string{"Could not open lock file \u202e"}, Security: 4}
	got := findings(f)
	if len(got) != 2 {
		t.Fatalf("findings %+v, want the disk and apt's failure", got)
	}
	want := "The root filesystem (/) is 93% full: 3.0 GB free of 40.0 GB. Biggest logs on it: /var/log/journal (3.0 GB), " +
		`/var/log/\x1b[31mevil (1.0 GB), /var/log/syslog.1 (1.0 MB).`
	if got[0].ID != FindingDiskFull || got[0].Message != want {
		t.Errorf("disk finding %q\nwant %q", got[0].Message, want)
	}
	if got[1].ID != FindingAptUnreadable || !strings.Contains(got[1].Message, `\u202e`) {
		t.Errorf("apt finding %+v", got[1])
	}
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{{0, "less than an hour"}, {time.Hour, "1 hour"}, {25 * time.Hour, "1 day 1 hour"}, {48*time.Hour + 30*time.Minute, "2 days"}} {
		if got := age(tc.d); got != tc.want {
			t.Errorf("age(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
}
