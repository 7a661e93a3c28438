package layout_test

import (
	"bufio"
	"bytes"
	"os/exec"
	"strings"
	"testing"
)

const mod = "github.com/hardsail/hardsail/"

// pkg is what `go list` says of one package: its direct imports and all its dependencies.
type pkg struct {
	imports, deps []string
}

// violations returns every broken import rule in graph (keys and values are module-relative paths).
func violations(graph map[string]pkg) []string {
	var out []string
	under := func(p, dir string) bool { return p == dir || strings.HasPrefix(p, dir+"/") }
	for p, g := range graph {
		for _, d := range g.deps {
			switch {
			case under(p, "steps") && (under(d, "tui") || under(d, "cmd")):
				out = append(out, p+" imports "+d+": steps/ never imports tui/ or cmd/")
			case under(p, "remote") && (under(d, "steps") || under(d, "tui") || under(d, "cmd")):
				out = append(out, p+" imports "+d+": remote/ knows nothing of steps, tui or cmd")
			case (under(d, "internal/emulator") || under(d, "internal/testhost") || under(d, "internal/moto")) &&
				!under(p, "cmd") && !under(p, "bench") && !under(p, "internal"):
				out = append(out, p+" imports "+d+": only tests, cmd/ (for --demo) and bench/ use the test substrate")
			}
		}
		for _, d := range g.imports {
			if under(p, "tui") && under(d, "remote") {
				out = append(out, p+" imports "+d+": tui/ reaches the outside world only through steps/")
			}
		}
	}
	return out
}

func TestRulesCatchViolations(t *testing.T) {
	cases := []struct {
		name  string
		graph map[string]pkg
	}{
		{"steps imports tui", map[string]pkg{"steps/firewall": {deps: []string{"tui/render"}}}},
		{"steps imports cmd", map[string]pkg{"steps": {deps: []string{"cmd/hardsail"}}}},
		{"remote imports steps", map[string]pkg{"remote/sshhost": {deps: []string{"steps"}}}},
		{"tui imports remote directly", map[string]pkg{"tui": {imports: []string{"remote/awsapi"}}}},
		{"a step imports the emulator", map[string]pkg{"steps/https": {deps: []string{"internal/emulator"}}}},
		{"tui imports the test host", map[string]pkg{"tui": {deps: []string{"internal/testhost"}}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if v := violations(tc.graph); len(v) != 1 {
				t.Fatalf("got %d violations %v, want 1", len(v), v)
			}
		})
	}
	allowed := map[string]pkg{
		"cmd/hardsail": {deps: []string{"internal/emulator", "steps", "tui", "remote/awsapi"}},
		"tui":          {imports: []string{"steps"}, deps: []string{"steps", "remote/awsapi"}},
		"steps":        {deps: []string{"remote/awsapi"}},
	}
	if v := violations(allowed); len(v) != 0 {
		t.Fatalf("allowed graph reported %v", v)
	}
}

func TestRepositoryFollowsImportRules(t *testing.T) {
	cmd := exec.Command("go", "list", "-f", "{{.ImportPath}}|{{join .Imports \",\"}}|{{join .Deps \",\"}}", mod+"...")
	cmd.Dir = "../.."
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	graph := map[string]pkg{}
	local := func(list string) []string {
		var r []string
		for _, p := range strings.Split(list, ",") {
			if strings.HasPrefix(p, mod) {
				r = append(r, strings.TrimPrefix(p, mod))
			}
		}
		return r
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Split(sc.Text(), "|")
		graph[strings.TrimPrefix(f[0], mod)] = pkg{imports: local(f[1]), deps: local(f[2])}
	}
	if len(graph) < 5 {
		t.Fatalf("go list found only %d packages", len(graph))
	}
	for _, v := range violations(graph) {
		t.Error(v)
	}
}
