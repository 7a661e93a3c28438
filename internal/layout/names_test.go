package layout_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hardsail/hardsail/internal/layout"
)

// stepIDs reads each step folder's `const ID = "…"`: the IDs nothing outside the folder may name.
func stepIDs(t *testing.T, root string) map[string]string {
	t.Helper()
	ids := map[string]string{} // id → folder
	dirs, err := filepath.Glob(filepath.Join(root, "steps", "*"))
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range dirs {
		for _, f := range goFiles(t, dir) {
			ast.Inspect(f.file, func(n ast.Node) bool {
				vs, ok := n.(*ast.ValueSpec)
				if !ok || len(vs.Names) != 1 || vs.Names[0].Name != "ID" || len(vs.Values) != 1 {
					return true
				}
				if lit, ok := vs.Values[0].(*ast.BasicLit); ok && lit.Kind == token.STRING {
					id, _ := strconv.Unquote(lit.Value)
					ids[id] = dir
				}
				return true
			})
		}
	}
	if len(ids) < 5 {
		t.Fatalf("found %d step IDs (%v) under steps/: the test no longer recognises how steps declare their ID", len(ids), ids)
	}
	return ids
}

type goFile struct {
	path string
	file *ast.File
	fset *token.FileSet
}

// goFiles parses the product (non-test) Go files directly in dir.
func goFiles(t *testing.T, dir string) []goFile {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var out []goFile
	for _, p := range paths {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, p, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, goFile{path: p, file: f, fset: fset})
	}
	return out
}

// namesStep reports whether a string literal names step id: it is the ID itself (a switch case, a
// map key) or a command line that runs it.
func namesStep(lit, id string) bool {
	if lit == id {
		return true
	}
	re := regexp.MustCompile(`hardsail (verify|plan|apply|undo) ([a-z-]+ )*` + regexp.QuoteMeta(id) + `\b`)
	return re.MatchString(lit)
}

// stepNamers returns every literal in files under dirs that names a step, except in the step's own
// folder.
func stepNamers(t *testing.T, root string, ids map[string]string, dirs []string) []string {
	t.Helper()
	var walk []string
	for _, d := range dirs {
		walk = append(walk, filepath.Join(root, d))
	}
	lits, err := layout.Literals(walk...)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, lit := range lits {
		for id, own := range ids {
			if namesStep(lit.Value, id) && lit.Dir != own {
				out = append(out, lit.Pos.String()+": names step "+strconv.Quote(id))
			}
		}
	}
	slices.Sort(out)
	return out
}

func TestNamesStepCatchesLiterals(t *testing.T) {
	for _, tc := range []struct {
		lit  string
		want bool
	}{
		{"firewall", true},
		{"run `hardsail apply firewall --ssh-cidr auto`", true},
		{"hardsail undo --all firewall", true},
		{"hardsail undo --all", false},
		{"The Lightsail firewall decides", false},
		{"hardsail plan firewalls", false},
	} {
		if got := namesStep(tc.lit, "firewall"); got != tc.want {
			t.Errorf("namesStep(%q) = %v, want %v", tc.lit, got, tc.want)
		}
	}
}

// Adding a step is one folder and one registry line: cmd/ and tui/ name no step, and steps/ outside
// a step's own folder names no other step (the registry imports them; it never names them).
func TestNoStepNamedOutsideItsFolder(t *testing.T) {
	root := filepath.Join("..", "..")
	ids := stepIDs(t, root)
	if v := stepNamers(t, root, ids, []string{"cmd", "tui", "steps"}); len(v) > 0 {
		t.Fatalf("step IDs named outside their step's folder (take them from the registry or the step):\n%s", strings.Join(v, "\n"))
	}
}

// The shipped binary links no test harness: not package testing, not the test host (the demo uses
// the emulator and internal/demohost, which need neither).
func TestBinaryLinksNoTestHarness(t *testing.T) {
	for _, p := range binaryDeps(t) {
		if p == "testing" || strings.HasPrefix(p, mod+"internal/testhost") || strings.HasPrefix(p, mod+"internal/moto") ||
			strings.HasPrefix(p, mod+"steps/steptest") || strings.HasPrefix(p, mod+"internal/world") {
			t.Errorf("the binary links %s", p)
		}
	}
}

// binaryDeps is what `go list -deps [flags] ./cmd/hardsail` prints at the repository root, a word
// each: the packages the shipped binary links (with -f, what the template says of each).
func binaryDeps(t *testing.T, flags ...string) []string {
	t.Helper()
	cmd := exec.Command("go", append(append([]string{"list", "-deps"}, flags...), "./cmd/hardsail")...)
	cmd.Dir = filepath.Join("..", "..")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps ./cmd/hardsail: %v", err)
	}
	return strings.Fields(string(out))
}
