package main

import (
	"bytes"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/hardsail/hardsail/tui/iostreams"
)

// terminal is a person at a terminal who answers each question from what is on the screen: the
// code the demo says at a code question, "y" to anything else.
type terminal struct {
	mu      sync.Mutex
	screen  bytes.Buffer
	answers []string
}

func (t *terminal) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.screen.Write(p)
}

func (t *terminal) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.screen.String()
}

var demoCodes = regexp.MustCompile(`— demo: (?:type )?([0-9]{6})`)

// Read answers one line per call: the code the question the screen ends with names, else "y".
func (t *terminal) Read(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.screen.String()
	line := "y"
	if m := demoCodes.FindAllStringSubmatchIndex(s, -1); len(m) > 0 && len(m) > countCodes(t.answers) {
		last := m[len(m)-1]
		line = s[last[2]:last[3]]
	}
	t.answers = append(t.answers, line)
	t.screen.WriteString("\n")
	return copy(p, line+"\n"), nil
}

func countCodes(answers []string) int {
	n := 0
	for _, a := range answers {
		if a != "y" {
			n++
		}
	}
	return n
}

// In the demo, MFA is finished without a phone: the code questions say the emulated device's codes,
// and typing them enrols it; the next run finds iam-admin ok.
func TestDemoMFAWithoutAPhone(t *testing.T) {
	isolate(t)
	term := &terminal{}
	io := &iostreams.IOStreams{In: term, Out: term, ErrOut: term, InTTY: true, OutTTY: true}
	code := run([]string{"--demo=bitnami", "apply", "iam-admin", "--no-snapshot"}, io)
	screen := term.String()
	if code != exitOK || !strings.Contains(screen, "no phone needed") || countCodes(term.answers) != 2 {
		t.Fatalf("apply iam-admin in the demo: exit %d, answers %q\n%s", code, term.answers, screen)
	}
	if r := runCLI(t, false, "--demo=bitnami", "verify", "iam-admin"); !strings.Contains(r.stdout, "✓ ok       iam-admin") {
		t.Fatalf("verify after enrolling with the demo's codes: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}
