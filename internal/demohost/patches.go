package demohost

import (
	"cmp"
	"encoding/base64"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/hardsail/hardsail/steps/patches"
)

// The disk-patches audit's reading, answered from the demo's tree: one 40 GiB disk (Lightsail's
// smallest WordPress plan's) holding 4 GiB of system plus the tree's files, the biggest log folders
// of the tree, no reboot pending, apt's lists refreshed five hours ago, and nothing to upgrade.

// demoDiskKB and demoSystemKB are the emulated disk's size and what the system takes of it.
const (
	demoDiskKB   = 40 << 20
	demoSystemKB = 4 << 20
)

// diskAndPatches answers the step's script (already out of `sudo -n sh -c`) if it is that script.
func (h *Host) diskAndPatches(script string, s *cmdIO) (int, bool) {
	if script != patches.Script() {
		return 0, false
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	enc := func(v string) string { return base64.StdEncoding.EncodeToString([]byte(v)) }
	now := h.Now()
	logs := map[string]int64{}
	var used int64 = demoSystemKB
	for p, f := range h.files {
		kb := (f.size() + 1023) / 1024
		used += kb
		if dir := logEntry(p); dir != "" {
			logs[dir] += kb
		}
	}
	fmt.Fprintf(s.stdout, "T %d\n", now.Unix())
	for _, p := range patches.DiskPaths() {
		if p == "/" || h.dirs[p] {
			df := fmt.Sprintf("/dev/nvme0n1p1 %d %d %d %d%% /\n", demoDiskKB, used, demoDiskKB-used, (used*100+demoDiskKB-1)/demoDiskKB)
			fmt.Fprintf(s.stdout, "D %s %s\n", enc(p), enc(df))
		}
	}
	dirs := make([]string, 0, len(logs))
	for d := range logs {
		dirs = append(dirs, d)
	}
	slices.SortFunc(dirs, func(a, b string) int { return cmp.Or(cmp.Compare(logs[b], logs[a]), strings.Compare(a, b)) })
	for _, d := range dirs[:min(len(dirs), 5)] {
		fmt.Fprintf(s.stdout, "L %d %s\n", logs[d], enc(d))
	}
	fmt.Fprintf(s.stdout, "U %d\nN 3\nC 0 0 0\n", now.Add(-5*time.Hour).Unix())
	return 0, true
}

// logEntry is the log folder du would count p in: the entry of /var/log it is under, or the
// folder named logs it is in; "" for a file outside the logs.
func logEntry(p string) string {
	if rest, ok := strings.CutPrefix(p, "/var/log/"); ok {
		first, _, _ := strings.Cut(rest, "/")
		return "/var/log/" + first
	}
	if d := path.Dir(p); path.Base(d) == "logs" {
		return d
	}
	return ""
}
