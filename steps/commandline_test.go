package steps

import "testing"

func TestCommandLine(t *testing.T) {
	demo := CommandLine{Flags: "--demo"}
	if got := demo.Line("apply", "firewall"); got != "hardsail apply firewall --demo" {
		t.Errorf("Line = %q", got)
	}
	if got := (CommandLine{}).Line("verify"); got != "hardsail verify" {
		t.Errorf("zero Line = %q", got)
	}
	for _, tc := range []struct{ in, want string }{
		{"run `hardsail apply iam-admin` at a terminal to enrol one", "run `hardsail apply iam-admin --demo` at a terminal to enrol one"},
		{"hardsail apply snapshot --auto-snapshot", "hardsail apply snapshot --auto-snapshot --demo"},
		{"then check again (hardsail verify).", "then check again (hardsail verify --demo)."},
		{"`hardsail history` shows it, `hardsail undo` reverses it.", "`hardsail history --demo` shows it, `hardsail undo --demo` reverses it."},
		{"Run hardsail in a terminal to confirm", "Run hardsail in a terminal to confirm"},
		{"hardsail apply is refused. Try again later", "hardsail apply is refused. Try again later"},
		{"`hardsail undo --demo` already", "`hardsail undo --demo` already"},
		{"first line hardsail plan\nhardsail apply x", "first line hardsail plan --demo\nhardsail apply x --demo"},
	} {
		if got := demo.InText(tc.in); got != tc.want {
			t.Errorf("InText(%q)\n got %q\nwant %q", tc.in, got, tc.want)
		}
		if got := (CommandLine{}).InText(tc.in); got != tc.in {
			t.Errorf("zero InText changed %q to %q", tc.in, got)
		}
	}
}
