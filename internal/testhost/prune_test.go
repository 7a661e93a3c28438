package testhost

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// Recipes build side by side, so pruning must only touch its own recipe's leftovers and other
// recipes' stale bases that nobody holds.
func TestPruneStaleLeavesOtherBuildsAlone(t *testing.T) {
	cache := t.TempDir()
	touch := func(name string, dir bool, age time.Duration) {
		p := filepath.Join(cache, name)
		if dir {
			if err := os.Mkdir(p, 0o755); err != nil {
				t.Fatal(err)
			}
		} else if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		old := time.Now().Add(-age)
		os.Chtimes(p, old, old)
	}
	const mine, busy, idle, fresh = "aaaa", "bbbb", "cccc", "dddd"
	touch("stage-"+mine+"-1", true, 0)
	touch("unpack-"+mine+"-2", true, 0)
	touch("rootfs-"+mine+"-99.tmp.tar.zst", false, 0)
	touch("stage-"+busy+"-3", true, 0) // another recipe's build in progress
	touch("rootfs-"+busy+"-98.tmp.tar.zst", false, 0)
	for _, k := range []string{busy, idle, fresh} {
		age := 8 * 24 * time.Hour
		if k == fresh {
			age = time.Hour
		}
		touch("base-"+k, true, age)
		touch("rootfs-"+k+".tar.zst", false, age)
		touch("base-"+k+completeMarker, false, age)
	}
	unlock, err := lockFile(filepath.Join(cache, "lock-"+busy), syscall.LOCK_EX)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()

	pruneStale(cache, mine)

	for name, want := range map[string]bool{
		"stage-" + mine + "-1": false, "unpack-" + mine + "-2": false, "rootfs-" + mine + "-99.tmp.tar.zst": false,
		"stage-" + busy + "-3": true, "rootfs-" + busy + "-98.tmp.tar.zst": true,
		"base-" + busy: true, "base-" + busy + completeMarker: true, // stale, but its lock is held
		"base-" + idle: false, "base-" + idle + completeMarker: false, "rootfs-" + idle + ".tar.zst": false,
		"base-" + fresh: true, "base-" + fresh + completeMarker: true, // used within staleAfter
	} {
		_, err := os.Stat(filepath.Join(cache, name))
		if got := err == nil; got != want {
			t.Errorf("%s exists = %v, want %v", name, got, want)
		}
	}
}
