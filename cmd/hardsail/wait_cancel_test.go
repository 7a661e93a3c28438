package main

import (
	"strings"
	"syscall"
	"testing"

	"github.com/hardsail/hardsail/internal/emulator"
	"github.com/hardsail/hardsail/steps"
)

// Ctrl-C while `apply https --yes` waits for a certificate that cannot validate yet (example.org
// is not in a Lightsail DNS zone, and its CNAME is not added) leaves the wait as esc does in the
// wizard: what was made stays, journaled and closed; the step is pending, not failed; the exit
// is a cancel's (130, the signal contract); and the next apply carries on with the same load
// balancer and certificate once the record exists.
func TestCtrlCDuringTheCertificateWaitLeavesItPending(t *testing.T) {
	bin := buildBinary(t)
	state := isolate(t)
	em := withEmulator(t, "wordpress-fresh")
	bindHost(t, em)
	args := []string{"apply", "https", "--yes", "--no-snapshot", "--accept-cost", "--domain", "example.org", "--https-mode", "lb"}
	stdout, stderr, code := signalWhen(t, bin, "waiting for validation of certificate", syscall.SIGINT, args...)
	if code != exitCancelled {
		t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, exitCancelled, stdout, stderr)
	}
	if !strings.Contains(stdout, "pending") || strings.Contains(stdout, "✗ failed") {
		t.Errorf("https is not reported pending after Ctrl-C\nstdout:\n%s\nstderr:\n%s", stdout, stderr)
	}
	if !strings.Contains(stdout, "CNAME") {
		t.Errorf("the pending step does not show the record to add\nstdout:\n%s", stdout)
	}
	j, err := steps.OpenJournal(steps.PathsFor(state, steps.Key{Account: emulator.AccountID, Region: "us-east-1", Instance: "WordPress-1"}))
	if err != nil {
		t.Fatal(err)
	}
	entries, err := j.Entries()
	j.Close()
	if err != nil {
		t.Fatal(err)
	}
	var lb, cert bool
	for _, e := range entries {
		if e.State != steps.EntryDone {
			t.Errorf("journal entry %s %s is %s, want every change made closed as done", e.Step, e.Change.Address, e.State)
		}
		lb = lb || strings.HasSuffix(e.Change.Address, "/load-balancer/hardsail-WordPress-1")
		cert = cert || strings.Contains(e.Change.Address, "/certificate/")
	}
	if h := runCLI(t, false, "history", "--json"); !lb || !cert || !strings.Contains(h.stdout, "/certificate/") {
		t.Errorf("the journal does not hold the load balancer (%t) and its certificate (%t): %+v\nhistory --json:\n%s", lb, cert, entries, h.stdout)
	}
	st := em.State()
	if len(st.LoadBalancers) != 1 || len(st.Certificates) != 1 {
		t.Fatalf("after Ctrl-C: %d load balancers, %d certificates, want one each", len(st.LoadBalancers), len(st.Certificates))
	}
	for _, r := range st.Certificates[0].DomainValidationRecords {
		em.SetExternalDNS(r.Name, r.Type, r.Value)
	}
	r := runCLI(t, false, args...)
	if r.code != exitOK || !strings.Contains(r.stdout, "changed") {
		t.Errorf("the next apply: exit %d, want it to finish what the first began\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	st = em.State()
	if len(st.LoadBalancers) != 1 || len(st.Certificates) != 1 || st.Certificates[0].Name != entriesCert(entries) {
		t.Errorf("the next apply made another load balancer or certificate: %d, %d", len(st.LoadBalancers), len(st.Certificates))
	}
}

// entriesCert is the name of the certificate the journal says was created.
func entriesCert(entries []steps.Entry) string {
	for _, e := range entries {
		if _, c, ok := strings.Cut(e.Change.Address, "/certificate/"); ok {
			return c
		}
	}
	return ""
}
