package demohost_test

import (
	"strings"
	"testing"

	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/patches"
)

// TestDiskAndPatchesOnTheDemoHost: the demo answers the disk-patches script (matched byte for
// byte), so the audit checks out ok there, with the tree's logs as the biggest and Bitnami's note.
func TestDiskAndPatchesOnTheDemoHost(t *testing.T) {
	d := start(t)
	eng := &steps.Engine{Steps: []steps.Step{patches.New()}, Env: d.env(t, steps.Settings{})}
	r := eng.Verify(t.Context())[0]
	if r.Err != nil || r.Status != steps.StatusOK {
		t.Fatalf("disk-patches on the demo: %s %s (err %v)", r.Status, r.Detail, r.Err)
	}
	if len(r.Findings) != 1 || r.Findings[0].ID != patches.FindingStackOutsideApt {
		t.Errorf("findings %+v, want Bitnami's stack note alone", r.Findings)
	}
	f, err := steps.FactsOf[patches.Facts](r.State)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Disks) != 1 || f.Disks[0].Mount != "/" || f.Disks[0].Percent < 10 || len(f.Logs) == 0 ||
		!strings.HasPrefix(f.Logs[0].Path, "/opt/bitnami/") || f.Lists != 3 {
		t.Errorf("facts %+v", f)
	}
}
