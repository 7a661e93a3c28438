package main

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestFleetWizardInTmux: in an account whose region has several WordPress instances (the
// emulator's fleet scenario, bound to real hosts), plain `hardsail` in a real terminal opens on
// the list of them, checked, with what each needs; enter opens the chosen one's dashboard, esc
// goes back to the list, q quits.
func TestFleetWizardInTmux(t *testing.T) {
	bin := buildBinary(t)
	startFleet(t, 8) // us-east-1 holds wp-001 and wp-005 (both checked on a real host) and Node-1
	s := startTmux(t, 120, 36, bin+" --region us-east-1")
	s.patience = 3 * time.Minute

	scr := s.waitFor("Lightsail instances in us-east-1: which one?", "2 instances: ", "us-east-1 wp-001", "us-east-1 wp-005")
	if strings.Contains(scr, "Node-1") {
		t.Errorf("the checked list shows an instance that is not WordPress:\n%s", scr)
	}
	chosen := s.waitMatch(regexp.MustCompile(`› \S+ +\S+ +us-east-1 (wp-\d{3})`))[1]
	s.keys("Enter")
	s.waitFor("hardsail  "+chosen+" · us-east-1", "13 steps:", "esc all instances")
	s.keys("Escape")
	s.waitFor("which one?", "us-east-1 wp-001", "us-east-1 wp-005")
	// Opened again: the same session (its journal stays locked by this run until it ends).
	s.keys("Enter")
	s.waitFor("hardsail  "+chosen+" · us-east-1", "13 steps:")
	s.keys("Escape")
	s.waitFor("which one?")
	s.keys("q")
	s.waitExit()
}
