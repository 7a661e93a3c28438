package logcleanup

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/hardsail/hardsail/internal/testhost"
	"github.com/hardsail/hardsail/internal/world"
	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/blueprint"
	"github.com/hardsail/hardsail/steps/steptest"
)

// TestScriptOnLightsail runs the script as the step renders it for the Lightsail-packaged layout on
// a real host of that layout: Debian's logrotate names (NAME.1, NAME.N.gz) in /var/log/apache2 and
// /var/log/mysql, the newest N kept per family, the live logs and logrotate's configuration left
// alone, and exactly the files the preview's selection named deleted.
func TestScriptOnLightsail(t *testing.T) {
	t.Parallel()
	h := testhost.Start(t, testhost.Options{Flavour: testhost.Lightsail})
	installScriptFor(t, h, blueprint.Lightsail)
	l, _ := blueprint.Of(blueprint.Lightsail)
	exists, before := listing(t, h)
	doomed := Doomed(Collect(Families(l, func(d string) bool { return exists[d] }), before), 3)
	var selected []string
	for _, d := range doomed {
		selected = append(selected, d.Path)
	}
	// Stated by name: the fixture has six rotated access logs and four of each other family.
	want := []string{"/var/log/apache2/access.log.4.gz", "/var/log/apache2/access.log.5.gz", "/var/log/apache2/access.log.6.gz",
		"/var/log/apache2/error.log.4.gz", "/var/log/mysql/error.log.4.gz"}
	slices.Sort(selected)
	if !slices.Equal(selected, want) {
		t.Fatalf("the preview selects\n%q\nwant\n%q", selected, want)
	}
	watch := []string{"/var/log/apache2", "/var/log/mysql", "/etc"}
	tree := h.TreeHash(t, watch...)

	out, stderr, rc := h.Run(t, "sudo "+ScriptPath+" --dry-run --keep 3")
	if rc != 0 {
		t.Fatalf("dry run: exit %d: %s", rc, stderr)
	}
	for _, p := range want {
		if !strings.Contains(out, "would delete "+p+" (") {
			t.Errorf("dry run does not name %s:\n%s", p, out)
		}
	}
	if diff := mapDiff(tree, h.TreeHash(t, watch...)); diff != "" {
		t.Fatalf("dry run changed files:\n%s", diff)
	}

	if _, stderr, rc = h.Run(t, "sudo "+ScriptPath+" --keep 3"); rc != 0 {
		t.Fatalf("cleanup: exit %d: %s", rc, stderr)
	}
	after := h.TreeHash(t, watch...)
	var gone []string
	for p, sum := range tree {
		switch a, ok := after[p]; {
		case !ok:
			gone = append(gone, p)
		case a != sum:
			t.Errorf("%s changed", p)
		}
	}
	slices.Sort(gone)
	if !slices.Equal(gone, want) {
		t.Errorf("the script deleted\n%q\nwant (the preview's selection)\n%q", gone, want)
	}
	out, _, rc = h.Run(t, "sudo "+ScriptPath+" --keep 3")
	if wantOut := fmt.Sprintf("deleted 0 file(s), 0 bytes, keeping the newest %d per log\n", 3); rc != 0 || out != wantOut {
		t.Errorf("second run: exit %d, printed %q, want %q", rc, out, wantOut)
	}
}

// TestConformanceOnLightsail: the step on a real Lightsail-packaged host, with logrotate's
// configuration and the logs watched: installing changes no log and no logrotate file, and undo
// puts the host back exactly.
func TestConformanceOnLightsail(t *testing.T) {
	t.Parallel()
	w := world.New(t, world.Options{Blueprint: world.Lightsail, Host: true, OpenSSH: true,
		Watch: []string{"/usr/local/sbin", "/etc/cron.d", "/etc/logrotate.d", "/var/log/apache2", "/var/log/mysql"}})
	st, err := New().Check(t.Context(), w.Env(t))
	if err != nil {
		t.Fatal(err)
	}
	facts, err := steps.FactsOf[Facts](st)
	if err != nil || st.Skip != "" || facts.Layout != blueprint.Lightsail {
		t.Fatalf("check: layout %q, skip %q, err %v; want the Lightsail-packaged layout", facts.Layout, st.Skip, err)
	}
	p, err := New().Plan(st, steps.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	notes := strings.Join(p.Notes, "\n")
	for _, want := range []string{"would delete /var/log/apache2/access.log.4.gz (8.2 kB", "would delete /var/log/mysql/error.log.4.gz",
		"leaves its configuration as it is"} {
		if !strings.Contains(notes, want) {
			t.Errorf("the preview does not say %q:\n%s", want, notes)
		}
	}
	steptest.Conformance(t, steptest.Case{
		Step: New(), World: w,
		// logrotate runs between preview and apply: the preview's list of files is stale.
		Perturb: func(t *testing.T) { w.Run(t, "touch /var/log/apache2/access.log.7.gz") },
	})
}
