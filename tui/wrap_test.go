package tui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// TestWrapNeverCuts: every word of a long line is on the screen, whole, and continuations sit under
// the text, not under the mark.
func TestWrapNeverCuts(t *testing.T) {
	cases := []struct {
		name, in string
		w        int
		want     []string
	}{
		{"status line hangs at its detail", "! to do    https          certificate web-cert awaits DNS validation; add the records below at your provider", 60,
			[]string{"! to do    https          certificate web-cert awaits DNS", "                          validation; add the records below", "                          at your provider"}},
		{"record stays whole", "  _a79865eb4cd1a6ab990a45779b4e0b96.www.example.com.  CNAME  _1f2e3d4c5b6a79880716253443526170.xlfgrmvvlj.acm-validations.aws.", 80,
			[]string{"  _a79865eb4cd1a6ab990a45779b4e0b96.www.example.com.  CNAME",
				"  _1f2e3d4c5b6a79880716253443526170.xlfgrmvvlj.acm-validations.aws."}},
		{"change mark", "      # the certificate covers example.com and www.example.com, so both names are served over HTTPS", 50,
			[]string{"      # the certificate covers example.com and", "        www.example.com, so both names are served", "        over HTTPS"}},
		{"word wider than the screen is the only thing split", "see " + strings.Repeat("x", 25), 20,
			[]string{"see", strings.Repeat("x", 20), strings.Repeat("x", 5)}},
		{"short line untouched", "  ✓ ok", 20, []string{"  ✓ ok"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := strings.Split(wrapText(tc.in, tc.w), "\n")
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
			for _, l := range got {
				if ansi.StringWidth(l) > tc.w {
					t.Errorf("line %q is wider than %d", l, tc.w)
				}
			}
		})
	}
}
