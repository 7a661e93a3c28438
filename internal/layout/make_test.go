package layout_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestMakeTestRunsStaticcheckOnlyWhenAsked reads what `make test` would run (make -n): a newcomer's
// run passes an empty LINT to scripts/test, which then skips staticcheck; LINT=1 and CI pass it on.
// GNU make's own default LINT ("lint") once made every run lint.
func TestMakeTestRunsStaticcheckOnlyWhenAsked(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Fatal("make is not installed: make test needs it")
	}
	cases := []struct {
		env  []string
		args []string
		want string
	}{
		{nil, nil, "LINT=''"},
		{[]string{"LINT=1"}, nil, "LINT='1'"},
		{nil, []string{"LINT=1"}, "LINT='1'"},
	}
	for _, c := range cases {
		cmd := exec.Command("make", append([]string{"-n", "-C", "../..", "test"}, c.args...)...)
		env := []string{}
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, "LINT=") && !strings.HasPrefix(kv, "MAKEFLAGS=") && !strings.HasPrefix(kv, "MFLAGS=") {
				env = append(env, kv)
			}
		}
		cmd.Env = append(env, c.env...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("make -n test %v: %v\n%s", c.args, err, out)
		}
		if !strings.Contains(string(out), c.want) {
			t.Errorf("make -n test (env %v, args %v) runs\n%s\nwant %s in it", c.env, c.args, out, c.want)
		}
	}
}
