package main

import (
	"testing"

	"github.com/hardsail/hardsail/assets"
)

// The printed policy is the one the least-privilege test (steps/registry/policy_test.go) enforces,
// byte for byte, so what users attach is what was proven sufficient.
func TestPolicyPrintsTheEmbeddedDocumentVerbatim(t *testing.T) {
	r := runCLI(t, false, "policy")
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	if r.stdout != string(assets.IAMPolicy) {
		t.Errorf("hardsail policy printed\n%s\nwant assets/iam-policy.json verbatim:\n%s", r.stdout, assets.IAMPolicy)
	}
}
