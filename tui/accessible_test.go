package tui

import (
	"context"
	"strings"
	"testing"

	"github.com/hardsail/hardsail/tui/iostreams"
)

// TestAccessibleJourney walks the same journey as the full-screen one through plain stdin/stdout.
func TestAccessibleJourney(t *testing.T) {
	cases := []struct {
		name  string
		input string
		// want appear in the transcript, in this order.
		want []string
		live string
	}{
		{
			name:  "walk firewall and apply",
			input: "1\n\n1\n",
			want: []string{
				"hardsail: you are arn:aws:iam::123456789012:user/alice (account 123456789012)",
				"! to do    firewall", "✓ ok       auto-upgrades",
				"Walk the 1 step(s) that need attention",
				"# firewall: Map firewall", "Rather than leaving SSH open to the world",
				"Your address as the instance sees it: 198.51.100.4",
				"0.0.0.0/0 → 198.51.100.4/32", "Apply this step?",
				"firewall: applying…", "~ changed  firewall",
				"✓ ok       firewall",
				// input ends: the menu's default is Quit, and the recap stays on the screen.
				"hardsail: WordPress-1 in us-east-1 (account 123456789012)", "2 steps: 2 ok, 0 to do, 0 failed.",
			},
			live: "198.51.100.4/32",
		},
		{
			name:  "skip is the default: an empty answer changes nothing",
			input: "1\n\n\n",
			want:  []string{"Apply this step?", "firewall skipped: nothing was changed.", "2 steps: 1 ok, 1 to do, 0 failed."},
			live:  "0.0.0.0/0",
		},
		{
			name:  "closed input quits without changing anything",
			input: "",
			want:  []string{"! to do    firewall", "What next?", "2 steps: 1 ok, 1 to do, 0 failed."},
			live:  "0.0.0.0/0",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			io, out, _ := iostreams.Test(tc.input)
			o := f.options(io)
			o.Accessible = true
			if err := Run(context.Background(), o); err != nil {
				t.Fatal(err)
			}
			got := out.String()
			rest := got
			for _, w := range tc.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("transcript lacks %q (in order); transcript:\n%s", w, got)
				}
				rest = rest[i+len(w):]
			}
			if strings.Contains(got, "\x1b[") {
				t.Errorf("plain mode printed escape sequences:\n%q", got)
			}
			if v, _ := f.firewall.Get("22-tcp"); v != tc.live {
				t.Errorf("22-tcp = %q, want %q", v, tc.live)
			}
		})
	}
}
